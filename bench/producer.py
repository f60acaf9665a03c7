"""Edge producer throughput: JSON per reading and Arrow frames, against librdkafka and the
broker's own Java producer, one run.

For each payload kind, the same readings are encoded by the edge's ``Encoder`` and sent to the
same broker and topic (the contract's partition count) with the same settings — acks=all,
idempotence, the same compression, linger and batch size — once through the edge's
``KafkaTransport`` (kafka-python) and once through confluent-kafka (librdkafka); JSON and
columns also through the edge's optional ``LibrdkafkaTransport`` (``librdkafka transport``:
librdkafka behind the edge's transport seam, its poller thread and one report per message),
so the cost of the seam shows against plain librdkafka in the same run. Wall time runs
from the first send to the last acknowledgement (flush); CPU is the whole process's (the
clients' I/O threads included). As the ceiling of this broker, Kafka's own Java
``ProducerPerformance`` (kafka-tools, from the jars ``assay stack up`` fetched) sends as many
records as the JSON runs, each the median size of an encoded JSON reading, to the same topic
with the same settings; its rate is the tool's own summary, its CPU the child process's.
Median and spread of ``--repeat`` runs, ratios against librdkafka and against the Java tool
measured in the same run. The spool's append+ack rate is measured for both durability
settings too.

The columnar path (``columns / ...``): energy-meter readings made by the simulator's columnar
mode (before the clock starts), handed over as ``ReadingBatch`` columns, encoded by
``Encoder.columns`` into frames of ``--frame-size`` and sent by the same two clients; and the
whole edge — the columnar simulator source, the writer, the SQLite spool (``durability:
full``), the sender and kafka-python (and once more with the librdkafka transport) — timed
from ``Edge.start()`` to the last acknowledgement, its CPU the whole process's (generation
included). Frame and column rows are also set against the goal of 1,000,000 readings per
CPU-second. Prints a table and writes JSON to
``bench/results/producer.json``.

    uv run python -m bench.producer --help
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from producers import (
    Edge,
    Encoder,
    KafkaSettings,
    KafkaTransport,
    LibrdkafkaTransport,
    Reading,
    ReadingBatch,
    Spool,
    SpoolLimits,
    headers,
    parse_config,
)
from producers._transport import WrappedTransport
from producers.encoding import Message
from producers.librdkafka import librdkafka_config
from producers.simulator import SimulatorConfig
from producers.simulator._columns import ColumnarSimulation
from producers.sink import Delivery, Transport
from producers.topics import ensure_topics
from schemas import Contract, load_contract

RESULTS = Path(__file__).parent / "results"
PRODUCER_ID = "bench-edge"
JAVA = "JSON-sized records, Java ProducerPerformance (broker ceiling)"
JAVA_TOOL = "org.apache.kafka.tools.ProducerPerformance"
EDGE = "columns / whole edge: spool + kafka-python (assay)"
EDGE_RDKAFKA = "columns / whole edge: spool + librdkafka transport (assay)"
GOAL_PER_CPU_S = 1_000_000  # frames: readings per CPU-second at the edge
# The tool's progress lines and its final summary share this shape; the summary comes last.
# With --warmup-records it adds "N steady state records sent, ..." after the summary.
_JAVA_SUMMARY = re.compile(r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\)")
_JAVA_STEADY = re.compile(r"(\d+) steady state records sent, ([\d.]+) records/sec")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.producer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--bootstrap",
        default=None,
        help="default: the settings' (the local stack's); every client connects with the "
        "settings' Kafka security block (the stack's admin: it creates the bench topic)",
    )
    parser.add_argument("--contract", default="energy_meter")
    parser.add_argument("--json-readings", type=int, default=200_000, help="readings per JSON run")
    parser.add_argument(
        "--frame-readings", type=int, default=2_000_000, help="readings per frame run"
    )
    parser.add_argument("--frame-size", type=int, default=10_000, help="readings per Arrow frame")
    parser.add_argument(
        "--column-readings",
        type=int,
        default=None,
        help="readings per columnar run (default: --frame-readings)",
    )
    parser.add_argument("--spool-readings", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median counts")
    parser.add_argument("--compression", choices=["lz4", "zstd"], default="lz4")
    parser.add_argument("--linger-ms", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1024 * 1024)
    parser.add_argument(
        "--java-warmup-records",
        type=int,
        default=0,
        help="also report the Java tool's rate after this many records (JIT warm-up); its "
        "compared rate is always the whole run's, as for the Python clients",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "producer.json")
    return parser.parse_args(argv)


@dataclass
class Run:
    """One timed run."""

    readings: int
    wall: float
    cpu: float
    extra: dict[str, float] = field(default_factory=dict)


def sample(contract: Contract, n: int, devices: int = 10) -> list[Reading]:
    """``n`` plausible readings, device-major so frames hold one device each."""
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        values = {
            "circuit": "F-01",
            "active_power": 10.0 + i % 97,
            "active_energy": 1000.0 + i,
            "voltage_l1": 230.1,
            "voltage_l2": 229.8,
            "voltage_l3": 231.0,
            "current_l1": 10.1,
            "current_l2": 9.9,
            "current_l3": 10.4,
            "power_factor": 0.93,
            "frequency": 50.01,
        }
        device = f"meter-{i * devices // n:03d}"
        out.append(Reading(contract.name, device, t0 + timedelta(milliseconds=100 * i), values))
    return out


def messages(encoder: Encoder, base: list[Reading], n: int, frame: int | None) -> Callable[[], Any]:
    """A generator factory of ``n`` readings' messages, cycling over ``base``."""

    def generate() -> Any:
        seq, ingest = 0, 1_740_816_000_000
        while seq < n:
            if frame is None:
                for reading in base:
                    if seq >= n:
                        return
                    yield encoder.json(reading, seq, ingest)
                    seq += 1
            else:
                for start in range(0, len(base), frame):
                    if seq >= n:
                        return
                    chunk = base[start : start + frame]
                    yield encoder.frame(chunk, seq, ingest)
                    seq += len(chunk)

    return generate


