"""Triage on a real S3 server with the steward role's keys: decide, curate, audit, no overwrite.

A private gateway holds process_params readings the pipeline role landed and validated,
some too hot for the contract's range; the steward accepts those (a probe was swapped)
through the command line, and the audit, with the steward's keys, shows them curated.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from minio.error import S3Error
from typer.testing import CliRunner

from assay.cli.app import app
from assay.config import PIPELINE, STEWARD, Settings
from assay.govern.audit import audit
from assay.govern.triage import decisions
from assay.pipeline.ingest import landing
from assay.pipeline.validate import curation
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import S3Store, s3_client
from schemas import load_contract

from ._world import edge_log
from .conftest import Gateway

pytestmark = pytest.mark.integration

TOPIC = "assay.process_params.v1"
COUNT = 120
PARAMS = load_contract("process_params")


def reading(n: int) -> dict[str, Any]:
    stamp = f"2026-04-01T{n // 60:02d}:{n % 60:02d}:00.000Z"
    return {
        "producer_id": "edge-triage", "seq": n, "site": "plant-t", "device_id": f"imm-{n % 2}",
        "event_time": stamp, "ingest_time": stamp, "mould_id": "M0007", "recipe_id": "R5000",
        "material": "pc", "shot_count": n, "barrel_temp_nozzle": 999.0 if n % 10 == 3 else 231.5,
        "barrel_temp_front": 225.0, "barrel_temp_middle": 220.0, "barrel_temp_rear": 210.0,
        "mould_temp_fixed": 60.0, "mould_temp_moving": 61.0, "injection_pressure": 118.0,
        "holding_pressure": 80.0, "injection_speed": 90.0, "cycle_time": 32.0,
        "shot_weight": 55.0, "cushion": 4.5, "operator_id": "OP777700",
    }  # fmt: skip


@pytest.fixture(scope="module")
def site(private_gateway: Gateway) -> Settings:
    settings = private_gateway({})
    pipeline = settings.as_role(PIPELINE)
    store, buckets = S3Store(pipeline), Buckets.from_settings(pipeline)
    landing.land_partition(
        edge_log(TOPIC, "process_params", map(reading, range(COUNT))),
        store,
        buckets,
        PARAMS,
        max_records=50,
    )
    curation.validate_pending(store, buckets, PARAMS, 0)
    return settings


def _cli(settings: Settings, *args: str) -> Any:
    env = {
        "ASSAY_STATE_DIR": str(settings.state_dir),
        "ASSAY_S3_ENDPOINT": settings.endpoint,
        "ASSAY_CONFIG": str(settings.state_dir / "none.toml"),
        "COLUMNS": "240",
    }
    return CliRunner().invoke(app, list(args), env=env)


def _audit(settings: Settings) -> Any:
    steward = settings.as_role(STEWARD)
    offsets = (0, COUNT, COUNT)
    return audit(
        S3Store(steward),
        Buckets.from_settings(steward),
        steward.bucket_deadletter,
        PARAMS,
        {0: offsets},
    )


def test_an_accepted_row_is_curated_and_the_audit_balances(site: Settings) -> None:
    before = _audit(site).totals
    assert before.quarantined == 12 and before.accepted == 0
    said = _cli(site, "quarantine", "decide", "accept", "--contract", "process_params",
                "--rule", "range:barrel_temp_nozzle", "--offset", "3",
                "--reason", "probe swapped on imm-1", "--as", "mei")  # fmt: skip
    assert said.exit_code == 0, said.output
    [decision] = decisions(S3Store(site.as_role(STEWARD)), site.bucket_quarantine, PARAMS)
    assert (decision.by, decision.verdict, [r.offset for r in decision.rows]) == (
        "mei",
        "accept",
        [3],
    )
    result = _audit(site)
    assert result.balanced, result.problems
    after = result.totals
    assert (after.accepted, after.curated, after.quarantined) == (
        1,
        before.curated + 1,
        before.quarantined - 1,
    )
    listed = _cli(site, "quarantine", "decisions", "process_params")
    assert decision.id in listed.output and "mei" in listed.output


def test_a_decision_cannot_be_overwritten(site: Settings) -> None:
    said = _cli(site, "quarantine", "decide", "reject", "--contract", "process_params",
                "--offset", "13", "--reason", "a real overheat", "--as", "li")  # fmt: skip
    assert said.exit_code == 0, said.output
    steward = site.as_role(STEWARD)
    store = S3Store(steward)
    found = {d.verdict: d for d in decisions(store, site.bucket_quarantine, PARAMS)}
    key = layout.decision_key("process_params", 1, found["reject"].id)
    assert store.create(site.bucket_quarantine, key, b"{}") is False  # create-only
    client = s3_client(steward)
    with pytest.raises(S3Error) as refused:
        client.remove_object(site.bucket_quarantine, key)
    assert refused.value.code == "AccessDenied"
    again = _cli(site, "quarantine", "decide", "accept", "--contract", "process_params",
                 "--offset", "13", "--reason", "changed my mind", "--as", "li")  # fmt: skip
    assert again.exit_code == 1 and "no undecided" in again.output
    assert _audit(site).totals.rejected == 1


def test_the_steward_writes_only_decisions_and_accepted_objects(site: Settings) -> None:
    client = s3_client(site.as_role(STEWARD))
    curated = S3Store(site.as_role(STEWARD)).keys(site.bucket_curated, "process_params/")
    segment_object = next(k for k in curated if layout.accepted_decision(k) is None)
    with pytest.raises(S3Error) as refused:
        client.put_object(site.bucket_curated, segment_object, io.BytesIO(b"x"), 1)
    assert refused.value.code == "AccessDenied"
    with pytest.raises(S3Error):
        client.put_object(
            site.bucket_quarantine, "process_params/v1/x.parquet", io.BytesIO(b"x"), 1
        )
