"""Servers the notification tests run on loopback: just enough SMTP to take messages, and a
context that serves any socketserver on a free port for the length of a test."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar


class Smtp(socketserver.StreamRequestHandler):
    """Takes every message it is sent into ``received`` (what a mail relay would)."""

    received: ClassVar[list[bytes]] = []

    def handle(self) -> None:
        self.wfile.write(b"220 loopback\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                Smtp.received.append(b"".join(iter(self.rfile.readline, b".\r\n")))
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            self.wfile.write(b"250 ok\r\n")


@contextmanager
def serving(*servers: Any) -> Iterator[list[int]]:
    """Each server answering in a thread of its own; their ports; all shut down after."""
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield [server.server_address[1] for server in servers]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
