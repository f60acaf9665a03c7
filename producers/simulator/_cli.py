"""The simulator command: every contract (or the chosen ones) to files or Kafka, with truth.

Writes ``<out>/<contract>.jsonl`` (one message value per line, in send order) and
``<out>/truth.json`` (the ground truth of every contract), and the inspection images under
``<out>/images`` unless ``--images`` says otherwise. With ``--bootstrap`` the messages go
to Kafka instead of the files, through the edge's transport.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from producers.simulator._config import FaultKind, SimulatorConfig
from producers.simulator._errors import SimulatorError
from producers.simulator._expectations import supported_kinds
from producers.simulator._fleet import MODELS
from producers.simulator._output import KafkaOutput, LinesOutput, Output, open_lines, send_all
from producers.simulator._run import Simulation
from producers.simulator._truth import FORMAT
from schemas import load_contract

__all__ = ["app", "parse_faults"]

app = typer.Typer(add_completion=False, help=__doc__)
err = Console(stderr=True)


def parse_faults(specs: list[str]) -> dict[FaultKind, int]:
    """``["stuck=2", "late=5"]`` -> ``{FaultKind.STUCK: 2, FaultKind.LATE: 5}``."""
    faults: dict[FaultKind, int] = {}
    for spec in specs:
        kind, _, count = spec.partition("=")
        try:
            faults[FaultKind(kind.strip())] = int(count or "1")
        except ValueError as exc:
            kinds = ", ".join(k.value for k in FaultKind)
            raise typer.BadParameter(
                f"{spec!r}: write KIND=COUNT with KIND one of {kinds}"
            ) from exc
    return faults


@app.command()
def main(
    contract: Annotated[
        list[str] | None,
        typer.Option("--contract", "-c", help="Contract to simulate (repeat); default: all."),
    ] = None,
    devices: Annotated[int, typer.Option(help="Devices per contract.")] = 3,
    sites: Annotated[int, typer.Option(help="Sites the devices are spread over.")] = 1,
    rate: Annotated[float, typer.Option(help="Readings per device per second.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same readings.")] = 0,
    start: Annotated[datetime | None, typer.Option(help="First event time (UTC).")] = None,
    duration: Annotated[str | None, typer.Option(help="Simulated span, e.g. 1h, 2d.")] = None,
    count: Annotated[
        int | None, typer.Option(help="Readings per device (instead of --duration).")
    ] = None,
    fault: Annotated[
        list[str] | None, typer.Option("--fault", "-f", help="KIND=COUNT to inject (repeat).")
    ] = None,
    clock_skew: Annotated[str, typer.Option(help="How far a skewed clock runs ahead.")] = "1h",
    out: Annotated[Path, typer.Option(help="Folder for the JSON lines and truth.json.")] = Path(
        "simulator-out"
    ),
    images: Annotated[
        Path | None, typer.Option(help="Folder for inspection images (default: OUT/images).")
    ] = None,
    image_uri_prefix: Annotated[
        str | None, typer.Option(help="Claim-check URI prefix, e.g. s3://claims/vi.")
    ] = None,
    producer_id: Annotated[
        str, typer.Option(help="producer_id stamped on every message.")
    ] = "simulator",
    bootstrap: Annotated[
        str | None, typer.Option(help="Kafka bootstrap servers: send instead of writing files.")
    ] = None,
) -> None:
    """Simulate factory readings with exact faults; write JSON lines (or send) and the truth."""
    if duration is None and count is None:
        duration = "1h"
    base: dict[str, Any] = {
        "devices": devices, "sites": sites, "rate": rate, "seed": seed, "duration": duration,
        "count": count, "faults": parse_faults(fault or []), "clock_skew": clock_skew,
        "image_dir": images or out / "images", "image_uri_prefix": image_uri_prefix,
    }  # fmt: skip
    if start is not None:
        base["start"] = start if start.tzinfo else start.replace(tzinfo=UTC)
    try:
        names = contract or sorted(MODELS)
        configs = [_config(name, base, several=len(names) > 1) for name in names]
        truth = _run_all(configs, out, producer_id, bootstrap)
    except (ValidationError, SimulatorError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    out.mkdir(parents=True, exist_ok=True)
    (out / "truth.json").write_text(json.dumps(truth, indent=2), encoding="utf-8")
    err.print(f"wrote {out / 'truth.json'}")


def _config(name: str, base: dict[str, Any], several: bool) -> SimulatorConfig:
    """One contract's config; with several contracts, kinds a contract lacks are skipped."""
    faults = base["faults"]
    if several:
        can = set(supported_kinds(load_contract(name)))
        skipped = sorted(k.value for k in faults if k not in can)
        if skipped:
            err.print(f"{name}: no {', '.join(skipped)} faults (the contract cannot carry them)")
        faults = {k: n for k, n in faults.items() if k in can}
    return SimulatorConfig(contract=name, **{**base, "faults": faults})


def _run_all(configs: list[SimulatorConfig], out: Path, producer_id: str,
             bootstrap: str | None) -> dict[str, object]:  # fmt: skip
    truth: dict[str, object] = {"format": FORMAT, "complete": True, "producer_id": producer_id,
                                "configs": [], "contracts": {}}  # fmt: skip
    sims = [Simulation(c, load_contract(c.contract)) for c in configs]  # fail before writing
    seq = 0
    with _progress() as progress:
        for sim in sims:
            task = progress.add_task(sim.contract.name, total=sim.config.total)
            seq = _one(sim, out, producer_id, bootstrap, seq, lambda t=task: progress.advance(t))
            part = sim.truth()
            truth["configs"].append(part["config"])  # type: ignore[attr-defined]
            truth["contracts"].update(part["contracts"])  # type: ignore[attr-defined]
    return truth


def _one(sim: Simulation, out: Path, producer_id: str, bootstrap: str | None, seq: int,
         tick: object) -> int:  # fmt: skip
    if bootstrap is None:
        with open_lines(out, sim.contract.name) as stream:
            return send_all(sim.run(), sim.contract, producer_id, LinesOutput(stream), seq, tick)  # type: ignore[arg-type]
    from producers.sink import KafkaSettings, KafkaTransport

    transport = KafkaTransport(KafkaSettings(bootstrap=bootstrap, client_id=producer_id))
    output: Output = KafkaOutput(transport, producer_id)
    try:
        return send_all(sim.run(), sim.contract, producer_id, output, seq, tick)  # type: ignore[arg-type]
    finally:
        transport.close(timeout=30)


def _progress() -> Progress:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=err, transient=False)
