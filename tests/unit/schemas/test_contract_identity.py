"""What tells readings apart: sequenced sources by (producer_id, seq), unsequenced ones by key."""

from __future__ import annotations

import pyarrow as pa
from schemas_testkit import energy, replace

from schemas import (
    ChangeClass,
    ChangeKind,
    LintCode,
    NotNullRule,
    Ordering,
    UniqueRule,
    compile_rules,
    dictionary_view,
    diff_contracts,
    dump_contract,
    duplicate_fields,
    identity_fields,
    lint_text,
    reading_order,
    to_arrow_schema,
    to_json_schema,
)

UNSEQUENCED = replace(energy(), sequenced=False)


def test_a_sequenced_source_is_identified_by_producer_seq_and_device() -> None:
    assert duplicate_fields(energy()) == ("producer_id", "seq")
    assert identity_fields(energy()) == ("producer_id", "seq", "device_id")
    assert reading_order(energy()) == ["device_id", "event_time", "seq"]
    renamed = replace(energy(), ordering=Ordering(producer="site", sequence="seq"))
    assert identity_fields(renamed) == ("site", "seq", "device_id")


def test_an_unsequenced_source_is_identified_by_its_key_and_event_time() -> None:
    assert duplicate_fields(UNSEQUENCED) == ("device_id", "event_time")
    assert identity_fields(UNSEQUENCED) == ("device_id", "event_time")
    by_circuit = replace(UNSEQUENCED, key=["device_id", "circuit"])
    assert duplicate_fields(by_circuit) == ("device_id", "circuit", "event_time")
    assert identity_fields(by_circuit) == ("device_id", "circuit")
    assert reading_order(by_circuit) == ["device_id", "event_time", "circuit"]


def test_the_arrow_schema_carries_the_identity() -> None:
    for contract in (energy(), UNSEQUENCED):
        assert identity_fields(to_arrow_schema(contract)) == identity_fields(contract)
    assert identity_fields(pa.schema([("x", pa.int64())])) == ("producer_id", "seq", "device_id")


def test_producer_and_seq_are_optional_for_an_unsequenced_source() -> None:
    schema = to_arrow_schema(UNSEQUENCED)
    assert schema.field("producer_id").nullable and schema.field("seq").nullable
    assert not to_arrow_schema(energy()).field("seq").nullable
    required = to_json_schema(UNSEQUENCED)["required"]
    assert "seq" not in required and "producer_id" not in required and "device_id" in required
    not_null = {r.field for r in compile_rules(UNSEQUENCED) if isinstance(r, NotNullRule)}
    assert not_null.isdisjoint({"producer_id", "seq"})


def test_duplicates_are_dropped_by_key_and_a_key_without_time_stays_unique() -> None:
    unique = [r for r in compile_rules(UNSEQUENCED) if isinstance(r, UniqueRule)]
    assert unique == [UniqueRule(fields=("device_id", "event_time"), drop_duplicates=True)]
    by_circuit = replace(UNSEQUENCED, key=["device_id", "circuit"])
    unique = [r for r in compile_rules(by_circuit) if isinstance(r, UniqueRule)]
    assert unique == [
        UniqueRule(fields=("device_id", "circuit", "event_time"), drop_duplicates=True),
        UniqueRule(fields=("device_id", "circuit")),
    ]


def test_an_ordering_declared_for_an_unsequenced_source_is_rejected() -> None:
    assert lint_text(dump_contract(UNSEQUENCED)) == []
    ordered = replace(UNSEQUENCED, ordering=Ordering(producer="site", sequence="seq"))
    text = dump_contract(ordered)
    [error] = lint_text(text, "ordered.yaml")
    assert error.code is LintCode.NOT_APPLICABLE
    assert text.splitlines()[error.line - 1].startswith("ordering:")
    assert "sequenced: true" in error.fix


def test_changing_whether_a_source_is_sequenced_is_breaking_both_ways() -> None:
    for old, new in ((energy(), UNSEQUENCED), (UNSEQUENCED, energy())):
        [change] = diff_contracts(old, new)
        assert (change.kind, change.change_class) == (
            ChangeKind.LAYOUT_CHANGED,
            ChangeClass.BREAKING,
        )
        assert change.path == "sequenced"


def test_the_dictionary_says_how_duplicates_are_recognised() -> None:
    def ordering(contract):  # type: ignore[no-untyped-def]
        return next(m for m in dictionary_view(contract)["meta"] if m["key"] == "ordering")

    assert ordering(energy())["en"] == "producer_id + seq"
    row = ordering(UNSEQUENCED)
    assert "device_id + event_time" in row["en"] and "unsequenced" in row["en"]
    assert "无序号" in row["zh"]
