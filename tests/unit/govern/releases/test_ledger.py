"""A release's ledger: built from the pipeline's records, refused with its gaps, verified."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from assay.govern.ledger import EdgeReportInvalid
from assay.govern.releases import create_release, download_release, verify_folder
from assay.govern.releases._errors import UnreconciledWindow
from assay.govern.releases._verify import check_ledger
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, KEY, TERMS, request

TOPIC = "assay.process_params.v1"


def edge_status(producer: str, sent: int, held: list[list[int]] | None = None) -> bytes:
    """An `assay-edge status --json` document whose spool sent seqs 0..sent-1 of the topic."""
    held = held or []
    spooled = sent + sum(b - a + 1 for a, b in held)
    topic = {"contract": "process_params", "spooled": spooled, "first_seq": 0,
             "last_seq": spooled - 1, "sent": sent, "held": spooled - sent, "held_ranges": held,
             "dropped": 0, "dropped_ranges": [], "parked": 0, "parked_ranges": []}  # fmt: skip
    ledger = {"since_seq": 0, "next_seq": spooled, "topics": {TOPIC: topic}}
    return json.dumps({"ok": True, "producer_id": producer, "ledger": ledger}).encode()


def reports(**sent: int) -> tuple[tuple[str, bytes], ...]:
    return tuple((f"{p}.json", edge_status(f"edge-{p}", n)) for p, n in sent.items())


def test_a_reconciled_window_records_every_layer(store: MemoryStore, params: Contract) -> None:
    req = request(params, edge_reports=reports(**{"plant-a": 1200, "plant-b": 1200}))
    ledger = create_release(store, BUCKETS, req, KEY, TERMS).manifest["ledger"]
    assert ledger["gaps"] == [] and ledger["accepted_gap"] is None
    by = {p["producer_id"]: p for p in ledger["producers"]}
    assert by["edge-plant-a"]["edge"]["sent"] == by["edge-plant-a"]["distinct"] == 1200
    parts = ledger["partitions"]
    assert [p["produced"] for p in parts] == [1200, 1200]  # the partitions holding data
    assert sum(p["in_release"] for p in ledger["producers"]) == ledger["release"]["rows"]


def test_a_gap_is_refused_naming_producer_and_seqs(store: MemoryStore, params: Contract) -> None:
    req = request(params, edge_reports=reports(**{"plant-a": 1210}))
    with pytest.raises(UnreconciledWindow) as info:
        create_release(store, BUCKETS, req, KEY, TERMS)
    (gap,) = info.value.gaps
    assert (gap.kind, gap.producer, gap.seqs, gap.readings) == (
        "edge",
        "edge-plant-a",
        [[1200, 1209]],
        10,
    )
    assert info.value.contract == "process_params"
    assert not store.keys(BUCKETS.releases, "")  # nothing claimed or written


def test_held_readings_are_not_expected_yet(store: MemoryStore, params: Contract) -> None:
    held = (("a.json", edge_status("edge-plant-a", 1200, held=[[1200, 1299]])),)
    manifest = create_release(store, BUCKETS, request(params, edge_reports=held), KEY, TERMS)
    assert manifest.manifest["ledger"]["gaps"] == []


def test_an_accepted_gap_is_recorded_and_verifies(
    store: MemoryStore, params: Contract, tmp_path: Path
) -> None:
    req = request(params, edge_reports=reports(**{"plant-a": 1210}), requested_by="li.wei",
                  accept_gap="gateway gw-a replaced on 2026-03-02; its spool was lost")  # fmt: skip
    manifest = create_release(store, BUCKETS, req, KEY, TERMS).manifest
    accepted = manifest["ledger"]["accepted_gap"]
    assert (accepted["by"], accepted["gaps"]) == ("li.wei", 1)
    assert "spool was lost" in accepted["reason"]
    folder = download_release(store, BUCKETS.releases, "process_params", "1.0.0", tmp_path / "r")
    assert verify_folder(folder).ok
    assert "spool was lost" in (folder / "README.md").read_text()


def test_verify_recomputes_the_ledger(store: MemoryStore, params: Contract) -> None:
    manifest = create_release(store, BUCKETS, request(params), KEY, TERMS).manifest
    assert check_ledger(manifest) == []
    fewer: dict[str, Any] = json.loads(json.dumps(manifest))
    fewer["files"][0]["rows"] -= 1  # a file lists one row less than the ledger counted
    kinds = {(p.path, p.kind) for p in check_ledger(fewer)}
    assert kinds == {("manifest.json#ledger", "ledger")}
    forged = json.loads(json.dumps(manifest))
    forged["ledger"]["partitions"][0]["curated"] += 1
    assert any("sha256" in p.found for p in check_ledger(forged))


def test_an_unreadable_edge_report_is_named(store: MemoryStore, params: Contract) -> None:
    req = replace(request(params), edge_reports=(("gw.json", b"{not json"),))
    with pytest.raises(EdgeReportInvalid) as info:
        create_release(store, BUCKETS, req, KEY, TERMS)
    assert info.value.source == "gw.json"


def test_a_partition_added_to_the_topic_counts_in_the_ledger(
    store: MemoryStore, params: Contract
) -> None:
    """Partition 1 was added to a one-partition topic: its producer's seqs are landed, not a gap."""
    grown = params.model_copy(update={"partitions": 1})
    req = request(grown, edge_reports=reports(**{"plant-a": 1200, "plant-b": 1200}))
    ledger = create_release(store, BUCKETS, req, KEY, TERMS).manifest["ledger"]
    assert ledger["gaps"] == []
    assert [p["partition"] for p in ledger["partitions"]] == [0, 1]


def test_release_show_prints_the_ledger_and_escapes_gap_text(
    store: MemoryStore, params: Contract
) -> None:
    """`assay release show`'s lines: the ledger's figures, each gap, who accepted them; a
    producer id with rich markup in it is printed as text."""
    from io import StringIO

    from rich.console import Console

    from assay.cli.release_review import holdings

    req = request(
        params,
        edge_reports=(("a.json", edge_status("[red]edge-x[/red]", 5)),),
        accept_gap="[bold]meter swap[/bold]",
    )
    buffer = StringIO()
    shown = Console(file=buffer, width=10_000, color_system=None)
    for line in holdings(create_release(store, BUCKETS, req, KEY, TERMS).manifest):
        shown.print(line, markup=False, highlight=False)  # as `release show` prints them
    lines = buffer.getvalue().splitlines()
    assert any(line.startswith("ledger: 2 partitions") for line in lines)
    gaps = [line for line in lines if line.startswith("gap: ")]
    assert gaps and all("[red]edge-x[/red]" in g for g in gaps)
    assert lines[-1].endswith("[bold]meter swap[/bold]")
