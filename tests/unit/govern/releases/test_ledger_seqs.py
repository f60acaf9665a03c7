"""The ledger's seqs per producer: from the runs landing records, past retention, and with
the seqs dead letters' headers claim, so none of them reads as readings the edge lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assay.govern.releases import create_release
from assay.govern.releases._errors import UnreconciledWindow
from assay.govern.releases._verify import check_ledger
from assay.govern.retention import apply_retention
from assay.pipeline.ingest import landing
from assay.pipeline.validate import curation
from assay.store import layout
from assay.store.objects import MemoryStore
from schemas import Contract, Retention, wire

from .conftest import BUCKETS, KEY, TERMS, records, request
from .test_ledger import reports

LAND = landing.Buckets(raw=BUCKETS.raw, deadletter=BUCKETS.deadletter, reports=BUCKETS.reports)
CHECKED = curation.Buckets(raw=BUCKETS.raw, curated=BUCKETS.curated, quarantine="quarantine",
                           reports=BUCKETS.reports)  # fmt: skip


def expire_raw(store: MemoryStore, contract: Contract) -> None:
    """Retention with a one-second raw period, two days on: every raw object goes."""
    short = contract.model_copy(update={"retention": Retention(raw="1s", curated="3650d")})
    run = apply_retention(store, BUCKETS, short, datetime.now(UTC) + timedelta(days=2))
    assert run.layers()["raw"][0] > 0
    assert not [k for k in store.keys(BUCKETS.raw, "process_params/") if k.endswith(".parquet")]


def ledger_of(store: MemoryStore, params: Contract, **sent: int) -> dict[str, Any]:
    req = request(params, edge_reports=reports(**sent))
    return create_release(store, BUCKETS, req, KEY, TERMS).manifest["ledger"]


def seqs_docs(store: MemoryStore) -> list[tuple[str, str]]:
    return [(b, k) for b, k in store.objects if b == BUCKETS.reports and k.endswith("/seqs.json")]


def test_segments_retention_removed_count_as_landed_then_expired(
    store: MemoryStore, params: Contract
) -> None:
    expire_raw(store, params)
    ledger = ledger_of(store, params, **{"plant-a": 1200, "plant-b": 1200})
    assert ledger["gaps"] == []
    by = {p["producer_id"]: p for p in ledger["producers"]}
    assert by["edge-plant-a"]["landed"] == by["edge-plant-a"]["expired"] == 1200
    assert by["edge-plant-a"]["edge"]["landed_in_scope"] == 1200
    assert ledger["seqs_unrecorded"] == {"segments": 0, "readings": 0}
    assert [p["landed_to"] for p in ledger["partitions"]] == [1200, 1200]


def test_segments_landed_before_seq_runs_get_them_before_their_raw_object_goes(
    store: MemoryStore, params: Contract
) -> None:
    """A store from before: no runs beside any segment. The ledger reads the raw columns;
    retention records the runs from them before it removes the raw objects."""
    for place in seqs_docs(store):
        store.objects.pop(place)
    before = ledger_of(store.fork(), params, **{"plant-a": 1200})
    assert before["gaps"] == []
    expire_raw(store, params)
    assert seqs_docs(store)  # made again before the raw objects went
    assert ledger_of(store, params, **{"plant-a": 1200})["gaps"] == []


def test_runs_lost_with_their_raw_object_are_said_to_be_unknown(
    store: MemoryStore, params: Contract
) -> None:
    expire_raw(store, params)
    for place in seqs_docs(store):  # as if an older retention had removed the raw objects
        store.objects.pop(place)
    with pytest.raises(UnreconciledWindow) as info:
        ledger_of(store, params, **{"plant-a": 1200})
    (gap,) = info.value.gaps
    assert (gap.producer, gap.readings) == ("edge-plant-a", 1200)
    assert "removed by retention before their seqs were recorded" in gap.detail


def dead_letter_store(params: Contract, headers: bool) -> MemoryStore:
    """Partition 0 of plant-a: 300 readings, of which seqs 10-14 are undecodable records that
    carry (or not) the producer's headers."""
    store, log = MemoryStore(), records("plant-a", 0, 300)
    for n in range(10, 15):
        extra = ((wire.HEADER_PRODUCER, b"edge-plant-a"), (wire.HEADER_SEQ, b"%d" % n))
        log[n] = log[n]._replace(value=b"{not json", headers=log[n].headers + extra * headers)
    landing.land_partition(landing.MemoryPartition(log), store, LAND, params, max_records=100)
    curation.validate_pending(store, CHECKED, params, 0)
    return store


def test_dead_letters_with_the_producers_headers_are_its_seqs_as_claimed(
    params: Contract,
) -> None:
    ledger = ledger_of(dead_letter_store(params, headers=True), params, **{"plant-a": 300})
    assert ledger["gaps"] == []
    (producer,) = ledger["producers"]
    assert producer["dead_lettered"] == {"readings": 5, "distinct": 5, "attributed_by": "header"}
    assert (producer["landed"], producer["edge"]["dead_lettered_in_scope"]) == (295, 5)
    assert ledger["format"] == "assay.ledger/2"


