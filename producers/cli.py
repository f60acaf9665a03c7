"""``assay-edge``: run the edge producer, check its configuration, probe its sources, show its
spool, make topics.

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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from producers._show import (
    console,
    err,
    print_browse,
    print_check,
    print_sample,
    status_document,
    status_table,
    summary,
)
from producers.config import EdgeConfig, load_config
from producers.configcheck import Finding
from producers.errors import EdgeConfigError, EdgeError
from producers.sources import SourceOptions
from producers.spool import read_ledger, read_stats
from schemas import Contract

if TYPE_CHECKING:
    from producers.topics import TopicState

app = typer.Typer(
    help="assay edge producer: collect factory readings, spool them durably, send them to Kafka.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
)
topics_app = typer.Typer(help="Kafka topics of the configured contracts.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")

ConfigPath = Annotated[
    Path,
    typer.Argument(
        envvar="ASSAY_EDGE_CONFIG",
        help="The edge YAML file (infra/edge/edge.example.yaml).",
        show_default=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"assay-edge {version('assay')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """assay edge producer: collect factory readings, spool them durably, send them to Kafka."""


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
        doc = {"ok": ok, **summary(config, load), "findings": [f.as_dict() for f in findings]}
        console.print_json(data=doc)
    else:
        print_check(config, load, findings, ok)
    if not ok:
        raise typer.Exit(2)


@app.command()
def probe(
    config_file: ConfigPath,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each sample.")] = 10.0,
    browse: Annotated[
        str | None,
        typer.Option(help="OPC UA sources: list the node subtree under this node id (i=85)."),
    ] = None,
    depth: Annotated[int, typer.Option(help="How deep --browse goes.")] = 2,
    as_json: JsonOption = False,
) -> None:
    """Read one sample per source and show the mapped reading and the rules it would fail.

    No Kafka and no spool: one Modbus poll, one MQTT message, one OPC UA data change, one CSV
    line. Exit 1 when a source gave no reading in time.
    """
    from producers.probe import take_sample

    config = _load(config_file, as_json)
    chosen = _chosen(config, source)
    load = _contracts_or_exit(config, chosen)
    samples = []
    for options in chosen:
        if browse is not None and options.kind == "opcua":
            print_browse(options, browse, depth, as_json)
        contract = load(options.contract)
        samples.append(take_sample(options, contract, config.producer_id, config.site, timeout))
    if as_json:
        console.print_json(data={"samples": [s.as_dict() for s in samples]})
    else:
        for sample in samples:
            print_sample(sample)
    if any(s.row is None for s in samples):
        raise typer.Exit(1)


def _chosen(config: EdgeConfig, names: list[str] | None) -> list[SourceOptions]:
    known = [s.name for s in config.sources]
    for name in names or []:
        if name not in known:
            error = EdgeConfigError(
                config.file, "--source", f"no source {name!r}", f"use one of: {', '.join(known)}"
            )
            err.print(f"[red]{error}[/]", highlight=False)
            raise typer.Exit(2)
    return [s for s in config.sources if not names or s.name in names]


def _contracts_or_exit(
    config: EdgeConfig, chosen: list[SourceOptions]
) -> Callable[[str], Contract]:
    from producers.edge import contract_loader
    from schemas import ContractError

    load = contract_loader(config)
    for i, options in enumerate(chosen):
        try:
            load(options.contract)
        except ContractError as exc:
            err.print(f"[red]configuration error[/] sources[{i}].contract: {exc}", highlight=False)
            raise typer.Exit(2) from exc
    return load


@app.command()
def status(config_file: ConfigPath, as_json: JsonOption = False) -> None:
    """Show the spool: depth, oldest unsent reading, next sequence number, dropped count.

    ``--json``: one object (``ok``, ``producer_id``, ``spool``, the counts, times as epoch ms
    and ``oldest_unsent_age_s``; ``ledger``: per topic the readings spooled, held, dropped,
    parked and sent, with seq ranges, for `assay release create --edge-status`), also when the
    spool cannot be read (``ok: false``, ``error``).
    """
    config = _load(config_file, as_json)
    try:
        stats = read_stats(config.spool.path)
        ledger = read_ledger(config.spool.path) if as_json else None
    except EdgeError as exc:
        if as_json:
            console.print_json(
                data={"ok": False, "spool": str(config.spool.path), "error": str(exc)}
            )
        else:
            err.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from exc
    if as_json:
        console.print_json(data=status_document(config, stats) | {"ledger": ledger})
    else:
        console.print(status_table(config, stats))


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
    from producers._systemd import Watchdog, notify
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
    notify("READY=1")  # Type=notify: started means the spool is open and every thread runs
    watchdog = Watchdog(edge.alive)
    try:
        with Progress(edge.stats, lambda: edge.spool, console, live=live) as shown:
            while not (stop.wait(1.0) or edge.died.is_set()):
                shown.tick()
                watchdog.tick()
    finally:
        notify("STOPPING=1")
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
        note = _topic_note(s)
        if s.altered:
            note += "; set " + ", ".join(f"{k}={v}" for k, v in s.altered.items())
        retention = s.configs.get("retention.ms", "?")
        console.print(f"{s.topic}: {s.partitions} partitions, retention.ms={retention} ({note})")


def _topic_note(state: TopicState) -> str:
    """What was done to a topic; partitions an operator added are no mismatch."""
    if state.created:
        return "created"
    if state.added:
        return f"exists, {state.added} partitions added to the contract's {state.wanted}"
    if state.matches:
        return "exists"
    return f"exists with {state.partitions}, contract says {state.wanted}"
