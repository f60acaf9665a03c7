"""Shipped Telegraf configurations: built with the plugins they name, shaped like the contract."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from assay.config import Settings
from assay.devstack import telegraf
from assay.errors import StackError
from schemas import load_contract, to_json_schema

CONFIGS = sorted((Path(__file__).parents[3] / "infra" / "telegraf").glob("*.conf"))
#: What the pipeline fills when a reading lacks it.
FILLED_BY_THE_PIPELINE = {"ingest_time"}


def plugins(config: dict) -> set[str]:
    named = {f"{kind}.{name}" for kind in ("inputs", "outputs") for name in config.get(kind, {})}
    formats = {o.get("data_format", "influx") for o in config["outputs"].get("kafka", [])}
    return named | {f"serializers.{f}" for f in formats}


def test_there_is_a_config() -> None:
    assert [c.name for c in CONFIGS] == ["energy_meter.conf"]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_the_built_agent_has_every_plugin_a_config_names(path: Path) -> None:
    assert plugins(tomllib.loads(path.read_text())) == set(telegraf.PLUGINS)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_a_config_fills_every_required_field_of_its_contract(path: Path) -> None:
    config = tomllib.loads(path.read_text())
    [kafka] = config["outputs"]["kafka"]
    schema = to_json_schema(load_contract(kafka["topic"].split(".")[1]))
    registers = {f["name"] for m in config["inputs"]["modbus"][0]["metric"] for f in m["fields"]}
    envelope = set(re.findall(r'"(\w+)":', kafka["json_transformation"]))
    assert registers <= set(schema["properties"])
    assert set(schema["required"]) - registers - envelope == FILLED_BY_THE_PIPELINE
    assert kafka["routing_tag"] == "device_id"


def test_a_cached_agent_is_used_without_go(tmp_path: Path, monkeypatch) -> None:
    settings = Settings(state_dir=tmp_path / "state", cache_dir=tmp_path / "cache")
    binary = telegraf.telegraf_binary(settings)
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert telegraf.ensure_telegraf(settings, lambda _: None) == binary


def test_without_go_the_error_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    settings = Settings(state_dir=tmp_path / "state", cache_dir=tmp_path / "cache")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(StackError) as caught:
        telegraf.ensure_telegraf(settings, lambda _: None)
    assert (caught.value.service, caught.value.fix) == ("telegraf", telegraf.INSTALL_GO)
