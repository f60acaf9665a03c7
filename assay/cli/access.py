"""``assay access``: the S3 server's users and bucket policies for each role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assay.cli._common import console, out, progress, settings, user_errors

app = typer.Typer(
    help="Access roles on the S3 server: edge, pipeline, releaser, steward, pilot-<name>.",
    no_args_is_help=True,
)

Role = Annotated[
    str, typer.Argument(help="edge, pipeline, releaser, steward, pilot-<name> or root.")
]


@app.command("apply")
def apply_roles() -> None:
    """Create missing buckets and the role users (keys kept in <state>/access), then put
    every bucket policy. Runs as the S3 server's root."""
    from assay.config import ROOT
    from assay.govern.access import apply
    from assay.store.objects import ensure_buckets

    with user_errors():
        current = settings()
        if created := ensure_buckets(current.as_role(ROOT)):
            progress(f"created buckets {', '.join(created)}")
        applied = apply(current)
    for role in applied.created:
        progress(f"created user for {role}")
    for role in applied.updated:
        progress(f"{role}: user already there, secret and role reset")
    table = Table("bucket", "statements")
    for bucket, policy in applied.policies.items():
        sids = [str(s["Sid"]) for s in policy["Statement"]]
        table.add_row(bucket, ", ".join(sids))
    out.print(table)


@app.command()
def show(
    role: Role,
    reveal: Annotated[bool, typer.Option(help="Print the secret key too.")] = False,
) -> None:
    """A role's endpoint and keys, as ASSAY_* variables (the secret hidden unless --reveal)."""
    from assay.govern.access import load

    with user_errors():
        current = settings()
        keys = load(current.state_dir, role)
    secret = keys.secret_key.get_secret_value() if reveal else "**********"
    out.print(f"ASSAY_S3_ENDPOINT={current.endpoint}")
    out.print(f"ASSAY_S3_ACCESS_KEY={keys.access_key}")
    out.print(f"ASSAY_S3_SECRET_KEY={secret}")


@app.command("grant-pilot")
def grant_pilot(
    name: Annotated[str, typer.Argument(help="Pilot base name, e.g. base_a.")],
    contract: Annotated[str, typer.Argument(help="Contract whose releases it may read.")],
    apply_now: Annotated[
        bool, typer.Option("--apply/--no-apply", help="Apply the policies right away.")
    ] = True,
) -> None:
    """Let a pilot base read releases/<contract>/ (recorded in <state>/access/pilots.toml)."""
    from assay.govern.access import add_grant, apply, pilot_role
    from schemas import ContractRegistry

    with user_errors():
        current = settings()
        ContractRegistry.shipped().get(contract)
        try:
            role = pilot_role(name)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="NAME") from exc
        grants = add_grant(current.state_dir, name, contract)
        progress(f"{role} may read releases of {', '.join(grants[name])}")
        if apply_now:
            apply(current)
            progress(f"applied; `assay access show {role}` prints its keys")


@app.command()
def policies(
    bucket: Annotated[str | None, typer.Argument(help="Only this bucket.")] = None,
) -> None:
    """The bucket policies `apply` puts, as JSON (read from the stored keys, no server call)."""
    from assay.govern.access import effective_grants, planned_policies, role_keys

    with user_errors():
        current = settings()
        grants = effective_grants(current)
        found = planned_policies(current, role_keys(current, grants), grants)
    if bucket is not None and bucket not in found:
        console.print(f"[bold red]error:[/bold red] {bucket} is not a pipeline bucket")
        raise typer.Exit(1)
    out.print_json(json.dumps({bucket: found[bucket]} if bucket else found))


@app.command("export")
def export(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the policy files.")] = Path(
        "iam-policies"
    ),
    fmt: Annotated[str, typer.Option("--format", help="Only `iam` for now.")] = "iam",
) -> None:
    """Write one IAM policy document per role (<role>.json) for MinIO, Ceph RGW or AWS."""
    from assay.govern.access import exported_policies

    if fmt != "iam":
        raise typer.BadParameter(f"unknown format {fmt!r}; choose iam", param_hint="--format")
    with user_errors():
        found = exported_policies(settings())
    out_dir.mkdir(parents=True, exist_ok=True)
    for role, policy in found.items():
        path = out_dir / f"{role}.json"
        path.write_text(json.dumps(policy, indent=2) + "\n")
        progress(f"{role}: {path} ({len(policy['Statement'])} statements)")
