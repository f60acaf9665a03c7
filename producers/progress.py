"""Live progress of an edge run: a rich panel on a terminal, a plain line every N s otherwise.

API::

    with Progress(edge.stats, lambda: edge.spool, console, live=console.is_terminal) as p:
        while not stop.wait(1.0): p.tick()
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table

from producers.spool import Spool
from producers.stats import Stats

__all__ = ["Progress", "Snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """Rates and levels between two ticks."""

    read_per_s: float
    acked_per_s: float
    read: int
    acked: int
    depth: int
    dropped: int
    next_seq: int
    kafka: bool
    last_error: str


class Progress:
    """Refreshes a rich ``Live`` table, or prints one line every ``every`` seconds."""

    def __init__(
        self,
        stats: Stats,
        spool: Callable[[], Spool | None],
        console: Console,
        live: bool,
        every: float = 10.0,
    ) -> None:
        self.stats, self._spool, self.console = stats, spool, console
        self._live = Live(console=console, auto_refresh=False) if live else None
        self._every = every
        self._last = (time.monotonic(), 0, 0)
        self._printed = 0.0

    def __enter__(self) -> Progress:
        if self._live is not None:
            self._live.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.tick(force=True)
        if self._live is not None:
            self._live.stop()

    def snapshot(self) -> Snapshot:
        """Current rates since the previous snapshot, and the spool's levels."""
        now, read, acked = (
            time.monotonic(),
            sum(self.stats.read.values()),
            self.stats.acked_readings,
        )
        then, read0, acked0 = self._last
        self._last = (now, read, acked)
        elapsed = max(now - then, 1e-6)
        spool, error = self._spool(), self.stats.last_error
        return Snapshot(
            read_per_s=(read - read0) / elapsed,
            acked_per_s=(acked - acked0) / elapsed,
            read=read,
            acked=acked,
            depth=spool.readings if spool else 0,
            dropped=spool.dropped if spool else 0,
            next_seq=spool.next_seq if spool else 0,
            kafka=self.stats.kafka_connected,
            last_error=f"{error.where}: {error.message}" if error else "-",
        )

    def tick(self, force: bool = False) -> None:
        """Refresh the panel, or print a line when ``every`` seconds have passed."""
        if self._live is not None:
            self._live.update(_table(self.snapshot()), refresh=True)
        elif force or time.monotonic() - self._printed >= self._every:
            self._printed = time.monotonic()
            self.console.print(line(self.snapshot()), highlight=False, soft_wrap=True)


def line(s: Snapshot) -> str:
    """One progress line for logs."""
    return (
        f"read {s.read_per_s:,.0f}/s acked {s.acked_per_s:,.0f}/s | total read {s.read:,} "
        f"acked {s.acked:,} | spool {s.depth:,} dropped {s.dropped:,} next seq {s.next_seq:,} | "
        f"kafka {'up' if s.kafka else 'DOWN'} | last error {s.last_error}"
    )


def _table(s: Snapshot) -> Table:
    table = Table(title="assay-edge", show_header=False, expand=False)
    for key, value in (
        ("readings/s in", f"{s.read_per_s:,.0f}"),
        ("readings/s acked", f"{s.acked_per_s:,.0f}"),
        ("read / acked", f"{s.read:,} / {s.acked:,}"),
        ("spool depth", f"{s.depth:,}"),
        ("dropped", f"{s.dropped:,}"),
        ("next seq", f"{s.next_seq:,}"),
        ("kafka", "[green]up[/]" if s.kafka else "[red]down[/]"),
        ("last error", s.last_error),
    ):
        table.add_row(key, value)
    return table
