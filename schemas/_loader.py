"""Finding and loading contracts: by name or path, all shipped ones, a site's own, and a registry.

Shipped contracts live in ``schemas/contracts/<name>.yaml``; a site adds its own from folders
of ``<name>.yaml`` files (``ContractRegistry.site``). Every load lints: a contract that comes
out of here is both well-formed and sound. A broken site contract is reported (file:line) and
left out, never raised: one bad file must not take every DAG of a scheduler down with it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from schemas._errors import ContractInvalidError, ContractNotFoundError, LintCode, LintError
from schemas._lint import name_for_path, parse_contract
from schemas._model import Contract
from schemas._source import dump_yaml

__all__ = [
    "ContractRegistry",
    "contract_to_dict",
    "dump_contract",
    "load_contract",
    "load_contracts",
    "load_site_contracts",
    "shipped_contract_paths",
    "shipped_contracts_dir",
]

_log = logging.getLogger(__name__)


def shipped_contracts_dir() -> Path:
    """The directory holding the contracts that ship with assay."""
    return Path(__file__).parent / "contracts"


def shipped_contract_paths() -> list[Path]:
    """Paths of every shipped contract file, sorted by name."""
    return sorted(shipped_contracts_dir().glob("*.yaml"))


def load_contract(name_or_path: str | Path, search: Sequence[Path] = ()) -> Contract:
    """Load one contract from a file path, or by name from ``search`` dirs then the shipped ones.

    Raises ``ContractInvalidError`` if it does not lint, ``ContractNotFoundError``
    (listing every place looked at) if there is no such contract.
    """
    path = _resolve(str(name_or_path), search)
    return parse_contract(path.read_text(encoding="utf-8"), str(path), name_for_path(path))


def _resolve(name_or_path: str, search: Sequence[Path]) -> Path:
    direct = Path(name_or_path)
    if direct.suffix in (".yaml", ".yml") or direct.parent != Path("."):
        if direct.is_file():
            return direct
        raise ContractNotFoundError(name_or_path, None, (str(direct),))
    candidates = [Path(d) / f"{name_or_path}.yaml" for d in (*search, shipped_contracts_dir())]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ContractNotFoundError(name_or_path, None, tuple(str(c) for c in candidates))


def load_contracts(paths: Iterable[str | Path] | None = None) -> list[Contract]:
    """Load the given contract files, or every shipped contract when ``paths`` is None."""
    chosen = shipped_contract_paths() if paths is None else [Path(p) for p in paths]
    return [load_contract(path) for path in chosen]


def load_site_contracts(dirs: Sequence[str | Path]) -> tuple[list[Contract], list[LintError]]:
    """Every ``*.yaml`` in ``dirs``, linted: the sound contracts, and every problem of the others.

    A missing folder or an unreadable file is a problem too (line 0), so a typo in the setting
    is seen rather than silently giving no contracts.
    """
    contracts: list[Contract] = []
    problems: list[LintError] = []
    for folder in map(Path, dirs):
        if not folder.is_dir():
            problems.append(_missing(folder))
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                contracts.append(load_contract(path))
            except ContractInvalidError as exc:
                problems.extend(exc.errors)
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(_unreadable(path, exc))
    return contracts, problems


def _missing(folder: Path) -> LintError:
    message = "contracts folder does not exist"
    fix = "create it or correct ASSAY_CONTRACTS_DIR / contracts_dir"
    return LintError(str(folder), 0, LintCode.INVALID_VALUE, message, fix)


def _unreadable(path: Path, exc: Exception) -> LintError:
    message = f"cannot read the file: {exc}"
    return LintError(str(path), 0, LintCode.INVALID_VALUE, message, "save it as UTF-8 text")


def contract_to_dict(contract: Contract) -> dict[str, Any]:
    """The contract as plain JSON-compatible data, in the YAML file's layout."""
    return contract.model_dump(mode="json", exclude_none=True)


def dump_contract(contract: Contract) -> str:
    """The contract as YAML that ``parse_contract`` reads back to an equal contract."""
    return dump_yaml(contract_to_dict(contract))


class ContractRegistry:
    """Contracts indexed by ``(name, major)``: what one Kafka topic carries."""

    def __init__(self, contracts: Iterable[Contract] = ()) -> None:
        self._by_key: dict[tuple[str, int], Contract] = {}
        #: Site contracts left out because they do not lint (`site`).
        self.problems: tuple[LintError, ...] = ()
        for contract in contracts:
            self.add(contract)

    @classmethod
    def shipped(cls) -> ContractRegistry:
        """A registry of every shipped contract."""
        return cls(load_contracts())

    @classmethod
    def site(cls, dirs: Sequence[str | Path]) -> ContractRegistry:
        """The shipped contracts and a site's own from ``dirs``; within one name and major the
        highest version wins (on a tie, the shipped one). Broken site contracts are logged as
        warnings, one per problem with file:line, kept in ``problems`` and left out."""
        contracts, problems = load_site_contracts(dirs)
        registry = cls([*load_contracts(), *contracts])
        registry.problems = tuple(problems)
        for problem in problems:
            _log.warning("site contract skipped: %s", problem)
        return registry

    def add(self, contract: Contract) -> None:
        """Register ``contract``; within one major the highest version wins."""
        key = (contract.name, contract.major)
        current = self._by_key.get(key)
        if current is None or contract.version_tuple > current.version_tuple:
            self._by_key[key] = contract

    def get(self, name: str, major: int | None = None) -> Contract:
        """The contract ``name`` at ``major`` (default: the highest major registered)."""
        if major is None:
            major = max((m for (n, m) in self._by_key if n == name), default=None)
        contract = None if major is None else self._by_key.get((name, major))
        if contract is None:
            searched = tuple(f"{n} v{m}" for n, m in sorted(self._by_key))
            raise ContractNotFoundError(name, major, searched)
        return contract

    def __iter__(self) -> Iterator[Contract]:
        return iter(self._by_key[key] for key in sorted(self._by_key))

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key
