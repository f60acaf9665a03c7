"""The public surface of ``validators`` and what importing it costs."""

from __future__ import annotations
import __future__

import subprocess
import sys
from types import ModuleType

import validators


def test_all_is_sorted_and_guarded() -> None:
    assert validators.__all__ == sorted(validators.__all__, key=_isort_key)
    assert set(validators.__all__) == _public_names()
    for name in validators.__all__:
        assert getattr(validators, name) is not None


def test_importing_validators_imports_neither_gx_nor_other_stages() -> None:
    code = (
        "import sys, validators\n"
        "heavy = ('great_expectations', 'airflow', 'assay', 'producers')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _public_names() -> set[str]:
    """What the package binds for others: its public names, not its modules or __future__."""
    return {
        name
        for name, value in vars(validators).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and not isinstance(value, __future__._Feature)
    }


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions: the order ruff keeps ``__all__`` in."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)