def column_batches(n: int, frame: int, devices: int = 10) -> list[ReadingBatch]:
    """``n`` energy-meter readings from the simulator's columnar mode, ``frame`` per batch."""
    config = SimulatorConfig(
        contract="energy_meter", devices=devices, rate=100, count=max(1, n // devices)
    )
    return list(ColumnarSimulation(config).batches(frame))


def column_messages(encoder: Encoder, base: list[ReadingBatch], n: int) -> Callable[[], Any]:
    """A generator factory of ``n`` readings' frames from column batches, cycling over ``base``."""

    def generate() -> Any:
        seq, ingest = 0, 1_740_816_000_000
        while seq < n:
            for batch in base:
                if seq >= n:
                    return
                yield encoder.columns(batch, seq, ingest)
                seq += batch.count

    return generate


class _Redirect(WrappedTransport):
    """A transport that sends every message to the benchmark's topic instead."""

    def __init__(self, inner: Transport, topic: str) -> None:
        super().__init__(inner)
        self.topic = topic

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: list[tuple[str, bytes]],
        done: Delivery,
        partition: int | None = None,
    ) -> None:
        self.inner.send(self.topic, key, value, headers, done, partition)

    def partitions(self, topic: str) -> int | None:
        return self.inner.partitions(self.topic)


EDGE_CONFIG = """
producer_id: {producer}
site: bench
metrics: {{port: null}}
spool: {{path: spool.db, durability: full}}
sources:
  - {{name: columns, kind: simulator, contract: energy_meter, devices: {devices}, rate: 100,
     count: {per_device}, payload: frame, frame_readings: {frame}, columnar: true}}
"""


