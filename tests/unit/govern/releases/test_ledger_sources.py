"""Where a ledger's figures came from is in the manifest and on the card, never hidden: the
reports' signatures, reports rejected, and what was not consulted and why."""

from __future__ import annotations

from dataclasses import replace

from assay.govern.ledger import LedgerInputs, parse_edge_report
from assay.govern.releases import create_release, verify_release
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, KEY, TERMS, request
from .test_ledger import TOPIC, edge_status


def inputs() -> LedgerInputs:
    def report(producer: str, signature: str):  # type: ignore[no-untyped-def]
        found = parse_edge_report(edge_status(producer, 1200), "-", TOPIC)
        assert found is not None
        return replace(found, source="assay-edge-status partition 0 offset 4", signature=signature)

    rejected = {"producer_id": "edge-plant-a", "partition": 0, "offset": 9,
                "reason": "gateway gw-b may not use producer_id edge-plant-a"}  # fmt: skip
    return LedgerInputs(
        offsets=None,
        kafka={"consulted": False, "problem": "broker 127.0.0.1:1 out of reach"},
        edge=(
            report("edge-plant-a", "verified: signed by gw-a"),
            report("edge-plant-b", "unsigned"),
        ),
        reports={
            "source": "topic",
            "topic": "assay-edge-status",
            "consulted": True,
            "problem": None,
            "keys": "identity keyring of 1 keys",
            "rejected_count": 1,
            "rejected": [rejected],
        },
    )


def test_the_manifest_and_card_say_where_the_figures_came_from(
    store: MemoryStore, params: Contract
) -> None:
    made = create_release(store, BUCKETS, request(params), KEY, TERMS, inputs=inputs())
    ledger = made.manifest["ledger"]
    assert ledger["kafka"] == {"consulted": False, "problem": "broker 127.0.0.1:1 out of reach"}
    assert ledger["edge_reports"]["rejected"][0]["offset"] == 9
    by = {p["producer_id"]: p["edge"] for p in ledger["producers"]}
    assert by["edge-plant-a"]["signature"] == "verified: signed by gw-a"
    assert by["edge-plant-b"]["signature"] == "unsigned"
    card = store.get(BUCKETS.releases, made.prefix + "README.md").decode()
    assert "`gw-a`" in card and "unsigned" in card and "未签名" in card
    assert "Kafka offsets not consulted: broker 127.0.0.1:1 out of reach" in card
    assert "Gateway status reports rejected (not used): 1" in card
    assert verify_release(store, BUCKETS.releases, params.name, "1.0.0").ok
