"""``assay console``: the steward console in a browser, and its users."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.cli._common import out, settings, user_errors

app = typer.Typer(
    help="The steward console: quarantine, dead letters, quality, audit and releases.",
    invoke_without_command=True,
)
user_app = typer.Typer(help="Users of the standalone console.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@app.callback()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: the console_port setting).")
    ] = None,
) -> None:
    """Serve the console (sign in with a user from `assay console user add`)."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from assay.console import standalone_app

    with user_errors():
        current = settings()
        web = standalone_app(current)
    port = port or current.console_port
    out.print(f"assay console on http://{host}:{port}/ (state {current.state_dir})")
    uvicorn.run(web, host=host, port=port, log_level="warning", server_header=False)


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="viewer, steward or admin.")] = "viewer",
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="ASSAY_CONSOLE_PASSWORD",
            help="At least 8 characters (asked for when not given).",
        ),
    ] = "",
) -> None:
    """Create a user, or replace one's role and password; only an argon2 hash is stored."""
    from assay.console import add_user
    from assay.console._users import users_file

    with user_errors():
        current = settings()
        user = add_user(current.state_dir, name, role, password)
    out.print(f"[green]user[/green] {user.name} ({user.role}) in {users_file(current.state_dir)}")
