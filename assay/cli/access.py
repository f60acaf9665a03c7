"""``assay access``: the S3 server's users and bucket policies for each role; Kafka's gateway
principals and SCRAM passwords."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assay.cli._common import console, out, progress, settings, user_errors
from assay.config import Settings
from schemas.kafka_security import KafkaSecurity

app = typer.Typer(
    help="Access roles on the S3 server (edge, pipeline, releaser, steward, pilot-<name>) and "
    "Kafka principals (kafka-gateway, kafka-rotate, kafka-apply, kafka-watchers), the identity "
    "master key (rotate-identity-key, retire-identity-key, identity-keys) and the Airflow "
    "connections of the tasks (airflow-connections).",
    no_args_is_help=True,
)

Role = Annotated[
    str, typer.Argument(help="edge, pipeline, releaser, steward, pilot-<name> or root.")
]
_PRINCIPAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@app.command("apply")
def apply_roles() -> None:
    """Create missing buckets and the role users (keys kept in <state>/access), then put
    every bucket policy. Runs as the S3 server's root."""
    from assay.config import ROOT
    from assay.govern.access import apply
    from assay.store.objects import ensure_buckets

    with user_errors():
        current = settings("s3")
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

    with user_errors():
        current = settings()
        current.contracts().get(contract)
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
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the policy files.")
    ] = Path("iam-policies"),
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


Principal = Annotated[str, typer.Argument(help="The Kafka principal, e.g. edge-gw-plant-a-01.")]


@app.command("kafka-gateway")
def kafka_gateway(
    name: Principal,
    contracts: Annotated[list[str], typer.Argument(help="Contracts whose topics it may write.")],
    producer_ids: Annotated[
        list[str] | None,
        typer.Option(
            "--producer-id",
            help="A producer_id pattern it may use ('*' matches any run); repeatable. "
            "Default: NAME and NAME-*.",
        ),
    ] = None,
) -> None:
    """A gateway's Kafka principal: SCRAM credentials and ACLs to write its contracts' topics only,
    the producer_ids it may use, and the key it signs its records with.

    The password is kept in <state>/kafka/users/NAME (made once; `kafka-rotate` replaces it),
    the signing key in <state>/kafka/users/NAME.signing-key (derived from the identity master
    key); copy both to the gateway and name them in the edge YAML's kafka section.
    """
    from assay.devstack.stack.kafka_auth import STACK_USERS, ensure_passwords, password_file
    from assay.govern.access import apply_kafka_grants, gateway_kafka_grants, set_kafka_password
    from schemas import ContractNotFoundError, topic_name

    if name in STACK_USERS or not _PRINCIPAL.fullmatch(name):
        raise typer.BadParameter(
            f"use letters, digits, '.', '_' or '-', not one of {', '.join(STACK_USERS)}",
            param_hint="NAME",
        )
    with user_errors():
        current = settings("kafka")
        try:
            topics = [topic_name(current.contracts().get(c)) for c in contracts]
        except ContractNotFoundError as exc:
            raise typer.BadParameter(str(exc), param_hint="CONTRACTS") from exc
        set_kafka_password(current, name, ensure_passwords(current.state_dir, (name,))[name])
        apply_kafka_grants(current, gateway_kafka_grants(name, topics))
        patterns, key_file = _gateway_identity(current, name, tuple(producer_ids or ()))
    progress(f"{name} may write {', '.join(topics)} and nothing else")
    progress(f"{name} may use producer_id {' or '.join(patterns)}; signs with {key_file}")
    yaml = _edge_security_yaml(current, name, password_file(current.state_dir, name), key_file)
    out.print(yaml, soft_wrap=True, highlight=False)  # YAML to copy: never wrapped


def _gateway_identity(
    current: Settings, name: str, patterns: tuple[str, ...]
) -> tuple[tuple[str, ...], Path]:
    """Register the gateway's producer_id patterns; write its signing key beside its password."""
    from assay.config import ROOT
    from assay.devstack.stack.kafka_auth import password_file
    from assay.govern.access import (
        default_patterns,
        identity_key,
        register_signer,
        write_signing_key,
    )
    from assay.store.objects import S3Store

    patterns = patterns or default_patterns(name)
    register_signer(S3Store(current.as_role(ROOT)), current.bucket_reports, name, patterns)
    master = identity_key(current, create=True)
    assert master is not None  # created when missing
    key_file = password_file(current.state_dir, name).with_name(f"{name}.signing-key")
    write_signing_key(key_file, master.for_principal(name))
    return patterns, key_file


@app.command("kafka-rotate")
def kafka_rotate(name: Principal) -> None:
    """Give a Kafka principal a new SCRAM password (written to <state>/kafka/users/NAME).

    Clients that read the file when they connect (the stack's admin) pick it up at once;
    restart the others: `assay stack down && assay stack up` for the broker, ingest and watcher,
    a gateway's edge after its copy of the file is replaced.
    """
    import secrets

    from assay.devstack.stack.kafka_auth import password_file, write_secret
    from assay.govern.access import set_kafka_password

    with user_errors():
        current = settings("kafka")
        path = password_file(current.state_dir, name)
        if not path.is_file():
            raise typer.BadParameter(f"no password file {path}", param_hint="NAME")
        password = secrets.token_urlsafe(24)
        set_kafka_password(current, name, password)  # as the settings' admin, before its file
        write_secret(path, password)
    progress(f"{name}: new password in {path}")


