"""The spool's ledger: per topic, readings spooled, held, dropped, parked and sent."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from producers import Encoder, Spool, SpoolLimits
from producers.encoding import Message
from producers.spool import read_ledger

from .conftest import reading


def batch(encoder: Encoder, spool: Spool, n: int) -> list[Message]:
    first = spool.next_seq
    return [encoder.json(reading(i), first + i, 0) for i in range(n)]


def topic_of(spool: Spool) -> dict[str, Any]:
    topics = spool.ledger()["topics"]
    assert len(topics) == 1
    return next(iter(topics.values()))


def test_sent_is_what_kafka_acknowledged(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append(batch(encoder, spool, 5))
    spool.ack([0, 1, 2])
    spool.park(4, "too large")
    t = topic_of(spool)
    assert (t["spooled"], t["sent"], t["held"], t["parked"]) == (5, 3, 1, 1)
    assert (t["held_ranges"], t["parked_ranges"]) == ([[3, 3]], [[4, 4]])
    assert (t["first_seq"], t["last_seq"], t["contract"]) == (0, 4, "energy_meter")


def test_dropped_ranges_persist_and_are_not_expected(spool_at, encoder) -> None:
    spool = spool_at(SpoolLimits(max_readings=5, when_full="drop_oldest"))
    for _ in range(4):
        spool.append(batch(encoder, spool, 2))
    spool.close()
    t = next(iter(read_ledger(spool.path)["topics"].values()))
    assert (t["dropped"], t["dropped_ranges"], t["held"], t["sent"]) == (3, [[0, 2]], 5, 0)


def test_a_spool_older_than_the_ledger_counts_from_where_it_starts(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append(batch(encoder, spool, 3))
    spool._db.execute("DROP TABLE topic_ledger")  # as an edge before the ledger left it
    spool._db.execute("DELETE FROM meta WHERE key = 'ledger_since'")
    spool._db.commit()
    spool.close()
    assert read_ledger(spool.path)["topics"] == {}
    again = spool_at()
    again.append(batch(encoder, again, 2))
    ledger = again.ledger()
    assert ledger["since_seq"] == 3
    t = next(iter(ledger["topics"].values()))
    assert (t["spooled"], t["held"], t["first_seq"]) == (2, 2, 3)  # seqs 0-2 are not counted


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=8),
    acked=st.sets(st.integers(0, 31)),
    parked=st.sets(st.integers(0, 31), max_size=3),
)
def test_spooled_is_sent_held_dropped_and_parked(tmp_path_factory, sizes, acked, parked) -> None:
    from schemas import load_contract

    encoder = Encoder(load_contract("energy_meter"), producer_id="gw-01", site="plant-a")
    path = tmp_path_factory.mktemp("s") / "spool.db"
    spool = Spool(path, "gw-01", SpoolLimits(max_readings=12, when_full="drop_oldest"))
    for n in sizes:
        spool.append(batch(encoder, spool, n))
    for seq in sorted(parked):
        spool.park(seq, "refused")
    spool.ack(acked - parked)
    t = topic_of(spool)
    spool.close()
    assert t["spooled"] == sum(sizes)
    assert t["sent"] + t["held"] + t["dropped"] + t["parked"] == t["spooled"]
    for name in ("held", "dropped", "parked"):
        assert sum(b - a + 1 for a, b in t[f"{name}_ranges"]) == t[name]
