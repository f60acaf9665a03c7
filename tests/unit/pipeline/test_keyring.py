"""The identity keyring: a rotated master key keeps old signatures valid until it is retired."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from typer.testing import CliRunner

from assay.cli.app import app
from assay.config import Settings
from assay.pipeline.validate.keyring import (
    IdentityKeyring,
    identity_keyring,
    retire_identity_keys,
    rotate_identity_key,
)
from assay.pipeline.validate.signers import ENV, IdentityKey, IdentityKeyError, identity_key
from schemas.signature import sign, verify

TOPIC = "assay.energy_meter.v1"
principals = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)
secrets_ = st.binary(min_size=32, max_size=48)
headers_ = st.lists(st.tuples(st.text(max_size=8), st.binary(max_size=16)), max_size=4)


def keyed(tmp_path: Path, **values: object) -> Settings:
    return Settings(state_dir=tmp_path / "state", identity_key_file=tmp_path / "id.key", **values)


def signed_by(key: bytes, principal: str, value: bytes = b'{"seq": 1}') -> list[tuple[str, bytes]]:
    return sign(key, principal, TOPIC, b"k", [("contract", b"energy_meter")], value)


def holds(
    ring: IdentityKeyring, headers: list[tuple[str, bytes]], value: bytes = b'{"seq": 1}'
) -> bool | None:
    return verify(ring.lookup(), TOPIC, b"k", headers, value).valid


@given(old=secrets_, new=secrets_, principal=principals, other=principals,
       value=st.binary(max_size=64), extra=headers_)  # fmt: skip
def test_across_a_rotation_old_and_new_signatures_hold_until_the_old_key_is_retired(
    old: bytes, new: bytes, principal: str, other: str, value: bytes, extra: list[tuple[str, bytes]]
) -> None:
    before, after = IdentityKey(old), IdentityKey(new)
    rotated, retired = IdentityKeyring((after, before)), IdentityKeyring((after,))
    by_old = sign(before.for_principal(principal), principal, TOPIC, b"k", extra, value)
    by_new = sign(after.for_principal(principal), principal, TOPIC, b"k", extra, value)
    check = lambda ring, headers: verify(ring.lookup(), TOPIC, b"k", headers, value).valid  # noqa: E731
    assert check(rotated, by_old) and check(rotated, by_new) and check(retired, by_new)
    assert check(retired, by_old) is (old == new)
    if other != principal:  # another gateway's key, old or new, never signs as this one
        forged = sign(before.for_principal(other), principal, TOPIC, b"k", extra, value)
        assert check(rotated, forged) is False
    if value:  # a changed record fails under every key of the ring
        assert verify(rotated.lookup(), TOPIC, b"k", by_old, value[:-1]).valid is False


def test_rotation_keeps_the_old_key_beside_the_new_and_both_verify(tmp_path: Path) -> None:
    current = keyed(tmp_path)
    before = identity_key(current, create=True)
    assert before is not None
    old_signed = signed_by(before.for_principal("gw-a"), "gw-a")
    done = rotate_identity_key(current)
    ring = identity_keyring(current)
    assert ring is not None and done.archived is not None
    assert [k.key_id for k in ring.keys] == [
        done.new_id,
        done.old_id,
    ] and done.new_id != done.old_id
    assert stat.S_IMODE(done.archived.stat().st_mode) == 0o600
    new_signed = signed_by(ring.current.for_principal("gw-a"), "gw-a")
    assert holds(ring, old_signed) and holds(ring, new_signed)
    assert retire_identity_keys(current) == [done.old_id]
    ring = identity_keyring(current)
    assert ring is not None and holds(ring, new_signed) and holds(ring, old_signed) is False
    assert done.archived.with_name(done.archived.name + ".retired").is_file()


def test_two_rotations_honour_both_earlier_keys_and_retire_one_by_id(tmp_path: Path) -> None:
    current = keyed(tmp_path)
    identity_key(current, create=True)
    first, second = rotate_identity_key(current), rotate_identity_key(current)
    ring = identity_keyring(current)
    assert ring is not None and {k.key_id for k in ring.keys[1:]} == {first.old_id, second.old_id}
    retire_identity_keys(current, [first.old_id])
    ring = identity_keyring(current)
    assert ring is not None and [k.key_id for k in ring.keys] == [second.new_id, second.old_id]
    with pytest.raises(IdentityKeyError) as unknown:
        retire_identity_keys(current, [first.old_id])
    assert unknown.value.source == first.old_id


def test_a_leaked_key_is_retired_by_the_rotation_itself(tmp_path: Path) -> None:
    current = keyed(tmp_path)
    identity_key(current, create=True)
    done = rotate_identity_key(current, retire=True)
    ring = identity_keyring(current)
    assert done.archived is None and ring is not None and len(ring.keys) == 1


def test_a_configured_or_missing_key_is_not_rotated_here(tmp_path: Path) -> None:
    with pytest.raises(IdentityKeyError) as configured:
        rotate_identity_key(keyed(tmp_path, identity_key=SecretStr("ab" * 32)))
    assert configured.value.source == ENV
    with pytest.raises(IdentityKeyError) as missing:
        rotate_identity_key(keyed(tmp_path))
    assert missing.value.source == str(tmp_path / "id.key")


def test_an_earlier_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    current = keyed(tmp_path)
    identity_key(current, create=True)
    done = rotate_identity_key(current)
    assert done.archived is not None
    done.archived.chmod(0o644)
    with pytest.raises(IdentityKeyError) as refused:
        identity_keyring(current)
    assert refused.value.source == str(done.archived)


def test_the_command_rekeys_every_gateway_and_says_how_to_re_enrol(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("ASSAY_IDENTITY_KEY_FILE", str(tmp_path / "id.key"))
    monkeypatch.delenv("ASSAY_IDENTITY_KEY", raising=False)
    current = keyed(tmp_path)
    before = identity_key(current, create=True)
    assert before is not None
    users = tmp_path / "state" / "kafka" / "users"
    users.mkdir(parents=True)
    (users / "gw-a.signing-key").write_text(before.for_principal("gw-a").hex() + "\n")
    result = CliRunner().invoke(app, ["access", "rotate-identity-key"])
    assert result.exit_code == 0, result.output
    after = identity_key(current)
    assert after is not None and after.key_id != before.key_id
    assert (users / "gw-a.signing-key").read_text().strip() == after.for_principal("gw-a").hex()
    assert "re-enrol gw-a" in result.output
    listed = CliRunner().invoke(app, ["access", "identity-keys"])
    assert [line.split()[0] for line in listed.output.splitlines()] == [after.key_id, before.key_id]
    retired = CliRunner().invoke(app, ["access", "retire-identity-key", before.key_id])
    assert retired.exit_code == 0 and before.key_id in retired.output
