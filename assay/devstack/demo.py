"""The end-to-end demo: a simulated factory with known faults, through the real pipeline.

For every shipped contract the simulator generates a small fleet's readings with faults
injected in exact numbers and writes the ground truth; the edge's encoder sends them to
Kafka under a producer id of this run. The running Airflow DAGs (woken by the topic
watchers) land and validate them; the demo waits until every reading of this run is
accounted for, then compares what the pipeline did with what was injected.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assay.config import Settings

FAULTS = {
    "out_of_range": 5,
    "missing_field": 3,
    "duplicate": 4,
    "corrupt": 2,
    "wrong_type": 2,
    "stuck": 1,
    "counter_reset": 2,
    "legitimate_reset": 1,
    "late": 2,
    "clock_skew": 2,
}
DEVICES, RATE = 3, 1.0
COUNTS = (400, 800, 1200, 2400)  # readings per device, tried in turn until the faults fit


@dataclass
class Outcome:
    """What the pipeline did with one contract's readings of this run."""

    contract: str
    expected: dict[str, Any]
    quarantine_expected: Counter[str]
    curated: int = 0
    quarantined: int = 0
    dead_lettered: int = 0
    quarantine_by_rule: Counter[str] = field(default_factory=Counter)

    @property
    def done(self) -> bool:
        """Every reading of this run has reached its final place."""
        e = self.expected
        return (
            self.curated + self.quarantined >= e["curated"] + e["quarantined"]
            and self.dead_lettered >= e["dead_lettered"]
        )

    @property
    def exact(self) -> bool:
        """Curated, quarantined by rule and dead letters all match the ground truth."""
        e = self.expected
        return (self.curated, self.quarantined, self.dead_lettered) == (
            e["curated"],
            e["quarantined"],
            e["dead_lettered"],
        ) and self.quarantine_by_rule == self.quarantine_expected


def simulate(
    contract_name: str, producer_id: str, out: Path, settings: Settings, now: datetime
) -> dict[str, Any]:
    """Generate and send one contract's readings; return its ground truth."""
    from producers.simulator import (
        FaultKind,
        Simulation,
        SimulatorConfig,
        SimulatorError,
        supported_kinds,
    )
    from schemas import load_contract

    contract = load_contract(contract_name)
    kinds = {k.value for k in supported_kinds(contract)}
    faults = {FaultKind(k): n for k, n in FAULTS.items() if k in kinds}
    last_error: Exception | None = None
    for count in COUNTS:
        start = (now - timedelta(seconds=count / RATE)).replace(microsecond=0)
        # Device ids of their own: stream rules (counters, gaps) follow a device across
        # producers, and earlier runs on the same stack must not look like this run's past.
        config = SimulatorConfig(
            contract=contract_name,
            devices=DEVICES,
            rate=RATE,
            seed=7,
            start=start,
            count=count,
            faults=faults,
            device_prefix=f"d{now:%H%M%S}",
            image_dir=out / "images" / contract_name,
        )
        try:
            simulation = Simulation(config, contract)
            items = list(simulation.run())
        except SimulatorError as exc:  # faults do not fit this many readings: try more
            last_error = exc
            continue
        _send(items, contract, producer_id, settings)
        return simulation.truth()
    raise RuntimeError(f"{contract_name}: the demo's faults do not fit: {last_error}")


def _send(items: list[Any], contract: Any, producer_id: str, settings: Settings) -> None:
    from assay.devstack.stack.kafka_auth import EDGE_DEMO, principal_security, signing_key
    from producers.signing import SigningTransport
    from producers.simulator import KafkaOutput, send_all
    from producers.sink import KafkaSettings, KafkaTransport

    # As a gateway would: the edge principal, which may write contract topics and nothing else,
    # signing every record with its own key.
    security = principal_security(settings, EDGE_DEMO)
    kafka = KafkaTransport(KafkaSettings(bootstrap=settings.bootstrap, security=security))
    transport = SigningTransport(kafka, EDGE_DEMO, signing_key(settings, EDGE_DEMO))
    output = KafkaOutput(transport, producer_id)
    try:
        send_all(items, contract, producer_id, output)
        transport.flush(60)
    finally:
        transport.close(30)
    if output.errors:
        raise RuntimeError(
            f"{contract.name}: Kafka refused {len(output.errors)} messages: {output.errors[0]}"
        )


