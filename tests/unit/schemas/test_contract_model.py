"""Loading, round-tripping and looking up contracts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from schemas_testkit import contracts, energy, replace

from schemas import (
    ENVELOPE,
    Contract,
    ContractInvalidError,
    ContractNotFoundError,
    ContractRegistry,
    LintCode,
    all_fields,
    contract_to_dict,
    dump_contract,
    lint_file,
    load_contract,
    load_contracts,
    parse_contract,
    parse_duration,
    shipped_contract_paths,
)

SHIPPED = [
    "energy_meter",
    "machine_condition",
    "process_params",
    "sorting_events",
    "visual_inspection",
]


def test_the_five_pilot_contracts_ship() -> None:
    assert [path.stem for path in shipped_contract_paths()] == SHIPPED


@pytest.mark.parametrize("path", shipped_contract_paths(), ids=lambda p: p.stem)
def test_every_shipped_contract_lints_clean(path: Path) -> None:
    assert lint_file(path) == []


@pytest.mark.parametrize("name", SHIPPED)
def test_yaml_round_trip_gives_an_equal_contract(name: str) -> None:
    contract = load_contract(name)
    assert parse_contract(dump_contract(contract)) == contract


@pytest.mark.parametrize("name", SHIPPED)
def test_dict_round_trip_gives_an_equal_contract(name: str) -> None:
    contract = load_contract(name)
    plain = contract_to_dict(contract)
    assert Contract.model_validate(plain) == contract
    assert yaml.safe_load(dump_contract(contract)) == plain


@settings(max_examples=40, deadline=None)
@given(contracts())
def test_any_sound_contract_round_trips(contract: Contract) -> None:
    assert parse_contract(dump_contract(contract)) == contract


def test_shipped_contracts_are_bilingual_with_chinese_text(shipped: list[Contract]) -> None:
    for contract in shipped:
        for text in [contract.title, contract.description] + [
            spec.description for spec in contract.fields.values()
        ]:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text.zh), (contract.name, text)
            assert text.en.isascii(), (contract.name, text)


def test_envelope_comes_first_and_is_defined_once(shipped: list[Contract]) -> None:
    for contract in shipped:
        names = list(all_fields(contract))
        assert names[: len(ENVELOPE)] == list(ENVELOPE)
        assert not set(contract.fields) & set(ENVELOPE)


def test_envelope_fields_are_required_and_cover_ordering_and_time() -> None:
    assert {"producer_id", "seq", "site", "device_id", "event_time", "ingest_time"} == set(ENVELOPE)
    assert not any(spec.nullable for spec in ENVELOPE.values())


def test_l3_and_personal_fields_carry_a_masking_policy(shipped: list[Contract]) -> None:
    restricted = [s for c in shipped for s in c.fields.values() if s.restricted]
    assert restricted, "process_params ships L3/personal fields"
    assert all(spec.masking is not None for spec in restricted)


def test_operator_id_is_personal_l3() -> None:
    operator = load_contract("process_params").fields["operator_id"]
    assert (operator.classification, operator.personal, operator.masking) == (
        "L3",
        True,
        "pseudonymise",
    )


def test_version_properties() -> None:
    contract = replace(energy(), version="3.12.7")
    assert (contract.version_tuple, contract.major) == ((3, 12, 7), 3)


def test_load_by_path_and_by_name_agree() -> None:
    assert load_contract(shipped_contract_paths()[0]) == load_contract(SHIPPED[0])


def test_load_by_name_prefers_search_dirs(tmp_path: Path) -> None:
    newer = replace(energy(), version="1.1.0")
    (tmp_path / "energy_meter.yaml").write_text(dump_contract(newer), encoding="utf-8")
    assert load_contract("energy_meter", search=[tmp_path]).version == "1.1.0"


def test_versioned_file_names_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "energy_meter.v1.yaml"
    path.write_text(dump_contract(energy()), encoding="utf-8")
    assert load_contract(path) == energy()


def test_missing_contract_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ContractNotFoundError) as caught:
        load_contract("no_such_thing", search=[tmp_path])
    assert caught.value.name == "no_such_thing"
    assert caught.value.searched == (
        str(tmp_path / "no_such_thing.yaml"),
        str(shipped_contract_paths()[0].parent / "no_such_thing.yaml"),
    )


def test_loading_a_broken_contract_raises_with_every_error(tmp_path: Path) -> None:
    path = tmp_path / "energy_meter.yaml"
    path.write_text(dump_contract(energy()).replace("unit: kW\n", "unit: furlong_kW\n"), "utf-8")
    with pytest.raises(ContractInvalidError) as caught:
        load_contract(path)
    assert caught.value.file == str(path)
    assert [e.code for e in caught.value.errors] == [LintCode.UNKNOWN_UNIT]
    assert caught.value.errors[0].field == "active_power"


def test_load_contracts_of_given_paths() -> None:
    assert [c.name for c in load_contracts(shipped_contract_paths()[:2])] == SHIPPED[:2]


def test_registry_looks_up_by_name_and_major() -> None:
    v1 = energy()
    v1_minor = replace(v1, version="1.4.0")
    v2 = replace(v1, version="2.0.0")
    registry = ContractRegistry([v1, v2, v1_minor])
    assert registry.get("energy_meter", 1).version == "1.4.0"
    assert registry.get("energy_meter").version == "2.0.0"
    assert ("energy_meter", 2) in registry and len(registry) == 2
    assert [c.version for c in registry] == ["1.4.0", "2.0.0"]


def test_registry_miss_names_what_it_holds() -> None:
    with pytest.raises(ContractNotFoundError) as caught:
        ContractRegistry([energy()]).get("energy_meter", 7)
    assert (caught.value.major, caught.value.searched) == (7, ("energy_meter v1",))
    with pytest.raises(ContractNotFoundError):
        ContractRegistry().get("energy_meter")


def test_shipped_registry_holds_all_five() -> None:
    assert sorted(c.name for c in ContractRegistry.shipped()) == SHIPPED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500ms", timedelta(milliseconds=500)),
        ("10s", timedelta(seconds=10)),
        ("15min", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "10", "1.5s", "10 s", "-1s", "3w"])
def test_parse_duration_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
