"""The edge signs every record as its Kafka principal, with the key named in its YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from producers import EdgeConfigError, parse_config
from producers.edge import _opener
from producers.signing import SigningTransport
from producers.sink import MemoryTransport
from schemas import wire
from schemas.signature import Verdict, verify

KEY = bytes(range(32))

SIGNING = """
producer_id: gw-01
site: plant-a
kafka:
  signing_key_file: signing.key
  security: {protocol: SASL_SSL, username: gw-01, password: x}
sources:
  - {name: mes, kind: csv, contract: energy_meter, folder: in, device_column: meter}
"""


def test_every_record_is_signed_after_every_other_header() -> None:
    inner = MemoryTransport()
    transport = SigningTransport(inner, "gw-01", KEY)
    headers = [(wire.HEADER_SEQ, b"7"), (wire.HEADER_REPLAY, b"1")]
    transport.send("assay.energy_meter.v1", b"m", b"{}", headers, lambda _: None)
    (sent,) = inner.sent
    names = list(sent.headers)
    assert names[-2:] == [wire.HEADER_SIGNER, wire.HEADER_SIGNATURE]
    pairs = [(k, v.encode()) for k, v in sent.headers.items()]
    verdict = verify({"gw-01": KEY}.get, sent.topic, sent.key, pairs, sent.value)
    assert verdict == Verdict("gw-01", True)


def test_the_edge_signs_with_the_configured_key(tmp_path: Path) -> None:
    (tmp_path / "signing.key").write_text(KEY.hex() + "\n")
    config = parse_config(SIGNING, tmp_path / "edge.yaml")
    assert config.kafka.signing_key_file == tmp_path / "signing.key"
    settings = config.kafka.settings("c")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("producers.edge.open_transport", lambda _: MemoryTransport())
        transport = _opener(config, settings)()
    assert isinstance(transport, SigningTransport) and transport.principal == "gw-01"


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        (SIGNING, "00ff", "holds 2 bytes"),
        (SIGNING, "not hex", "cannot read a hex key"),
        (
            SIGNING.replace("SASL_SSL, username: gw-01, password: x", "SSL"),
            KEY.hex(),
            "username is not set",
        ),
    ],
)
def test_a_key_it_cannot_use_is_named_at_load(tmp_path: Path, text, key, problem) -> None:
    (tmp_path / "signing.key").write_text(key)
    with pytest.raises(EdgeConfigError) as info:
        parse_config(text, tmp_path / "edge.yaml")
    assert info.value.key == "kafka.signing_key_file"
    assert problem in info.value.problem
