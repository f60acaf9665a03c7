"""``assay release approve / reject / withdraw``: a second steward's decision on a request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assay.cli._common import out, progress, user_errors
from assay.cli._release_args import As, ContractName, Version, settings
from assay.config import Settings

if TYPE_CHECKING:
    from assay.govern.roles import Actor


def register(release: typer.Typer) -> None:
    """Add the decision commands to ``assay release``."""
    release.command("approve")(approve_)
    release.command("reject")(reject)
    release.command("withdraw")(withdraw)


def approve_(
    contract: ContractName,
    version: Version,
    comment: Annotated[str, typer.Option(help="What you checked, for the record.")] = "",
    as_: As = None,
) -> None:
    """Approve another steward's request: publish the draft and lock it."""
    from assay.govern.roles import actor_from

    with user_errors():
        current = settings()
        approve_draft(current, contract, version, actor_from(current, as_), comment, single=False)


def approve_draft(
    current: Settings, contract: str, version: str, actor: Actor, comment: str, *, single: bool
) -> None:
    from assay.govern.releases import Decision, LockedS3Store, approve_release

    decision = Decision(actor, datetime.now(UTC).replace(microsecond=0), comment, single)
    release = approve_release(
        LockedS3Store(current), current.bucket_releases, contract, version, decision, progress
    )
    from assay.govern.lineage import emit_release

    emit_release(current, current.contracts().get(contract), release.manifest)
    totals, lock = release.manifest["totals"], release.manifest["lock"]
    how = "single-steward approval" if single else "approved"
    out.print(
        f"[green]released[/green] s3://{release.bucket}/{release.prefix} ({how} by "
        f"{actor.name}) — {totals['rows']:,} rows in {totals['files']} files, locked until "
        f"{lock['retain_until']} ({lock['mode']})"
    )


def check_single(current: Settings, actor: Actor) -> None:
    """``--approve`` only where the site is configured single-steward."""
    from assay.govern.roles import NotPermitted

    if not current.single_steward:
        raise NotPermitted(
            actor.name,
            actor.role,
            "approve",
            "this site needs a second steward's approval (`--approve` is for a site with "
            "single_steward = true); request without it and ask another steward to approve",
        )


def reject(
    contract: ContractName,
    version: Version,
    comment: Annotated[str, typer.Option(help="Why not (required).")] = "",
    as_: As = None,
) -> None:
    """Refuse a release request, with a comment; the draft is kept, never published."""
    from assay.govern.releases import Decision, LockedS3Store, reject_release
    from assay.govern.roles import actor_from

    with user_errors():
        current = settings()
        actor = actor_from(current, as_)
        decision = Decision(actor, datetime.now(UTC).replace(microsecond=0), comment)
        reject_release(LockedS3Store(current), current.bucket_releases, contract, version, decision)
    out.print(f"[red]rejected[/red] {contract} {version} by {actor.name}: {comment}")


def withdraw(
    contract: ContractName,
    version: Version,
    reason: Annotated[str, typer.Option(help="Why it must not be used (required).")] = "",
    as_: As = None,
) -> None:
    """Mark a published release withdrawn (admins): its data stays, readers are warned."""
    from assay.govern.releases import LockedS3Store, withdraw_release
    from assay.govern.roles import actor_from

    with user_errors():
        current = settings()
        actor = actor_from(current, as_)
        store = LockedS3Store(current)
        withdraw_release(store, current.bucket_releases, contract, version, actor, reason)
    out.print(f"[red]withdrawn[/red] {contract} {version} by {actor.name}: {reason}")


def history(status: Any) -> list[str]:
    """Request, decision and withdrawal, one line each."""
    r = status.request
    lines = (
        [
            f"requested by {r.get('by') or r.get('requested_by')} at "
            f"{r.get('at') or r.get('requested_at')}: {r.get('comment') or '—'}"
        ]
        if r
        else []
    )
    if d := status.decision:
        verdict = d.get("decision", "approved")
        alone = " (single-steward site: the requester approved)" if d.get("single_steward") else ""
        lines.append(f"{verdict} by {d['by']} at {d['at']}{alone}: {d.get('comment') or '—'}")
    elif status.state == "draft":
        lines.append("[yellow]waiting for approval by another steward[/yellow]")
    if w := status.withdrawal:
        lines.append(
            f"[red]withdrawn[/red] by {w['withdrawn_by']} at {w['withdrawn_at']}: {w['reason']}"
        )
    return lines


def holdings(manifest: dict[str, Any]) -> list[str]:
    """The steward decisions a release holds and its ledger, one line each, as plain text
    (producer ids and reasons are other people's text: print them with ``markup=False``)."""
    lines = [
        f"holds {d['rows']:,} rows accepted by {d['by']} ({d['id']}): {d['reason']}"
        for d in manifest.get("decisions") or []
    ]
    if not (ledger := manifest.get("ledger")):
        return lines  # released before releases carried a ledger
    parts = ledger["partitions"]
    names = ("produced", "curated", "quarantined", "dead_lettered", "duplicates")
    n = {k: f"{sum(p[k] for p in parts):,}" for k in names}
    kafka = "Kafka consulted" if ledger["kafka"]["consulted"] else "Kafka not consulted"
    lines += [
        f"ledger: {len(parts)} partitions, {len(ledger['producers'])} producers; produced "
        f"{n['produced']}: curated {n['curated']}, quarantined {n['quarantined']}, "
        f"dead-lettered {n['dead_lettered']}, duplicates {n['duplicates']}",
        f"ledger: {ledger['release']['rows']:,} rows released; {kafka}; "
        f"sha256 {ledger['sha256'][:16]}…",
    ]
    lines += [f"gap: {g['detail']}" for g in ledger["gaps"]]
    if a := ledger.get("accepted_gap"):
        lines.append(f"gaps accepted by {a['by']} at {a['at']}: {a['reason']}")
    return lines


def producer_table(manifest: dict[str, Any]) -> Any:
    """The ledger's figures per producer as a table (None before releases carried a ledger):
    what its gateway sent, what landed, how much of that retention removed since, duplicates,
    undecodable readings its dead letters claim, and rows in this release."""
    from rich.table import Table
    from rich.text import Text

    if not (ledger := manifest.get("ledger")):
        return None
    table = Table("producer", "sent", "landed", "expired", "duplicates", "dead-lettered",
                  "in release", title="ledger per producer")  # fmt: skip
    for p in ledger["producers"]:
        table.add_row(
            Text(p["producer_id"]),  # other people's text: never markup
            _count(p["edge"]["sent"] if p["edge"] else None),
            _count(p["distinct"]),
            _count(p.get("expired")),
            _count(p["duplicates"]),
            _count(_dead_lettered(p)),
            _count(p["in_release"]),
        )
    return table


def _dead_lettered(producer: dict[str, Any]) -> int | None:
    """Readings its dead letters claim; None in a ledger from before they were counted."""
    if "dead_lettered" not in producer:
        return None
    return producer["dead_lettered"]["readings"] if producer["dead_lettered"] else 0


def _count(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"