def expected_quarantine(truth: dict[str, Any]) -> Counter[str]:
    """Quarantined rows per rule the ground truth predicts."""
    counts: Counter[str] = Counter()
    for fault in truth["faults"].values():
        if fault["outcome"] == "quarantine":
            counts[fault["rule"]] += fault["rows"]
    return counts


def observe(settings: Settings, outcome: Outcome, producer_id: str) -> None:
    """Count this run's readings in curated, quarantine and dead letters."""
    curated = _rows(settings, settings.bucket_curated, outcome.contract, producer_id, ["seq"])
    quarantined = _rows(
        settings, settings.bucket_quarantine, outcome.contract, producer_id, ["seq", "failed_rules"]
    )
    outcome.curated, outcome.quarantined = len(curated), len(quarantined)
    outcome.quarantine_by_rule = Counter(r for row in quarantined for r in row["failed_rules"])
    outcome.dead_lettered = _dead_letters(settings, outcome.contract, producer_id)


def _dataset(settings: Settings, bucket: str, contract: str) -> Any:
    import pyarrow.dataset as ds

    from assay.store import layout
    from assay.store.objects import arrow_filesystem, s3_client

    prefix = layout.dataset_prefix(contract, 1)
    if not any(True for _ in s3_client(settings).list_objects(bucket, prefix=prefix)):
        return None
    return ds.dataset(
        f"{bucket}/{prefix}",
        filesystem=arrow_filesystem(settings),
        format="parquet",
        exclude_invalid_files=True,
    )


def _rows(
    settings: Settings, bucket: str, contract: str, producer_id: str, columns: list[str]
) -> list[dict[str, Any]]:
    import pyarrow.dataset as ds

    dataset = _dataset(settings, bucket, contract)
    if dataset is None:
        return []
    return dataset.to_table(
        filter=ds.field("producer_id") == producer_id, columns=columns
    ).to_pylist()


def _dead_letters(settings: Settings, contract: str, producer_id: str) -> int:
    dataset = _dataset(settings, settings.bucket_deadletter, contract)
    if dataset is None:
        return 0
    wanted = {"key": "producer_id", "value": producer_id.encode()}
    headers = dataset.to_table(columns=["headers"])["headers"].to_pylist()
    return sum(1 for h in headers if wanted in h)


def wait(
    settings: Settings,
    outcomes: list[Outcome],
    producer_id: str,
    timeout: float,
    tick: Callable[[list[Outcome]], None],
    nudge_after: float | None = None,
) -> bool:
    """Poll until every outcome is done (True) or ``timeout`` seconds pass (False).

    With ``nudge_after``, an ingest DAG whose readings have not started to arrive by then is
    triggered once through the REST API: on a stack that has just started, the topic watcher
    may begin listening after the readings were sent, and the fallback schedule is minutes away.
    """
    started = time.monotonic()
    nudged: set[str] = set()
    while True:
        for outcome in outcomes:
            if not outcome.done:
                observe(settings, outcome, producer_id)
        tick(outcomes)
        if all(o.done for o in outcomes):
            return True
        if time.monotonic() - started > timeout:
            return False
        if nudge_after is not None and time.monotonic() - started > nudge_after:
            _nudge(settings, outcomes, nudged)
        time.sleep(5)


def _nudge(settings: Settings, outcomes: list[Outcome], nudged: set[str]) -> None:
    from assay.devstack import airflow_client

    for outcome in outcomes:
        if outcome.contract not in nudged and outcome.curated + outcome.quarantined == 0:
            airflow_client.trigger(settings, f"assay_ingest_{outcome.contract}")
            nudged.add(outcome.contract)


def wait_for_dags(settings: Settings, contracts: list[str], timeout: float = 180) -> list[str]:
    """Wait until Airflow knows every contract's DAGs; the ones still missing at the end."""
    from assay.devstack import airflow_client

    wanted = [f"assay_{stage}_{c}" for c in contracts for stage in ("ingest", "validate")]
    deadline = time.monotonic() + timeout
    while True:
        missing = [d for d in wanted if not airflow_client.dag_exists(settings, d)]
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(3)


def run_id(now: datetime) -> str:
    """This run's producer id: ``demo-<UTC time>``."""
    return f"demo-{now.astimezone(UTC):%Y%m%dt%H%M%S}"


def write_truth(out: Path, truths: dict[str, Any]) -> Path:
    """Keep the ground truth beside the run's images."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "truth.json"
    path.write_text(json.dumps(truths, indent=1, ensure_ascii=False, default=str))
    return path
