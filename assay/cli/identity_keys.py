"""``assay access rotate-identity-key / retire-identity-key / identity-keys``: the identity
master key's rotation (docs/security.md, "Rotating the identity master key")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assay.cli._common import out, progress, settings, user_errors
from assay.config import Settings


def register(access: typer.Typer) -> None:
    """Add the identity-key commands to ``assay access``."""
    access.command("rotate-identity-key")(rotate)
    access.command("retire-identity-key")(retire)
    access.command("identity-keys")(show)


def rotate(
    retire_previous: Annotated[
        bool,
        typer.Option(
            "--retire-previous",
            help="Stop honouring every earlier key at once (the old key leaked): records "
            "signed with it are quarantined from now on.",
        ),
    ] = False,
) -> None:
    """A new identity master key; the old one is kept beside it and still honoured.

    Records signed with a gateway's old key (in Kafka, in its spool) still verify at ingest.
    Each gateway's signing key file in <state>/kafka/users is written anew: copy it to its
    gateway and restart the edge there; then `assay access retire-identity-key`.
    """
    from assay.pipeline.validate.keyring import rotate_identity_key

    with user_errors():
        current = settings()
        done = rotate_identity_key(current, retire=retire_previous)
        if retire_previous:
            from assay.pipeline.validate.keyring import retire_identity_keys

            retire_identity_keys(current)
        rewritten = _rekey_gateways(current)
    kept = "retired" if done.archived is None else f"kept in {done.archived}, still honoured"
    out.print(f"[green]rotated[/green] identity key {done.old_id} -> {done.new_id}; old key {kept}")
    for name, path in rewritten:
        progress(
            f"re-enrol {name}: copy {path} to the gateway (its signing_key_file), restart its edge"
        )
    if not rewritten:
        progress(
            "no gateway signing keys in this state folder; `assay access kafka-gateway` makes them"
        )
    progress("the stack's own edge (edge-demo) and ingest read the new key when they next start")


def _rekey_gateways(current: Settings) -> list[tuple[str, Path]]:
    """Write every gateway's signing key file in the state folder with the new master key."""
    from assay.devstack.stack.kafka_auth import users_folder
    from assay.pipeline.validate.signers import identity_key, write_signing_key

    master = identity_key(current)
    folder = users_folder(current.state_dir)
    if master is None or not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.signing-key")):
        name = path.name.removesuffix(".signing-key")
        write_signing_key(path, master.for_principal(name))
        found.append((name, path))
    return found


def retire(
    key_ids: Annotated[
        list[str] | None, typer.Argument(help="Key ids to retire; every earlier key when omitted.")
    ] = None,
) -> None:
    """Stop honouring earlier identity keys: their signatures fail from now on (records
    already landed keep their verdict). Run it once every gateway signs with the new key."""
    from assay.pipeline.validate.keyring import retire_identity_keys

    with user_errors():
        retired = retire_identity_keys(settings(), tuple(key_ids or ()))
    out.print(f"retired {', '.join(retired) or 'nothing (no earlier key is honoured)'}")


def show() -> None:
    """The identity keys ingest honours, by id: the current one first."""
    from assay.pipeline.validate.keyring import identity_keyring

    with user_errors():
        ring = identity_keyring(settings())
    if ring is None:
        out.print("no identity key (`assay stack up` or `assay access kafka-gateway` makes one)")
        return
    for n, key in enumerate(ring.keys):
        role = "current" if n == 0 else "earlier, honoured"
        out.print(f"{key.key_id}  {role}  ({key.source})", soft_wrap=True)
