"""Releases on a MemoryStore: masking, determinism, manifest and card, verify, immutability."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay.govern.releases as releases
from assay.govern.releases import (
    InvalidRelease,
    NothingToRelease,
    ReleaseExists,
    create_release,
    download_release,
    plan_masking,
    read_manifest,
    verify_release,
)
from assay.store import layout
from assay.store.objects import MemoryStore
from assay.store.parquet import from_parquet
from schemas import Contract, QualityDimension

from .conftest import BUCKETS, KEY, OPERATORS, RECIPES, TERMS, request

PREFIX = "process_params/1.0.0/"


def released_objects(store: MemoryStore) -> dict[str, bytes]:
    return {k: v[0] for (b, k), v in store.objects.items() if b == BUCKETS.releases}


def test_no_released_byte_holds_a_restricted_value(store: MemoryStore, params: Contract) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    objects = released_objects(store)
    curated = b"".join(v[0] for (b, _), v in store.objects.items() if b == BUCKETS.curated)
    assert all(v.encode() in curated for v in RECIPES + OPERATORS)  # the test can see them
    for key, data in objects.items():
        for value in RECIPES + OPERATORS:
            assert value.encode() not in data, (key, value)
    table = from_parquet(objects[PREFIX + "data/date=2026-03-01/plant-a-0000.parquet"])
    assert set(table["recipe_id"].to_pylist()).isdisjoint(RECIPES)
    assert len(set(table["recipe_id"].to_pylist())) == len(RECIPES)  # still joinable


def test_grant_releases_a_field_as_is(store: MemoryStore, params: Contract) -> None:
    release = create_release(
        store, BUCKETS, request(params, grants=frozenset({"recipe_id"})), KEY, TERMS
    )
    table = from_parquet(store.get(BUCKETS.releases, PREFIX + release.manifest["files"][0]["path"]))
    assert set(table["recipe_id"].to_pylist()) <= set(RECIPES)
    assert set(table["operator_id"].to_pylist()).isdisjoint(OPERATORS)
    assert release.manifest["masking"]["granted"] == ["recipe_id"]


def test_grant_of_an_unrestricted_field_is_refused(params: Contract) -> None:
    with pytest.raises(InvalidRelease) as err:
        plan_masking(params, frozenset({"cycle_time"}))
    assert err.value.value == "cycle_time"


def test_drop_policy_removes_the_column(params: Contract) -> None:
    plan = {p.name: p.treatment for p in plan_masking(params)}
    assert plan["recipe_id"] == plan["operator_id"] == "pseudonymised"
    assert plan["cycle_time"] == "kept"
    spec = params.fields["operator_id"].model_copy(update={"masking": "drop"})
    dropped = params.model_copy(update={"fields": {**params.fields, "operator_id": spec}})
    assert {p.name: p.treatment for p in plan_masking(dropped)}["operator_id"] == "dropped"


def test_two_creations_give_identical_bytes(curated_store: MemoryStore, params: Contract) -> None:
    outputs = []
    for _ in range(2):
        store = MemoryStore()
        store.objects = dict(curated_store.objects)
        create_release(store, BUCKETS, request(params), KEY, TERMS)
        outputs.append(released_objects(store))
    assert outputs[0] == outputs[1]


def test_creation_time_stays_out_of_the_data(curated_store: MemoryStore, params: Contract) -> None:
    from datetime import UTC, datetime

    manifests = []
    for created in (datetime(2026, 3, 10, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)):
        store = MemoryStore()
        store.objects = dict(curated_store.objects)
        release = create_release(store, BUCKETS, request(params, created=created), KEY, TERMS)
        manifests.append(release.manifest)
    assert manifests[0]["files"] == manifests[1]["files"]
    assert manifests[0]["release"]["created"] != manifests[1]["release"]["created"]


def test_recreating_a_version_is_refused(store: MemoryStore, params: Contract) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    with pytest.raises(ReleaseExists) as err:
        create_release(store, BUCKETS, request(params), KEY, TERMS)
    assert (err.value.contract, err.value.version) == ("process_params", "1.0.0")


def test_empty_window_and_bad_version_are_refused(store: MemoryStore, params: Contract) -> None:
    from datetime import date

    empty = request(params, date_from=date(2025, 1, 1), date_to=date(2025, 1, 2))
    with pytest.raises(NothingToRelease):
        create_release(store, BUCKETS, empty, KEY, TERMS)
    for version in ("v1", "1.0.0\n"):
        with pytest.raises(InvalidRelease) as err:
            create_release(store, BUCKETS, request(params, version=version), KEY, TERMS)
        assert err.value.value == version


def test_window_selects_dates(store: MemoryStore, params: Contract) -> None:
    from datetime import date

    one_day = request(params, date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    manifest = create_release(store, BUCKETS, one_day, KEY, TERMS).manifest
    assert {f["date"] for f in manifest["files"]} == {"2026-03-02"}
    assert manifest["totals"]["rows"] == sum(f["rows"] for f in manifest["files"]) == 618


def test_manifest_content(store: MemoryStore, params: Contract) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    m = read_manifest(store, BUCKETS.releases, "process_params", "1.0.0")
    assert m["format"] == "assay.release/1"
    assert m["contract"]["version"] == "1.0.0" and m["release"]["created"] == "2026-03-10T12:00:00Z"
    assert m["totals"]["rows"] == 2400 and m["totals"]["sites"] == ["plant-a", "plant-b"]
    assert m["totals"]["devices"] == ["imm-0", "imm-1", "imm-2"]
    for f in m["files"]:
        data = store.get(BUCKETS.releases, PREFIX + f["path"])
        assert (len(data), pq.read_metadata(__import__("io").BytesIO(data)).num_rows) == (
            f["size"],
            f["rows"],
        )
    assert [d["path"] for d in m["documents"]] == [
        "README.md",
        "croissant.json",
        "process_params.yaml",
        "odcs.yaml",
    ]
    segments = m["lineage"]["segments"]
    assert [(s["partition"], s["start_offset"], s["end_offset"]) for s in segments][:3] == [
        (0, 0, 500),
        (0, 500, 1000),
        (0, 1000, 1200),
    ]
    assert len(m["reports"]) == 6 and all(r["validation"] for r in m["reports"])
    dims = [d["dimension"] for d in m["quality"]["dimensions"]]
    assert dims == [str(d) for d in QualityDimension]
    assert m["quality"]["readings"] == 2400 and m["quality"]["score"] == 1.0
    fields = {f["name"]: f for f in m["fields"]}
    assert (
        fields["operator_id"]["treatment"] == "pseudonymised" and fields["operator_id"]["personal"]
    )
    assert fields["barrel_temp_nozzle"]["unit"] == "Cel"
    assert m["masking"]["pseudonymised"] == ["recipe_id", "operator_id"]
    assert m["masking"]["key_id"] == KEY.key_id and KEY.secret.hex() not in json.dumps(m)
    assert m["masking"]["derivation"]["info"] == ["process_params", "1.0.0", ""]


def test_card_is_bilingual_chinese_first(store: MemoryStore, params: Contract) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    card = store.get(BUCKETS.releases, PREFIX + "README.md").decode()
    assert card.index("## 简体中文") < card.index("## English")
    for text in (
        "已假名化",
        "pseudonymised",
        "Cel",
        "L3",
        "2,400",
        "plant-b",
        "规范性",
        "licenses",
    ):
        assert text in card
    assert "2026-03-01T00:00:00Z" in card


def test_croissant_document(store: MemoryStore, params: Contract) -> None:
    m = create_release(store, BUCKETS, request(params), KEY, TERMS).manifest
    doc = json.loads(store.get(BUCKETS.releases, PREFIX + "croissant.json"))
    assert doc["conformsTo"] == [
        "http://mlcommons.org/croissant/1.1",
        "http://mlcommons.org/croissant/RAI/1.0",
    ]
    objects = [d for d in doc["distribution"] if d["@type"] == "cr:FileObject"]
    assert {o["contentUrl"]: o["sha256"] for o in objects} == {
        f["path"]: f["sha256"] for f in m["files"]
    }
    readings = doc["recordSet"][0]
    assert [k["@id"] for k in readings["key"]] == ["readings/device_id", "readings/event_time"]
    nozzle = next(f for f in readings["field"] if f["name"] == "barrel_temp_nozzle")
    notes = {a["name"]: a["value"] for a in nozzle["annotation"]}
    assert (nozzle["dataType"], notes["unit"], notes["classification"]) == ("sc:Float", "Cel", "L2")
    assert doc["rai:dataCollectionTimeframe"] == [
        m["totals"]["first_event"],
        m["totals"]["last_event"],
    ]
    assert doc["license"] == m["release"]["licence"]


def test_verify_passes_then_names_a_tampered_file(store: MemoryStore, params: Contract) -> None:
    m = create_release(store, BUCKETS, request(params), KEY, TERMS).manifest
    assert verify_release(store, BUCKETS.releases, "process_params", "1.0.0").ok
    victim = PREFIX + m["files"][1]["path"]
    data = bytearray(store.get(BUCKETS.releases, victim))
    data[8] ^= 0xFF  # in the first page, not the footer: the file still says its rows
    store.put(BUCKETS.releases, victim, bytes(data))
    result = verify_release(store, BUCKETS.releases, "process_params", "1.0.0")
    assert not result.ok
    assert {(p.path, p.kind) for p in result.problems} == {(m["files"][1]["path"], "sha256")}


def test_verify_names_a_missing_file(store: MemoryStore, params: Contract) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    del store.objects[(BUCKETS.releases, PREFIX + "README.md")]
    result = verify_release(store, BUCKETS.releases, "process_params", "1.0.0")
    assert [(p.path, p.kind) for p in result.problems] == [("README.md", "missing")]


def test_download_writes_a_loadable_folder(
    store: MemoryStore, params: Contract, tmp_path: Path
) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    folder = download_release(store, BUCKETS.releases, "process_params", "1.0.0", tmp_path)
    assert (folder / "manifest.json").is_file() and (folder / "croissant.json").is_file()
    assert pq.ParquetDataset(sorted((folder / "data").rglob("*.parquet"))).read().num_rows == 2400


def test_public_api_is_sorted_and_complete() -> None:
    def isort_style(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert releases.__all__ == sorted(releases.__all__, key=isort_style)
    assert all(hasattr(releases, name) for name in releases.__all__)


def _release_files(contract: Contract) -> list[dict[str, object]]:
    """The release files (but their sources) of curated data split by the contract's layout."""
    from .conftest import build_curated

    store = MemoryStore()
    build_curated(store, contract, count=900)  # 900 readings, 97 s apart: two days
    curated = [k for (b, k) in store.objects if b == BUCKETS.curated]
    assert {tuple(layout.curated_partition(k)) for k in curated} == {contract.partition_by}
    manifest = create_release(store, BUCKETS, request(contract), KEY, TERMS).manifest
    return [{k: v for k, v in f.items() if k != "sources"} for f in manifest["files"]]


@pytest.fixture(scope="module")
def by_date_and_site(params: Contract) -> list[dict[str, object]]:
    return _release_files(params)


@pytest.mark.parametrize("partition_by", [("site",), ("material", "date"), ()])
def test_a_release_is_the_same_whatever_the_curated_partitions(
    params: Contract, by_date_and_site: list[dict[str, object]], partition_by: tuple[str, ...]
) -> None:
    """Releases are by date and site; curated objects split otherwise are read and split."""
    contract = params.model_copy(update={"partition_by": partition_by})
    assert _release_files(contract) == by_date_and_site
    assert len(by_date_and_site) == 4
