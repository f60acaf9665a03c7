"""The ``reader`` profile: a pilot base verifies a downloaded release with no Airflow, no Great
Expectations and no Kafka client importable (tests/reader_profile.py blocks them)."""

from __future__ import annotations

from pathlib import Path

from reader_profile import blocked_modules, run_as_reader

from assay.govern.releases import create_release, download_release
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, KEY, TERMS, request


def test_the_profile_leaves_out_airflow_gx_and_kafka() -> None:
    assert {"airflow", "great_expectations", "confluent_kafka", "kafka", "duckdb"} <= (
        blocked_modules()
    )
    assert not {"minio", "pyarrow", "numpy", "typer"} & blocked_modules()


def test_a_reader_verifies_a_downloaded_release(
    store: MemoryStore, params: Contract, tmp_path: Path
) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    folder = download_release(store, BUCKETS.releases, "process_params", "1.0.0", tmp_path)
    done = run_as_reader("release", "verify", str(folder))
    assert done.returncode == 0, done.stderr
    assert "downloaded files verified" in done.stdout


def test_every_reader_command_loads(tmp_path: Path) -> None:
    for command in ("ls", "show", "open", "verify", "download"):
        done = run_as_reader("release", command, "--help")
        assert done.returncode == 0, (command, done.stderr)
