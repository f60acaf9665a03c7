"""Record signatures: what the edge signs, ingest verifies; any change fails, nothing raises."""

from __future__ import annotations

import hmac

from hypothesis import given
from hypothesis import strategies as st

from schemas import wire
from schemas.signature import Verdict, hmac_sha256, record_mac, sign, verify

KEY, OTHER = b"k" * 32, b"o" * 32
_HEADERS = st.lists(
    st.tuples(st.sampled_from(["contract", "seq", "producer_id", "replay", "x"]), st.binary()),
    max_size=6,
)
_RECORDS = st.tuples(st.text(max_size=20), st.one_of(st.none(), st.binary()), _HEADERS, st.binary())


def keys(principal: str) -> bytes | None:
    return {"gw": KEY}.get(principal)


@given(_RECORDS)
def test_a_signed_record_verifies_as_its_signer(record) -> None:
    topic, key, headers, value = record
    signed = sign(KEY, "gw", topic, key, headers, value)
    assert signed[: len(headers)] == headers
    assert verify(keys, topic, key, signed, value) == Verdict("gw", True)


def _mutations(topic, key, headers, value):
    """Every kind of change someone could make to a signed record, except its signature."""
    yield topic + "x", key, headers, value
    yield topic, (key or b"") + b"x", headers, value
    yield topic, None if key is not None else b"", headers, value
    yield topic, key, headers, value + b"x"
    yield topic, key, [*headers[:-1], ("extra", b""), *headers[-1:]], value
    for i, (name, data) in enumerate(headers[:-1]):
        yield topic, key, [*headers[:i], (name, data + b"x"), *headers[i + 1 :]], value
        yield topic, key, [*headers[:i], (name + "x", data), *headers[i + 1 :]], value
        yield topic, key, headers[:i] + headers[i + 1 :], value
    if len(headers) > 2 and headers[0] != headers[1]:
        yield topic, key, [headers[1], headers[0], *headers[2:]], value


@given(_RECORDS)
def test_any_change_fails_verification(record) -> None:
    topic, key, headers, value = record
    signed = sign(KEY, "gw", topic, key, headers, value)
    for changed in _mutations(topic, key, signed, value):
        assert verify(keys, *changed[:3], changed[3]).valid is not True, changed


@given(_RECORDS)
def test_another_key_or_another_signer_does_not_verify(record) -> None:
    topic, key, headers, value = record
    forged = sign(OTHER, "gw", topic, key, headers, value)
    assert verify(keys, topic, key, forged, value) == Verdict("gw", False)
    unknown = sign(KEY, "nobody", topic, key, headers, value)
    assert verify(keys, topic, key, unknown, value) == Verdict("nobody", False)


_ANY_HEADERS = st.lists(
    st.tuples(
        st.one_of(
            st.text(max_size=12), st.sampled_from([wire.HEADER_SIGNER, wire.HEADER_SIGNATURE])
        ),
        st.one_of(st.none(), st.binary(max_size=80), st.just(b"\xff\xfe")),
    ),
    max_size=6,
)


@given(
    st.text(), st.one_of(st.none(), st.binary()), _ANY_HEADERS, st.one_of(st.none(), st.binary())
)
def test_no_input_makes_verification_raise(topic, key, headers, value) -> None:
    verdict = verify(keys, topic, key, headers, value)
    assert verdict.valid in (None, False, True)
    signed = any(k in (wire.HEADER_SIGNER, wire.HEADER_SIGNATURE) for k, _ in headers)
    assert (verdict.valid is None) == (not signed)


def test_unsigned_records_are_unsigned_and_a_raising_lookup_is_invalid() -> None:
    assert verify(keys, "t", b"k", [("contract", b"c")], b"v") == Verdict(None, None)
    signed = sign(KEY, "gw", "t", b"k", [], b"v")

    def broken(principal: str) -> bytes:
        raise RuntimeError(principal)

    assert verify(broken, "t", b"k", signed, b"v") == Verdict("gw", False)
    assert record_mac(KEY, "t", None, [], None) != record_mac(KEY, "t", b"", [], b"")


@given(st.binary(max_size=100), st.binary(max_size=300))
def test_the_mac_is_standard_hmac_sha256(key: bytes, message: bytes) -> None:
    assert hmac_sha256(key, message) == hmac.digest(key, message, "sha256")
