"""What needs an operator now: stalled partitions, data lost to retention, services out of reach.

``assay status`` shows this. Stalls and losses are the records the pipeline keeps
(`assay.pipeline.problems`); an expiry the next ingest has not recorded yet is found here
from Kafka's offsets, so it shows before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from assay.config import Settings
from assay.errors import AssayError
from assay.pipeline import problems
from assay.pipeline.problems import Loss, Stall
from assay.store.objects import ObjectStore
from schemas import Contract

#: contract -> partition -> (log start, log end, committed offset of the ingest group)
PositionsOf = Callable[[Contract], dict[int, tuple[int, int, int | None]]]


@dataclass(frozen=True)
class Expired:
    """Offsets that left Kafka after the ingest group's committed offset, not landed."""

    contract: str
    partition: int
    start: int
    end: int


@dataclass
class Health:
    """Everything that keeps data from landing or being accounted for."""

    stalls: list[Stall] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    expired: list[Expired] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing needs an operator (acknowledged losses are settled)."""
        open_losses = [x for x in self.losses if not x.acknowledged]
        return not (self.stalls or open_losses or self.expired or self.unreachable)


def pipeline_health(
    store: ObjectStore,
    raw_bucket: str,
    reports_bucket: str,
    contracts: Iterable[Contract],
    positions_of: PositionsOf,
) -> Health:
    """Stalls, losses and unrecorded expiries of every contract; what could not be read.

    A service found out of reach is not asked again for the next contract: each try waits
    out its timeouts, and one line says it.
    """
    health, down = Health(), set()
    for contract in contracts:
        if "s3" not in down:
            try:
                health.stalls += problems.stalls(store, reports_bucket, contract)
                health.losses += problems.losses(store, raw_bucket, contract)
            except AssayError as exc:
                health.unreachable.append(f"object store: {exc}")
                down.add("s3")
        if "kafka" not in down:
            try:
                health.expired += _expired(contract, positions_of(contract))
            except AssayError as exc:
                health.unreachable.append(f"Kafka: {exc}")
                down.add("kafka")
    return health


def _expired(
    contract: Contract, positions: dict[int, tuple[int, int, int | None]]
) -> list[Expired]:
    return [
        Expired(contract.name, p, committed, low)
        for p, (low, _, committed) in sorted(positions.items())
        if committed is not None and low > committed
    ]


def run_health(settings: Settings, contracts: Iterable[Contract]) -> Health:
    """`pipeline_health` against the real broker and S3 server (what `assay status` shows)."""
    from assay.pipeline.ingest.consumer import ingest_group, positions
    from assay.store.objects import S3Store
    from schemas import topic_name

    def positions_of(contract: Contract) -> dict[int, tuple[int, int, int | None]]:
        return positions(settings, topic_name(contract), ingest_group(contract.name))

    return pipeline_health(
        S3Store(settings), settings.bucket_raw, settings.bucket_reports, contracts, positions_of
    )
