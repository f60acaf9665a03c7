"""Run the `assay` command as a pilot base's ``reader`` install would: every distribution that
only the ``edge`` and ``full`` profiles bring cannot be imported.

The blocked list is derived from the package's own metadata (``Requires-Dist`` by extra), so
a dependency added to ``full`` is blocked here without this file changing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata

PROFILE = "reader"
_BOOT = """
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not in the reader profile")
sys.meta_path.insert(0, Blocked())
sys.argv = ["assay", *sys.argv[2:]]
from assay.cli.app import run
run()
"""


def _extras_of(requirement: str) -> set[str]:
    return set(re.findall(r"""extra\s*==\s*["']([^"']+)["']""", requirement))


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def blocked_modules() -> set[str]:
    """Top-level modules of every distribution required by another profile and not by
    the core or ``reader``."""
    allowed, others = set(), set()
    for requirement in metadata.requires("assay") or []:
        extras = _extras_of(requirement)
        target = allowed if not extras or PROFILE in extras else others
        target.add(_name(requirement))
    names = others - _closure(allowed) - {"assay"}
    modules = metadata.packages_distributions()
    return {
        module
        for module, dists in modules.items()
        if any(d.lower().replace("_", "-") in names for d in dists)
    }


def _closure(names: set[str]) -> set[str]:
    """``names`` and every distribution they require, transitively (without their extras):
    what a ``reader`` install brings, whether or not another profile also names it."""
    found, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in requirements if not _extras_of(r)]
    return found


def run_as_reader(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``assay ARGS`` in a fresh interpreter where only the core and ``reader`` import."""
    blocked = ",".join(sorted(blocked_modules()))
    return subprocess.run(
        [sys.executable, "-c", _BOOT, blocked, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
