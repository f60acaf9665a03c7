"""``assay contracts`` driven through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from schemas_testkit import energy, replace, spec, with_field
from typer.testing import CliRunner

from assay.cli.contracts import app
from schemas import Contract, dump_contract

BROKEN = Path(__file__).parent / "broken"
runner = CliRunner(env={"COLUMNS": "200"})


def _write(folder: Path, name: str, contract: Contract) -> Path:
    path = folder / name
    path.write_text(dump_contract(contract), encoding="utf-8")
    return path


def test_lint_shipped_contracts_passes() -> None:
    result = runner.invoke(app, ["lint"])
    assert result.exit_code == 0, result.output


def test_lint_broken_contracts_prints_one_line_per_error_and_fails() -> None:
    result = runner.invoke(app, ["lint", str(BROKEN)])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith(str(BROKEN))]
    assert len(lines) == 28
    assert f"{BROKEN / 'unknown_unit.yaml'}:16: unknown-unit " in result.stdout
    assert all("(fix: " in line for line in lines)


def test_lint_one_file() -> None:
    result = runner.invoke(app, ["lint", str(BROKEN / "duplicate_field.yaml")])
    assert result.exit_code == 1
    assert result.stdout.strip().endswith("(fix: rename or remove one of the two)")


def test_diff_compatible_change_with_minor_bump_passes(tmp_path: Path) -> None:
    new = replace(with_field(energy(), "thd", spec(nullable=True)), version="1.1.0")
    old_path, new_path = (
        _write(tmp_path, "energy_meter.yaml", energy()),
        _write(tmp_path, "energy_meter.v1.1.yaml", new),
    )
    result = runner.invoke(app, ["diff", str(old_path), str(new_path)])
    assert result.exit_code == 0, result.output
    assert "field_added" in result.stdout and "compatible" in result.stdout


def test_diff_breaking_change_without_major_bump_fails(tmp_path: Path) -> None:
    new = replace(with_field(energy(), "frequency", None), version="1.1.0")
    result = runner.invoke(
        app, ["diff", "energy_meter", str(_write(tmp_path, "energy_meter.yaml", new))]
    )
    assert result.exit_code == 1
    assert "field_removed" in result.stdout and "breaking" in result.stdout
    assert "2.0.0" in result.stdout


def test_diff_of_identical_contracts_passes() -> None:
    result = runner.invoke(app, ["diff", "energy_meter", "energy_meter"])
    assert result.exit_code == 0 and "no changes" in result.stdout


def test_diff_unknown_contract_exits_2() -> None:
    result = runner.invoke(app, ["diff", "energy_meter", "no_such_contract"])
    assert result.exit_code == 2
    assert "no_such_contract" in result.stderr


def test_diff_broken_contract_prints_its_errors() -> None:
    result = runner.invoke(app, ["diff", "energy_meter", str(BROKEN / "unknown_unit.yaml")])
    assert result.exit_code == 1
    assert "unknown-unit" in result.stdout


def test_docs_writes_the_dictionary(tmp_path: Path) -> None:
    result = runner.invoke(app, ["docs", "--out", str(tmp_path / "docs")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "docs" / "energy_meter.md").is_file()
    assert (tmp_path / "docs" / "index.html").is_file()


def test_docs_defaults_to_the_assay_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["docs"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".assay/docs/contracts/visual_inspection.html").is_file()


def test_show_prints_a_summary_table() -> None:
    result = runner.invoke(app, ["show", "energy_meter"])
    assert result.exit_code == 0, result.output
    assert "assay.energy_meter.v1" in result.stdout and "active_energy" in result.stdout


def test_show_json_schema_is_json() -> None:
    result = runner.invoke(app, ["show", "visual_inspection", "--json-schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["properties"]["image"]["type"] == "object"


def test_show_arrow() -> None:
    result = runner.invoke(app, ["show", "energy_meter", "--arrow"])
    assert result.exit_code == 0
    assert "event_time: timestamp[ms, tz=UTC] not null" in result.stdout


@pytest.mark.parametrize(
    ("command", "sentence"),
    [
        ([], "Lint, diff, document and inspect"),
        (["lint"], "print one line per problem"),
        (["diff"], "Classify every change between two versions"),
        (["docs"], "Write the bilingual data dictionary"),
        (["show"], "Show a contract's summary"),
    ],
)
def test_every_command_explains_itself(command: list[str], sentence: str) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert sentence in " ".join(result.stdout.split())
