"""What ``check-config`` finds in a configuration that parses: mappings, units, folders, Kafka.

``load_config`` checks the shape of the file; only the contracts and the gateway know the rest.
``check_config(config, text)`` returns every ``Finding`` at once, each with its key and line:

* a mapping to a field the contract does not have (error, with the closest name);
* a required (non-nullable) field that a source, or one of its devices, never fills: every
  reading from it would be quarantined as ``not_null`` (warning);
* a ``unit`` pint does not know, or cannot convert to the contract field's unit (error);
* a CSV folder or the spool's folder that does not exist, a spool larger than its disk (warning);
* a password, CA, certificate or key file (``*_file``) that cannot be read (error);
* Kafka settings the client refuses (error) or sends in clear text over a network (warning).

Errors make ``check-config`` exit 2; warnings are printed and the exit code stays 0.
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Literal

from producers._marks import key_lines
from producers.config import EdgeConfig
from producers.sources import FieldMap, SourceOptions, field_maps
from schemas import Contract, ContractError, unit_conversion

__all__ = ["Finding", "check_config"]

Severity = Literal["error", "warning"]
_LOCAL = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class Finding:
    """One problem: how bad, what kind (``code``), which key at which line, and the fix."""

    severity: Severity
    code: str
    key: str
    problem: str
    fix: str = ""
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        at = f"{self.file}:{self.line}" if self.line else self.file
        hint = f"\n  fix: {self.fix}" if self.fix else ""
        return f"{at}: {self.severity}: {self.key}: {self.problem}{hint}"

    def as_dict(self) -> dict[str, object]:
        """The finding as JSON-ready data, for fleet tooling."""
        return asdict(self)


def check_config(config: EdgeConfig, text: str, load: Callable[[str], Contract]) -> list[Finding]:
    """Every finding of ``config`` (parsed from ``text``), errors first, placed at their line."""
    lines = key_lines(text)
    found = [
        *(f for i, s in enumerate(config.sources) for f in _source(i, s, load)),
        *_spool(config),
        *_kafka(config),
    ]
    placed = [replace(f, file=str(config.file), line=lines.line(f.key)) for f in found]
    return sorted(placed, key=lambda f: (f.severity != "error", f.line or 0))


def _source(i: int, options: SourceOptions, load: Callable[[str], Contract]) -> Iterator[Finding]:
    at = f"sources[{i}]"
    try:
        contract = load(options.contract)
    except ContractError as exc:
        fix = "name a shipped contract or add its folder to contracts_dir"
        yield Finding("error", "contract", f"{at}.contract", str(exc), fix)
        return
    for fields in field_maps(options):
        yield from _names(at, fields, contract)
        yield from _units(at, fields, contract)
        yield from _unfilled(at, fields, contract)
    yield from _folder(at, options)
    yield from _files(at, options)


def _files(at: str, options: SourceOptions) -> Iterator[Finding]:
    """Every ``*_file`` setting (passwords, CA, certificates, keys) must be readable now."""
    for key, value in options:
        if key.endswith("_file") and value is not None:
            try:
                with open(value, "rb"):
                    pass
            except OSError as exc:
                problem = f"cannot read {value}: {exc.strerror or exc}"
                fix = "check the path (relative to this file's folder) and who may read it"
                yield Finding("error", "file", f"{at}.{key}", problem, fix)


def _names(at: str, fields: FieldMap, contract: Contract) -> Iterator[Finding]:
    for name, key in fields.fields.items():
        if name not in contract.fields:
            yield _unknown(f"{at}.{key}", name, contract)


def _unknown(key: str, name: str, contract: Contract) -> Finding:
    close = difflib.get_close_matches(name, list(contract.fields), n=1, cutoff=0.5)
    fix = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(contract.fields)}"
    problem = f"{name!r} is not a field of contract {contract.name} {contract.version}"
    return Finding("error", "unknown_field", key, problem, fix)


def _units(at: str, fields: FieldMap, contract: Contract) -> Iterator[Finding]:
    for name, (key, unit) in fields.units.items():
        spec = contract.fields.get(name)
        if spec is None:
            yield _unknown(f"{at}.{key}", name, contract)
        elif spec.unit is None or spec.type not in ("float64", "int64"):
            problem = f"{name} has no unit in the contract ({spec.type}); nothing to convert"
            yield Finding("error", "unit", f"{at}.{key}", problem, "remove the unit")
        else:
            try:
                unit_conversion(unit, spec.unit)
            except ValueError as exc:
                fix = f"give a unit of the same dimension as {spec.unit}"
                yield Finding("error", "unit", f"{at}.{key}", str(exc), fix)


def _unfilled(at: str, fields: FieldMap, contract: Contract) -> Iterator[Finding]:
    if fields.by_name:
        return  # other fields come under their own names: only the data can tell
    required = [f for f, spec in contract.fields.items() if not spec.nullable]
    missing = [f for f in required if f not in fields.fields]
    if missing:
        who = f"device {fields.device}" if fields.device else "this source"
        problem = (
            f"{who} fills {len(required) - len(missing)} of the {len(required)} required fields "
            f"of {contract.name}; missing {', '.join(missing)}: every reading would be "
            "quarantined (not_null)"
        )
        fix = "map the missing fields, or use a contract whose fields this device has"
        key = f"{at}.{fields.key}" if fields.key else at
        yield Finding("warning", "unfilled", key, problem, fix)


def _folder(at: str, options: SourceOptions) -> Iterator[Finding]:
    folder = getattr(options, "folder", None)
    if folder is None:
        return
    if not folder.is_dir():
        problem = f"folder {folder} does not exist (yet)"
        yield Finding("warning", "folder", f"{at}.folder", problem, "create or mount it")
    elif not os.access(folder, os.R_OK | os.X_OK):
        problem = f"folder {folder} is not readable by this user"
        yield Finding("error", "folder", f"{at}.folder", problem, "grant the edge's user read")


def _spool(config: EdgeConfig) -> Iterator[Finding]:
    spool = config.spool
    folder = spool.path.parent
    if not folder.is_dir():
        problem = f"folder {folder} does not exist"
        fix = "systemd's StateDirectory= makes it; elsewhere create it, owned by the edge's user"
        yield Finding("warning", "spool", "spool.path", problem, fix)
        return
    if not os.access(folder, os.W_OK):
        fix = "run as the edge's user, or grant it write access"
        yield Finding("warning", "spool", "spool.path", f"{folder} is not writable here", fix)
    free = shutil.disk_usage(folder).free + (
        spool.path.stat().st_size if spool.path.exists() else 0
    )
    if spool.max_bytes > free:
        problem = f"max_bytes {spool.max_bytes:,} exceeds the {free:,} bytes free on its disk"
        yield Finding("warning", "spool", "spool.max_bytes", problem, "lower max_bytes")


def _kafka(config: EdgeConfig) -> Iterator[Finding]:
    kafka = config.kafka
    for server in kafka.bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            problem = f"{server!r} is not host:port"
            yield Finding("error", "kafka", "kafka.bootstrap", problem, "write host:port[,...]")
    if kafka.delivery_timeout_ms < kafka.linger_ms + kafka.request_timeout_ms:
        problem = "delivery_timeout_ms must be at least linger_ms + request_timeout_ms"
        yield Finding("error", "kafka", "kafka.delivery_timeout_ms", problem, "raise it")
    hosts = {s.strip().rpartition(":")[0] for s in kafka.bootstrap.split(",")}
    if kafka.security.protocol == "PLAINTEXT" and not hosts <= set(_LOCAL):
        problem = "PLAINTEXT to another host: readings travel unencrypted and unauthenticated"
        fix = "use SASL_SSL (docs/security.md, Kafka)"
        yield Finding("warning", "kafka", "kafka.security", problem, fix)
