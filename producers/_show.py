"""What ``assay-edge`` prints: the check-config summary and findings, probe samples, status.

The commands in ``producers.cli`` decide; this module only renders, on ``console`` (stdout)
and ``err`` (stderr), or as JSON-ready data for ``--json``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from producers.config import EdgeConfig
from producers.configcheck import Finding
from producers.probe import Sample
from producers.sources import SourceOptions
from producers.spool import SpoolStats
from schemas import Contract
from schemas.kafka_security import KafkaSecurity

console = Console()
err = Console(stderr=True)


def summary(config: EdgeConfig, load: Callable[[str], Contract]) -> dict[str, object]:
    """What would run: the producer, its spool and Kafka, and each source with its topic."""
    return {
        "file": str(config.file),
        "producer_id": config.producer_id,
        "site": config.site,
        "spool": str(config.spool.path),
        "kafka": {"bootstrap": config.kafka.bootstrap, "security": _who(config.kafka.security)},
        "sources": [_source_summary(s, load) for s in config.sources],
    }


def _source_summary(source: SourceOptions, load: Callable[[str], Contract]) -> dict[str, str]:
    from schemas import ContractError, topic_name

    row = {"name": source.name, "kind": source.kind, "contract": source.contract}
    with contextlib.suppress(ContractError):  # a finding says why
        contract = load(source.contract)
        row |= {"version": contract.version, "topic": topic_name(contract)}
    return row | {"payload": _payload(source)}


def print_check(
    config: EdgeConfig, load: Callable[[str], Contract], findings: list[Finding], ok: bool
) -> None:
    table = Table("source", "kind", "contract", "topic", "payload")
    for row in summary(config, load)["sources"]:  # type: ignore[attr-defined]
        contract = f"{row['contract']} {row.get('version', '?')}"
        table.add_row(row["name"], row["kind"], contract, row.get("topic", "-"), row["payload"])
    console.print(table)
    for finding in findings:
        colour = "red" if finding.severity == "error" else "yellow"
        (err if finding.severity == "error" else console).print(
            f"[{colour}]{finding}[/]", highlight=False
        )
    if ok:
        spool = f"spool {config.spool.path} ({config.spool.when_full} when full)"
        console.print(
            f"ok: producer {config.producer_id} at site {config.site}, {spool}, "
            f"kafka {config.kafka.bootstrap} ({_who(config.kafka.security)})"
        )


def _who(security: KafkaSecurity) -> str:
    """How the edge connects: ``PLAINTEXT``, ``SSL`` or ``SASL_SSL as <user>``."""
    if security.protocol == "SASL_SSL":
        return f"SASL_SSL {security.mechanism} as {security.username}"
    return security.protocol


def _payload(source: object) -> str:
    """``json``, ``frame`` or ``frame (columnar)``: what the source hands the edge, per message."""
    payload = str(getattr(source, "payload", "json"))
    return f"{payload} (columnar)" if getattr(source, "columnar", False) else payload


def print_browse(options: SourceOptions, root: str, depth: int, as_json: bool) -> None:
    from producers.sources.opcua import browse

    try:
        nodes = browse(options, root, depth)  # type: ignore[arg-type]
    except Exception as exc:  # asyncua raises many kinds; the probe only reports them
        err.print(f"[red]{options.name}: cannot browse {root}: {exc!r}[/]", highlight=False)
        return
    if as_json:
        console.print_json(
            data={"source": options.name, "browse": [vars(n) for n in nodes]}, default=str
        )
        return
    table = Table("node id", "name", "type", "value", title=f"{options.name}: under {root}")
    for n in nodes:
        shown = "" if n.data_type is None else repr(n.value)[:40]
        table.add_row("  " * n.depth + n.node_id, n.name, n.data_type or "", shown)
    console.print(table)


def print_sample(sample: Sample) -> None:
    if sample.row is None:
        err.print(f"[red]{sample.source}: no reading[/]", highlight=False)
    else:
        table = Table("field", "value", title=f"{sample.source}: one reading")
        row = sample.as_dict()["row"]
        assert isinstance(row, dict)
        for key, value in row.items():
            table.add_row(key, repr(value))
        console.print(table)
        for verdict in sample.failed:
            colour = "red" if verdict.severity == "error" else "yellow"
            console.print(
                f"[{colour}]would fail {verdict.rule} ({verdict.severity}): {verdict.problem}[/]",
                highlight=False,
            )
        if not sample.failed:
            console.print("[green]passes every row rule of its contract[/]")
    for problem in sample.errors:
        err.print(f"[yellow]{problem}[/]", highlight=False)


def status_document(config: EdgeConfig, s: SpoolStats) -> dict[str, object]:
    """``status --json``: the spool's counts for fleet tooling; ages in seconds from now."""
    now_ms = time.time() * 1000
    age = None if s.oldest_unsent_ms is None else round((now_ms - s.oldest_unsent_ms) / 1000, 3)
    return {
        "ok": True,
        "producer_id": s.producer_id or config.producer_id,
        "site": config.site,
        "spool": str(config.spool.path),
        **{k: v for k, v in asdict(s).items() if k != "producer_id"},
        "oldest_unsent_age_s": age,
    }


def status_table(config: EdgeConfig, s: SpoolStats) -> Table:
    table = Table(title=f"spool {config.spool.path}", show_header=False)
    for key, value in (
        ("producer", str(s.producer_id)),
        ("depth", f"{s.readings:,} readings in {s.messages:,} messages ({s.bytes:,} bytes)"),
        ("never sent", f"{s.never_sent:,} messages"),
        ("oldest spooled", _age(s.oldest_ms)),
        ("oldest unsent", _age(s.oldest_unsent_ms)),
        ("next seq", f"{s.next_seq:,}"),
        ("dropped (drop_oldest)", f"{s.dropped:,}"),
        ("parked (refused by Kafka)", f"{s.parked:,}"),
    ):
        table.add_row(key, value)
    return table


def _age(ms: int | None) -> str:
    if ms is None:
        return "-"
    at = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{at:%Y-%m-%d %H:%M:%S}Z ({time.time() - ms / 1000:,.0f}s ago)"
