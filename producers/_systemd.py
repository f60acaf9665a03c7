"""systemd's notify protocol, without a dependency: ``READY=1``, ``WATCHDOG=1``, ``STOPPING=1``.

With ``Type=notify`` systemd counts the edge as started only once it says ``READY=1`` (its
spool open, its threads running), and with ``WatchdogSec=`` it restarts an edge that stops
saying ``WATCHDOG=1`` — a hung process, which ``Restart=always`` alone never notices. The
protocol is one datagram per message to the socket in ``$NOTIFY_SOCKET`` (``@`` for Linux's
abstract namespace); outside systemd the variable is unset and every call does nothing.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

__all__ = ["Watchdog", "notify", "watchdog_interval"]


def notify(message: str) -> bool:
    """Send ``message`` to systemd; False when not run by systemd or the socket is gone."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError:
        return False
    return True


def watchdog_interval() -> float | None:
    """Seconds between ``WATCHDOG=1`` pings (half of ``WatchdogSec=``), or None without one."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000


class Watchdog:
    """Pings systemd's watchdog while ``alive()`` holds; ``tick()`` is called about every second.

    ``alive`` vouches for the process (its threads run), not for Kafka: an unreachable broker
    is the spool's job, and a restart would not bring the broker back.
    """

    def __init__(self, alive: Callable[[], bool]) -> None:
        self.alive = alive
        self.interval = watchdog_interval()
        self._last = 0.0

    def tick(self) -> None:
        """Ping if the interval has passed and the edge is alive."""
        if self.interval is None or time.monotonic() - self._last < self.interval:
            return
        if self.alive():
            notify("WATCHDOG=1")
            self._last = time.monotonic()
