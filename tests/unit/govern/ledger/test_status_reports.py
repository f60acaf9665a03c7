"""Reports on the status topic count only as far as the producer's readings would: signed by
the gateway registered for the producer_id, or unsigned where unsigned readings are accepted
(and then said to be unsigned). Anything else is rejected with a reason, never used."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.govern.ledger._edge import EdgeTopic
from assay.govern.ledger._reports import Rejected, judge, newest
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.validate.signers import IdentityKey, Signers
from schemas import edge_status, load_contract, topic_name, wire
from schemas.signature import sign

CONTRACT = load_contract("energy_meter")
TOPIC = topic_name(CONTRACT)
MASTER = IdentityKey(b"m" * 32)
KEYS = MASTER.lookup()
SIGNERS = Signers({"gw-a": ("gw-a", "gw-a-*"), "gw-b": ("gw-b", "gw-b-*")})


def ledger(sent: int) -> dict[str, object]:
    figures = {"contract": "energy_meter", "spooled": sent, "sent": sent, "first_seq": 0,
               "last_seq": sent - 1, "held_ranges": [], "dropped_ranges": [],
               "parked_ranges": []}  # fmt: skip
    return {"since_seq": 0, "next_seq": sent, "topics": {TOPIC: figures}}


def value(producer: str, sent: int = 10) -> bytes:
    return json.dumps(edge_status.document(producer, "plant-a", 1, False, ledger(sent))).encode()


def record(
    producer: str,
    data: bytes | None = None,
    signer: str | None = "gw-a",
    offset: int = 0,
    key: bytes | None = None,
) -> Record:
    """A report as a gateway publishes it, signed as ``signer`` (None: unsigned)."""
    key = producer.encode() if key is None else key
    data = value(producer) if data is None else data
    headers = [(wire.HEADER_PRODUCER, producer.encode()), (wire.HEADER_CONTENT_TYPE, b"x")]
    if signer is not None:
        headers = sign(MASTER.for_principal(signer), signer, edge_status.TOPIC, key, headers, data)
    return Record(edge_status.TOPIC, 0, offset, 1000 + offset, key, data, tuple(headers))


def judged(r: Record) -> EdgeTopic | Rejected | None:
    return judge(r, CONTRACT, KEYS, SIGNERS)


def test_a_report_signed_by_its_registered_gateway_is_used_and_says_so() -> None:
    found = judged(record("gw-a-1", offset=7))
    assert isinstance(found, EdgeTopic)
    assert (found.producer_id, found.sent) == ("gw-a-1", 10)
    assert found.signature == "verified: signed by gw-a"
    assert found.source == f"{edge_status.TOPIC} partition 0 offset 7"


def test_a_tampered_report_is_rejected() -> None:
    r = record("gw-a-1")
    forged = r._replace(value=(r.value or b"").replace(b'"sent": 10', b'"sent": 99'))
    assert forged.value != r.value
    found = judged(forged)
    assert isinstance(found, Rejected)
    assert "signature does not hold" in found.reason and found.producer_id == "gw-a-1"


def test_a_report_about_another_gateways_producer_is_rejected() -> None:
    found = judged(record("gw-a-1", signer="gw-b"))
    assert isinstance(found, Rejected)
    assert found.reason == "gateway gw-b may not use producer_id gw-a-1"


def test_an_unregistered_signer_is_rejected() -> None:
    found = judged(record("gw-x", signer="gw-x"))
    assert isinstance(found, Rejected) and "gw-x is not a registered gateway" in found.reason


def test_unsigned_is_rejected_for_a_reserved_producer_and_marked_for_a_free_one() -> None:
    reserved = judged(record("gw-a-1", signer=None))
    assert isinstance(reserved, Rejected) and "belongs to gateway gw-a" in reserved.reason
    free = judged(record("plc-9", signer=None))
    assert isinstance(free, EdgeTopic) and free.signature == "unsigned"


def test_a_key_the_headers_or_body_disagree_with_is_rejected() -> None:
    other_key = judged(record("gw-a-1", key=b"gw-a-2"))
    assert isinstance(other_key, Rejected) and "header disagrees" in other_key.reason
    body = judged(record("gw-a-1", data=value("gw-a-2")))
    assert isinstance(body, Rejected) and "its body names 'gw-a-2'" in body.reason


def test_an_oversized_report_is_rejected_before_anything_else() -> None:
    found = judged(record("gw-a-1", data=b" " * (edge_status.MAX_BYTES + 1)))
    assert isinstance(found, Rejected) and f"over {edge_status.MAX_BYTES}" in found.reason


def test_a_report_without_the_contracts_topic_is_not_used_nor_rejected() -> None:
    data = json.dumps(edge_status.document("gw-a-1", "p", 1, False, ledger(3) | {"topics": {}}))
    assert judged(record("gw-a-1", data=data.encode())) is None


def test_the_newest_trusted_report_wins_and_a_newer_forgery_is_named() -> None:
    old = record("gw-a-1", data=value("gw-a-1", 5), offset=1)
    new = record("gw-a-1", data=value("gw-a-1", 8), offset=2)
    forged = record("gw-a-1", data=value("gw-a-1", 50), signer="gw-b", offset=3)
    found = newest([old, new, forged], CONTRACT, KEYS, SIGNERS)
    assert found.reports["gw-a-1"].sent == 8
    assert [(r.offset, r.producer_id) for r in found.rejected] == [(3, "gw-a-1")]


names = st.sampled_from(["producer_id", "signer", "signature", "x"]) | st.text(max_size=5)
headers = st.lists(st.tuples(names, st.binary(max_size=70)), max_size=4)


@given(st.binary(max_size=40) | st.none(), headers, st.binary(max_size=300) | st.none())
def test_any_record_is_judged_without_raising_and_garbage_is_rejected_with_a_reason(
    key: bytes | None, pairs: list[tuple[str, bytes]], data: bytes | None
) -> None:
    r = Record(edge_status.TOPIC, 0, 5, 0, key, data, tuple(pairs))
    found = judged(r)
    assert isinstance(found, Rejected) and found.reason and found.offset == 5


@given(st.data())
def test_any_change_to_a_signed_report_is_rejected(data: st.DataObject) -> None:
    r = record("gw-a-1")
    raw = bytearray(r.value or b"")
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] ^= data.draw(st.integers(1, 255))
    found = judged(r._replace(value=bytes(raw)))
    assert isinstance(found, Rejected) and "signature does not hold" in found.reason


@settings(max_examples=5, deadline=None)
@given(st.integers(1, 10_000), st.booleans())
def test_any_oversized_report_is_rejected_signed_or_not(extra: int, signed: bool) -> None:
    data = value("gw-a-1") + b" " * (edge_status.MAX_BYTES + extra)
    found = judged(record("gw-a-1", data=data, signer="gw-a" if signed else None))
    assert isinstance(found, Rejected) and f"over {edge_status.MAX_BYTES}" in found.reason
