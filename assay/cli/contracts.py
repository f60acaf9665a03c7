"""``assay contracts``: lint, diff, document and inspect the data contracts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import schemas
from assay.cli._common import OldOutput, pick
from schemas import (
    Change,
    ChangeClass,
    Contract,
    ContractError,
    ContractInvalidError,
    ContractNotFoundError,
    LintError,
)

app = typer.Typer(
    help="Lint, diff, document and inspect the data contracts (schemas/contracts/*.yaml).",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)

DEFAULT_DOCS_DIR = Path(".assay/docs/contracts")
_CLASS_STYLE = {
    ChangeClass.DOCS: "dim",
    ChangeClass.COMPATIBLE: "green",
    ChangeClass.BREAKING: "red",
}


@app.command()
def lint(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Contract files or folders of them (default: every known contract)."),
    ] = None,
) -> None:
    """Check contracts and print one line per problem: file:line, code, message, fix."""
    files = _contract_files(paths)
    errors = [error for path in files for error in schemas.lint_file(path)]
    for error in errors:
        typer.echo(str(error))
    if errors:
        err.print(f"[red]{len(errors)} problem(s)[/red] in {len(files)} contract file(s)")
        raise typer.Exit(1)
    err.print(f"[green]{len(files)} contract file(s) OK[/green]")


def _site_dirs() -> list[Path]:
    """The site's contract folders (`ASSAY_CONTRACTS_DIR`, ``contracts_dir``)."""
    from assay.config import load_settings

    return load_settings().contracts_dir


def _contract_files(paths: list[Path] | None) -> list[Path]:
    if not paths:
        site = [p for folder in _site_dirs() for p in sorted(folder.glob("*.yaml"))]
        return [*schemas.shipped_contract_paths(), *site]
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="The old contract: a file path or a shipped name.")],
    new: Annotated[str, typer.Argument(help="The new contract: a file path or a shipped name.")],
) -> None:
    """Classify every change between two versions; exit 1 if the version bump does not match."""
    before, after = _load(old), _load(new)
    check = schemas.check_version_bump(before, after)
    if check.changes:
        out.print(_changes_table(check.changes))
    else:
        out.print("no changes")
    style = "green" if check.ok else "red"
    out.print(f"[{style}]{before.version} -> {after.version}: {check.reason}[/{style}]")
    if not check.ok:
        raise typer.Exit(1)


def _changes_table(changes: tuple[Change, ...]) -> Table:
    table = Table("path", "change", "class", "why")
    for change in changes:
        style = _CLASS_STYLE[change.change_class]
        table.add_row(
            change.path, change.kind, f"[{style}]{change.change_class}[/{style}]", change.reason
        )
    return table


@app.command()
def docs(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Contract files or folders of them (default: every known contract)."),
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write the Markdown and HTML pages into.")
    ] = DEFAULT_DOCS_DIR,
) -> None:
    """Write the bilingual data dictionary (Markdown and HTML, 中文 first) for the contracts."""
    contracts = [_load(str(path)) for path in _contract_files(paths)]
    written = schemas.write_dictionary(contracts, out_dir)
    err.print(f"wrote {len(written)} page(s) for {len(contracts)} contract(s) to {out_dir}")


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="A contract name (shipped or site) or a file path.")],
    json_schema: Annotated[
        bool, typer.Option("--json-schema", help="Print the JSON Schema of one reading instead.")
    ] = False,
    form: Annotated[
        str,
        typer.Option(
            "--form",
            help="JSON Schema form: 'accepted' (what the pipeline takes from any producer: "
            "ingest_time optional, any UTC offset) or 'strict' (what assay's edge sends).",
        ),
    ] = "accepted",
    arrow: Annotated[bool, typer.Option("--arrow", help="Print the Arrow schema instead.")] = False,
) -> None:
    """Show a contract's summary and fields, or its JSON Schema or Arrow schema."""
    contract = _load(name)
    if json_schema:
        schema = schemas.to_json_schema(contract, _form(form))
        typer.echo(json.dumps(schema, ensure_ascii=False, indent=2))
    elif arrow:
        typer.echo(str(schemas.to_arrow_schema(contract)))
    else:
        _print_summary(contract)


def _form(value: str) -> schemas.Form:
    if value not in ("accepted", "strict"):
        raise typer.BadParameter(f"{value!r}: use 'accepted' or 'strict'", param_hint="--form")
    return "accepted" if value == "accepted" else "strict"


def _print_summary(contract: Contract) -> None:
    out.print(f"[bold]{pick(contract.title.zh, contract.title.en)}[/bold]")
    out.print(
        f"{contract.name} {contract.version} · topic {schemas.topic_name(contract)} · "
        f"{contract.scenario} · {contract.security_level} · owner {contract.owner}"
    )
    table = Table("field", "type", "unit", "range", "null", "class", "description")
    for field_name, spec in schemas.all_fields(contract).items():
        bounds = _bounds(spec.min, spec.max)
        level = f"{spec.classification}{' personal' if spec.personal else ''}"
        table.add_row(
            field_name,
            spec.type,
            spec.unit or "",
            bounds,
            "yes" if spec.nullable else "",
            level,
            pick(spec.description.zh, spec.description.en),
        )
    out.print(table)


def _bounds(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return ""
    return f"[{'-∞' if low is None else low}, {'+∞' if high is None else high}]"


def _load(name_or_path: str) -> Contract:
    """Load a contract or exit: 1 when it does not lint, 2 when it cannot be found."""
    try:
        return schemas.load_contract(name_or_path, search=_site_dirs())
    except ContractInvalidError as exc:
        _print_lint_errors(exc.errors)
        raise typer.Exit(1) from exc
    except ContractNotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    except ContractError as exc:  # pragma: no cover - the hierarchy has no other leaves today
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc


def _print_lint_errors(errors: tuple[LintError, ...]) -> None:
    for error in errors:
        typer.echo(str(error))


@app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="Contract name or path to a contract file.")],
    format_: Annotated[
        str, typer.Option("--format", help="Output format: odcs (Open Data Contract Standard).")
    ] = "odcs",
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
    output: OldOutput = None,
) -> None:
    """Write a contract as an ODCS v3.1.0 YAML document (datacontract-cli, OpenMetadata)."""
    output = out_path or output
    if format_ != "odcs":
        err.print(f"[red]error:[/red] unknown format {format_!r}; the one format is odcs")
        raise typer.Exit(2)
    text = schemas.dump_odcs(_load(name))
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    err.print(f"wrote {output}")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="An ODCS v3 YAML or JSON document.")],
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Contract file to write (default: <name>.yaml here)."),
    ] = None,
    output: OldOutput = None,
) -> None:
    """Turn an ODCS document into an assay contract file, then lint it."""
    output = out_path or output
    try:
        name, text = schemas.odcs_to_contract_yaml(path.read_text(encoding="utf-8"))
    except (OSError, ContractError) as exc:
        err.print(f"[red]error:[/red] {path}: {exc}")
        raise typer.Exit(2) from exc
    target = output or Path(f"{name}.yaml")
    target.write_text(text, encoding="utf-8")
    errors = schemas.lint_file(target)
    _print_lint_errors(tuple(errors))
    if errors:
        err.print(f"[red]{len(errors)} problem(s)[/red] to fix in {target} before it loads")
        raise typer.Exit(1)
    err.print(f"[green]wrote {target}: lints clean[/green]")
