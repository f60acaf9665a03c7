"""The contract model: one dataset's fields, keys, partitioning and quality rules.

A ``Contract`` validated by pydantic is *well-formed*: every key is known and
every value has the right shape. Cross-field sense (units pint knows, min below
max, rules pointing at real fields, masking for L3 data) is checked by
``check_contract``; the loaders run both, so a loaded contract is sound.

``key`` is the natural key of a reading in the curated dataset (unique);
``ordering`` (producer_id + seq) deduplicates replays; ``partition_by`` lists
``date`` (the UTC date of the event time) and/or field names.

How JSON readings are decoded: ``unknown_fields`` says whether a reading with
fields the contract does not declare is dead-lettered (``reject``, the default)
or kept without them (``drop``, the names counted per segment);
``event_time_encoding`` whether the event time is an RFC 3339 string (default)
or a number of seconds, milliseconds or microseconds since the epoch
(``epoch_s``, ``epoch_ms``, ``epoch_us``); ``timezone`` the IANA zone of a
source that writes local times without an offset (e.g. ``Asia/Shanghai``):
without it such timestamps are dead-lettered, never taken as UTC.

Who may write: ``identity: signed`` quarantines every reading not signed by a gateway
principal allowed its producer_id; ``open`` (the default, for foreign producers) accepts
unsigned readings unless a registered gateway owns their producer_id (docs/security.md).
``max_seq_jump`` bounds how far one reading's seq may lie beyond its producer's watermark
before it is quarantined (``seq_jump``) instead of moving it. docs/contracts.md describes
every key.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from schemas._duration import DURATION_PATTERN
from schemas._vocabulary import Classification, DataDomain, Masking, Scenario, SecurityLevel

__all__ = [
    "FIELD_TYPES",
    "Contract",
    "FieldSpec",
    "FieldType",
    "Ordering",
    "Precision",
    "Retention",
    "Text",
]

FieldType = Literal[
    "string",
    "int64",
    "float64",
    "bool",
    "timestamp",
    "date",
    "enum",
    "binary_ref",
    "float64_list",
]
FIELD_TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]
Precision = Literal["ms", "us"]
UnknownFields = Literal["reject", "drop"]
EventTimeEncoding = Literal["rfc3339", "epoch_s", "epoch_ms", "epoch_us"]

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
SEMVER_PATTERN = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Duration = Annotated[str, StringConstraints(pattern=DURATION_PATTERN)]
Number = int | float
# In the zone database, but not a place: the machine's own zone, a copy, a placeholder.
_NOT_SOURCE_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_SOURCE_ZONES


def _iana_zone(name: str) -> str:
    if name not in _zone_names():
        raise ValueError(f"{name!r} is not an IANA time zone name such as Asia/Shanghai")
    return name


Zone = Annotated[str, AfterValidator(_iana_zone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A bilingual text: 简体中文 first, English second."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class FieldSpec(_Strict):
    """One field of a reading: its type, meaning, bounds, grading and rules."""

    type: FieldType
    description: Text
    classification: Classification
    unit: str | None = Field(default=None, min_length=1)
    min: Number | None = None
    max: Number | None = None
    nullable: bool = False
    pattern: str | None = None
    values: tuple[str, ...] | None = None
    precision: Precision | None = None
    personal: bool = False
    masking: Masking | None = None
    monotonic_per: Name | None = None
    reset_below: Number | None = None
    max_gap: Duration | None = None
    stuck_after: int | None = Field(default=None, ge=2)
    freshness: Duration | None = None

    @property
    def restricted(self) -> bool:
        """True for L3 or personal fields, which releases mask unless granted."""
        return self.classification is Classification.L3 or self.personal


class Ordering(_Strict):
    """The fields that order one producer's readings and deduplicate replays."""

    producer: Name = "producer_id"
    sequence: Name = "seq"


class Retention(_Strict):
    """How long each stage keeps the data."""

    kafka: Duration = "7d"
    raw: Duration = "90d"
    curated: Duration = "1095d"


class Contract(_Strict):
    """The single source of truth for one dataset (envelope fields excluded)."""

    name: Name
    version: Annotated[str, StringConstraints(pattern=SEMVER_PATTERN)]
    title: Text
    description: Text
    scenario: Scenario
    owner: str = Field(min_length=1)
    data_domain: DataDomain
    security_level: SecurityLevel
    key: tuple[Name, ...] = Field(min_length=1)
    ordering: Ordering = Ordering()
    sequenced: bool = True
    event_time: Name = "event_time"
    partition_by: tuple[Name, ...] = ("date", "site")
    partitions: int = Field(ge=1, le=1024)
    retention: Retention = Retention()
    freshness: Duration | None = None
    max_event_age: Duration | None = None
    max_clock_skew: Duration | None = None
    fields: dict[Name, FieldSpec] = Field(min_length=1)
    unknown_fields: UnknownFields = "reject"
    event_time_encoding: EventTimeEncoding = "rfc3339"
    timezone: Zone | None = None
    identity: Literal["open", "signed"] = "open"
    max_seq_jump: int = Field(default=2**53, ge=1)
    #: The quality score (0-1) every GB/T 36344 dimension must reach; under it the console
    #: shows the dimension in red and `assay notify` tells the stewards. None: the site's.
    quality_threshold: float | None = Field(default=None, ge=0, le=1)

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        """The semantic version as ``(major, minor, patch)``."""
        major, minor, patch = (int(part) for part in self.version.split("."))
        return major, minor, patch

    @property
    def major(self) -> int:
        """The major version; a new major is a new Kafka topic."""
        return self.version_tuple[0]
