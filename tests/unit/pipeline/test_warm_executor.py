"""The warm LocalExecutor: what it imports before its workers fork, and what it skips."""

from __future__ import annotations

import logging
import sys

import pytest
from airflow.executors.local_executor import LocalExecutor

from assay.pipeline.airflow import warm_executor


def test_preload_imports_each_module_and_times_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    took = warm_executor.preload(("colorsys", "json"))
    assert set(took) == {"colorsys", "json"}
    assert all(seconds >= 0 for seconds in took.values())
    assert "colorsys" in sys.modules


def test_a_missing_library_is_named_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=warm_executor.__name__):
        took = warm_executor.preload(("no_such_library_here", "json"))
    assert set(took) == {"json"}
    assert "no_such_library_here" in caplog.text
    assert "ModuleNotFoundError" in caplog.text


def test_preloads_only_libraries_never_this_repository() -> None:
    # A task imports assay, validators and schemas itself, so edits apply without a restart.
    ours = {"assay", "validators", "schemas", "producers", "dags"}
    assert not {name.split(".")[0] for name in warm_executor.PRELOAD} & ours
    assert "great_expectations" in warm_executor.PRELOAD


def test_start_preloads_before_the_local_executor_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    monkeypatch.setattr(warm_executor, "preload", lambda: order.append("preload") or {})
    monkeypatch.setattr(LocalExecutor, "start", lambda self: order.append("fork workers"))
    executor = warm_executor.WarmLocalExecutor.__new__(warm_executor.WarmLocalExecutor)
    executor.start()
    assert order == ["preload", "fork workers"]
    assert isinstance(executor, LocalExecutor)
