"""The public surface of ``schemas``: sorted, complete, and independent of the rest of assay."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import schemas

# Modules whose names are implementation details of other modules.
INTERNAL_MODULES = {"schemas._source", "schemas._compat_fields"}
# Modules their callers use as a namespace (``from schemas import wire``).
NAMESPACE_MODULES = {"schemas.wire"}


def _isort_key(name: str) -> tuple[int, str]:
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def _private_modules() -> list[str]:
    return [
        f"schemas.{info.name}"
        for info in pkgutil.iter_modules(schemas.__path__)
        if info.name.startswith("_")
    ]


def test_all_is_sorted_isort_style() -> None:
    assert schemas.__all__ == sorted(schemas.__all__, key=_isort_key)


def test_all_has_no_duplicates_and_every_name_exists() -> None:
    assert len(set(schemas.__all__)) == len(schemas.__all__)
    for name in schemas.__all__:
        assert hasattr(schemas, name), name


def test_all_reexports_every_public_name_of_the_private_modules() -> None:
    for module_name in _private_modules():
        if module_name in INTERNAL_MODULES | NAMESPACE_MODULES:
            continue
        module = importlib.import_module(module_name)
        missing = set(module.__all__) - set(schemas.__all__)
        assert not missing, f"{module_name} exports {missing} but schemas does not"


def test_schemas_imports_no_other_package_of_the_repo() -> None:
    forbidden = {"assay", "producers", "validators", "dags", "tests"}
    for path in Path(schemas.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = {node.module.split(".")[0]}
            else:
                continue
            assert not roots & forbidden, f"{path.name} imports {roots & forbidden}"


def test_no_module_is_over_400_lines() -> None:
    for path in Path(schemas.__file__).parent.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
