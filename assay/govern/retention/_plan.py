"""What retention removes, decided by pure functions of times, versions and the contract.

The clock is the raw object's time (S3 ``LastModified``: when the segment landed), not the
readings' event times: event times come from devices and can be anything (a gateway with a
flat clock battery reports 1970), so data would expire the moment it landed. It is also the
clock S3 lifecycle rules count from.

- A segment's raw, dead-letter and quarantine objects go together once the raw object is
  ``retention.raw`` old; its curated objects once it is ``retention.curated`` old.
- Nothing goes before the segment is validated: an unvalidated segment's raw object is the
  only copy of its readings (the audit would report them lost).
- A version replaced by a newer one (a re-landed or re-validated object) goes once it has
  been replaced for the layer's retention; a delete marker goes with the last version
  behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from assay.store.versions import ObjectVersion
from schemas import Contract, parse_duration

#: The layers that follow ``retention.raw``: a segment's raw rows in three places.
RAW_LAYERS = ("raw", "deadletter", "quarantine")
CURATED_LAYERS = ("curated",)


@dataclass(frozen=True)
class Periods:
    """How long a contract keeps each layer."""

    raw: timedelta
    curated: timedelta

    @classmethod
    def of(cls, contract: Contract) -> Periods:
        """The contract's declared retention."""
        return cls(
            parse_duration(contract.retention.raw), parse_duration(contract.retention.curated)
        )

    def of_layer(self, layer: str) -> timedelta:
        """The period of one layer (dead letters and quarantine follow raw)."""
        return self.curated if layer in CURATED_LAYERS else self.raw


def due_layers(
    landed: datetime, now: datetime, periods: Periods, *, validated: bool, done: set[str]
) -> list[str]:
    """The layers of one segment to remove now, in removal order."""
    if not validated:
        return []
    age = now - landed
    layers = [*RAW_LAYERS] if age >= periods.raw else []
    layers += [*CURATED_LAYERS] if age >= periods.curated else []
    return [layer for layer in layers if layer not in done]


def noncurrent_due(
    versions: list[ObjectVersion], now: datetime, keep: timedelta
) -> list[ObjectVersion]:
    """Versions of one key (newest first) replaced at least ``keep`` ago, and a delete marker
    on top once nothing is left behind it."""
    due = [old for newer, old in pairwise(versions) if now - newer.modified >= keep]
    top = versions[0] if versions else None
    if top is not None and top.delete_marker and len(due) == len(versions) - 1:
        due.append(top)
    return due
