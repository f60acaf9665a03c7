"""Where a run's readings go: JSON lines on disk, or Kafka through the edge's transport.

Both encode with the edge's ``Encoder`` (envelope stamped, ``ingest_time`` = the simulated
arrival) and keep one ``seq`` counter per producer, so the lines are byte for byte the
message values the edge would send. Transport faults are applied on the way out
(``_faults.inject``): a duplicate is written (sent) twice with the same seq, the second time
with ``replay=1``; a corrupt reading becomes undecodable bytes (its line is not JSON).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO, Protocol

from producers._transport import Transport
from producers.encoding import Encoder, Message, headers
from producers.simulator._faults import inject, injected
from producers.simulator._simulated import Simulated
from schemas import Contract

__all__ = ["KafkaOutput", "LinesOutput", "Output", "open_lines", "send_all"]


class Output(Protocol):
    """Takes encoded messages; ``replay`` marks the second copy of a duplicate."""

    def write(self, message: Message, replay: bool) -> None:
        """Deliver one message."""
        ...


class LinesOutput:
    """One message value per line, in send order."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def write(self, message: Message, replay: bool) -> None:
        """Append the value as one line."""
        self.stream.write(message.value + b"\n")


class KafkaOutput:
    """Sends to Kafka with the edge's headers; remembers every delivery error."""

    def __init__(self, transport: Transport, producer_id: str) -> None:
        self.transport, self.producer_id = transport, producer_id
        self.errors: list[Exception] = []
        self._lock = threading.Lock()

    def write(self, message: Message, replay: bool) -> None:
        """Queue the message with the edge's headers."""
        heads = headers(message, self.producer_id, replay)
        self.transport.send(message.topic, message.key, message.value, heads, self._done)

    def _done(self, error: Exception | None) -> None:
        if error is not None:
            with self._lock:
                self.errors.append(error)


def send_all(items: Iterable[Simulated], contract: Contract, producer_id: str, output: Output,
             first_seq: int = 0, tick: Callable[[], None] = lambda: None) -> int:  # fmt: skip
    """Encode and deliver every item, with its transport fault; return the next free seq."""
    encoder = Encoder(contract, producer_id, site="site-01")
    seq = first_seq
    for item in items:
        message = encoder.json(item.reading, seq, item.arrival_ms)
        for out, replay in inject(injected(item.fault), message):
            output.write(out, replay)
        seq += 1
        tick()
    return seq


def open_lines(folder: Path, contract: str) -> BinaryIO:
    """The JSON-lines file of one contract in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return (folder / f"{contract}.jsonl").open("wb")
