"""``assay demo``: a simulated factory with known faults, through the real pipeline, checked."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.live import Live
from rich.table import Table

from assay.cli._common import console, out, progress, settings, user_errors

if TYPE_CHECKING:
    from assay.config import Settings
    from assay.devstack.demo import Outcome
    from assay.govern.audit import Audit


def demo(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the DAGs.")] = 900,
) -> None:
    """Simulate every contract with injected faults, let the DAGs run, and check every reading."""
    from assay.devstack import demo as flow
    from assay.devstack import stack
    from assay.govern.audit import run_audit
    from schemas import ContractRegistry

    with user_errors():
        current = settings()
        down = [s.name for s in stack.status(current) if not s.healthy]
        if down:
            console.print(
                f"[red]error:[/red] {', '.join(down)} not running; start the stack with "
                "`assay stack up` (or run `make demo`, which does)"
            )
            raise typer.Exit(1)
        missing = flow.wait_for_dags(current, [c.name for c in ContractRegistry.shipped()])
        if missing:
            console.print(
                f"[red]error:[/red] Airflow has not loaded {', '.join(missing)}; see "
                "`assay stack logs airflow-dag-processor`"
            )
            raise typer.Exit(1)
        now = datetime.now(UTC)
        producer = flow.run_id(now)
        folder = current.state_dir / "demo" / producer
        contracts = [c.name for c in ContractRegistry.shipped()]
        truths = {}
        for name in contracts:
            truths[name] = flow.simulate(name, producer, folder, current, now)["contracts"][name]
            t = truths[name]
            progress(
                f"{name}: sent {t['messages']:,} messages ({t['readings']:,} readings, "
                f"{sum(f['count'] for f in t['faults'].values())} injected faults)"
            )
        progress(f"ground truth: {flow.write_truth(folder, truths)}")
        progress(
            "waiting for Airflow: topic watchers wake the ingest DAGs, raw assets wake validation"
        )
        outcomes = [
            flow.Outcome(n, truths[n]["expected"], flow.expected_quarantine(truths[n]))
            for n in contracts
        ]
        started = time.monotonic()
        with Live(_table(outcomes, 0), console=console, refresh_per_second=1) as live:
            finished = flow.wait(
                current,
                outcomes,
                producer,
                timeout,
                lambda o: live.update(_table(o, time.monotonic() - started)),
                nudge_after=60,
            )
        audits = {n: run_audit(current, ContractRegistry.shipped().get(n)) for n in contracts}
    out.print(_summary(outcomes, truths, audits))
    _where(current)
    if not finished:
        console.print(
            f"[red]not every reading arrived within {timeout:.0f}s[/red]; see "
            "`assay stack logs airflow-scheduler` and the Airflow UI"
        )
        raise typer.Exit(1)
    if not all(o.exact for o in outcomes) or not all(a.balanced for a in audits.values()):
        raise typer.Exit(1)


def _table(outcomes: list[Outcome], elapsed: float) -> Table:
    table = Table(
        "contract",
        "curated",
        "quarantined",
        "dead-lettered",
        "state",
        title=f"pipeline progress ({elapsed:.0f}s)",
    )
    for o in outcomes:
        e = o.expected
        table.add_row(
            o.contract,
            f"{o.curated}/{e['curated']}",
            f"{o.quarantined}/{e['quarantined']}",
            f"{o.dead_lettered}/{e['dead_lettered']}",
            "done" if o.done else "…",
        )
    return table


def _summary(outcomes: list[Outcome], truths: dict[str, Any], audits: dict[str, Audit]) -> str:
    """One block per contract; lines stay readable on an 80-column terminal."""
    lines = ["", "[bold]assay demo: what the pipeline did with this run's readings[/bold]"]
    for o in outcomes:
        truth, audit = truths[o.contract], audits[o.contract]
        dropped = truth["messages"] - o.curated - o.quarantined - o.dead_lettered
        exact = "[green]caught exactly[/green]" if o.exact else "[red]NOT as injected[/red]"
        balanced = (
            "[green]audit balanced[/green]" if audit.balanced else "[red]audit NOT balanced[/red]"
        )
        rules = ", ".join(f"{r} {n}" for r, n in sorted(o.quarantine_by_rule.items())) or "none"
        lines += [
            f"[bold]{o.contract}[/bold]  {exact}  {balanced}",
            f"  produced {truth['messages']:,} = curated {o.curated:,} + quarantined "
            f"{o.quarantined} + dead-lettered {o.dead_lettered} + duplicates dropped {dropped}",
            f"  quarantined by rule: {rules}",
        ]
        lines += [f"  [red]{problem}[/red]" for problem in audit.problems]
    return "\n".join(lines)


def _where(current: Settings) -> None:
    out.print(f"curated:     s3://{current.bucket_curated}/<contract>/v1/date=…/site=…/")
    out.print(
        f"quarantine:  s3://{current.bucket_quarantine}/<contract>/v1/"
        "   (`assay quarantine show <contract>`)"
    )
    out.print(
        f"reports:     s3://{current.bucket_reports}/<contract>/v1/partition=…/<segment>/"
        "{summary.json,validation.json,data_docs.html,scores.json}"
    )
    out.print(f"Airflow UI:  http://127.0.0.1:{current.airflow_port}/")
    out.print(
        f"console:     http://127.0.0.1:{current.console_port}/   (user admin, password in "
        f"{current.state_dir / 'secrets' / 'console-admin'}; `assay console user add`)"
    )
