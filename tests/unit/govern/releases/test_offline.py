"""A downloaded release: SHA256SUMS that `sha256sum -c` accepts, offline verification,
resumed downloads and declared sort order."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from assay.cli.release import app
from assay.govern.releases import (
    SUMS,
    NotAReleaseFolder,
    ReleaseTampered,
    create_release,
    download_release,
    download_size,
    read_manifest,
    verify_folder,
)
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, KEY, TERMS, request

PREFIX = "process_params/1.0.0/"
FIRST = "data/date=2026-03-01/plant-a-0000.parquet"


@pytest.fixture
def folder(store: MemoryStore, params: Contract, tmp_path: Path) -> Path:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    return download_release(store, BUCKETS.releases, "process_params", "1.0.0", tmp_path / "r")


def test_sha256sum_checks_a_downloaded_release(folder: Path) -> None:
    listed = (folder / SUMS).read_text().splitlines()
    assert any(line.endswith("  manifest.json") for line in listed)
    assert any(line.endswith("  odcs.yaml") for line in listed)
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "--quiet", "-c", SUMS], cwd=folder, check=True)


def test_a_downloaded_release_verifies_offline(folder: Path) -> None:
    result = verify_folder(folder)
    assert result.ok and (result.contract, result.version) == ("process_params", "1.0.0")
    assert FIRST in result.checked and "odcs.yaml" in result.checked
    assert CliRunner().invoke(app, ["verify", str(folder)]).exit_code == 0


def test_a_changed_file_is_named(folder: Path) -> None:
    data = bytearray((folder / FIRST).read_bytes())
    data[100] ^= 0xFF
    (folder / FIRST).write_bytes(bytes(data))
    problems = verify_folder(folder).problems
    assert {(p.path, p.kind) for p in problems} == {(FIRST, "sha256")}
    assert CliRunner().invoke(app, ["verify", str(folder)]).exit_code == 1


def test_sums_that_disagree_with_the_manifest_are_named(folder: Path) -> None:
    text = (folder / SUMS).read_text()
    digest = next(line for line in text.splitlines() if line.endswith(FIRST)).split()[0]
    (folder / SUMS).write_text(text.replace(digest, "0" * 64))
    (problem,) = verify_folder(folder).problems
    assert problem.path == SUMS and FIRST in problem.found


def test_a_folder_without_a_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAReleaseFolder) as err:
        verify_folder(tmp_path)
    assert err.value.folder == tmp_path


def test_an_interrupted_download_resumes_after_what_it_has(
    store: MemoryStore, params: Contract, tmp_path: Path
) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    whole = store.get(BUCKETS.releases, PREFIX + FIRST)
    (tmp_path / FIRST).parent.mkdir(parents=True)
    (tmp_path / (FIRST + ".part")).write_bytes(whole[:1000])
    counted: list[int] = []
    download_release(store, BUCKETS.releases, "process_params", "1.0.0", tmp_path, counted.append)
    assert (tmp_path / FIRST).read_bytes() == whole
    assert not (tmp_path / (FIRST + ".part")).exists()
    manifest = read_manifest(store, BUCKETS.releases, "process_params", "1.0.0")
    assert sum(counted) == download_size(manifest)
    assert verify_folder(tmp_path).ok


def test_a_part_that_cannot_be_completed_is_dropped_and_named(
    store: MemoryStore, params: Contract, tmp_path: Path
) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    (tmp_path / FIRST).parent.mkdir(parents=True)
    (tmp_path / (FIRST + ".part")).write_bytes(b"not the released bytes")
    with pytest.raises(ReleaseTampered) as err:
        download_release(store, BUCKETS.releases, "process_params", "1.0.0", tmp_path)
    assert err.value.paths == [FIRST]
    assert not (tmp_path / (FIRST + ".part")).exists()  # the next try starts clean


def test_release_files_declare_their_sort_order(folder: Path) -> None:
    meta = pq.read_metadata(io.BytesIO((folder / FIRST).read_bytes()))
    schema = meta.schema.to_arrow_schema()
    declared = meta.row_group(0).sorting_columns
    names = [schema.field(c.column_index).name for c in declared]
    assert names == ["device_id", "event_time", "producer_id", "seq"]
    assert not any(c.descending for c in declared)


def test_croissant_names_the_release_by_an_absolute_url(folder: Path) -> None:
    import json

    doc = json.loads((folder / "croissant.json").read_text())
    assert doc["url"] == f"s3://{BUCKETS.releases}/{PREFIX}"


def test_duckdb_and_pyarrow_read_a_downloaded_release_as_a_hive_dataset(folder: Path) -> None:
    import duckdb
    import pyarrow.dataset as ds

    rows = read_manifest_rows(folder)
    query = f"""SELECT date, site, count(*) FROM
        read_parquet('{folder}/data/**/*.parquet', hive_partitioning = true) GROUP BY ALL"""
    got = {(str(d), s): n for d, s, n in duckdb.sql(query).fetchall()}
    assert got == rows
    dataset = ds.dataset(folder / "data", format="parquet", partitioning="hive")
    table = dataset.to_table(columns=["date", "site"])
    pairs = zip(table["date"].to_pylist(), table["site"].to_pylist(), strict=True)
    assert {(d, s): n for (d, s), n in Counter(pairs).items()} == rows


def read_manifest_rows(folder: Path) -> dict[tuple[str, str], int]:
    """Rows per (date, site) as the manifest lists them."""
    manifest = json.loads((folder / "manifest.json").read_text())
    rows: Counter[tuple[str, str]] = Counter()
    for entry in manifest["files"]:
        rows[(entry["date"], entry["site"])] += entry["rows"]
    return dict(rows)