def test_dead_letters_without_headers_stay_a_gap_with_their_reason_named(
    params: Contract,
) -> None:
    req = request(params, edge_reports=reports(**{"plant-a": 300}), accept_gap="meter test")
    store = dead_letter_store(params, headers=False)
    manifest = create_release(store, BUCKETS, req, KEY, TERMS).manifest
    ledger = manifest["ledger"]
    assert ledger["dead_letters_unattributed"] == {"no_producer_header": 5}
    (gap,) = ledger["gaps"]
    assert (gap["seqs"], gap["readings"]) == ([[10, 14]], 5)
    assert check_ledger(manifest) == []


def test_a_format_1_ledger_still_verifies(store: MemoryStore, params: Contract) -> None:
    """A manifest sealed before seq runs: the figures format 2 added are absent."""
    from assay.govern.ledger import seal

    manifest = create_release(store, BUCKETS, request(params), KEY, TERMS).manifest
    old = {k: v for k, v in manifest["ledger"].items() if k not in
           ("unsequenced", "dead_letters_unattributed", "seqs_unrecorded", "sha256")}  # fmt: skip
    old["producers"] = [
        {k: v for k, v in p.items() if k not in ("expired", "dead_lettered")}
        for p in old["producers"]
    ]
    old["format"] = "assay.ledger/1"
    sealed = seal({k: v for k, v in old.items() if k != "accepted_gap"}, old["accepted_gap"])
    assert check_ledger(manifest | {"ledger": sealed}) == []


def test_the_seq_runs_sit_beside_each_segments_reports(store: MemoryStore) -> None:
    raw = [k for k in store.keys(BUCKETS.raw, "process_params/") if k.endswith(".parquet")]
    for key in raw:
        seg = layout.Segment.parse(key)
        assert store.head(BUCKETS.reports, layout.seqs_key("process_params", 1, seg)) is not None


def _producer_rows(card: str) -> list[list[str]]:
    """The cells of the card's per-producer table (the rows after its header)."""
    lines = card.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Producer |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_card_and_release_show_name_each_producers_dead_letters_and_expired_readings(
    params: Contract,
) -> None:
    """Per producer, a reader can add up what the gateway sent: landed + undecodable."""
    from io import StringIO

    from rich.console import Console

    from assay.cli.release_review import producer_table
    from assay.govern.releases._card import render_card

    manifest = create_release(
        dead_letter_store(params, headers=True),
        BUCKETS,
        request(params, edge_reports=reports(**{"plant-a": 300})),
        KEY,
        TERMS,
    ).manifest
    (row,) = _producer_rows(render_card(manifest, params).decode())
    # producer, sent, report, landed, expired, duplicates, dead-lettered, in release
    assert row[0] == "`edge-plant-a`" and row[1] == "300"
    assert (row[3], row[4], row[5], row[6]) == ("295", "0", "0", "5")
    assert int(row[3]) + int(row[6]) == int(row[1])
    shown = StringIO()
    Console(file=shown, width=200, color_system=None).print(producer_table(manifest))
    (line,) = [x for x in shown.getvalue().splitlines() if "edge-plant-a" in x]
    assert [c.strip() for c in line.strip("│ ").split("│")][1:6] == ["300", "295", "0", "0", "5"]


def test_the_card_counts_a_producers_readings_whose_raw_segments_expired(
    store: MemoryStore, params: Contract
) -> None:
    from assay.govern.releases._card import render_card

    expire_raw(store, params)
    req = request(params, edge_reports=reports(**{"plant-a": 1200, "plant-b": 1200}))
    manifest = create_release(store, BUCKETS, req, KEY, TERMS).manifest
    rows = _producer_rows(render_card(manifest, params).decode())
    assert [(r[0], r[3], r[4], r[6]) for r in rows] == [
        ("`edge-plant-a`", "1,200", "1,200", "0"),
        ("`edge-plant-b`", "1,200", "1,200", "0"),
    ]


def test_a_format_1_ledger_shows_a_dash_for_the_figures_it_did_not_keep(
    store: MemoryStore, params: Contract
) -> None:
    from assay.cli.release_review import _dead_lettered
    from assay.govern.releases._card import render_card

    manifest = create_release(store, BUCKETS, request(params), KEY, TERMS).manifest
    old = [{k: v for k, v in p.items() if k not in ("expired", "dead_lettered")}
           for p in manifest["ledger"]["producers"]]  # fmt: skip
    card = render_card(manifest | {"ledger": manifest["ledger"] | {"producers": old}}, params)
    rows = _producer_rows(card.decode())
    assert rows and all((r[4], r[6]) == ("—", "—") for r in rows)
    assert _dead_lettered(old[0]) is None
