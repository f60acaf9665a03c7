"""Curated and quarantine layers as pilot bases and stewards read them: DuckDB, Polars, pyarrow.

A few hundred energy_meter readings (two sites, two days, some out of range) are landed and
validated by the pipeline's own functions into buckets of this module alone; each reader
then globs the curated layer with Hive partitioning and must see every curated row, with
the contract's ``partition_by`` fields as columns holding the values of the rows.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import date
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from assay.config import Settings
from assay.govern.releases._duckdb import connect
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.validate import curation
from assay.store import layout
from assay.store.objects import S3Store, arrow_filesystem, s3_client
from schemas import load_contract, wire

pytestmark = pytest.mark.integration

CONTRACT = load_contract("energy_meter")
TOPIC = "assay.energy_meter.v1"
READINGS = 400
SITES = ("plant-north", "plant-south")


def _out_of_range(n: int) -> bool:
    return n % 40 == 13


def _reading(n: int) -> dict[str, Any]:
    """Reading ``n``: sites alternate, the first half on 1 June, the second on 2 June.

    Four seconds apart, so each of the six meters reports every 24 s (max_gap is 30 s).
    """
    day, second = 1 + n * 2 // READINGS, n % (READINGS // 2) * 4
    stamp = f"2026-06-{day:02d}T08:{second // 60:02d}:{second % 60:02d}.000Z"
    return {
        "producer_id": "edge-readers",
        "seq": n,
        "site": SITES[n % 2],
        "device_id": f"meter-{n % 6}",
        "event_time": stamp,
        "ingest_time": stamp.replace(".000Z", ".500Z"),
        "active_power": 40.0 + n % 5,
        "active_energy": 100.0 + n,
        "voltage_l1": 9999.0 if _out_of_range(n) else 230.0,
        "current_l1": 60.0,
        "power_factor": 0.95,
        "frequency": 50.0,
    }


def _curated_per_partition() -> Counter[tuple[date, str]]:
    """What the curated layer must hold: readings in range, by (date, site)."""
    return Counter(
        (date(2026, 6, 1 + n * 2 // READINGS), SITES[n % 2])
        for n in range(READINGS)
        if not _out_of_range(n)
    )


@pytest.fixture(scope="module")
def buckets(stack_settings: Settings) -> curation.Buckets:
    """This module's buckets, with the readings landed and validated in them."""
    tag = uuid.uuid4().hex[:10]
    names = {r: f"it-rd-{r}-{tag}" for r in ("raw", "dead", "cur", "quar", "rep")}
    client = s3_client(stack_settings)
    for name in names.values():
        client.make_bucket(name)
    headers = ((wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0"))
    log = landing.MemoryPartition(
        [
            Record(TOPIC, 0, n, 0, b"m", json.dumps(_reading(n)).encode(), headers)
            for n in range(READINGS)
        ]
    )
    store = S3Store(stack_settings)
    land = landing.Buckets(raw=names["raw"], deadletter=names["dead"], reports=names["rep"])
    landing.land_partition(log, store, land, CONTRACT, max_records=150)
    checked = curation.Buckets(
        raw=names["raw"], curated=names["cur"], quarantine=names["quar"], reports=names["rep"]
    )
    summaries = curation.validate_pending(store, checked, CONTRACT, 0)
    assert sum(s.curated for s in summaries) == sum(_curated_per_partition().values())
    return checked


def _glob(bucket: str) -> str:
    return f"s3://{bucket}/{layout.dataset_prefix(CONTRACT.name, CONTRACT.major)}**/*.parquet"


def test_the_shipped_layout_is_partitioned_by_date_and_site() -> None:
    assert CONTRACT.partition_by == ("date", "site")


def test_duckdb_reads_curated_with_hive_partitions(
    stack_settings: Settings, buckets: curation.Buckets
) -> None:
    con = connect(stack_settings)
    query = f"""
        SELECT date, site, count(*) FROM read_parquet('{_glob(buckets.curated)}',
                                                      hive_partitioning = true)
        GROUP BY ALL ORDER BY ALL"""
    got = {(d, s): n for d, s, n in con.sql(query).fetchall()}
    assert got == dict(_curated_per_partition())
    columns = con.sql(
        f"DESCRIBE SELECT * FROM read_parquet('{_glob(buckets.curated)}', hive_partitioning=true)"
    ).fetchall()
    types = {name: kind for name, kind, *_ in columns}
    assert (types["date"], types["site"]) == ("DATE", "VARCHAR")


def test_duckdb_reads_quarantine_with_the_failed_rule(
    stack_settings: Settings, buckets: curation.Buckets
) -> None:
    con = connect(stack_settings)
    query = f"""
        SELECT rule, count(*) FROM (
            SELECT unnest(failed_rules) AS rule
            FROM read_parquet('{_glob(buckets.quarantine)}', hive_partitioning = true))
        GROUP BY rule"""
    bad = sum(1 for n in range(READINGS) if _out_of_range(n))
    assert dict(con.sql(query).fetchall()) == {"range:voltage_l1": bad}
    seqs = con.sql(f"SELECT seq FROM read_parquet('{_glob(buckets.quarantine)}') ORDER BY seq")
    assert [s for (s,) in seqs.fetchall()] == [n for n in range(READINGS) if _out_of_range(n)]
    partitions = con.sql(
        f"SELECT DISTINCT partition FROM read_parquet('{_glob(buckets.quarantine)}', "
        "hive_partitioning = true)"
    ).fetchall()
    assert partitions == [(0,)]


def test_polars_scans_curated_with_hive_partitions(
    stack_settings: Settings, buckets: curation.Buckets
) -> None:
    access, secret = stack_settings.s3_credentials()
    options = {
        "aws_access_key_id": access,
        "aws_secret_access_key": secret,
        "aws_endpoint_url": stack_settings.endpoint,
        "aws_region": stack_settings.s3_region,
        "aws_allow_http": "true",
    }
    frame = pl.scan_parquet(_glob(buckets.curated), storage_options=options, hive_partitioning=True)
    counts = frame.group_by("date", "site").len().collect()
    assert {(d, s): n for d, s, n in counts.iter_rows()} == dict(_curated_per_partition())
    assert counts.schema["date"] == pl.Date and counts.schema["site"] == pl.String


def test_pyarrow_dataset_reads_curated_with_hive_partitions(
    stack_settings: Settings, buckets: curation.Buckets
) -> None:
    partitioning = ds.partitioning(
        pa.schema([("date", pa.date32()), ("site", pa.string())]), flavor="hive"
    )
    dataset = ds.dataset(
        f"{buckets.curated}/{layout.dataset_prefix(CONTRACT.name, CONTRACT.major)}",
        filesystem=arrow_filesystem(stack_settings),
        format="parquet",
        partitioning=partitioning,
    )
    table = dataset.to_table(columns=["date", "site"])
    got = Counter(zip(table["date"].to_pylist(), table["site"].to_pylist(), strict=True))
    assert got == _curated_per_partition()
    one_day = dataset.to_table(filter=ds.field("date") == date(2026, 6, 2))
    assert one_day.num_rows == sum(n for (d, _), n in got.items() if d == date(2026, 6, 2))
