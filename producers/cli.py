"""``assay-edge``: run the edge producer, check its configuration, show its spool, make topics.

The configuration file comes from the argument or ``$ASSAY_EDGE_CONFIG``. Exit codes:
0 ok, 1 runtime failure, 2 configuration error.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from producers.config import EdgeConfig, load_config
from producers.configcheck import Finding
from producers.errors import EdgeConfigError, EdgeError
from producers.sources import SourceOptions
from producers.spool import SpoolStats, read_stats
from schemas import Contract
from schemas.kafka_security import KafkaSecurity

app = typer.Typer(
    help="assay edge producer: collect factory readings, spool them durably, send them to Kafka.",
    no_args_is_help=True,
    add_completion=False,
)
topics_app = typer.Typer(help="Kafka topics of the configured contracts.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
console = Console()
err = Console(stderr=True)

ConfigPath = Annotated[
    Path,
    typer.Argument(
        envvar="ASSAY_EDGE_CONFIG",
        help="The edge YAML file (infra/edge/edge.example.yaml).",
        show_default=False,
    ),
]


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON, for fleet tooling.")]


def _load(path: Path, as_json: bool = False) -> EdgeConfig:
    try:
        return load_config(path)
    except EdgeConfigError as exc:
        if as_json:
            finding = Finding("error", "config", exc.key, exc.problem, exc.fix, exc.file, exc.line)
            console.print_json(data={"ok": False, "findings": [finding.as_dict()]})
        else:
            err.print(f"[red]configuration error[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc


@app.command("check-config")
def check_config(config_file: ConfigPath, as_json: JsonOption = False) -> None:
    """Check the file, every mapping against its contract, units, folders, spool and Kafka.

    Exit 2 on any error; warnings (a required field no mapping fills, a folder not there yet)
    are printed with their line and leave the exit code 0.
    """
    from producers.configcheck import check_config as findings_of
    from producers.edge import contract_loader

    config = _load(config_file, as_json)
    load = contract_loader(config)
    findings = findings_of(config, config_file.read_text(encoding="utf-8"), load)
    ok = not any(f.severity == "error" for f in findings)
    if as_json:
        doc = {"ok": ok, **_summary(config, load), "findings": [f.as_dict() for f in findings]}
        console.print_json(data=doc)
    else:
        _print_check(config, load, findings, ok)
    if not ok:
        raise typer.Exit(2)


def _summary(config: EdgeConfig, load: Callable[[str], Contract]) -> dict[str, object]:
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


def _print_check(
    config: EdgeConfig, load: Callable[[str], Contract], findings: list[Finding], ok: bool
) -> None:
    table = Table("source", "kind", "contract", "topic", "payload")
    for row in _summary(config, load)["sources"]:  # type: ignore[attr-defined]
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


@app.command()
def status(config_file: ConfigPath) -> None:
    """Show the spool: depth, oldest unsent reading, next sequence number, dropped count."""
    config = _load(config_file)
    try:
        stats = read_stats(config.spool.path)
    except EdgeError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from exc
    console.print(_status_table(config, stats))


def _status_table(config: EdgeConfig, s: SpoolStats) -> Table:
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


@app.command()
def run(
    config_file: ConfigPath,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Live panel (default on a terminal); off prints a line every 10 s.",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="Python logging level.")] = "INFO",
) -> None:
    """Run until SIGTERM or SIGINT; on either, flush: spool what was read and send what can be."""
    from producers.edge import Edge

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = _load(config_file)
    edge = Edge(config)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        _run(edge, stop, console.is_terminal if progress is None else progress)
    except EdgeError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from exc


def _run(edge: object, stop: threading.Event, live: bool) -> None:
    from producers.edge import Edge
    from producers.metrics import MetricsServer
    from producers.progress import Progress

    assert isinstance(edge, Edge)
    metrics = edge.config.metrics
    server = MetricsServer(edge, metrics.host, metrics.port) if metrics.port is not None else None
    _freeze_startup(edge.config.kafka.client)
    edge.start()
    if server is not None:
        server.start()
    try:
        with Progress(edge.stats, lambda: edge.spool, console, live=live) as shown:
            while not (stop.wait(1.0) or edge.died.is_set()):
                shown.tick()
    finally:
        edge.stop()
        if server is not None:
            server.stop()
    if edge.failure is not None:  # a core thread died: exit 1, so that systemd restarts us
        raise edge.failure


def _freeze_startup(client: str) -> None:
    """Leave what the gateway holds from start-up out of Python's cycle collections.

    Modules, contracts and settings live as long as the process, yet every full collection
    walked them all (~157k objects) while thousands of messages waited for their acks: 10-16%
    of the CPU per JSON reading (bench/README.md, "Producer"). The Kafka client is imported
    first so that it is among them; what the edge makes later is collected as ever.
    """
    with contextlib.suppress(ImportError):  # the transport says what to install when it starts
        importlib.import_module("confluent_kafka" if client == "librdkafka" else "kafka")
    gc.freeze()


@topics_app.command("ensure")
def topics_ensure(config_file: ConfigPath) -> None:
    """Create the topic of every configured source's contract with the contract's partitions."""
    from producers.edge import contract_loader
    from producers.topics import ensure_topics

    config = _load(config_file)
    load = contract_loader(config)
    contracts = {s.contract: load(s.contract) for s in config.sources}
    try:
        states = ensure_topics(
            config.kafka.bootstrap,
            contracts.values(),
            config.kafka.replication_factor,
            security=config.kafka.security,
        )
    except EdgeError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from exc
    for s in states:
        note = (
            "created"
            if s.created
            else (
                "exists" if s.matches else f"exists with {s.partitions}, contract says {s.wanted}"
            )
        )
        console.print(f"{s.topic}: {s.partitions} partitions ({note})")
