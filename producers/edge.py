"""One edge run: sources -> writer -> spool -> sender -> Kafka, as threads with a clean stop.

API::

    edge = Edge(config)          # tests: Edge(config, connect=MemoryTransport, build=...)
                                 # Kafka client: kafka.client (kafka-python, or librdkafka)
    edge.start();  ...;  edge.stop()         # stop(): sources end, queue spooled, spool drained
    edge.run(stop_event)                     # start, wait for the event, stop
    edge.stats, edge.spool, edge.healthy()

Threads: one per source (a supervisor: a source that raises is reported, waits, and is rebuilt
from its last spooled checkpoint), the writer, and the sender. Stop order is what makes a
shutdown lose nothing: sources first, then the writer spools what is queued, then the sender
sends for up to ``shutdown_timeout_s`` and closes the producer; what is left stays spooled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cache

from producers._reading import Source
from producers.config import EdgeConfig
from producers.encoding import Encoder
from producers.errors import SourceError
from producers.sender import Sender
from producers.sink import Transport, open_transport
from producers.sources import SourceContext, SourceOptions, build_source
from producers.spool import Spool
from producers.stats import Stats
from producers.writer import Slot, Writer
from schemas import Contract, load_contract

__all__ = ["Edge", "contract_loader"]

log = logging.getLogger(__name__)


def contract_loader(config: EdgeConfig) -> Callable[[str], Contract]:
    """Load contracts by name from ``contracts_dir`` then the shipped ones, cached."""
    search = tuple(config.contracts_dir)

    @cache
    def load(name: str) -> Contract:
        return load_contract(name, search)

    return load


class Edge:
    """The running edge producer."""

    def __init__(
        self,
        config: EdgeConfig,
        *,
        connect: Callable[[], Transport] | None = None,
        stats: Stats | None = None,
        build: Callable[[SourceOptions, SourceContext], Source] = build_source,
    ) -> None:
        self.config = config
        self.stats = stats or Stats()
        settings = config.kafka.settings(client_id=f"assay-edge-{config.producer_id}")
        self._connect = connect or (lambda: open_transport(settings))
        self._contracts = contract_loader(config)
        self._build = build
        self._stop_sources = threading.Event()
        self._finish_writer = threading.Event()
        self._finish_sender = threading.Event()
        self._threads: list[threading.Thread] = []
        self.spool: Spool | None = None

    @cache  # noqa: B019 - one Edge, a handful of contracts
    def encoder(self, contract: str) -> Encoder:
        """The encoder of a contract (``LookupError`` when it does not exist)."""
        return Encoder(self._contracts(contract), self.config.producer_id, self.config.site)

    def start(self) -> None:
        """Open the spool and start every thread."""
        config = self.config
        self.spool = Spool(config.spool.path, config.producer_id, config.spool.limits())
        self.sender = Sender(
            self.spool,
            self._connect,
            config.producer_id,
            stats=self.stats,
            window=config.kafka.in_flight_messages,
            # the client reports every message within its delivery timeout; past that, it hangs
            stall=config.kafka.delivery_timeout_ms / 1000 + 30.0,
        )
        self.writer = Writer(
            self.spool,
            self.encoder,
            self.stats,
            commit_readings=config.spool.commit_readings,
            commit_interval=config.spool.commit_interval_ms / 1000,
            queue_size=2 * config.spool.commit_readings,  # keeps back-pressure close to the spool
            on_spooled=self.sender.wake,
        )
        self._spawn("sender", self.sender.run, self._finish_sender, config.shutdown_timeout_s)
        self._spawn("writer", self.writer.run, self._finish_writer)
        for options in config.sources:
            self._spawn(f"source-{options.name}", self._supervise, options)

    def _spawn(self, name: str, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop sources, spool what is queued, send what the timeout allows, close the spool."""
        self._stop_sources.set()
        self._join("source-", timeout=10.0)
        self._finish_writer.set()
        self._join("writer", timeout=30.0)
        self._finish_sender.set()
        self._join("sender", timeout=self.config.shutdown_timeout_s + 15.0)
        if self.spool is not None:
            self.spool.close()

    def _join(self, prefix: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.name.startswith(prefix):
                thread.join(max(0.0, deadline - time.monotonic()))
                if thread.is_alive():
                    log.warning("%s did not stop within %.0fs", thread.name, timeout)

    def run(self, stop: threading.Event) -> None:
        """Start, run until ``stop`` is set, then stop gracefully."""
        self.start()
        try:
            stop.wait()
        finally:
            self.stop()

    def healthy(self) -> tuple[bool, str]:
        """Threads alive and Kafka acknowledging (or nothing to send); with the reason."""
        dead = [t.name for t in self._threads if not t.is_alive()]
        if dead and not self._stop_sources.is_set():
            return False, f"threads stopped: {', '.join(dead)}"
        depth = self.spool.readings if self.spool else 0
        last = self.stats.last_ack or self.stats.started
        if depth and time.time() - last > 60:
            return False, f"no Kafka acknowledgement for {time.time() - last:.0f}s, {depth} spooled"
        return True, "ok"

    # Sources ---------------------------------------------------------------------------
    def report(self, source: str) -> Callable[[SourceError], None]:
        """The ``report`` callback a source gets: log, count by kind, remember."""

        def report(error: SourceError) -> None:
            self.stats.source_errors[(source, type(error).__name__)] += 1
            self.stats.error(source, error)
            log.warning("%s", error)

        return report

    def _supervise(self, options: SourceOptions) -> None:
        slot = Slot(options.name, options.payload, options.frame_readings)
        backoff = 1.0
        while not self._stop_sources.is_set():
            try:
                self._pump(options, slot)
                return
            except Exception as exc:  # a source must never take the edge down
                error = (
                    exc if isinstance(exc, SourceError) else SourceError(options.name, repr(exc))
                )
                self.report(options.name)(error)
                log.exception("source %s failed; restarting in %.0fs", options.name, backoff)
            self._stop_sources.wait(backoff)
            backoff = min(backoff * 2, 30.0)
            self.writer.sync()  # rebuild from a checkpoint that covers everything queued

    def _pump(self, options: SourceOptions, slot: Slot) -> None:
        assert self.spool is not None
        context = SourceContext(
            contract=self._contracts(options.contract),
            site=options.site or self.config.site,
            checkpoint=self.spool.checkpoint(options.name),
            report=self.report(options.name),
        )
        source = self._build(options, context)
        for reading in source.readings(self._stop_sources):  # a Reading or a ReadingBatch
            self.stats.read[options.name] += reading.count
            if not self.writer.put(slot, reading, self._stop_sources):
                return
