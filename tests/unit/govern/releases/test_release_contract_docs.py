"""Every release carries its contract, as assay YAML and as an ODCS v3.1.0 document that the
standard's own JSON Schema (what `datacontract lint` checks) accepts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import open_data_contract_standard
import yaml
from open_data_contract_standard.model import OpenDataContractStandard

from assay.govern.releases import create_release, download_release, verify_release
from schemas import Contract, from_odcs, parse_contract

from .conftest import BUCKETS, KEY, TERMS, request

PREFIX = "process_params/1.0.0/"
SCHEMA = json.loads(
    (Path(open_data_contract_standard.__file__).parent / "schema.json").read_text("utf-8")
)


def test_the_release_ships_its_contract_as_odcs(store, params: Contract) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    odcs = yaml.safe_load(store.get(BUCKETS.releases, PREFIX + "odcs.yaml"))
    errors = [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(odcs)]
    assert errors == []
    OpenDataContractStandard.model_validate(odcs)
    assert odcs["apiVersion"] == "v3.1.0" and odcs["version"] == params.version
    assert Contract.model_validate(from_odcs(odcs)) == params


def test_the_release_ships_its_contract_as_assay_yaml(store, params: Contract) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    text = store.get(BUCKETS.releases, PREFIX + "process_params.yaml").decode()
    assert parse_contract(text, "process_params.yaml", "process_params") == params


def test_both_are_checked_and_downloaded_like_the_card(
    store, params: Contract, tmp_path: Path
) -> None:
    create_release(store, BUCKETS, request(params), KEY, TERMS)
    assert {"process_params.yaml", "odcs.yaml"} <= set(
        verify_release(store, BUCKETS.releases, "process_params", "1.0.0").checked
    )
    folder = download_release(store, BUCKETS.releases, "process_params", "1.0.0", tmp_path)
    assert (folder / "odcs.yaml").is_file() and (folder / "process_params.yaml").is_file()
