"""``/metrics`` (Prometheus text format) and ``/health`` (JSON) over HTTP for unattended runs.

API::

    server = MetricsServer(edge, host="127.0.0.1", port=9308);  server.start();  server.stop()
    collect(edge) -> iterable of prometheus metric families (used by the server)

Metric names start with ``assay_edge_``: ``readings_read_total{source}``,
``source_errors_total{source,kind}``, ``readings_unencodable_total{source,reason}`` (skipped),
``values_converted_total{source,field,from_unit,to_unit}`` (to the contract's units),
``readings_spooled_total``, ``messages_sent_total``, ``messages_replayed_total``,
``readings_acked_total``, ``send_errors_total``, ``spool_errors_total{operation,code}``,
``spool_failing`` (1 while spool calls fail), ``spool_readings``, ``spool_bytes``,
``spool_max_readings``, ``spool_max_bytes`` (where it is full),
``spool_next_seq``, ``spool_dropped_readings_total`` (persisted across restarts),
``readings_parked_total``, ``kafka_connected``, ``last_ack_timestamp_seconds``. ``/health``
answers 200 ``{"status": "ok"}``, or 503 with ``degraded`` (spool calls fail and are retried)
or ``unhealthy`` (a stopped thread, or nothing acknowledged for 60 s while readings are
spooled) and the reason. ``infra/edge/`` has a Grafana dashboard and Prometheus alert rules
for these metrics; a test keeps their names in step.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from producers.edge import Edge

__all__ = ["EdgeCollector", "MetricsServer"]

_Key = TypeVar("_Key", bound=tuple[str, ...])


class EdgeCollector(Collector):
    """Reads the edge's counters at scrape time (no bookkeeping on the hot path)."""

    def __init__(self, edge: Edge) -> None:
        self.edge = edge

    def collect(self) -> Iterator[Metric]:
        """Every metric family of the edge."""
        stats, spool = self.edge.stats, self.edge.spool
        read = CounterMetricFamily(
            "assay_edge_readings_read", "Readings from sources", labels=["source"]
        )
        for source, n in stats.read.items():
            read.add_metric([source], n)
        yield read
        errors = CounterMetricFamily(
            "assay_edge_source_errors", "Source problems reported", labels=["source", "kind"]
        )
        for (source, kind), n in stats.source_errors.items():
            errors.add_metric([source, kind], n)
        yield errors
        yield _labelled(
            "readings_unencodable",
            "Readings no payload can carry, skipped",
            ["source", "reason"],
            stats.unencodable,
        )
        yield _labelled(
            "values_converted",
            "Values converted to the contract's unit",
            ["source", "field", "from_unit", "to_unit"],
            stats.converted,
        )
        yield _labelled(
            "spool_errors", "Spool calls that failed", ["operation", "code"], stats.spool_errors
        )
        yield from _counters(
            ("readings_spooled", "Readings written to the spool", stats.spooled_readings),
            ("messages_sent", "Messages handed to Kafka", stats.sent_messages),
            (
                "messages_replayed",
                "Messages sent again with the replay flag",
                stats.replayed_messages,
            ),
            ("readings_acked", "Readings acknowledged by Kafka", stats.acked_readings),
            ("send_errors", "Failed sends", stats.send_errors),
            ("readings_parked", "Readings Kafka refused for good", stats.parked_readings),
            ("status_reports", "Status reports Kafka acknowledged", stats.status_reports),
            ("status_errors", "Status reports not made or not sent", stats.status_errors),
            (
                "spool_dropped_readings",
                "Readings dropped by drop_oldest",
                spool.dropped if spool else 0,
            ),
        )
        yield from _gauges(
            ("spool_readings", "Readings in the spool", spool.readings if spool else 0),
            ("spool_bytes", "Payload bytes in the spool", spool.bytes if spool else 0),
            (
                "spool_max_readings",
                "Readings at which the spool is full",
                spool.limits.max_readings if spool else 0,
            ),
            (
                "spool_max_bytes",
                "Payload bytes at which the spool is full",
                spool.limits.max_bytes if spool else 0,
            ),
            (
                "spool_next_seq",
                "Sequence number of the next reading",
                spool.next_seq if spool else 0,
            ),
            ("kafka_connected", "1 when the last Kafka call succeeded", int(stats.kafka_connected)),
            ("spool_failing", "1 while spool calls fail", int(bool(stats.spool_failing))),
            ("last_ack_timestamp_seconds", "When Kafka last acknowledged", stats.last_ack or 0),
        )


def _labelled(name: str, doc: str, labels: list[str], counts: Mapping[_Key, int]) -> Metric:
    family = CounterMetricFamily(f"assay_edge_{name}", doc, labels=labels)
    for key, n in list(counts.items()):
        family.add_metric(list(key), n)
    return family


def _counters(*specs: tuple[str, str, float]) -> Iterator[Metric]:
    for name, doc, value in specs:
        yield CounterMetricFamily(f"assay_edge_{name}", doc, value=value)


def _gauges(*specs: tuple[str, str, float]) -> Iterator[Metric]:
    for name, doc, value in specs:
        yield GaugeMetricFamily(f"assay_edge_{name}", doc, value=value)


class MetricsServer:
    """A small threaded HTTP server for ``/metrics`` and ``/health``."""

    def __init__(self, edge: Edge, host: str = "127.0.0.1", port: int = 9308) -> None:
        registry = CollectorRegistry()
        registry.register(EdgeCollector(edge))
        self._httpd = ThreadingHTTPServer((host, port), _handler(edge, registry))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="metrics", daemon=True
        )

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler(edge: Edge, registry: CollectorRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/metrics"):
                self._answer(200, CONTENT_TYPE_LATEST, generate_latest(registry))
            elif self.path.startswith("/health"):
                status, reason = edge.health()
                body = json.dumps({"status": status, "reason": reason})
                self._answer(200 if status == "ok" else 503, "application/json", body.encode())
            else:
                self._answer(404, "text/plain", b"try /metrics or /health\n")

        def _answer(self, code: int, content_type: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Scrapes are not worth a log line."""

    return Handler
