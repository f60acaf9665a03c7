"""One edge run: sources -> writer -> spool -> sender -> Kafka, as threads with a clean stop.

API::

    edge = Edge(config)          # tests: Edge(config, connect=MemoryTransport, build=...)
                                 # Kafka client: kafka.client (kafka-python, or librdkafka)
    edge.start();  ...;  edge.stop()         # stop(): sources end, queue spooled, spool drained
    edge.run(stop_event)                     # start, wait for the event (or a death), stop
    edge.stats, edge.spool, edge.health(), edge.healthy(), edge.failure

Threads: one per source (a supervisor: a source that raises is reported, waits, and is rebuilt
from its last spooled checkpoint), the writer, and the sender. Sources are first built before
the sender starts, so a wrapper one installs (``SourceContext.wrap_transport``: the simulator's
transport faults) is around every transport the sender opens. Stop order is what makes a
shutdown lose nothing: sources first, then the writer spools what is queued, then the sender
sends for up to ``shutdown_timeout_s`` and closes the producer; what is left stays spooled.

A thread must never end unseen: if one raises anyway (or the writer or sender returns before it
was told to), ``failure`` holds an ``EdgeStopped``, ``died`` is set, ``run`` stops the edge
(closing the spool) and raises it, and ``assay-edge run`` exits 1 so that systemd restarts it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cache

from producers._reading import Source
from producers.config import EdgeConfig
from producers.conversion import converted
from producers.encoding import Encoder
from producers.errors import EdgeStopped, SourceError
from producers.sender import Sender
from producers.sink import KafkaSettings, Transport, open_transport
from producers.sources import SourceContext, SourceOptions, build_source
from producers.sources._base import Wrapper
from producers.spool import Spool
from producers.stats import Stats
from producers.status import StatusReports
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


def _opener(config: EdgeConfig, settings: KafkaSettings) -> Callable[[], Transport]:
    """Opens the configured Kafka client, signing each record when a signing key is set."""
    from producers.signing import SigningTransport, read_signing_key

    path = config.kafka.signing_key_file
    if path is None:
        return lambda: open_transport(settings)
    key, principal = read_signing_key(path, config.file), config.kafka.security.username
    return lambda: SigningTransport(open_transport(settings), principal, key)


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
        self._open = connect or _opener(config, settings)
        self._wrappers: dict[str, Wrapper] = {}  # by source name, applied in name order
        self._contracts = contract_loader(config)
        self._build = build
        self._stop_sources = threading.Event()
        self._finish_writer = threading.Event()
        self._finish_sender = threading.Event()
        self._threads: list[threading.Thread] = []
        self.spool: Spool | None = None
        self.failure: EdgeStopped | None = None
        self.died = threading.Event()

    @cache  # noqa: B019 - one Edge, a handful of contracts
    def encoder(self, contract: str) -> Encoder:
        """The encoder of a contract (``LookupError`` when it does not exist)."""
        return Encoder(self._contracts(contract), self.config.producer_id, self.config.site)

    def start(self) -> None:
        """Open the spool and start every thread."""
        config = self.config
        self.spool = Spool(config.spool.path, config.producer_id, config.spool.limits())
        sources = [(options, self._first_build(options)) for options in config.sources]
        self.sender = Sender(
            self.spool,
            self._connect,
            config.producer_id,
            stats=self.stats,
            window=config.kafka.in_flight_messages,
            # the client reports every message within its delivery timeout; past that, it hangs
            stall=config.kafka.delivery_timeout_ms / 1000 + 30.0,
            status=StatusReports(
                self.spool, config.producer_id, config.site, config.status_interval_s
            ),
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
        sender, writer = self._finish_sender, self._finish_writer
        self._spawn("sender", sender, self.sender.run, sender, config.shutdown_timeout_s)
        self._spawn("writer", writer, self.writer.run, writer)
        for options, source in sources:
            self._spawn(f"source-{options.name}", None, self._supervise, options, source)

    def _connect(self) -> Transport:
        """A new transport, inside the wrappers sources installed."""
        transport = self._open()
        for name in sorted(self._wrappers):
            transport = self._wrappers[name](transport)
        return transport

    def _spawn(
        self, name: str, until: threading.Event | None, target: Callable[..., None], *args: object
    ) -> None:
        """Start ``target`` as thread ``name``; it must not end before ``until`` is set."""
        thread = threading.Thread(
            target=self._guard, args=(name, until, target, args), name=name, daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def _guard(
        self,
        name: str,
        until: threading.Event | None,
        target: Callable[..., None],
        args: tuple[object, ...],
    ) -> None:
        """A thread's body: an exception, or an end before ``until``, is the edge's failure."""
        try:
            target(*args)
        except BaseException as exc:  # whatever ended it, the process must know
            log.critical("thread %s died", name, exc_info=True)
            self._fail(EdgeStopped(name, f"{type(exc).__name__}: {exc}"))
            return
        if until is not None and not until.is_set():
            self._fail(EdgeStopped(name, "it returned while the edge was running"))

    def _fail(self, failure: EdgeStopped) -> None:
        if self.failure is None:
            self.failure = failure
        self.stats.error(failure.thread, failure)
        log.critical("%s; the edge stops", failure)
        self.died.set()

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
        """Start, run until ``stop`` is set, then stop gracefully; raise ``failure`` if any."""
        self.start()
        try:
            while not (stop.wait(0.2) or self.died.is_set()):
                pass
        finally:
            self.stop()
        if self.failure is not None:
            raise self.failure

    def health(self) -> tuple[str, str]:
        """``ok``, ``degraded`` (spool calls fail and are retried) or ``unhealthy``; the reason."""
        if self.failure is not None:
            return "unhealthy", str(self.failure)
        dead = [t.name for t in self._threads if not t.is_alive()]
        if dead and not self._stop_sources.is_set():
            return "unhealthy", f"threads stopped: {', '.join(dead)}"
        failing = list(self.stats.spool_failing.values())
        if failing:
            first = min(failing, key=lambda e: e.at)
            return "degraded", f"spool failing for {time.time() - first.at:.0f}s: {first.message}"
        depth = self.spool.readings if self.spool else 0
        last = self.stats.last_ack or self.stats.started
        if depth and time.time() - last > 60:
            since = time.time() - last
            return "unhealthy", f"no Kafka acknowledgement for {since:.0f}s, {depth} spooled"
        return "ok", "ok"

    def alive(self) -> bool:
        """No thread failed or ended: what systemd's watchdog vouches for (Kafka is not asked;
        an outage is the spool's to outlast, not a reason to restart)."""
        return self.failure is None and all(t.is_alive() for t in self._threads)

    def healthy(self) -> tuple[bool, str]:
        """Threads alive, the spool working and Kafka acknowledging; with the reason."""
        status, reason = self.health()
        return status == "ok", reason

    # Sources ---------------------------------------------------------------------------
    def report(self, source: str) -> Callable[[SourceError], None]:
        """The ``report`` callback a source gets: log, count by kind, remember."""

        def report(error: SourceError) -> None:
            self.stats.source_errors[(source, type(error).__name__)] += 1
            self.stats.error(source, error)
            log.warning("%s", error)

        return report

    def _first_build(self, options: SourceOptions) -> Source | None:
        """The source, built before any transport is opened; None leaves it to the supervisor."""
        try:
            return self._source(options)
        except Exception:  # reported when the supervisor builds it again
            log.debug("building source %s failed; its supervisor retries", options.name)
            return None

    def _supervise(self, options: SourceOptions, source: Source | None) -> None:
        slot = Slot(options.name, options.payload, options.frame_readings)
        backoff = 1.0
        while not self._stop_sources.is_set():
            try:
                self._pump(source or self._source(options), options.name, slot)
                return
            except Exception as exc:  # a source must never take the edge down
                error = (
                    exc if isinstance(exc, SourceError) else SourceError(options.name, repr(exc))
                )
                self.report(options.name)(error)
                log.exception("source %s failed; restarting in %.0fs", options.name, backoff)
            source = None
            self._stop_sources.wait(backoff)
            backoff = min(backoff * 2, 30.0)
            self.writer.sync()  # rebuild from a checkpoint that covers everything queued

    def _source(self, options: SourceOptions) -> Source:
        """Build the source from its last spooled checkpoint."""
        assert self.spool is not None
        context = SourceContext(
            contract=self._contracts(options.contract),
            site=options.site or self.config.site,
            checkpoint=self.spool.checkpoint(options.name),
            report=self.report(options.name),
            wrap_transport=lambda wrapper: self._wrappers.__setitem__(options.name, wrapper),
        )
        source = self._build(options, context)
        return converted(source, options, context.contract, self.stats.converted)

    def _pump(self, source: Source, name: str, slot: Slot) -> None:
        for reading in source.readings(self._stop_sources):  # a Reading or a ReadingBatch
            self.stats.read[name] += reading.count
            if not self.writer.put(slot, reading, self._stop_sources):
                return
