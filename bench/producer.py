"""Edge producer throughput: JSON per reading and Arrow frames, against librdkafka, one run.

For each payload kind, the same readings are encoded by the edge's ``Encoder`` and sent to the
same broker and topic (the contract's partition count) with the same settings — acks=all,
idempotence, the same compression, linger and batch size — once through the edge's
``KafkaTransport`` (kafka-python) and once through confluent-kafka (librdkafka). Wall time runs
from the first send to the last acknowledgement (flush); CPU is the whole process's (the
clients' I/O threads included). Median and spread of ``--repeat`` runs, ratios against
librdkafka measured in the same run. The spool's append+ack rate is measured for both
durability settings too. Prints a table and writes JSON to ``bench/results/producer.json``.

    uv run python -m bench.producer --help
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from producers import Encoder, KafkaSettings, KafkaTransport, Reading, Spool, SpoolLimits, headers
from producers.encoding import Message
from producers.topics import ensure_topics
from schemas import Contract, load_contract

RESULTS = Path(__file__).parent / "results"
PRODUCER_ID = "bench-edge"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.producer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--bootstrap", default=os.environ.get("ASSAY_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    )
    parser.add_argument("--contract", default="energy_meter")
    parser.add_argument("--json-readings", type=int, default=200_000, help="readings per JSON run")
    parser.add_argument(
        "--frame-readings", type=int, default=2_000_000, help="readings per frame run"
    )
    parser.add_argument("--frame-size", type=int, default=10_000, help="readings per Arrow frame")
    parser.add_argument("--spool-readings", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median counts")
    parser.add_argument("--compression", choices=["lz4", "zstd"], default="lz4")
    parser.add_argument("--linger-ms", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1024 * 1024)
    parser.add_argument("--out", type=Path, default=RESULTS / "producer.json")
    return parser.parse_args(argv)


@dataclass
class Run:
    """One timed run."""

    readings: int
    wall: float
    cpu: float


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


def timed(body: Callable[[], int]) -> Run:
    """Wall and process CPU time of ``body`` (which returns the readings it sent)."""
    wall, cpu = time.perf_counter(), time.process_time()
    readings = body()
    return Run(readings, time.perf_counter() - wall, time.process_time() - cpu)


def send_kafka_python(settings: KafkaSettings, topic: str, stream: Callable[[], Any]) -> Run:
    """The edge's own transport."""
    transport = KafkaTransport(settings)
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
    """confluent-kafka with the same settings."""
    from confluent_kafka import Producer

    producer = Producer(
        {
            "bootstrap.servers": settings.bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "compression.type": settings.compression,
            "linger.ms": settings.linger_ms,
            "batch.size": settings.batch_size,
            "message.max.bytes": settings.max_request_size,
            "queue.buffering.max.messages": 1_000_000,
            "queue.buffering.max.kbytes": 1_048_576,
        }
    )
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
    return {
        "readings_per_s": statistics.median(rates),
        "min_per_s": min(rates),
        "max_per_s": max(rates),
        "cpu_us_per_reading": statistics.median(r.cpu / r.readings * 1e6 for r in runs),
        "readings": runs[0].readings,
    }


def main(argv: list[str] | None = None) -> None:
    """Run every case, print the table, write the JSON."""
    args = parse_args(argv)
    contract = load_contract(args.contract)
    ensure_topics(args.bootstrap, [contract.model_copy(update={"name": f"bench_{contract.name}"})])
    topic = f"assay.bench_{contract.name}.v{contract.major}"
    settings = KafkaSettings(
        bootstrap=args.bootstrap,
        compression=args.compression,
        linger_ms=args.linger_ms,
        batch_size=args.batch_size,
    )
    encoder = Encoder(contract, PRODUCER_ID, "bench")
    base = sample(contract, 100_000)
    cases = {
        "json / kafka-python (assay)": lambda: send_kafka_python(
            settings, topic, messages(encoder, base, args.json_readings, None)
        ),
        "json / librdkafka": lambda: send_librdkafka(
            settings, topic, messages(encoder, base, args.json_readings, None)
        ),
        "frame / kafka-python (assay)": lambda: send_kafka_python(
            settings, topic, messages(encoder, base, args.frame_readings, args.frame_size)
        ),
        "frame / librdkafka": lambda: send_librdkafka(
            settings, topic, messages(encoder, base, args.frame_readings, args.frame_size)
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
    encode = encode_only(encoder, base, args)
    report(results, encode, args)


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


def report(
    results: dict[str, dict[str, float]], encode: dict[str, float], args: argparse.Namespace
) -> None:
    """Print the table (ratios against librdkafka for the same payload) and write the JSON."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "case", "readings/s (median)", "spread", "CPU µs/reading", "readings/CPU-s", "vs librdkafka"
    )
    for name, r in results.items():
        peer = results.get(f"{name.split(' / ')[0]} / librdkafka")
        ratio = (
            f"{r['readings_per_s'] / peer['readings_per_s']:.2f}x"
            if peer and " / " in name
            else "-"
        )
        table.add_row(
            name,
            f"{r['readings_per_s']:,.0f}",
            f"{r['min_per_s']:,.0f}–{r['max_per_s']:,.0f}",
            f"{r['cpu_us_per_reading']:.2f}",
            f"{1e6 / r['cpu_us_per_reading']:,.0f}",
            ratio,
        )
    Console().print(table)
    rates = f"json {encode['json']:,.0f}, frame {encode['frame']:,.0f}"
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
