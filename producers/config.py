"""The edge's one YAML file: who it is, where it spools, which Kafka, which sources.

API::

    config = load_config(Path("/etc/assay-edge/edge.yaml"))   # raises EdgeConfigError
    config.sources -> list[SourceOptions]  (each validated by its kind's Options model)

Every error names the file, the key (``sources[1].contract``) and the fix. Relative paths
(``spool.path``, ``contracts_dir``, a CSV ``folder``, the ``kafka.security`` files) are relative
to the file's folder. Secrets stay out of the file: ``kafka.security.password`` may be
``${VARIABLE}``, or ``password_file`` names a file (``schemas.kafka_security``).
See ``infra/edge/edge.example.yaml`` for a commented example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from producers._marks import key_lines
from producers.errors import EdgeConfigError
from producers.sink import KafkaSettings
from producers.sources import KINDS, SourceOptions, parse_options
from producers.spool import SpoolLimits
from schemas.kafka_security import KafkaSecurity

__all__ = [
    "EdgeConfig",
    "KafkaConfig",
    "MetricsConfig",
    "SpoolConfig",
    "load_config",
    "parse_config",
]

_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
_SITE = r"^[a-z0-9][a-z0-9-]{0,31}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpoolConfig(_Strict):
    """Where and how the spool keeps readings until Kafka acknowledges them."""

    path: Path = Path("spool.db")
    max_readings: int = Field(default=10_000_000, ge=1)
    max_bytes: int = Field(default=2 * 1024**3, ge=1024)
    when_full: Literal["block", "drop_oldest"] = "block"
    durability: Literal["full", "normal"] = "full"
    commit_readings: int = Field(default=5_000, ge=1)
    commit_interval_ms: int = Field(default=100, ge=1, le=60_000)

    def limits(self) -> SpoolLimits:
        """The spool's size bound, full policy and durability."""
        return SpoolLimits(self.max_readings, self.max_bytes, self.when_full, self.durability)


class KafkaConfig(_Strict):
    """Broker and producer tuning; acks=all and idempotence are always on."""

    bootstrap: str = Field(default="127.0.0.1:9092", min_length=3)
    compression: Literal["lz4", "zstd"] = "lz4"
    linger_ms: int = Field(default=20, ge=0, le=10_000)
    batch_size: int = Field(default=256 * 1024, ge=1024)
    max_request_size: int = Field(default=8 * 1024**2, ge=1024)
    request_timeout_ms: int = Field(default=15_000, ge=1000)
    delivery_timeout_ms: int = Field(default=60_000, ge=1000)
    max_block_ms: int = Field(default=5_000, ge=100)
    reconnect_backoff_max_ms: int = Field(default=1_000, ge=50)
    client: Literal["kafka-python", "librdkafka"] = "kafka-python"  # librdkafka: its own extra
    in_flight_messages: int = Field(default=20_000, ge=1)
    replication_factor: int = Field(default=1, ge=1, description="for `topics ensure`")
    security: KafkaSecurity = KafkaSecurity()
    # the gateway's signing key (hex): each record is signed as ``security.username``
    signing_key_file: Path | None = None

    def settings(self, client_id: str) -> KafkaSettings:
        """The producer settings for the transport."""
        return KafkaSettings(
            bootstrap=self.bootstrap,
            compression=self.compression,
            linger_ms=self.linger_ms,
            batch_size=self.batch_size,
            max_request_size=self.max_request_size,
            request_timeout_ms=self.request_timeout_ms,
            delivery_timeout_ms=self.delivery_timeout_ms,
            max_block_ms=self.max_block_ms,
            reconnect_backoff_max_ms=self.reconnect_backoff_max_ms,
            client_id=client_id,
            client=self.client,
            security=self.security,
        )


class MetricsConfig(_Strict):
    """The ``/metrics`` and ``/health`` HTTP endpoint; ``port: null`` turns it off."""

    host: str = "127.0.0.1"
    port: int | None = Field(default=9308, ge=0, le=65535)


class EdgeConfig(_Strict):
    """The whole edge configuration."""

    producer_id: str = Field(pattern=_ID)
    site: str = Field(pattern=_SITE)
    contracts_dir: list[Path] = []
    spool: SpoolConfig = SpoolConfig()
    kafka: KafkaConfig = KafkaConfig()
    metrics: MetricsConfig = MetricsConfig()
    shutdown_timeout_s: float = Field(default=10.0, ge=0)
    # seconds between status reports to Kafka (``schemas.edge_status``); 0 turns them off
    status_interval_s: float = Field(default=60.0, ge=0)
    sources: list[SourceOptions] = Field(min_length=1)
    file: Path = Path("<memory>")


