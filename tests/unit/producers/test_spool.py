"""Spool semantics: gap-free seqs across reopen, acks, replay marks, both full policies."""

from __future__ import annotations

import threading
import time

import pytest

from producers import Encoder, Spool, SpoolError, SpoolLimits, read_stats
from producers.encoding import Message

from .conftest import reading


def messages(encoder: Encoder, spool: Spool, n: int) -> list[Message]:
    first = spool.next_seq
    return [encoder.json(reading(i), first + i, 0) for i in range(n)]


def test_seqs_continue_without_gap_after_reopen(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append(messages(encoder, spool, 3))
    spool.ack([0, 1, 2])
    spool.close()
    again = spool_at()
    assert again.next_seq == 3
    again.append(messages(encoder, again, 2))
    assert [s.message.seq for s in again.fetch(-1, 10)] == [3, 4]


def test_append_rejects_a_gap(spool_at, encoder) -> None:
    spool = spool_at()
    with pytest.raises(SpoolError) as info:
        spool.append([encoder.json(reading(), 5, 0)])
    assert info.value.path.endswith("spool.db")


def test_frames_take_count_seqs(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append([encoder.frame([reading(i) for i in range(4)], 0, 0)])
    assert spool.next_seq == 4
    assert spool.readings == 4


def test_ack_removes_and_reports_readings(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append(messages(encoder, spool, 3))
    assert spool.ack([0, 2]) == 2
    assert [s.message.seq for s in spool.fetch(-1, 10)] == [1]
    assert spool.readings == 1


def test_mark_sent_survives_reopen_as_the_replay_mark(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append(messages(encoder, spool, 3))
    spool.mark_sent(0, 1)
    spool.close()
    sent = [s.sent for s in spool_at().fetch(-1, 10)]
    assert sent == [True, True, False]


def test_the_sent_mark_is_a_watermark_over_the_oldest(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append(messages(encoder, spool, 3))
    spool.mark_sent(0, 1)
    spool.mark_sent(0, 0)  # a resend after a rewind moves nothing back
    spool.ack([0])
    spool.append(messages(encoder, spool, 2))
    assert [(s.message.seq, s.sent) for s in spool.fetch(-1, 10)] == [
        (1, True),
        (2, False),
        (3, False),
        (4, False),
    ]
    assert read_stats(spool.path).never_sent == 3


def test_checkpoints_are_stored_with_the_readings(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append(messages(encoder, spool, 1), {"mes": '{"offset": 10}'})
    spool.close()
    assert spool_at().checkpoint("mes") == '{"offset": 10}'


def test_a_spool_belongs_to_one_producer(spool_at) -> None:
    spool_at().close()
    with pytest.raises(SpoolError) as info:
        spool_at(producer="other")
    assert "gw-01" in info.value.problem


def test_drop_oldest_drops_and_counts_persistently(spool_at, encoder) -> None:
    limits = SpoolLimits(max_readings=5, when_full="drop_oldest")
    spool = spool_at(limits)
    for _ in range(4):
        spool.append(messages(encoder, spool, 2))
    assert spool.readings == 5  # 8 appended, the 3 oldest dropped to stay within 5
    assert spool.dropped == 3
    assert [s.message.seq for s in spool.fetch(-1, 10)] == [3, 4, 5, 6, 7]
    spool.close()
    assert read_stats(spool.path).dropped == 3


def test_block_waits_for_room_until_an_ack(spool_at, encoder) -> None:
    spool = spool_at(SpoolLimits(max_readings=2, when_full="block"))
    spool.append(messages(encoder, spool, 2))
    done = threading.Event()
    batch = messages(encoder, spool, 2)
    worker = threading.Thread(target=lambda: (spool.append(batch), done.set()))
    worker.start()
    time.sleep(0.3)
    assert not done.is_set()
    spool.ack([0, 1])
    assert done.wait(2)
    assert spool.dropped == 0
    assert [s.message.seq for s in spool.fetch(-1, 10)] == [2, 3]


def test_close_ends_a_blocked_append(spool_at, encoder) -> None:
    from producers import SpoolClosed

    spool = spool_at(SpoolLimits(max_readings=1, when_full="block"))
    spool.append(messages(encoder, spool, 1))
    errors: list[Exception] = []
    batch = messages(encoder, spool, 1)

    def append() -> None:
        try:
            spool.append(batch)
        except SpoolClosed as exc:
            errors.append(exc)

    worker = threading.Thread(target=append)
    worker.start()
    time.sleep(0.2)
    spool.close()
    worker.join(2)
    assert len(errors) == 1


def test_read_stats_while_open(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append(messages(encoder, spool, 3))
    spool.mark_sent(0, 0)
    stats = read_stats(spool.path)
    assert (stats.readings, stats.never_sent, stats.next_seq) == (3, 2, 3)
    assert stats.oldest_unsent_ms is not None


def test_park_moves_aside_and_counts(spool_at, encoder) -> None:
    spool = spool_at()
    spool.append(messages(encoder, spool, 2))
    spool.park(0, "too large")
    assert spool.readings == 1
    assert spool.stats().parked == 1


OLD_SCHEMA = """
CREATE TABLE message (
    seq INTEGER PRIMARY KEY, count INTEGER NOT NULL, topic TEXT NOT NULL, key BLOB,
    value BLOB NOT NULL, content_type TEXT NOT NULL, contract TEXT NOT NULL,
    version TEXT NOT NULL, duplicate INTEGER NOT NULL, quality TEXT,
    sent INTEGER NOT NULL DEFAULT 0, spooled_ms INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('producer_id', 'gw-01'), ('next_seq', '1');
INSERT INTO message VALUES (0, 1, 't', x'6d', x'7b7d', 'application/json', 'energy_meter',
                            '1.0.0', 1, NULL, 0, 0);
"""


def test_a_spool_with_the_old_duplicate_column_opens_and_goes_on(tmp_path, encoder) -> None:
    import sqlite3

    db = sqlite3.connect(tmp_path / "spool.db")
    db.executescript(OLD_SCHEMA)
    db.close()
    spool = Spool(tmp_path / "spool.db", "gw-01")
    try:
        spool.append(messages(encoder, spool, 2))  # the old NOT NULL column is filled for it
        assert [s.message.seq for s in spool.fetch(-1, 10)] == [0, 1, 2]
        assert spool.fetch(-1, 1)[0].message.value == b"{}"
        assert spool.ack([0, 1, 2]) == 3
    finally:
        spool.close()


def test_a_new_spool_has_no_fault_column(spool_at) -> None:
    spool = spool_at()
    columns = {row[1] for row in spool._db.execute("PRAGMA table_info(message)")}
    assert "duplicate" not in columns
