"""What tells readings apart: the fields that identify one, find its duplicates, order them.

A *sequenced* source (the default; every assay edge) stamps each reading with its
producer and a sequence number that rises per producer (the contract's ``ordering``,
``producer_id`` + ``seq`` unless renamed): a repeated pair is a replay, whatever else
the reading says. An *unsequenced* source (``sequenced: false``: a foreign producer,
a meter read over Modbus by a third-party gateway) numbers nothing; its readings may
lack producer_id and seq, and the contract's ``key`` with the event time identifies
them instead: a reading with the same key and event time as another is its duplicate.

``identity_fields`` is what the decoder requires of every reading (it dead-letters
one that lacks any); the Arrow schema carries it as metadata (``identity``), so code
that holds only the schema asks the same function.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from schemas._envelope import KAFKA_KEY_FIELD
from schemas._model import Contract

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["duplicate_fields", "identity_fields", "reading_order"]

IDENTITY_METADATA = "identity"
_SEQUENCED_IDENTITY = ("producer_id", "seq", KAFKA_KEY_FIELD)  # the default contract's


def duplicate_fields(contract: Contract) -> tuple[str, ...]:
    """Fields whose values, repeated, make a reading a duplicate of an earlier one."""
    if contract.sequenced:
        return contract.ordering.producer, contract.ordering.sequence
    key = tuple(contract.key)
    return key if contract.event_time in key else (*key, contract.event_time)


def identity_fields(source: Contract | pa.Schema) -> tuple[str, ...]:
    """Fields a reading cannot lack: without one it cannot be told apart from others.

    Sequenced: producer, sequence and the device (the Kafka key); unsequenced: the key.
    ``source`` is a contract, or an Arrow schema compiled from one.
    """
    if not isinstance(source, Contract):  # an Arrow schema (pyarrow is not imported for this)
        stored = (source.metadata or {}).get(IDENTITY_METADATA.encode())
        return tuple(json.loads(stored)) if stored else _SEQUENCED_IDENTITY
    if source.sequenced:
        return (*duplicate_fields(source), KAFKA_KEY_FIELD)
    return tuple(source.key)


def reading_order(contract: Contract) -> list[str]:
    """How readings are sorted when stored: device, event time, then what breaks a tie
    (the sequence number, or for an unsequenced source the rest of its key)."""
    first = [KAFKA_KEY_FIELD, contract.event_time]
    ties = [contract.ordering.sequence] if contract.sequenced else list(contract.key)
    return first + [name for name in ties if name not in first]
