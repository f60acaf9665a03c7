"""``assay release``: create, verify, list, show and open governed dataset releases."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Column, Table
from rich.text import Text

from assay.cli._common import (
    Json,
    OldDownload,
    console,
    out,
    pick,
    print_json,
    progress,
    user_errors,
)
from assay.cli._release_args import As, ContractName, Version, settings
from assay.config import Settings

if TYPE_CHECKING:
    from assay.govern.releases import LockTerms, MaskingKey, Release, ReleaseRequest
    from assay.govern.roles import Actor

app = typer.Typer(
    help="Immutable, documented, masked dataset releases for a pilot base.", no_args_is_help=True
)


@app.command()
def create(
    contract: ContractName,
    date_from: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First date.")
    ],
    date_to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last date.")],
    version: Annotated[str, typer.Option(help="Release version X.Y.Z (new each time).")],
    licence: Annotated[
        str | None,
        typer.Option(help="Licence SPDX id or URL, e.g. CC-BY-4.0 (required; see the error)."),
    ] = None,
    grant: Annotated[
        list[str] | None, typer.Option(help="Release this L3/personal field as is (repeatable).")
    ] = None,
    created: Annotated[
        datetime | None,
        typer.Option(help="Request time (UTC) recorded in the manifest; default now."),
    ] = None,
    recipient: Annotated[
        str, typer.Option(help="Pilot base the release is for; its pseudonyms are its own.")
    ] = "",
    comment: Annotated[str, typer.Option(help="Why this release, for the approver.")] = "",
    approve: Annotated[
        bool, typer.Option(help="Single-steward site only: approve and publish at once.")
    ] = False,
    edge_status: Annotated[
        list[Path] | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="An `assay-edge status --json` document of a producer behind the contract "
            "(repeatable): the edge's side of the ledger.",
        ),
    ] = None,
    accept_gap: Annotated[
        str,
        typer.Option(
            help="Release although the ledger has gaps, for this reason (recorded with your "
            "name in the manifest and card)."
        ),
    ] = "",
    as_: As = None,
) -> None:
    """Request a release: a draft of a date window's curated data, for a second steward to
    approve (`assay release approve`). Refused when the counts from edge to release do not
    reconcile: the error names each gap (producer and seqs, partition and offsets)."""
    from assay.cli.release_review import approve_draft, check_single
    from assay.govern.releases import LockTerms, ReleaseRequest, masking_key
    from assay.govern.roles import actor_from

    with user_errors():
        current = settings("s3", "kafka")
        actor = actor_from(current, as_)
        when = (created or datetime.now(UTC)).replace(microsecond=0)
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        request = ReleaseRequest(
            contract=current.contracts().get(contract),
            version=version,
            date_from=date_from.date(),
            date_to=date_to.date(),
            created=when,
            licence=licence or current.release_licence,
            grants=frozenset(grant or ()),
            recipient=recipient,
            requested_by=actor.name,
            comment=comment,
            edge_reports=tuple((str(p), p.read_bytes()) for p in edge_status or ()),
            accept_gap=accept_gap,
            sites=current.enterprise_sites,
        )
        terms = LockTerms.after(when, current.release_lock_days, current.release_lock_mode)
        if approve:
            check_single(current, actor)
        draft = _request(current, request, masking_key(current), terms, actor)
        if approve:
            approve_draft(current, contract, version, actor, comment, single=True)
            return
    _announce(current, draft.manifest)
    _ledger_line(draft.manifest["ledger"])
    totals = draft.manifest["totals"]
    out.print(
        f"[yellow]requested[/yellow] {contract} {version} by {actor.name}: {totals['rows']:,} "
        f"rows in {totals['files']} files, a draft at s3://{draft.bucket}/{draft.prefix}; "
        f"another steward publishes it with `assay release approve {contract} {version} "
        "--comment ...` or refuses it with `assay release reject`"
    )


def _ledger_line(ledger: dict[str, Any]) -> None:
    """One line on the ledger: producers, gaps and who accepted them."""
    reported = sum(1 for p in ledger["producers"] if p["edge"] is not None)
    line = f"ledger: {len(ledger['producers'])} producers ({reported} with an edge report)"
    accepted = ledger["accepted_gap"]
    if accepted:
        line += f", {accepted['gaps']} gaps accepted by {accepted['by']}: {accepted['reason']}"
    out.print(
        line + ("" if accepted else ", every layer reconciles"), markup=False, highlight=False
    )


def _announce(current: Settings, manifest: dict[str, Any]) -> None:
    """Tell the stewards (chat robots, e-mail) a request awaits their approval."""
    from assay.govern.notify import notify, pending_approval

    for sent in notify(current, pending_approval(manifest)):
        colour, how = ("green", "told") if sent.ok else ("red", "not told")
        console.print(f"[{colour}]{how}[/{colour}] {sent.channel} {sent.detail}".rstrip())


def _request(
    current: Settings, request: ReleaseRequest, key: MaskingKey, terms: LockTerms, actor: Actor
) -> Release:
    from assay.govern.ledger import ledger_inputs
    from assay.govern.releases import Buckets, LockedS3Store, request_release

    store, buckets = LockedS3Store(current), Buckets.from_settings(current)
    inputs = ledger_inputs(current, store, buckets, request.contract, request.edge_reports)
    _not_consulted(inputs.kafka, "Kafka", "the ledger counts the landed offsets only")
    _not_consulted(inputs.reports, "the edge reports' topic", "no producer has edge figures")
    return request_release(store, buckets, request, key, terms, actor, progress, inputs)


def _not_consulted(note: dict[str, Any], what: str, meaning: str) -> None:
    """Tell the steward a source of the ledger was not read (the ledger records it too)."""
    if note.get("problem"):
        said = f"{what} not consulted ({note['problem']}): {meaning}"
        console.print(Text(said, style="yellow"))


@app.command()
def verify(
    contract: Annotated[
        str, typer.Argument(help="Contract name, or the folder of a downloaded release.")
    ],
    version: Annotated[
        str | None, typer.Argument(help="Release version X.Y.Z (not with a folder).")
    ] = None,
) -> None:
    """Recompute every checksum and row count; exit 1 naming each file that differs.

    ``assay release verify ./folder`` checks a downloaded release offline, against its
    manifest and SHA256SUMS, with no settings and no network."""
    from assay.govern.releases import LockedS3Store, verify_folder, verify_release

    with user_errors():
        if version is None:
            result = verify_folder(Path(contract))
        else:
            current = settings("s3")
            store = LockedS3Store(current)
            result = verify_release(store, current.bucket_releases, contract, version)
    for problem in result.problems:
        console.print(f"[red]mismatch[/red] {problem}")
    for path in result.shadowed:
        console.print(
            f"[red]tampered[/red] {path}: a version written after the release hides the "
            "released one (which is still intact and locked, and what was verified)"
        )
    if result.withdrawal is not None:
        console.print(
            f"[yellow]warning[/yellow] {_withdrawn(contract, version or '', result.withdrawal)}"
        )
    if not result.intact:
        raise typer.Exit(1)
    pinned = "released versions" if result.pinned else "current objects"
    where = "files" if version is not None else "downloaded files"
    out.print(f"[green]ok[/green] {len(result.checked)} {where} verified ({pinned})")


@app.command("ls")
def list_(
    contract: Annotated[str | None, typer.Argument(help="Only this contract.")] = None,
    as_json: Json = False,
    drafts: Annotated[
        bool, typer.Option(help="Also requests not yet published (drafts, rejected).")
    ] = False,
) -> None:
    """Every published release, by contract and version (with --drafts, requests too)."""
    from assay.govern.releases import list_releases
    from assay.store.objects import S3Store

    with user_errors():
        current = settings("s3")
        found = list_releases(S3Store(current), current.bucket_releases, contract, drafts=drafts)
    if as_json:
        print_json(found)
        return
    table = Table(
        "contract",
        "version",
        "state",
        "requested by",
        "approved by",
        "created",
        "window",
        "rows",
        "files",
    )
    for r in found:
        window = f"{r.window[0]} — {r.window[1]}"
        table.add_row(
            r.contract,
            r.version,
            r.state,
            r.requested_by or "",
            r.approved_by or "",
            r.created,
            window,
            f"{r.rows:,}",
            str(r.files),
        )
    out.print(table)


@app.command()
def show(
    contract: ContractName,
    version: Version,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole manifest as JSON.")
    ] = False,
) -> None:
    """One release or request: who asked and who approved, files, fields, masking, quality."""
    from assay.govern.releases import LockedS3Store, release_status

    with user_errors():
        current = settings("s3")
        status = release_status(LockedS3Store(current), current.bucket_releases, contract, version)
    m = status.manifest
    if as_json:
        print_json(m)
        return
    out.print(
        f"[bold]{contract} {version}[/bold] {status.state}, created {m['release']['created']}"
    )
    from assay.cli.release_review import history, holdings, producer_table

    for line in history(status):
        out.print(line)
    out.print(
        f"window {m['window']['from']} — {m['window']['to']}, licence {m['release']['licence']}"
    )
    # A path is never cut: it is what `release verify` and the readers are given.
    files = Table(Column("file", no_wrap=True, overflow="ignore"), "rows", "bytes", "sha256")
    for f in m["files"]:
        files.add_row(Text(f["path"]), f"{f['rows']:,}", f"{f['size']:,}", f["sha256"][:16] + "…")
    out.print(files)
    fields = Table("field", "class", "personal", "in this release")
    for f in m["fields"]:
        fields.add_row(
            Text(f["name"]), f["classification"], "yes" if f["personal"] else "", f["treatment"]
        )
    out.print(fields)
    for line in holdings(m):
        out.print(line, markup=False, highlight=False)
    if (per_producer := producer_table(m)) is not None:
        out.print(per_producer)
    dims = m["quality"]["dimensions"]
    scores = " · ".join(f"{pick(d['label_zh'], d['label_en'])} {_pct(d['score'])}" for d in dims)
    out.print(f"quality: {scores}")


@app.command("open")
def open_(
    contract: ContractName,
    version: Version,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Download into this folder instead (`release download`)."),
    ] = None,
    rows: Annotated[int, typer.Option(min=0, help="Rows to print.")] = 5,
    download: OldDownload = None,
) -> None:
    """Read a release from the S3 server (or download it) and print its first rows."""
    from assay.govern.releases import ReleaseWithdrawn, open_release

    download = out_path or download
    if download is not None:
        download_(contract, version, download)
        return
    with user_errors():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ReleaseWithdrawn)
            dataset = open_release(settings("s3"), contract, version)
        head = dataset.head(rows)
    for warning in caught:
        console.print(f"[yellow]warning[/yellow] {warning.message}")
    out.print(f"{dataset.count_rows():,} rows; schema:\n{dataset.schema.remove_metadata()}")
    table = Table(*head.column_names)
    for row in head.to_pylist():
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    out.print(table)


@app.command("download")
def download_(
    contract: ContractName,
    version: Version,
    dest: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder to download into (default: CONTRACT-VERSION)."),
    ] = None,
) -> None:
    """Download a release: streamed, resumable (run it again after a break), each file
    checked against the manifest; then `assay release verify FOLDER` works offline."""
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    from assay.govern.releases import (
        LockedS3Store,
        download_release,
        download_size,
        read_manifest,
    )

    dest = dest or Path(f"{contract}-{version}")
    with user_errors():
        current = settings("s3")
        store, bucket = LockedS3Store(current), current.bucket_releases
        total = download_size(read_manifest(store, bucket, contract, version))
        columns = (*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"{contract} {version}", total=total)
            download_release(store, bucket, contract, version, dest, lambda n: bar.advance(task, n))
    out.print(f"[green]downloaded[/green] {contract} {version} to {dest} ({total:,} bytes)")


@app.command("key-id")
def key_id() -> None:
    """The id of the master masking key (what manifests record), and where the key is."""
    from assay.govern.releases import masking_key

    with user_errors():
        key = masking_key(settings())
    out.print(f"{key.key_id}  ({key.source})")


@app.command("rotate-key")
def rotate_key() -> None:
    """A new master masking key; the old one is kept beside it. Old releases still verify."""
    from assay.govern.releases import rotate_masking_key

    with user_errors():
        done = rotate_masking_key(settings())
    out.print(
        f"[green]rotated[/green] masking key {done.old_id} -> {done.new_id}; the old key is "
        f"kept in {done.archived} (releases made with it verify without it)"
    )


def _withdrawn(contract: str, version: str, marker: dict[str, Any]) -> str:
    from assay.govern.releases._status import withdrawn_warning

    return withdrawn_warning(contract, version, marker)


def _pct(score: float | None) -> str:
    return "—" if score is None else f"{score * 100:.2f}%"