def _edge_security_yaml(current: Settings, name: str, password: Path, signing: Path) -> str:
    """The ``kafka.security`` section of the gateway's edge YAML."""
    ca = current.kafka_ca_file or "<the broker's CA certificate>"
    return (
        "# in the gateway's edge YAML (copy the password, signing key and CA to the gateway):\n"
        "kafka:\n"
        f"  signing_key_file: {signing}\n"
        "  security:\n"
        "    protocol: SASL_SSL\n"
        "    mechanism: SCRAM-SHA-512\n"
        f"    username: {name}\n"
        f"    password_file: {password}\n"
        f"    ca_file: {ca}\n"
    )


@app.command("kafka-apply")
def kafka_apply() -> None:
    """Create the ACLs of the pipeline's Kafka principals (ingest, watcher) on any broker.

    `assay stack up` does this (and the demo edge's) for the local stack; a deployment runs it
    once as its admin principal, after creating the principals' SCRAM credentials.
    """
    from assay.govern.access import apply_kafka_grants, pipeline_kafka_grants

    with user_errors():
        count = apply_kafka_grants(settings("kafka"), pipeline_kafka_grants())
    progress(f"{count} ACLs for ingest and watcher in place")


@app.command("kafka-watchers")
def kafka_watchers(
    password_file: Annotated[
        Path | None,
        typer.Option(help="The watcher's password file (default: the stack's).", exists=True),
    ] = None,
    ca_file_as: Annotated[
        str | None,
        typer.Option(help="The CA file's path where Airflow runs (default: the settings')."),
    ] = None,
) -> None:
    """The topic watchers' Airflow connections as JSON, for a secrets file
    (Airflow's LocalFilesystemBackend): the settings' Kafka block as the watcher principal."""
    from assay.devstack.stack.kafka_auth import WATCHER, principal_security
    from assay.pipeline.airflow import wakeup

    with user_errors():
        current = settings()
        security = principal_security(current, WATCHER)
        if password_file is not None and security.protocol == "SASL_SSL":
            security = security.model_copy(update={"password_file": password_file})
        names = [c.name for c in current.contracts()]
        connections = wakeup.connections(current.bootstrap, names, security)
    if ca_file_as is not None:
        for connection in connections.values():
            connection["extra"]["ssl.ca.location"] = ca_file_as
    out.print_json(json.dumps(connections))


@app.command("airflow-connections")
def airflow_connections(
    ingest_password_file: Annotated[
        Path | None, typer.Option(help="The ingest principal's password file.", exists=True)
    ] = None,
    watcher_password_file: Annotated[
        Path | None, typer.Option(help="The watcher principal's password file.", exists=True)
    ] = None,
    releaser_password_file: Annotated[
        Path | None, typer.Option(help="The releaser principal's password file.", exists=True)
    ] = None,
    ca_file_as: Annotated[
        str | None,
        typer.Option(help="The CA file's path where Airflow runs (default: the settings')."),
    ] = None,
    s3_endpoint_as: Annotated[
        str | None,
        typer.Option(help="The S3 endpoint as Airflow reaches it (default: the settings')."),
    ] = None,
) -> None:
    """Every connection the tasks read (assay_s3, assay_kafka, assay_kafka_releaser, each topic
    watcher's) as JSON, for a secrets file (Airflow's LocalFilesystemBackend): made by the
    local stack's code,
    with the pipeline role's S3 keys (``ASSAY_S3_*``, else the stored ones) and the given
    principals' passwords."""
    from dataclasses import replace

    from assay.config import PIPELINE
    from assay.devstack.stack._airflow_env import task_access
    from assay.pipeline.airflow import connections

    with user_errors():
        current = settings()
        # the configured pair (``ASSAY_S3_*``, e.g. compose's pipeline.env) or the stored one
        access = task_access(current, current.as_role(PIPELINE).s3_credentials())
        access = replace(
            access,
            ingest=_with_password(access.ingest, ingest_password_file, ca_file_as),
            watcher=_with_password(access.watcher, watcher_password_file, ca_file_as),
            releaser=_with_password(access.releaser, releaser_password_file, ca_file_as)
            if access.releaser is not None
            else None,
            s3_endpoint=s3_endpoint_as or access.s3_endpoint,
        )
        found = connections.task_connections(access)
    out.print_json(json.dumps(found))


def _with_password(security: KafkaSecurity, password: Path | None, ca: str | None) -> KafkaSecurity:
    """``security`` with its password read from ``password`` and its CA named as ``ca``."""
    update: dict[str, object] = {}
    if password is not None and security.protocol == "SASL_SSL":
        update["password_file"] = password
    if ca is not None and security.tls:
        update["ca_file"] = Path(ca)
    return security.model_copy(update=update)
