"""The steward console as a service of the local stack: ``assay console`` on loopback.

On its first start it creates the console's first user, ``admin`` with the admin role, its
password generated into ``<state>/secrets/console-admin`` (0600); more users come from
``assay console user add``. It reads the store as the steward role, whose keys `up`
writes before the console is asked for a page.
"""

from __future__ import annotations

import sys
from pathlib import Path

from assay.devstack.stack import _process
from assay.devstack.stack._secrets import secret_file, stack_secret
from assay.devstack.stack._service import Progress, Service

ADMIN = "admin"
ADMIN_SECRET = "console-admin"


class Console(Service):
    """`assay console --port <console_port>`, bound to 127.0.0.1."""

    name = "console"
    ready_timeout = 60.0

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.console_port,)

    def argv(self) -> list[str]:
        # The `assay` script of this interpreter's environment (the one running `stack up`).
        command = str(Path(sys.executable).with_name("assay"))
        port = str(self.settings.console_port)
        return [command, "console", "--host", "127.0.0.1", "--port", port]

    def prepare(self, progress: Progress) -> None:
        from assay.console._users import add_user, users_file

        if users_file(self.settings.state_dir).exists():
            return
        password = stack_secret(self.settings.state_dir, ADMIN_SECRET)
        add_user(self.settings.state_dir, ADMIN, "admin", password)
        where = secret_file(self.settings.state_dir, ADMIN_SECRET)
        progress(f"console: user {ADMIN} (admin), password in {where}")

    def probe(self) -> bool:
        """Ready when the sign-in page answers."""
        return _process.answers_ok(f"http://127.0.0.1:{self.settings.console_port}/login")

    def version(self) -> str:
        from importlib.metadata import version

        return f"assay console {version('assay')}"

    def env(self) -> dict[str, str]:
        """Airflow's read-only console user too: the overview reads the DAGs' last runs. Kafka
        as the releaser: a release request's ledger reads the edge reports and offsets."""
        from assay.devstack.stack.airflow import CONSOLE_VIEWER, console_password
        from assay.devstack.stack.kafka_auth import RELEASER, principal_env

        return (
            super().env()
            | principal_env(self.settings, RELEASER)
            | {
                "ASSAY_AIRFLOW_PORT": str(self.settings.airflow_port),
                "ASSAY_AIRFLOW_USERNAME": CONSOLE_VIEWER,
                "ASSAY_AIRFLOW_PASSWORD": console_password(self.settings),
            }
        )

    def exports(self) -> dict[str, str]:
        return {"ASSAY_CONSOLE_URL": f"http://127.0.0.1:{self.settings.console_port}/"}