def load_config(path: Path | str) -> EdgeConfig:
    """Read and validate the YAML file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fix = "pass the path of an edge YAML file (see infra/edge/)"
        raise EdgeConfigError(path, "", f"cannot read: {exc.strerror or exc}", fix) from exc
    return parse_config(text, path)


def parse_config(text: str, path: Path | str = "<memory>") -> EdgeConfig:
    """Validate YAML text; ``path`` names it in errors and anchors relative paths.

    Every ``EdgeConfigError`` carries the line of its key (or of the nearest parent present).
    """
    path = Path(path)
    try:
        return _parse(text, path)
    except EdgeConfigError as exc:
        if exc.line is not None:
            raise
        raise exc.at_line(key_lines(text).line(exc.key)) from exc


def _parse(text: str, path: Path) -> EdgeConfig:
    data = _yaml(text, path)
    sources = _sources(data.get("sources"), path)
    try:
        config = EdgeConfig.model_validate({**data, "sources": sources, "file": path})
    except ValidationError as exc:
        raise _config_error(path, exc) from exc
    _check_client(config, path)
    _check_frames(config, path)
    anchored = _anchored(config, path.parent)
    _check_security(anchored.kafka.security, path)
    _check_signing(anchored.kafka, path)
    return anchored


def _check_client(config: EdgeConfig, path: Path) -> None:
    """``kafka.client: librdkafka`` needs confluent-kafka, which the edge extra leaves out."""
    from importlib.util import find_spec

    if config.kafka.client == "librdkafka" and find_spec("confluent_kafka") is None:
        from producers.librdkafka import missing_client

        raise missing_client(str(path))


def _check_frames(config: EdgeConfig, path: Path) -> None:
    """Frames are Arrow: a JSON-only install (``assay[edge-json]``) has no pyarrow for them."""
    from importlib.util import find_spec

    if find_spec("pyarrow") is not None:
        return
    for i, source in enumerate(config.sources):
        if source.payload == "frame":
            problem = "payload: frame sends Arrow frames, and this install has no pyarrow"
            fix = "use payload: json, or install the full edge profile: pip install 'assay[edge]'"
            raise EdgeConfigError(path, f"sources[{i}].payload", problem, fix)


def _check_security(security: KafkaSecurity, path: Path) -> None:
    """A password or TLS file the client would fail on later is named now, with its key."""
    if (found := security.unreadable()) is not None:
        name, problem = found
        fix = "check the path (relative paths start at this file's folder) and its permissions"
        raise EdgeConfigError(path, f"kafka.security.{name}", problem, fix)


def _check_signing(kafka: KafkaConfig, path: Path) -> None:
    """A signing key needs a principal to sign as (the SASL username) and a key it can read."""
    from producers.signing import read_signing_key

    if kafka.signing_key_file is None:
        return
    if not kafka.security.username:
        problem = "signs as the Kafka principal, and kafka.security.username is not set"
        fix = "set kafka.security.username to the gateway's principal"
        raise EdgeConfigError(path, "kafka.signing_key_file", problem, fix)
    read_signing_key(kafka.signing_key_file, path)


def _yaml(text: str, path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise EdgeConfigError(
            path,
            where,
            f"not valid YAML: {exc}",
            "fix the YAML syntax at that line",
            line=mark.line + 1 if mark else None,
        ) from exc
    if not isinstance(data, dict):
        raise EdgeConfigError(
            path,
            "",
            "the file must hold a mapping of settings",
            "start from infra/edge/edge.example.yaml",
        )
    return data


def _sources(items: Any, path: Path) -> list[SourceOptions]:
    if not isinstance(items, list) or not items:
        raise EdgeConfigError(
            path,
            "sources",
            "needs a list with at least one source",
            "add a source (see infra/edge/edge.example.yaml)",
        )
    parsed = [_source(i, item, path) for i, item in enumerate(items)]
    names = [s.name for s in parsed]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise EdgeConfigError(
                path,
                f"sources[{i}].name",
                f"{name!r} is used twice",
                "give every source its own name",
            )
    return parsed


def _source(i: int, item: Any, path: Path) -> SourceOptions:
    if not isinstance(item, dict):
        raise EdgeConfigError(path, f"sources[{i}]", "must be a mapping", "see the example")
    try:
        return parse_options(item)
    except LookupError:
        problem = f"unknown source kind {item.get('kind')!r}"
        fix = f"use one of: {', '.join(KINDS)}"
        raise EdgeConfigError(path, f"sources[{i}].kind", problem, fix) from None
    except ModuleNotFoundError as exc:  # the simulator needs numpy and pyarrow
        problem = f"kind {item.get('kind')} needs {exc.name}, which this install lacks"
        fix = "install the full edge profile: pip install 'assay[edge]'"
        raise EdgeConfigError(path, f"sources[{i}].kind", problem, fix) from exc
    except ValidationError as exc:
        raise _config_error(path, exc, prefix=f"sources[{i}]") from exc


_FIXES = {
    "missing": "add this key",
    "extra_forbidden": "remove it or check its spelling",
    "literal_error": "use one of the allowed values",
    "string_pattern_mismatch": "use letters, digits and the allowed punctuation only",
}


def _config_error(path: Path, exc: ValidationError, prefix: str = "") -> EdgeConfigError:
    errors = exc.errors()
    keys = [_dotted(prefix, e["loc"]) for e in errors]
    others = "".join(f"\n  also {k}: {e['msg']}" for k, e in zip(keys[1:], errors[1:], strict=True))
    fix = _FIXES.get(errors[0]["type"], "")
    return EdgeConfigError(path, keys[0], f"{errors[0]['msg']}{others}", fix)


def _dotted(prefix: str, loc: tuple[int | str, ...]) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _anchored(config: EdgeConfig, base: Path) -> EdgeConfig:
    spool = config.spool.model_copy(update={"path": _under(base, config.spool.path)})
    dirs = [_under(base, d) for d in config.contracts_dir]
    sources = [_anchor_source(s, base) for s in config.sources]
    signing = config.kafka.signing_key_file
    kafka = config.kafka.model_copy(
        update={
            "security": config.kafka.security.anchored(base),
            "signing_key_file": None if signing is None else _under(base, signing),
        }
    )
    updates = {"spool": spool, "contracts_dir": dirs, "sources": sources, "kafka": kafka}
    return config.model_copy(update=updates)


def _anchor_source(source: SourceOptions, base: Path) -> SourceOptions:
    updates = {k: _under(base, v) for k, v in source if isinstance(v, Path)}
    return source.model_copy(update=updates) if updates else source


def _under(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else base / path
