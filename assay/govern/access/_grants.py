"""Which pilot base may read which contract's releases: the config list plus granted ones.

Grants made with `assay access grant-pilot` are kept in ``<state>/access/pilots.toml``
(``<pilot> = ["contract", …]``); ``pilot_grants`` in the settings adds to them.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path

from assay.govern.access._credentials import access_dir
from assay.govern.access._policy import pilot_role

GRANTS_FILE = "pilots.toml"


def grants_file(state_dir: Path) -> Path:
    """Where granted pilots are recorded."""
    return access_dir(state_dir) / GRANTS_FILE


def load_grants(state_dir: Path) -> dict[str, list[str]]:
    """Grants recorded in the state folder."""
    path = grants_file(state_dir)
    if not path.is_file():
        return {}
    return {k: sorted(set(v)) for k, v in tomllib.loads(path.read_text()).items()}


def merge_grants(*sources: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The union of grant maps, each pilot's contracts sorted; `ValueError` on a bad name."""
    merged: dict[str, set[str]] = {}
    for source in sources:
        for pilot, contracts in source.items():
            pilot_role(pilot)
            merged.setdefault(pilot, set()).update(contracts)
    return {pilot: sorted(merged[pilot]) for pilot in sorted(merged)}


def add_grant(state_dir: Path, pilot: str, contract: str) -> dict[str, list[str]]:
    """Record that ``pilot`` may read ``contract``'s releases; returns the recorded grants."""
    grants = merge_grants(load_grants(state_dir), {pilot: [contract]})
    path = grants_file(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Pilot and contract names are plain words, so a JSON list is a TOML array.
    lines = [f"{p} = {json.dumps(cs)}" for p, cs in grants.items()]
    path.write_text("\n".join(lines) + "\n")
    return grants
