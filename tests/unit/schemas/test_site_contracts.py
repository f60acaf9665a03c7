"""A site's own contracts beside the shipped ones: linted at load, a broken one skipped."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import ContractRegistry, LintCode, load_contract, load_site_contracts
from schemas._loader import shipped_contracts_dir


def site_contract(folder: Path, name: str = "press_line") -> Path:
    """A sound contract named ``name``: the energy meter's, renamed."""
    text = (shipped_contracts_dir() / "energy_meter.yaml").read_text(encoding="utf-8")
    path = folder / f"{name}.yaml"
    path.write_text(text.replace("name: energy_meter", f"name: {name}", 1), encoding="utf-8")
    return path


def test_a_site_contract_joins_the_shipped_ones(tmp_path: Path) -> None:
    site_contract(tmp_path)
    registry = ContractRegistry.site([tmp_path])
    assert registry.get("press_line").name == "press_line"
    assert len(registry) == len(ContractRegistry.shipped()) + 1
    assert registry.problems == ()
    assert load_contract("press_line", search=[tmp_path]).name == "press_line"


def test_a_broken_contract_is_reported_with_file_and_line_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site_contract(tmp_path)
    broken = site_contract(tmp_path, "broken_line")
    broken.write_text(broken.read_text().replace("partitions: 6", "partitions: many"))
    with caplog.at_level(logging.WARNING, logger="schemas._loader"):
        registry = ContractRegistry.site([tmp_path])
    assert ("press_line", 1) in registry and ("broken_line", 1) not in registry
    (problem,) = registry.problems
    assert problem.file == str(broken) and problem.line == 21
    assert f"{broken}:21:" in caplog.text


def test_a_missing_folder_is_a_problem_not_silence(tmp_path: Path) -> None:
    contracts, problems = load_site_contracts([tmp_path / "nowhere"])
    assert contracts == []
    (problem,) = problems
    assert problem.file == str(tmp_path / "nowhere") and problem.code == LintCode.INVALID_VALUE


def test_a_file_that_is_not_text_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    contracts, (problem,) = load_site_contracts([tmp_path])
    assert contracts == [] and problem.file == str(tmp_path / "binary.yaml")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_no_file_content_makes_loading_raise(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "anything.yaml").write_bytes(data)
        contracts, problems = load_site_contracts([folder])
    assert len(contracts) + len(problems) >= 1