def send_whole_edge(
    settings: KafkaSettings,
    topic: str,
    n: int,
    frame: int,
    transport: Callable[[KafkaSettings], Transport],
) -> Run:
    """The edge itself: columnar simulator -> writer -> spool -> sender -> ``transport``."""
    devices = 10
    with TemporaryDirectory() as tmp:
        text = EDGE_CONFIG.format(
            producer=f"{PRODUCER_ID}-{os.urandom(4).hex()}",
            devices=devices,
            per_device=max(1, n // devices),
            frame=frame,
        )
        edge = Edge(
            parse_config(text, Path(tmp) / "edge.yaml"),
            connect=lambda: _Redirect(transport(settings), topic),
        )
        total = devices * max(1, n // devices)

        def body() -> int:
            edge.start()
            while edge.stats.acked_readings < total:
                if edge.stats.send_errors:
                    raise RuntimeError(f"the edge failed to send: {edge.stats.last_error}")
                time.sleep(0.005)
            return total

        try:
            return timed(body)
        finally:
            edge.stop()


def timed(body: Callable[[], int]) -> Run:
    """Wall and process CPU time of ``body`` (which returns the readings it sent)."""
    wall, cpu = time.perf_counter(), time.process_time()
    readings = body()
    return Run(readings, time.perf_counter() - wall, time.process_time() - cpu)


def send_transport(transport: Transport, topic: str, stream: Callable[[], Any]) -> Run:
    """One of the edge's own transports, a report per message as the sender takes them."""
    failures: list[object] = []

    def body() -> int:
        count = 0
        for m in stream():
            transport.send(
                topic,
                m.key,
                m.value,
                headers(m, PRODUCER_ID, False),
                lambda e: failures.append(e) if e else None,
            )
            count += m.count
        transport.flush(300)
        return count

    run = timed(body)
    transport.close(10)
    if failures:
        raise RuntimeError(f"{len(failures)} sends failed, first: {failures[0]}")
    return run


def send_librdkafka(settings: KafkaSettings, topic: str, stream: Callable[[], Any]) -> Run:
    """confluent-kafka with the same settings as the edge's librdkafka transport (its murmur2
    partitioner included), called directly, with a queue large enough never to fill."""
    from confluent_kafka import Producer

    queue = {"queue.buffering.max.messages": 1_000_000, "queue.buffering.max.kbytes": 1_048_576}
    producer = Producer(librdkafka_config(settings) | queue)
    failures: list[object] = []

    def delivered(err: object, _msg: object) -> None:
        if err is not None:
            failures.append(err)

    def body() -> int:
        count = 0
        for m in stream():
            sent: list[tuple[str, str | bytes | None]] = [*headers(m, PRODUCER_ID, False)]
            while True:
                try:
                    producer.produce(
                        topic,
                        m.value,
                        m.key,
                        headers=sent,
                        on_delivery=delivered,
                    )
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
            count += m.count
        producer.flush(300)
        return count

    run = timed(body)
    if failures:
        raise RuntimeError(f"{len(failures)} sends failed, first: {failures[0]}")
    return run


def kafka_libs() -> Path:
    """The folder of the stack's cached Kafka jars (kafka-tools among them)."""
    from assay.config import load_settings
    from assay.devstack.stack.kafka import Kafka

    libs = Kafka(load_settings()).libs
    if not any(libs.glob("kafka-tools-*.jar")):
        raise SystemExit(
            f"no kafka-tools jar in {libs}: the Java producer ceiling runs Kafka's own "
            "ProducerPerformance from the jars the local stack fetches; run `assay stack up` first"
        )
    if shutil.which("java") is None:
        raise SystemExit(
            "no `java` on PATH: the local stack's Kafka needs it too (see `assay stack up`)"
        )
    return libs


def java_command(
    libs: Path,
    settings: KafkaSettings,
    topic: str,
    records: int,
    record_size: int,
    warmup: int = 0,
    security_file: Path | None = None,
) -> list[str]:
    """Kafka's ProducerPerformance with the edge's producer settings, unthrottled; the
    security block's properties from ``security_file`` (secrets stay off the command line)."""
    return [
        "java",
        "-Xmx512m",
        "-cp",
        f"{libs}/*",
        JAVA_TOOL,
        *("--bootstrap-server", settings.bootstrap, "--topic", topic),
        *("--num-records", str(records), "--record-size", str(record_size)),
        *("--throughput", "-1", "--reporting-interval", "600000"),
        *(("--warmup-records", str(warmup)) if warmup else ()),
        *(("--command-config", str(security_file)) if security_file else ()),
        "--command-property",
        "acks=all",
        "enable.idempotence=true",
        f"compression.type={settings.compression}",
        f"linger.ms={settings.linger_ms}",
        f"batch.size={settings.batch_size}",
        f"max.request.size={settings.max_request_size}",
        f"client.id={PRODUCER_ID}-java",
    ]


def write_java_security(settings: KafkaSettings, folder: Path) -> Path:
    """The security block as a Java properties file only its owner can read."""
    from schemas.kafka_security import java_security

    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace("\n", "\\n")

    path = folder / "java-security.properties"
    lines = [f"{k}={escaped(v)}" for k, v in java_security(settings.security).items()]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def parse_java_summary(stdout: str) -> tuple[int, float, float, float | None]:
    """Records sent, records/s and MB/s from ProducerPerformance's final summary line, and the
    steady-state records/s when it printed one."""
    found = _JAVA_SUMMARY.findall(stdout)
    if not found:
        raise RuntimeError(f"no summary line in ProducerPerformance's output:\n{stdout[-2000:]}")
    sent, rate, mb = found[-1]
    steady = _JAVA_STEADY.findall(stdout)
    return int(sent), float(rate), float(mb), float(steady[-1][1]) if steady else None


def send_java(command: list[str], records: int) -> Run:
    """One run of the Java tool; its own figures for the rate, the child's rusage for CPU (JVM
    start-up and JIT included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(
            f"ProducerPerformance failed ({done.returncode}):\n{done.stderr[-2000:]}"
        )
    sent, rate, mb, steady = parse_java_summary(done.stdout)
    if sent != records:
        raise RuntimeError(f"ProducerPerformance sent {sent} of {records} records")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    extra = {"mb_per_s": mb} | ({"steady_per_s": steady} if steady is not None else {})
    return Run(sent, sent / rate, cpu, extra)


def json_record_size(encoder: Encoder, base: list[Reading], n: int) -> int:
    """Median size in bytes of the edge's JSON-encoded reading (the value, without headers)."""
    sizes = [len(m.value) for m in messages(encoder, base, min(n, len(base)), None)()]
    return round(statistics.median(sizes))


def spool_rate(encoder: Encoder, base: list[Reading], n: int, durability: str) -> Run:
    """Append (batches of 5,000, one commit each) then ack every reading, JSON messages."""
    encoded: list[Message] = list(messages(encoder, base, n, None)())
    with TemporaryDirectory() as tmp:
        spool = Spool(Path(tmp) / "spool.db", PRODUCER_ID, SpoolLimits(durability=durability))  # type: ignore[arg-type]

        def body() -> int:
            for start in range(0, n, 5_000):
                spool.append(encoded[start : start + 5_000])
            for start in range(0, n, 5_000):
                spool.ack(range(start, min(start + 5_000, n)))
            return n

        run = timed(body)
        spool.close()
    return run


def summary(runs: list[Run]) -> dict[str, float]:
    """Median readings/s, its spread, and CPU µs per reading (median)."""
    rates = [r.readings / r.wall for r in runs]
    out = {
        "readings_per_s": statistics.median(rates),
        "min_per_s": min(rates),
        "max_per_s": max(rates),
        "cpu_us_per_reading": statistics.median(r.cpu / r.readings * 1e6 for r in runs),
        "readings": runs[0].readings,
        "runs": len(runs),
    }
    for key in runs[0].extra:
        out[key] = statistics.median(r.extra[key] for r in runs)
    return out


def main(argv: list[str] | None = None) -> None:
    """Run every case, print the table, write the JSON."""
    from assay.config import load_settings

    args = parse_args(argv)
    platform_settings = load_settings()
    bootstrap = args.bootstrap or platform_settings.bootstrap
    security = platform_settings.kafka_security()
    contract = load_contract(args.contract)
    bench = contract.model_copy(update={"name": f"bench_{contract.name}"})
    ensure_topics(bootstrap, [bench], security=security)
    topic = f"assay.bench_{contract.name}.v{contract.major}"
    settings = KafkaSettings(
        bootstrap=bootstrap,
        compression=args.compression,
        linger_ms=args.linger_ms,
        batch_size=args.batch_size,
        security=security,
    )
    args.kafka_security = security.protocol  # recorded with the results: TLS costs CPU
    with TemporaryDirectory() as private:
        run_cases(args, contract, topic, settings, write_java_security(settings, Path(private)))


def run_cases(
    args: argparse.Namespace,
    contract: Contract,
    topic: str,
    settings: KafkaSettings,
    java_security_file: Path,
) -> None:
    """Every case, ``--repeat`` times; print the table, write the JSON."""
    encoder = Encoder(contract, PRODUCER_ID, "bench")
    base = sample(contract, 100_000)
    column_readings = args.column_readings or args.frame_readings
    columns = column_batches(100_000, args.frame_size)
    libs = kafka_libs()
    record_size = json_record_size(encoder, base, args.json_readings)
    java = java_command(
        libs,
        settings,
        topic,
        args.json_readings,
        record_size,
        args.java_warmup_records,
        java_security_file,
    )
    # `assay-edge run` leaves its start-up objects out of cycle collections (gc.freeze in
    # producers/cli.py); this process freezes its own the same way, for every case alike.
    gc.freeze()
    cases = {
        "json / kafka-python (assay)": lambda: send_transport(
            KafkaTransport(settings), topic, messages(encoder, base, args.json_readings, None)
        ),
        "json / librdkafka transport (assay)": lambda: send_transport(
            LibrdkafkaTransport(settings), topic, messages(encoder, base, args.json_readings, None)
        ),
        "json / librdkafka": lambda: send_librdkafka(
            settings, topic, messages(encoder, base, args.json_readings, None)
        ),
        JAVA: lambda: send_java(java, args.json_readings),
        "frame / kafka-python (assay)": lambda: send_transport(
            KafkaTransport(settings),
            topic,
            messages(encoder, base, args.frame_readings, args.frame_size),
        ),
        "frame / librdkafka": lambda: send_librdkafka(
            settings, topic, messages(encoder, base, args.frame_readings, args.frame_size)
        ),
        "columns / kafka-python (assay)": lambda: send_transport(
            KafkaTransport(settings), topic, column_messages(encoder, columns, column_readings)
        ),
        "columns / librdkafka transport (assay)": lambda: send_transport(
            LibrdkafkaTransport(settings),
            topic,
            column_messages(encoder, columns, column_readings),
        ),
        "columns / librdkafka": lambda: send_librdkafka(
            settings, topic, column_messages(encoder, columns, column_readings)
        ),
        EDGE: lambda: send_whole_edge(
            settings, topic, column_readings, args.frame_size, KafkaTransport
        ),
        EDGE_RDKAFKA: lambda: send_whole_edge(
            settings, topic, column_readings, args.frame_size, LibrdkafkaTransport
        ),
        "spool append+ack, durability=full": lambda: spool_rate(
            encoder, base, args.spool_readings, "full"
        ),
        "spool append+ack, durability=normal": lambda: spool_rate(
            encoder, base, args.spool_readings, "normal"
        ),
    }
    results: dict[str, dict[str, float]] = {}
    for name, case in cases.items():
        runs = []
        for _ in range(args.repeat):  # interleaving is not needed: every case repeats alike
            runs.append(case())
        results[name] = summary(runs)
        print(f"{name}: {results[name]['readings_per_s']:,.0f} readings/s", flush=True)
    results[JAVA]["record_size"] = record_size
    encode = encode_only(encoder, base, args)
    encode["columns"] = encode_columns(encoder, args.frame_size, column_readings)
    report(results, encode, args)


def peers(name: str) -> dict[str, str]:
    """The cases a Kafka case is compared with: librdkafka with the same payload, and the Java
    tool (readings against JSON-sized records). The spool sends nothing, so it has none."""
    if name.startswith("spool"):
        return {}
    kind = "json" if name == JAVA else name.split(" / ")[0]
    if name == EDGE:
        kind = "columns"
    return {"librdkafka": f"{kind} / librdkafka", "Java": JAVA}


def ratios(results: dict[str, dict[str, float]], name: str) -> dict[str, float]:
    """A case's rate over each of its peers' rates, measured in the same run."""
    rate = results[name]["readings_per_s"]
    return {
        peer: rate / results[key]["readings_per_s"]
        for peer, key in peers(name).items()
        if key in results and results[key]["readings_per_s"] > 0
    }


def encode_only(
    encoder: Encoder, base: list[Reading], args: argparse.Namespace
) -> dict[str, float]:
    """Encoding alone, readings/s: what bounds each payload kind before any client."""
    json_run = timed(
        lambda: sum(m.count for m in messages(encoder, base, args.json_readings, None)())
    )
    frame_run = timed(
        lambda: sum(
            m.count for m in messages(encoder, base, args.frame_readings, args.frame_size)()
        )
    )
    return {"json": json_run.readings / json_run.cpu, "frame": frame_run.readings / frame_run.cpu}


def encode_columns(encoder: Encoder, frame: int, n: int) -> float:
    """The columnar simulator's generation plus ``Encoder.columns``, readings per CPU-second."""

    def body() -> int:
        config = SimulatorConfig(contract="energy_meter", devices=10, rate=100, count=n // 10)
        seq = 0
        for batch in ColumnarSimulation(config).batches(frame):
            seq += encoder.columns(batch, seq, 0).count
        return seq

    run = timed(body)
    return run.readings / run.cpu


def goal(name: str, r: dict[str, float]) -> str:
    """A frame or column case's readings per CPU-second over the 1M goal."""
    if not name.startswith(("frame", "columns")):
        return "-"
    return f"{1e6 / r['cpu_us_per_reading'] / GOAL_PER_CPU_S:.2f}x"


def report(
    results: dict[str, dict[str, float]], encode: dict[str, float], args: argparse.Namespace
) -> None:
    """Print the table (ratios against librdkafka for the same payload and against the Java
    ceiling) and write the JSON."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "case",
        "readings/s (median)",
        "spread",
        "CPU µs/reading",
        "readings/CPU-s",
        "vs librdkafka",
        "vs Java",
        "vs 1M/CPU-s",
    )
    for name, r in results.items():
        ratio = ratios(results, name)
        table.add_row(
            name,
            f"{r['readings_per_s']:,.0f}",
            f"{r['min_per_s']:,.0f}–{r['max_per_s']:,.0f}",
            f"{r['cpu_us_per_reading']:.2f}",
            f"{1e6 / r['cpu_us_per_reading']:,.0f}",
            f"{ratio['librdkafka']:.2f}x" if "librdkafka" in ratio else "-",
            f"{ratio['Java']:.2f}x" if "Java" in ratio else "-",
            goal(name, r),
        )
    Console(width=160).print(table)
    if JAVA in results:
        java = results[JAVA]
        print(
            f"Java records: {java['record_size']:.0f} bytes each (the median JSON reading), "
            f"{java['mb_per_s']:.1f} MB/s; its CPU includes the JVM's start-up and JIT"
        )
        if "steady_per_s" in java:
            print(
                f"Java after {args.java_warmup_records:,} warm-up records: "
                f"{java['steady_per_s']:,.0f} records/s (median)"
            )
    rates = ", ".join(f"{kind} {per_s:,.0f}" for kind, per_s in encode.items())
    print(f"encoding alone (readings per CPU-second): {rates}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "settings": {k: str(v) for k, v in vars(args).items()},
    }
    args.out.write_text(
        json.dumps({"meta": meta, "results": results, "encode_only": encode}, indent=2)
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
