"""Every listing command answers ``--json`` with one JSON document on standard output, against
the real stack (an unbalanced audit or a service down still prints it, with exit 1)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assay.cli.app import app
from assay.config import Settings

pytestmark = pytest.mark.integration

LISTINGS = [
    ["datasets", "ls"],
    ["datasets", "show", "energy_meter"],
    ["quarantine", "show", "energy_meter", "--limit", "3"],
    ["audit", "energy_meter"],
    ["release", "ls"],
    ["status"],
    ["stack", "status"],
    ["lineage", "show"],
]


@pytest.mark.parametrize("command", LISTINGS, ids=" ".join)
def test_a_listing_command_prints_json(stack_settings: Settings, command: list[str]) -> None:
    done = CliRunner().invoke(app, [*command, "--json"])
    assert done.exit_code in (0, 1), done.output
    parsed = json.loads(done.stdout)
    assert isinstance(parsed, (list, dict))


def test_quarantine_json_has_counts_and_at_most_limit_rows(stack_settings: Settings) -> None:
    done = CliRunner().invoke(app, ["quarantine", "show", "energy_meter", "--limit", "2", "--json"])
    parsed = json.loads(done.stdout)
    assert set(parsed) == {"counts", "rows"} and len(parsed["rows"]) <= 2
