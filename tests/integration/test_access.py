"""Access roles on a private Versity Gateway: every refusal comes from the server.

Each test calls the S3 API through the minio SDK with one role's keys and expects the
server's own ``AccessDenied``; a positive control beside each shows the keys do work.
The gateway is private to this module (own state folder and port), so the shared stack's
users are never touched.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.retention import GOVERNANCE, Retention
from typer.testing import CliRunner

from assay.config import PIPELINE, ROOT, Settings
from assay.errors import StoreError
from assay.govern.access import add_grant, apply, load
from assay.store.objects import S3Store, s3_client

pytestmark = pytest.mark.integration

Gateway = Callable[[dict[str, list[str]]], Settings]

CURATED_KEY = "energy_meter/v1/date=2026-03-01/site=plant-a/seg.parquet"
RAW_KEY = "energy_meter/v1/partition=0/assay.energy_meter.v1-0-0.parquet"
OWN_RELEASE = "energy_meter/1.0.0/manifest.json"
OTHER_RELEASE = "process_params/1.0.0/manifest.json"


@pytest.fixture(scope="module")
def gateway(private_gateway: Gateway) -> Settings:
    """A private gateway with the pipeline buckets, a few objects and the roles applied."""
    settings = private_gateway({"base_a": ["energy_meter"]})
    root = s3_client(settings.as_role(ROOT))
    for bucket, key in [
        (settings.bucket_curated, CURATED_KEY),
        (settings.bucket_raw, RAW_KEY),
        (settings.bucket_reports, "energy_meter/v1/partition=0/seg/summary.json"),
        (settings.bucket_releases, OWN_RELEASE),
        (settings.bucket_releases, OTHER_RELEASE),
    ]:
        root.put_object(bucket, key, io.BytesIO(b"{}"), 2)
    add_grant(settings.state_dir, "base_b", "process_params")
    apply(settings)
    return settings


def client(settings: Settings, role: str) -> Minio:
    keys = load(settings.state_dir, role)
    return Minio(
        f"127.0.0.1:{settings.s3_port}",
        access_key=keys.access_key,
        secret_key=keys.secret_key.get_secret_value(),
        secure=False,
        region=settings.s3_region,
    )


def refused(call: Callable[[], Any]) -> S3Error:
    """Run an S3 call that the server must refuse; return its error."""
    with pytest.raises(S3Error) as err:
        call()
    assert err.value.code == "AccessDenied", err.value
    return err.value


def put(c: Minio, bucket: str, key: str, **kw: Any) -> Any:
    return c.put_object(bucket, key, io.BytesIO(b"x"), 1, **kw)


def get(c: Minio, bucket: str, key: str) -> bytes:
    resp = c.get_object(bucket, key)
    try:
        return resp.read()
    finally:
        resp.close()
        resp.release_conn()


def names(c: Minio, bucket: str, prefix: str | None = None) -> list[str]:
    return [o.object_name or "" for o in c.list_objects(bucket, prefix=prefix, recursive=True)]


def test_steward_reads_every_layer_and_release_and_cannot_put(gateway: Settings) -> None:
    steward = client(gateway, "steward")
    assert get(steward, gateway.bucket_curated, CURATED_KEY) == b"{}"
    assert get(steward, gateway.bucket_raw, RAW_KEY) == b"{}"
    assert names(steward, gateway.bucket_reports)
    refused(lambda: put(steward, gateway.bucket_curated, "energy_meter/v1/forged.parquet"))
    assert get(steward, gateway.bucket_releases, OWN_RELEASE) == b"{}"
    refused(lambda: put(steward, gateway.bucket_releases, "energy_meter/9.9.9/forged.json"))
    refused(lambda: steward.remove_object(gateway.bucket_raw, RAW_KEY))


def test_pilot_reads_only_its_granted_release(gateway: Settings) -> None:
    pilot = client(gateway, "pilot-base_a")
    assert get(pilot, gateway.bucket_releases, OWN_RELEASE) == b"{}"
    assert names(pilot, gateway.bucket_releases, "energy_meter/") == [OWN_RELEASE]
    refused(lambda: get(pilot, gateway.bucket_curated, CURATED_KEY))
    refused(lambda: get(pilot, gateway.bucket_releases, OTHER_RELEASE))
    refused(lambda: names(pilot, gateway.bucket_releases))
    refused(lambda: names(pilot, gateway.bucket_releases, "process_params/"))
    refused(lambda: put(pilot, gateway.bucket_releases, "energy_meter/1.0.0/forged"))


def test_a_granted_pilot_from_the_state_folder_reads_its_release(gateway: Settings) -> None:
    pilot = client(gateway, "pilot-base_b")
    assert get(pilot, gateway.bucket_releases, OTHER_RELEASE) == b"{}"
    refused(lambda: get(pilot, gateway.bucket_releases, OWN_RELEASE))


def test_pipeline_writes_its_buckets_but_never_reads_releases_or_deletes(
    gateway: Settings,
) -> None:
    pipeline = client(gateway, "pipeline")
    put(pipeline, gateway.bucket_raw, "energy_meter/v1/partition=0/p.parquet")
    assert get(pipeline, gateway.bucket_curated, CURATED_KEY) == b"{}"
    refused(lambda: get(pipeline, gateway.bucket_releases, OWN_RELEASE))
    refused(lambda: names(pipeline, gateway.bucket_releases))
    refused(lambda: put(pipeline, gateway.bucket_releases, "energy_meter/9.9.9/manifest.json"))
    err = refused(lambda: pipeline.remove_object(gateway.bucket_raw, RAW_KEY))
    assert "explicit deny" in err.message
    # Retention's one exception (a version in a data layer: test_retention.py); the
    # accounting in reports keeps every version.
    summary = "energy_meter/v1/partition=0/seg/summary.json"
    version = pipeline.stat_object(gateway.bucket_reports, summary).version_id
    refused(lambda: pipeline.remove_object(gateway.bucket_reports, summary, version_id=version))
    batch = pipeline.remove_objects(gateway.bucket_raw, [DeleteObject(RAW_KEY)])
    assert [e.code for e in batch] == ["AccessDenied"]
    assert get(pipeline, gateway.bucket_raw, RAW_KEY) == b"{}"
    refused(lambda: pipeline.make_bucket("assay-rogue"))


def test_tasks_settings_use_the_pipeline_keys(gateway: Settings) -> None:
    """What a task builds from its settings (`as_role(PIPELINE)`) is refused on releases."""
    store = S3Store(gateway.as_role(PIPELINE))
    assert store.get(gateway.bucket_curated, CURATED_KEY) == b"{}"
    with pytest.raises(StoreError) as err:
        store.get(gateway.bucket_releases, OWN_RELEASE)
    assert "AccessDenied" in str(err.value) and not err.value.missing


def test_releaser_adds_releases_under_retention_but_never_deletes(gateway: Settings) -> None:
    releaser = client(gateway, "releaser")
    assert get(releaser, gateway.bucket_curated, CURATED_KEY) == b"{}"
    assert get(releaser, gateway.bucket_releases, OWN_RELEASE) == b"{}"
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    key = "energy_meter/1.0.1/manifest.json"
    put(releaser, gateway.bucket_releases, key, retention=Retention(GOVERNANCE, until))
    err = refused(lambda: releaser.remove_object(gateway.bucket_releases, OWN_RELEASE))
    assert "explicit deny" in err.message
    refused(lambda: releaser.remove_object(gateway.bucket_releases, key))
    refused(lambda: put(releaser, gateway.bucket_curated, "energy_meter/v1/forged.parquet"))
    refused(lambda: put(releaser, gateway.bucket_raw, "energy_meter/v1/forged.parquet"))


def test_edge_only_puts_claim_checks(gateway: Settings) -> None:
    edge = client(gateway, "edge")
    put(edge, gateway.bucket_raw, "claims/visual_inspection/img-1.png")
    refused(lambda: names(edge, gateway.bucket_raw))
    refused(lambda: get(edge, gateway.bucket_raw, "claims/visual_inspection/img-1.png"))
    refused(lambda: put(edge, gateway.bucket_raw, "energy_meter/v1/partition=0/forged.parquet"))
    refused(lambda: put(edge, gateway.bucket_curated, "claims/x.png"))


def test_apply_again_changes_nothing(gateway: Settings) -> None:
    keys_before = load(gateway.state_dir, "steward")
    again = apply(gateway)
    assert again.created == []
    assert set(again.updated) >= {
        "edge",
        "pipeline",
        "releaser",
        "steward",
        "pilot-base_a",
        "pilot-base_b",
    }
    assert load(gateway.state_dir, "steward") == keys_before
    assert get(client(gateway, "steward"), gateway.bucket_curated, CURATED_KEY) == b"{}"


def test_cli_grants_a_pilot_and_shows_its_keys(gateway: Settings, tmp_path: Path) -> None:
    from assay.cli.app import app

    env = {
        "ASSAY_STATE_DIR": str(gateway.state_dir),
        "ASSAY_S3_ENDPOINT": gateway.endpoint,
        "ASSAY_CONFIG": str(tmp_path / "none.toml"),
        "ASSAY_PILOT_GRANTS": '{"base_a": ["energy_meter"]}',
    }
    runner = CliRunner()
    granted = runner.invoke(app, ["access", "grant-pilot", "base_c", "energy_meter"], env=env)
    assert granted.exit_code == 0, granted.output
    assert get(client(gateway, "pilot-base_c"), gateway.bucket_releases, OWN_RELEASE) == b"{}"
    secret = load(gateway.state_dir, "pilot-base_c").secret_key.get_secret_value()
    hidden = runner.invoke(app, ["access", "show", "pilot-base_c"], env=env)
    assert "assay-pilot-base_c" in hidden.output and secret not in hidden.output
    shown = runner.invoke(app, ["access", "show", "pilot-base_c", "--reveal"], env=env)
    assert secret in shown.output
