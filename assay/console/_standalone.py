"""The console on its own: the app over the real store, signed with the state folder's key."""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI

from assay.config import Settings
from assay.console._app import create_app
from assay.console._auth import Sessions
from assay.console._backend import Backend, steward_backend
from assay.console._users import session_key


def standalone_app(settings: Settings) -> FastAPI:
    """The standalone console; S3 and Kafka are first reached by the first page asked for."""

    @cache
    def backend() -> Backend:
        return steward_backend(settings)

    sessions = Sessions(lambda: session_key(settings.state_dir))
    return create_app(backend, sessions, settings.state_dir)
