"""The sender against an in-memory transport: order, acks, replay after an outage, parking."""

from __future__ import annotations

import threading
import time

from producers import MemoryTransport, Sender, SinkError, SinkUnavailable

from .conftest import reading


def filled(spool_at, encoder, n: int, **kw):  # type: ignore[no-untyped-def]
    spool = spool_at()
    spool.append([encoder.json(reading(i, **kw), i, 0) for i in range(n)])
    return spool


def sender_for(spool, transport: MemoryTransport) -> Sender:  # type: ignore[no-untyped-def]
    return Sender(spool, lambda: transport, "gw-01", backoff=(0.0, 0.0))


def run_until_idle(sender: Sender, rounds: int = 20) -> None:
    for _ in range(rounds):
        sender.step()


def test_sends_oldest_first_and_empties_the_spool(spool_at, encoder) -> None:
    spool, transport = filled(spool_at, encoder, 5), MemoryTransport()
    run_until_idle(sender_for(spool, transport))
    assert [int(m.headers["seq"]) for m in transport.sent] == [0, 1, 2, 3, 4]
    assert {m.headers["replay"] for m in transport.sent} == {"0"}
    assert spool.readings == 0


def test_unacked_messages_stay_and_are_replayed_with_the_flag(spool_at, encoder) -> None:
    spool, transport = filled(spool_at, encoder, 3), MemoryTransport()
    transport.hold = True
    sender = sender_for(spool, transport)
    run_until_idle(sender)
    transport.release(SinkUnavailable("t", "broker went away"))
    transport.hold = False
    run_until_idle(sender)
    assert spool.readings == 0
    replays = [(int(m.headers["seq"]), m.headers["replay"]) for m in transport.sent[3:]]
    assert replays == [(0, "1"), (1, "1"), (2, "1")]
    assert sender.stats.last_error is not None


def test_a_crash_before_the_ack_means_a_flagged_resend(spool_at, encoder) -> None:
    spool, transport = filled(spool_at, encoder, 2), MemoryTransport()
    transport.hold = True
    run_until_idle(sender_for(spool, transport))  # sent, never acked: then the process dies
    spool.close()
    reopened, fresh = spool_at(), MemoryTransport()
    run_until_idle(sender_for(reopened, fresh))
    assert [(m.headers["seq"], m.headers["replay"]) for m in fresh.sent] == [("0", "1"), ("1", "1")]


def test_broker_down_at_start_retries_the_connection(spool_at, encoder) -> None:
    spool, transport = filled(spool_at, encoder, 1), MemoryTransport()
    attempts: list[int] = []

    def connect() -> MemoryTransport:
        attempts.append(1)
        if len(attempts) < 3:
            raise SinkUnavailable("127.0.0.1:1", "NoBrokersAvailable")
        return transport

    run_until_idle(Sender(spool, connect, "gw-01", backoff=(0.0, 0.0)))
    assert len(attempts) == 3
    assert spool.readings == 0


def test_terminal_errors_park_the_message_and_go_on(spool_at, encoder) -> None:
    spool, transport = filled(spool_at, encoder, 2), MemoryTransport()
    transport.fail_with = SinkError("t", "MessageSizeTooLargeError")
    sender = sender_for(spool, transport)
    run_until_idle(sender)
    assert spool.readings == 0
    assert spool.stats().parked == 2
    assert sender.stats.parked_readings == 2


def test_window_bounds_messages_in_flight(spool_at, encoder) -> None:
    spool, transport = filled(spool_at, encoder, 10), MemoryTransport()
    transport.hold = True
    sender = Sender(spool, lambda: transport, "gw-01", window=4)
    run_until_idle(sender)
    assert sender.in_flight == 4


def stuck_then_fresh(spool, stall: float) -> tuple[Sender, MemoryTransport, MemoryTransport]:  # type: ignore[no-untyped-def]
    """A sender whose first client holds every message, then fails the next send."""
    stuck, fresh = MemoryTransport(), MemoryTransport()
    transports = iter([stuck, fresh])
    sender = Sender(spool, lambda: next(transports), "gw-01", backoff=(0.0, 0.0), stall=stall)
    stuck.hold = True
    return sender, stuck, fresh


def test_a_client_that_never_reports_back_is_abandoned_after_the_stall(spool_at, encoder) -> None:
    spool = filled(spool_at, encoder, 3)
    sender, stuck, fresh = stuck_then_fresh(spool, stall=0.0)
    run_until_idle(sender, 2)  # three in flight on a client that will never answer
    spool.append([encoder.json(reading(3), 3, 0)])
    stuck.fail_with = SinkUnavailable("t", "KafkaTimeoutError")  # the next send fails: outage
    run_until_idle(sender)
    assert spool.readings == 0  # a fresh client delivered everything, oldest first
    assert [(m.headers["seq"], m.headers["replay"]) for m in fresh.sent] == [
        ("0", "1"),
        ("1", "1"),
        ("2", "1"),
        ("3", "1"),
    ]


def test_within_the_stall_the_sender_waits_for_the_client(spool_at, encoder) -> None:
    spool = filled(spool_at, encoder, 3)
    sender, stuck, fresh = stuck_then_fresh(spool, stall=3600.0)
    run_until_idle(sender, 2)
    spool.append([encoder.json(reading(3), 3, 0)])
    stuck.fail_with = SinkUnavailable("t", "KafkaTimeoutError")
    run_until_idle(sender)
    assert sender.in_flight == 3 and fresh.sent == []


def test_reports_from_an_abandoned_client_are_ignored(spool_at, encoder) -> None:
    spool = filled(spool_at, encoder, 3)
    sender, stuck, fresh = stuck_then_fresh(spool, stall=0.0)
    run_until_idle(sender, 2)
    spool.append([encoder.json(reading(3), 3, 0)])
    stuck.fail_with = SinkUnavailable("t", "KafkaTimeoutError")
    fresh.hold = True
    run_until_idle(sender)  # the fresh client has all four in flight
    stuck.release(SinkUnavailable("t", "late failure"))  # the abandoned client reports at last
    run_until_idle(sender)
    assert sender.in_flight == 4 and len(fresh.sent) == 4  # no new outage, no resend
    fresh.release()
    run_until_idle(sender)
    assert spool.readings == 0


def test_an_unexpected_error_does_not_end_the_sender(spool_at, encoder) -> None:
    spool, transport = filled(spool_at, encoder, 2), MemoryTransport()
    calls: list[int] = []

    def connect() -> MemoryTransport:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug in the client")
        return transport

    sender = Sender(spool, connect, "gw-01", backoff=(0.0, 0.0))
    finish = threading.Event()
    thread = threading.Thread(target=sender.run, args=(finish, 5.0))
    thread.start()
    deadline = time.monotonic() + 10
    while spool.readings and time.monotonic() < deadline:
        time.sleep(0.01)
    finish.set()
    thread.join(10)
    assert spool.readings == 0
    assert sender.stats.last_error is not None
    assert "RuntimeError" in sender.stats.last_error.message


def test_frames_in_flight_are_bounded_by_bytes(spool_at, encoder) -> None:
    spool = spool_at()
    frames = [encoder.frame([reading(i * 50 + j) for j in range(50)], i * 50, 0) for i in range(6)]
    spool.append(frames)
    transport = MemoryTransport()
    transport.hold = True
    size = len(frames[0].value)
    sender = Sender(spool, lambda: transport, "gw-01", window_bytes=2 * size)
    sender.step()
    assert sender.in_flight == 2  # not all six, though the window of messages allows them
    transport.release()
    sender.step()
    assert spool.readings == 200 and sender.in_flight == 2
