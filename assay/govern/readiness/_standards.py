"""The standards map: which clause of which standard each piece of evidence answers (pure).

The map is versioned data, one YAML per standard in ``standards/`` (format
``assay.standard/1``): an optional ``note`` on the standard (why clause numbers are missing,
rather than guessed), per clause its number (null when not verified) and title only, the
status assay claims (``met`` / ``partly`` / ``not_evidenced``) and the evidence behind it,
of three kinds:

* ``figure: quality.dimensions[dimension=accuracy].score`` — a value in ``readiness.json``;
* ``file: croissant.json`` or ``file: manifest.json#lineage`` — a file of the release (the
  manifest, a document it lists) or a top-level key of the manifest; ``{contract}`` is the
  contract's name;
* ``rule: range`` — a rule of that kind checked rows in the release's segments.

Each release is judged on its own: a clause whose evidence is absent from it is reported
one step down (met -> partly -> not_evidenced) with the missing evidence named. No clause
is ever dropped.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

STANDARDS = Path(__file__).parent / "standards"
FORMAT = "assay.standard/1"
STATUSES = ("met", "partly", "not_evidenced")
_SELECTOR = re.compile(r"^(?P<name>[A-Za-z_]+)(?:\[(?P<key>\w+)=(?P<value>[^\]]+)\])?$")


@cache
def load_standards() -> tuple[dict[str, Any], ...]:
    """Every standard of the map, in file-name order."""
    import yaml

    return tuple(yaml.safe_load(p.read_text()) for p in sorted(STANDARDS.glob("*.yaml")))


def standards_map(figures: dict[str, Any], manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Each standard with each clause's evidence looked up in this release."""
    return [_standard(s, figures, manifest) for s in load_standards()]


def _standard(
    standard: dict[str, Any], figures: dict[str, Any], manifest: dict[str, Any]
) -> dict[str, Any]:
    clauses = [_clause(c, figures, manifest) for c in standard["clauses"]]
    return {
        "id": standard["id"],
        "title": standard["title"],
        "note": standard.get("note"),
        "clauses": clauses,
        "counts": {s: sum(1 for c in clauses if c["status"] == s) for s in STATUSES},
    }


def _clause(
    clause: dict[str, Any], figures: dict[str, Any], manifest: dict[str, Any]
) -> dict[str, Any]:
    evidence = [_evidence(e, figures, manifest) for e in clause["evidence"]]
    return {
        "number": clause["number"],
        "title": clause["title"],
        "claimed": clause["status"],
        "status": judged(clause["status"], [e["found"] for e in evidence]),
        "note": clause.get("note"),
        "evidence": evidence,
    }


def judged(claimed: str, found: list[bool]) -> str:
    """The claimed status, one step down when some evidence is missing, two when all is."""
    missing = found.count(False)
    if not missing:
        return claimed
    steps = 2 if missing == len(found) else 1
    return STATUSES[min(STATUSES.index(claimed) + steps, len(STATUSES) - 1)]


def _evidence(
    item: dict[str, Any], figures: dict[str, Any], manifest: dict[str, Any]
) -> dict[str, Any]:
    ((kind, ref),) = item.items()
    ref = str(ref).replace("{contract}", manifest["release"]["contract"])
    if kind == "figure":
        value = figure(figures, ref)
        return {"kind": kind, "ref": ref, "found": _present(value), "shown": _shown(value)}
    if kind == "file":
        return {"kind": kind, "ref": ref, "found": release_has(manifest, ref), "shown": None}
    if kind == "rule":
        checked = _rule_rows(figures, ref)
        return {"kind": kind, "ref": ref, "found": checked > 0, "shown": checked}
    raise ValueError(f"unknown evidence kind {kind!r} in the standards map")


def figure(figures: dict[str, Any], path: str) -> Any:
    """The value at a path like ``quality.dimensions[dimension=accuracy].score``, or None."""
    value: Any = figures
    for part in path.split("."):
        match = _SELECTOR.match(part)
        if match is None or not isinstance(value, dict):
            return None
        value = value.get(match["name"])
        if match["key"]:
            value = next(
                (v for v in value or () if str(v.get(match["key"])) == match["value"]), None
            )
    return value


def release_has(manifest: dict[str, Any], ref: str) -> bool:
    """Whether the release holds a file (the manifest or a listed document) or manifest key."""
    path, _, key = ref.partition("#")
    if path == "manifest.json":
        return not key or _present(manifest.get(key))
    return not key and path in {d["path"] for d in manifest["documents"]}


def _rule_rows(figures: dict[str, Any], kind: str) -> int:
    return sum(
        r["checked"]
        for d in figures["quality"]["dimensions"]
        for r in d.get("rules", ())
        if r["kind"] == kind
    )


def _present(value: Any) -> bool:
    return value is not None and value != [] and value != {}


def _shown(value: Any) -> Any:
    """What the report prints for a figure: scalars as they are, collections by size."""
    if isinstance(value, list):
        return f"{len(value)} items"
    if isinstance(value, dict):
        return ", ".join(f"{k} × {v}" for k, v in value.items())
    return value
