"""Releases on the real S3 server: approval, object lock, verify, mlcroissant, DuckDB.

Curated data is made by the real landing and curation functions into buckets of this
test alone; the release goes to a fresh object-lock bucket (COMPLIANCE, one day), so
what the server refuses is what a pilot base's release would refuse.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from minio.commonconfig import ENABLED
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig
from typer.testing import CliRunner

from assay.cli.app import app
from assay.config import PIPELINE, RELEASER, ROOT, Settings
from assay.errors import StoreError
from assay.govern.releases import (
    Buckets,
    LockedS3Store,
    LockTerms,
    MaskingKey,
    ReleaseExists,
    ReleaseRequest,
    ReleaseTampered,
    ReleaseWithdrawn,
    create_release,
    download_release,
    open_release,
    read_manifest,
    verify_release,
)
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.validate import curation
from assay.store.objects import S3Store, s3_client
from schemas import load_contract, wire

pytestmark = pytest.mark.integration

TOPIC = "assay.process_params.v1"
KEY = MaskingKey(b"integration-masking-key".ljust(32, b"."), "test")
CREATED = datetime.now(UTC).replace(microsecond=0)
OPERATORS = [f"OP{777700 + n}" for n in range(3)]


def reading(n: int) -> dict[str, Any]:
    minute = n * 7
    stamp = f"2026-04-{1 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:00.000Z"
    return {
        "producer_id": "edge-it",
        "seq": n,
        "site": "plant-it",
        "device_id": f"imm-{n % 2}",
        "event_time": stamp,
        "ingest_time": stamp,
        "mould_id": "M0007",
        "recipe_id": f"R{5000 + n % 4}",
        "material": "pc",
        "shot_count": n,
        "barrel_temp_nozzle": 231.5,
        "barrel_temp_front": 225.0,
        "barrel_temp_middle": 220.0,
        "barrel_temp_rear": 210.0,
        "mould_temp_fixed": 60.0,
        "mould_temp_moving": 61.0,
        "injection_pressure": 118.0,
        "holding_pressure": 80.0,
        "injection_speed": 90.0,
        "cycle_time": 32.0,
        "shot_weight": 55.0,
        "cushion": 4.5,
        "operator_id": OPERATORS[n % 3],
    }


def memory_log(count: int) -> landing.MemoryPartition:
    """``count`` readings on one Kafka partition, in memory."""
    headers = (
        (wire.HEADER_CONTRACT, b"process_params"),
        (wire.HEADER_VERSION, b"1.0.0"),
        (wire.HEADER_CONTENT_TYPE, wire.JSON.encode()),
    )
    return landing.MemoryPartition(
        [
            Record(TOPIC, 0, n, 0, b"imm", json.dumps(reading(n)).encode(), headers)
            for n in range(count)
        ]
    )


@pytest.fixture(scope="module")
def world(stack_settings: Settings) -> tuple[Settings, Buckets]:
    """Settings pointing at buckets of this module only, with curated data in them."""
    tag = datetime.now(UTC).strftime("%H%M%S%f")
    buckets = Buckets(
        raw=f"it-raw-{tag}",
        curated=f"it-cur-{tag}",
        reports=f"it-rep-{tag}",
        releases=f"it-rel-{tag}",
        quarantine=f"it-q-{tag}",
        deadletter=f"it-d-{tag}",
    )
    client = s3_client(stack_settings)
    for name in (buckets.raw, buckets.curated, buckets.reports, f"it-q-{tag}", f"it-d-{tag}"):
        client.make_bucket(name)
    client.make_bucket(buckets.releases, object_lock=True)
    client.set_bucket_versioning(buckets.releases, VersioningConfig(ENABLED))
    settings = stack_settings.model_copy(
        update={"bucket_releases": buckets.releases, "bucket_curated": buckets.curated}
    )
    store, contract = LockedS3Store(settings), load_contract("process_params")
    landing.land_partition(
        memory_log(300),
        store,
        landing.Buckets(raw=buckets.raw, deadletter=f"it-d-{tag}", reports=buckets.reports),
        contract,
    )
    checked = curation.Buckets(
        raw=buckets.raw, curated=buckets.curated, quarantine=f"it-q-{tag}", reports=buckets.reports
    )
    curation.validate_pending(store, checked, contract, 0)
    return settings, buckets


@pytest.fixture(scope="module")
def released(world: tuple[Settings, Buckets]) -> dict[str, Any]:
    settings, buckets = world
    return create_release(
        LockedS3Store(settings), buckets, _request(), KEY, LockTerms.after(CREATED, 1)
    ).manifest


def _request() -> ReleaseRequest:
    return ReleaseRequest(
        contract=load_contract("process_params"),
        version="1.0.0",
        date_from=date(2026, 4, 1),
        date_to=date(2026, 4, 2),
        created=CREATED,
        licence="CC-BY-4.0",
        requested_by="it-steward",
    )


def test_release_is_retained_and_verifies(
    world: tuple[Settings, Buckets], released: dict[str, Any]
) -> None:
    settings, buckets = world
    client = s3_client(settings)
    retention = client.get_object_retention(
        buckets.releases, "process_params/1.0.0/" + released["files"][0]["path"]
    )
    assert retention is not None and retention.mode == "COMPLIANCE"
    result = verify_release(LockedS3Store(settings), buckets.releases, "process_params", "1.0.0")
    documents = len(released["documents"])
    assert result.intact and result.pinned
    assert len(result.checked) == len(released["files"]) + documents
    assert released["totals"]["rows"] == 300


def test_recreating_the_version_is_refused(
    world: tuple[Settings, Buckets], released: dict[str, Any]
) -> None:
    settings, buckets = world
    with pytest.raises(ReleaseExists):
        create_release(
            LockedS3Store(settings), buckets, _request(), KEY, LockTerms.after(CREATED, 1)
        )


def test_locked_versions_cannot_be_deleted_or_replaced(
    world: tuple[Settings, Buckets], released: dict[str, Any]
) -> None:
    settings, buckets = world
    client, store = s3_client(settings), LockedS3Store(settings)
    key = "process_params/1.0.0/" + released["files"][0]["path"]
    original = client.stat_object(buckets.releases, key).version_id
    with pytest.raises(S3Error) as refused:
        client.remove_object(buckets.releases, key, version_id=original)
    assert refused.value.code == "AccessDenied"

    # A plain PUT is accepted but only stacks a new version on top of the locked one.
    intruder = client.put_object(buckets.releases, key, io.BytesIO(b"not parquet"), 11)
    result = verify_release(store, buckets.releases, "process_params", "1.0.0")
    assert result.ok and result.shadowed == [released["files"][0]["path"]]
    with pytest.raises(ReleaseTampered):
        open_release(settings, "process_params", "1.0.0")
    # The intruding version has no retention: removing it brings the release back.
    client.remove_object(buckets.releases, key, version_id=intruder.version_id)
    assert verify_release(store, buckets.releases, "process_params", "1.0.0").intact

    # A plain DELETE only adds a delete marker; the locked version is still there.
    client.remove_object(buckets.releases, key)
    assert verify_release(store, buckets.releases, "process_params", "1.0.0").shadowed
    marker = _delete_marker(settings, buckets.releases, key)
    client.remove_object(buckets.releases, key, version_id=marker)
    assert verify_release(store, buckets.releases, "process_params", "1.0.0").intact


def _delete_marker(settings: Settings, bucket: str, key: str) -> str:
    """The newest delete marker of a key (parsed by hand: the server's timestamps have
    nanoseconds, which the minio SDK's version listing cannot parse)."""
    import re

    client = s3_client(settings)
    response = client._execute("GET", bucket, query_params={"versions": "", "prefix": key})
    body = response.data.decode()
    markers = re.findall(r"<DeleteMarker>.*?<VersionId>(.*?)</VersionId>", body, re.S)
    assert markers, body
    return markers[0]


def test_no_restricted_value_reaches_the_server(
    world: tuple[Settings, Buckets], released: dict[str, Any]
) -> None:
    settings, buckets = world
    store = LockedS3Store(settings)
    for path in [f["path"] for f in released["files"]] + ["README.md", "croissant.json"]:
        data = store.get(buckets.releases, "process_params/1.0.0/" + path)
        assert not any(op.encode() in data for op in OPERATORS), path


def test_mlcroissant_reads_the_records_with_checksums(
    world: tuple[Settings, Buckets], released: dict[str, Any], tmp_path: Path
) -> None:
    import mlcroissant as mlc

    settings, buckets = world
    folder = download_release(
        LockedS3Store(settings), buckets.releases, "process_params", "1.0.0", tmp_path / "r"
    )
    dataset = mlc.Dataset(jsonld=str(folder / "croissant.json"))
    assert dataset.metadata.ctx.issues.errors == dataset.metadata.ctx.issues.warnings == set()
    assert len(list(dataset.records("readings"))) == released["totals"]["rows"]
    assert [r["splits/name"] for r in dataset.records("splits")] == ["train"]
    for f in released["files"]:  # each of these reads checks the file's sha256
        assert len(list(dataset.records(f"file:{f['path']}"))) == f["rows"]

    victim = folder / released["files"][0]["path"]
    victim.write_bytes(victim.read_bytes()[:-1] + b"\x00")
    logging.disable(logging.CRITICAL)
    try:
        tampered = mlc.Dataset(jsonld=str(folder / "croissant.json"))
        with pytest.raises(Exception, match="Download") as failed:
            list(tampered.records(f"file:{released['files'][0]['path']}"))
        assert "Hash of downloaded file" in str(failed.value.__cause__)
    finally:
        logging.disable(logging.NOTSET)


def test_mlcroissant_validate_passes_without_a_warning(
    world: tuple[Settings, Buckets], released: dict[str, Any], tmp_path: Path
) -> None:
    settings, buckets = world
    folder = download_release(
        LockedS3Store(settings), buckets.releases, "process_params", "1.0.0", tmp_path / "r"
    )
    command = [str(Path(sys.executable).parent / "mlcroissant"), "validate"]
    done = subprocess.run(
        [*command, "--jsonld", str(folder / "croissant.json")], capture_output=True, text=True
    )
    logged = [
        line for line in done.stderr.splitlines() if line[:1] in "WEF" and line[1:5].isdigit()
    ]
    assert (done.returncode, logged) == (0, [])
    doc = json.loads((folder / "croissant.json").read_text())
    assert "http://mlcommons.org/croissant/RAI/1.0" in doc["conformsTo"]


def test_duckdb_and_polars_read_the_release_from_the_server(
    world: tuple[Settings, Buckets], released: dict[str, Any]
) -> None:
    import polars as pl

    from assay.govern.releases import duckdb_connect

    settings, buckets = world
    # DuckDB's own S3 reader (httpfs), straight from the server: no pyarrow in between.
    con = duckdb_connect(settings)
    path = f"s3://{buckets.releases}/process_params/1.0.0/data/**/*.parquet"
    found = con.execute(
        "SELECT count(*), count(DISTINCT device_id), count(DISTINCT operator_id) "
        f"FROM read_parquet('{path}')"
    ).fetchall()
    assert found == [(released["totals"]["rows"], 2, 3)]
    by_date = con.execute(
        f"SELECT date, count(*) FROM read_parquet('{path}', hive_partitioning = true) GROUP BY ALL"
    ).fetchall()
    assert {str(d): n for d, n in by_date} == _rows_by_date(released)
    readings = open_release(settings, "process_params", "1.0.0")
    frame = pl.from_arrow(readings.to_table(columns=["device_id", "cycle_time"]))
    assert isinstance(frame, pl.DataFrame) and frame.height == released["totals"]["rows"]


def test_pyarrow_reads_the_release_as_a_hive_dataset_in_declared_order(
    world: tuple[Settings, Buckets], released: dict[str, Any]
) -> None:
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from assay.store.objects import arrow_filesystem

    settings, buckets = world
    fs = arrow_filesystem(settings)
    dataset = ds.dataset(
        f"{buckets.releases}/process_params/1.0.0/data/",
        filesystem=fs,
        format="parquet",
        partitioning="hive",
    )
    dates = Counter(dataset.to_table(columns=["date"])["date"].to_pylist())
    assert dict(dates) == _rows_by_date(released)
    opened = open_release(settings, "process_params", "1.0.0")
    first = min(dates)
    one_day = opened.to_table(filter=ds.field("date") == date.fromisoformat(first))
    assert one_day.num_rows == dates[first]
    for entry in released["files"]:
        meta = pq.read_metadata(
            fs.open_input_file(f"{buckets.releases}/process_params/1.0.0/{entry['path']}")
        )
        declared = meta.row_group(0).sorting_columns
        names = [meta.schema.to_arrow_schema().field(c.column_index).name for c in declared]
        assert names[:1] == ["device_id"] and not any(c.descending for c in declared)


def _rows_by_date(manifest: dict[str, Any]) -> dict[str, int]:
    rows: Counter[str] = Counter()
    for entry in manifest["files"]:
        rows[entry["date"]] += entry["rows"]
    return dict(rows)


# Releases with each role's own keys, on a private gateway whose buckets carry the roles'
# policies: the pipeline makes the curated data, the releaser the release, pilots read it.


@pytest.fixture(scope="module")
def guarded(private_gateway: Callable[[dict[str, list[str]]], Settings]) -> Settings:
    """A private gateway with curated data the pipeline role landed and validated."""
    settings = private_gateway({"base_a": ["process_params"], "base_b": ["energy_meter"]})
    pipeline = settings.as_role(PIPELINE)
    store, buckets = S3Store(pipeline), Buckets.from_settings(pipeline)
    contract = load_contract("process_params")
    landing.land_partition(memory_log(300), store, buckets, contract)
    curation.validate_pending(store, buckets, contract, 0)
    return settings


def _create(settings: Settings, version: str) -> Any:
    releaser = settings.as_role(RELEASER)
    request = replace(_request(), version=version)
    store, buckets = LockedS3Store(releaser), Buckets.from_settings(releaser)
    return create_release(store, buckets, request, KEY, LockTerms.after(CREATED, 1))


def test_the_releaser_releases_and_only_a_granted_pilot_reads_it(guarded: Settings) -> None:
    manifest = _create(guarded, "1.0.0").manifest
    releaser = LockedS3Store(guarded.as_role(RELEASER))
    result = verify_release(releaser, guarded.bucket_releases, "process_params", "1.0.0")
    assert result.intact and result.pinned and manifest["totals"]["rows"] == 300
    granted = open_release(guarded.as_role("pilot-base_a"), "process_params", "1.0.0")
    assert granted.count_rows() == 300
    with pytest.raises(StoreError) as refused:
        open_release(guarded.as_role("pilot-base_b"), "process_params", "1.0.0")
    assert "AccessDenied" in str(refused.value)
    with pytest.raises(StoreError):  # the pipeline cannot read releases either
        open_release(guarded.as_role(PIPELINE), "process_params", "1.0.0")


def test_two_concurrent_creations_of_one_version_one_fails_cleanly(guarded: Settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> str:
        try:
            _create(guarded, "2.0.0")
        except ReleaseExists as exc:
            return exc.path
        return "created"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(attempt, range(2)))
    assert outcomes[1] == "created" and outcomes[0] in {"claim.json", "manifest.json"}
    store = LockedS3Store(guarded.as_role(RELEASER))
    assert verify_release(store, guarded.bucket_releases, "process_params", "2.0.0").intact
    assert len(store.versions(guarded.bucket_releases, "process_params/2.0.0/lock.json")) == 1


def test_the_releaser_cannot_replace_a_release(guarded: Settings) -> None:
    original = _create(guarded, "3.0.0").manifest
    releaser = guarded.as_role(RELEASER)
    client, bucket, prefix = s3_client(releaser), guarded.bucket_releases, "process_params/3.0.0/"
    victim = original["files"][0]["path"]
    forged_data = b"PAR1 forged PAR1"
    digest = hashlib.sha256(forged_data).hexdigest()
    forged = {**original, "files": [{**original["files"][0], "sha256": digest}]}
    data = client.put_object(bucket, prefix + victim, io.BytesIO(forged_data), len(forged_data))
    body = json.dumps(forged).encode()
    client.put_object(bucket, prefix + "manifest.json", io.BytesIO(body), len(body))
    lock = json.dumps({"versions": {victim: data.version_id}}).encode()
    client.put_object(bucket, prefix + "lock.json", io.BytesIO(lock), len(lock))

    store = LockedS3Store(releaser)
    result = verify_release(store, bucket, "process_params", "3.0.0")
    assert result.ok and result.tampered and not result.intact
    assert set(result.shadowed) == {victim, "manifest.json", "lock.json"}
    assert read_manifest(store, bucket, "process_params", "3.0.0") == original
    with pytest.raises(ReleaseTampered):
        open_release(guarded.as_role("pilot-base_a"), "process_params", "3.0.0")
    forged_lock = store.versions(bucket, prefix + "lock.json")[-1]
    with pytest.raises(S3Error) as refused:  # nor can the releaser take the forgery back
        client.remove_object(bucket, prefix + "lock.json", version_id=forged_lock)
    assert refused.value.code == "AccessDenied"

    env = {
        "ASSAY_STATE_DIR": str(guarded.state_dir),
        "ASSAY_S3_ENDPOINT": guarded.endpoint,
        "ASSAY_CONFIG": str(guarded.state_dir / "none.toml"),
    }
    said = CliRunner().invoke(app, ["release", "verify", "process_params", "3.0.0"], env=env)
    assert said.exit_code == 1 and "tampered" in said.output and "lock.json" in said.output


def test_a_reader_install_lists_shows_downloads_verifies_and_opens(
    world: tuple[Settings, Buckets], released: dict[str, Any], tmp_path: Path
) -> None:
    from reader_profile import run_as_reader

    settings, buckets = world
    access, secret = settings.s3_credentials()
    env = {
        "ASSAY_S3_ENDPOINT": settings.endpoint,
        "ASSAY_S3_ACCESS_KEY": access,
        "ASSAY_S3_SECRET_KEY": secret,
        "ASSAY_BUCKET_RELEASES": buckets.releases,
    }
    listed = run_as_reader("release", "ls", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert ("process_params", "1.0.0") in {
        (r["contract"], r["version"]) for r in json.loads(listed.stdout)
    }
    shown = run_as_reader("release", "show", "process_params", "1.0.0", env=env)
    assert shown.returncode == 0 and released["files"][0]["path"] in shown.stdout, shown.stderr
    folder = tmp_path / "r"
    first = released["files"][0]["path"]
    (folder / first).parent.mkdir(parents=True)
    whole = LockedS3Store(settings).get(buckets.releases, "process_params/1.0.0/" + first)
    (folder / (first + ".part")).write_bytes(whole[:777])  # an interrupted download
    args = ("release", "download", "process_params", "1.0.0", "--out", str(folder))
    fetched = run_as_reader(*args, env=env)
    assert fetched.returncode == 0, fetched.stderr
    assert (folder / first).read_bytes() == whole
    verified = run_as_reader("release", "verify", str(folder))
    assert verified.returncode == 0, verified.stderr
    opened = run_as_reader("release", "open", "process_params", "1.0.0", env=env)
    assert opened.returncode == 0 and f"{released['totals']['rows']:,} rows" in opened.stdout


# The approval workflow with the releaser role's keys: a draft is not retained and not
# published; a second steward's approval publishes it locked; a withdrawal warns.


def _cli(settings: Settings, *args: str) -> Any:
    env = {
        "ASSAY_STATE_DIR": str(settings.state_dir),
        "ASSAY_S3_ENDPOINT": settings.endpoint,
        "ASSAY_CONFIG": str(settings.state_dir / "none.toml"),
        "ASSAY_STEWARD_ROLES": json.dumps({"mei": "steward", "li": "steward", "ops": "admin"}),
    }
    return CliRunner().invoke(app, list(args), env=env)


def _ask(settings: Settings, version: str, by: str) -> Any:
    return _cli(
        settings, "release", "create", "process_params", "--from", "2026-04-01", "--to",
        "2026-04-02", "--version", version, "--licence", "CC-BY-4.0", "--as", by,
        "--comment", "April for base A",
    )  # fmt: skip


def test_a_draft_is_approved_by_a_second_steward_and_locked(guarded: Settings) -> None:
    asked = _ask(guarded, "4.0.0", "mei")
    assert asked.exit_code == 0, asked.output
    releaser = guarded.as_role(RELEASER)
    client, bucket = s3_client(guarded.as_role(ROOT)), guarded.bucket_releases  # reads retention
    draft_file = next(
        k for k in S3Store(releaser).keys(bucket, "_drafts/process_params/4.0.0/data")
    )
    assert client.get_object_retention(bucket, draft_file) is None  # a draft is not retained
    listed = json.loads(_cli(guarded, "release", "ls", "process_params", "--json").output)
    assert "4.0.0" not in [r["version"] for r in listed]
    drafts = _cli(guarded, "release", "ls", "process_params", "--drafts", "--json").output
    assert {"version": "4.0.0", "state": "draft"}.items() <= next(
        r for r in json.loads(drafts) if r["version"] == "4.0.0"
    ).items()

    refused = _cli(guarded, "release", "approve", "process_params", "4.0.0", "--as", "mei")
    assert refused.exit_code == 1 and "requester cannot approve" in refused.output
    approved = _cli(
        guarded, "release", "approve", "process_params", "4.0.0", "--as", "li",
        "--comment", "card and grants checked",
    )  # fmt: skip
    assert approved.exit_code == 0, approved.output
    published = "process_params/4.0.0/" + draft_file.rsplit("/data/", 1)[1].join(["data/", ""])
    retention = client.get_object_retention(bucket, published)
    assert retention is not None and retention.mode == "COMPLIANCE"
    store = LockedS3Store(releaser)
    manifest = read_manifest(store, bucket, "process_params", "4.0.0")
    assert (manifest["request"]["by"], manifest["approval"]["by"]) == ("mei", "li")
    assert verify_release(store, bucket, "process_params", "4.0.0").intact
    shown = _cli(guarded, "release", "show", "process_params", "4.0.0")
    assert "requested by mei" in shown.output and "approved by li" in shown.output


def test_a_withdrawn_release_still_verifies_with_a_warning(guarded: Settings) -> None:
    assert _ask(guarded, "5.0.0", "mei").exit_code == 0
    assert (
        _cli(guarded, "release", "approve", "process_params", "5.0.0", "--as", "li").exit_code == 0
    )
    steward = _cli(guarded, "release", "withdraw", "process_params", "5.0.0", "--as", "li",
                   "--reason", "operator ids granted by mistake")  # fmt: skip
    assert steward.exit_code == 1  # withdrawing is for admins
    done = _cli(guarded, "release", "withdraw", "process_params", "5.0.0", "--as", "ops",
                "--reason", "operator ids granted by mistake")  # fmt: skip
    assert done.exit_code == 0, done.output
    verified = _cli(guarded, "release", "verify", "process_params", "5.0.0")
    assert verified.exit_code == 0 and "withdrawn by ops" in verified.output
    opened = _cli(guarded, "release", "open", "process_params", "5.0.0", "--rows", "1")
    assert opened.exit_code == 0 and "withdrawn by ops" in opened.output
    with pytest.warns(ReleaseWithdrawn):
        open_release(guarded.as_role("pilot-base_a"), "process_params", "5.0.0")


def test_one_step_approval_needs_a_single_steward_site(guarded: Settings) -> None:
    said = _cli(guarded, "release", "create", "process_params", "--from", "2026-04-01", "--to",
                "2026-04-02", "--version", "7.0.0", "--licence", "CC-BY-4.0", "--as", "mei",
                "--approve")  # fmt: skip
    assert said.exit_code == 1 and "second steward" in said.output
    status = _cli(guarded, "release", "show", "process_params", "7.0.0")
    assert status.exit_code == 1  # refused before anything was written


def test_a_licence_is_required(guarded: Settings) -> None:
    said = _cli(guarded, "release", "create", "process_params", "--from", "2026-04-01", "--to",
                "2026-04-02", "--version", "6.0.0", "--as", "mei")  # fmt: skip
    assert said.exit_code == 1 and "CC-BY-4.0" in said.output
