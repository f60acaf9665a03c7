"""Where events go: one JSON line each to a local file, and to an HTTP endpoint when set."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openlineage.client.event_v2 import RunEvent
from openlineage.client.serde import Serde
from openlineage.client.transport.transport import Transport

if TYPE_CHECKING:
    from assay.config import Settings

log = logging.getLogger("assay.govern.lineage")

EVENTS_FILE = "events.jsonl"


failures: Counter[str] = Counter()
"""Events a transport failed to deliver in this process, by transport kind."""


class JsonlTransport(Transport):
    """Appends each event as one JSON line to a local file.

    One ``write`` on an ``O_APPEND`` descriptor per event, so mapped tasks writing at once
    never interleave lines (the client's file transport may split a long line in two writes).
    """

    kind = "assay_jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path

    def emit(self, event: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (Serde.to_json(event) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def events_file(settings: Settings) -> Path:
    """Where the file transport writes."""
    return settings.state_dir / "lineage" / EVENTS_FILE


def transports_for(settings: Settings) -> list[Transport]:
    """The events file, plus the HTTP endpoint when ``openlineage_url`` is set."""
    found: list[Transport] = [JsonlTransport(events_file(settings))]
    if settings.openlineage_url:
        from openlineage.client.transport.http import HttpConfig, HttpTransport

        config = HttpConfig.from_dict(
            {
                "url": settings.openlineage_url,
                "timeout": 5.0,
                # One quick retry: a task must not wait minutes on a lineage server.
                "retry": {"total": 1, "backoff_factor": 0.2, "allowed_methods": ["POST"]},
                **_auth(settings),
            }
        )
        found.append(HttpTransport(config))
    return found


def _auth(settings: Settings) -> dict[str, Any]:
    key = settings.openlineage_api_key.get_secret_value()
    return {"auth": {"type": "api_key", "apiKey": key}} if key else {}


def send(events: Iterable[RunEvent], transports: Sequence[Transport]) -> int:
    """Deliver every event to every transport; return how many deliveries failed."""
    failed = 0
    for event in events:
        for transport in transports:
            try:
                transport.emit(event)
            except Exception as exc:  # lineage must never fail the pipeline
                failed += 1
                failures[transport.kind or type(transport).__name__] += 1
                log.warning("lineage: %s could not take an event: %s", transport, exc)
    return failed
