"""Envelope fields: carried by every reading of every contract, defined once here.

The envelope answers who sent a reading (``producer_id``, ``seq``), where it
comes from (``site``, ``device_id``) and when (``event_time``, ``ingest_time``).
``device_id`` is the Kafka message key, so one device's readings stay ordered
in one partition; ``(producer_id, seq)`` is unique and deduplicates replays. A
contract whose source is unsequenced makes producer_id and seq optional (see
``schemas._identity``).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from schemas._model import Contract, FieldSpec, Text
from schemas._vocabulary import Classification

__all__ = ["ENVELOPE", "KAFKA_KEY_FIELD", "all_fields"]

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"

KAFKA_KEY_FIELD: Final = "device_id"

ENVELOPE: Final = MappingProxyType(
    {
        "producer_id": FieldSpec(
            type="string",
            pattern=_ID_PATTERN,
            classification=Classification.L1,
            description=Text(
                zh="发送该读数的边缘采集程序实例标识",
                en="Identity of the edge producer instance that sent the reading",
            ),
        ),
        "seq": FieldSpec(
            type="int64",
            min=0,
            classification=Classification.L1,
            description=Text(
                zh="该采集程序内严格递增的序号，与 producer_id 一起用于去重",
                en="Sequence number, strictly increasing per producer; with producer_id "
                "it deduplicates replays",
            ),
        ),
        "site": FieldSpec(
            type="string",
            pattern=r"^[a-z0-9][a-z0-9-]{0,31}$",
            classification=Classification.L1,
            description=Text(zh="工厂或厂区代码", en="Factory or plant site code"),
        ),
        "device_id": FieldSpec(
            type="string",
            pattern=_ID_PATTERN,
            classification=Classification.L1,
            description=Text(
                zh="产生读数的设备标识，也是 Kafka 消息键",
                en="Identity of the device that produced the reading; the Kafka message key",
            ),
        ),
        "event_time": FieldSpec(
            type="timestamp",
            precision="ms",
            classification=Classification.L1,
            description=Text(
                zh="读数在源头产生的时间（UTC）",
                en="When the reading was taken at the source (UTC)",
            ),
        ),
        "ingest_time": FieldSpec(
            type="timestamp",
            precision="ms",
            classification=Classification.L1,
            description=Text(
                zh="边缘采集程序接收读数的时间（UTC），用于计算时效性",
                en="When the edge producer accepted the reading (UTC); freshness is "
                "measured against it",
            ),
        ),
    }
)


# An unsequenced source (``sequenced: false``) may send readings without producer_id and seq.
_UNSEQUENCED: Final = MappingProxyType(
    {name: ENVELOPE[name].model_copy(update={"nullable": True}) for name in ("producer_id", "seq")}
)


def all_fields(contract: Contract) -> dict[str, FieldSpec]:
    """Envelope fields first, then the contract's own fields, in declaration order."""
    if not contract.sequenced:
        return {**ENVELOPE, **_UNSEQUENCED, **contract.fields}
    return {**ENVELOPE, **contract.fields}
