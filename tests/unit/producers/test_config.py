"""Configuration errors name the file, the key and the fix; paths are anchored to the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from producers import EdgeConfigError, load_config, parse_config

EXAMPLE = Path(__file__).parents[3] / "infra" / "edge" / "edge.example.yaml"

MINIMAL = """
producer_id: gw-01
site: plant-a
spool: {path: spool.db}
sources:
  - {name: mes, kind: csv, contract: energy_meter, folder: in, device_column: meter}
"""


def error(text: str) -> EdgeConfigError:
    with pytest.raises(EdgeConfigError) as info:
        parse_config(text, "/etc/edge.yaml")
    return info.value


def test_the_example_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_EDGE_KAFKA_PASSWORD", "from-the-unit's-environment-file")
    config = load_config(EXAMPLE)
    assert config.kafka.security.protocol == "SASL_SSL"
    assert [s.kind for s in config.sources] == ["csv", "mqtt", "opcua", "modbus"]


def test_relative_paths_are_relative_to_the_file() -> None:
    config = parse_config(MINIMAL, "/etc/assay/edge.yaml")
    assert config.spool.path == Path("/etc/assay/spool.db")
    assert config.sources[0].folder == Path("/etc/assay/in")  # type: ignore[attr-defined]


def test_missing_key() -> None:
    e = error(MINIMAL.replace("producer_id: gw-01\n", ""))
    assert (e.file, e.key, e.fix) == ("/etc/edge.yaml", "producer_id", "add this key")


def test_wrong_value_in_a_nested_section() -> None:
    e = error(MINIMAL + "kafka: {compression: snappy}\n")
    assert e.key == "kafka.compression"
    assert "allowed" in e.fix


def test_misspelt_key_in_a_source() -> None:
    e = error(MINIMAL.replace("device_column", "device_colum"))
    assert e.key == "sources[0].device_colum"
    assert "spelling" in e.fix


def test_unknown_kind_lists_the_kinds() -> None:
    e = error(MINIMAL.replace("kind: csv", "kind: ftp"))
    assert e.key == "sources[0].kind"
    assert "csv" in e.fix and "modbus" in e.fix


def test_duplicate_source_names() -> None:
    e = error(MINIMAL + "  - {name: mes, kind: csv, contract: energy_meter, folder: x}\n")
    assert e.key == "sources[1].name"


def test_yaml_syntax_error_names_the_line() -> None:
    e = error("producer_id: [gw\nsite: a\n")
    assert e.key.startswith("line ")


def test_no_sources() -> None:
    assert error("producer_id: gw\nsite: a\n").key == "sources"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(EdgeConfigError) as info:
        load_config(tmp_path / "missing.yaml")
    assert info.value.file.endswith("missing.yaml")
