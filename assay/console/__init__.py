"""The steward console: quarantine, dead letters, quality, audit and releases in a browser.

One FastAPI application with server-rendered pages, two homes: ``assay console`` serves it
on its own, with users and sessions of its own (`standalone_app`), and Airflow's API
server mounts it as a plugin behind Airflow's own sign-in (`assay.console._airflow`).
It reads the store as the steward role, which also records triage decisions; release
requests and decisions are written as the releaser role (`assay.console._desk`).

This room may import governance, the store, the configuration and the contracts; it does
not reach into the pipeline's stages (an import-linter contract keeps it so).
"""

from assay.console._app import create_app
from assay.console._backend import Backend, steward_backend
from assay.console._standalone import standalone_app
from assay.console._users import ROLES, User, add_user

__all__ = [
    "ROLES",
    "Backend",
    "User",
    "add_user",
    "create_app",
    "standalone_app",
    "steward_backend",
]
