"""The master masking key: kept whole and private, long enough, per-release keys, rotation."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from assay.config import Settings
from assay.govern.releases import (
    MaskingKey,
    MaskingKeyError,
    create_release,
    masking_key,
    parse_key,
    rotate_masking_key,
    verify_release,
)
from assay.govern.releases._masking import pseudonymise
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, TERMS, request

MASTER = MaskingKey(bytes(range(32)), "test")
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
versions = st.tuples(*[st.integers(0, 99)] * 3).map(lambda v: ".".join(map(str, v)))


def keyed(tmp_path: Path, **values: object) -> Settings:
    return Settings(state_dir=tmp_path / "state", masking_key_file=tmp_path / "k", **values)


def pseudonym(key: bytes, value: str) -> str:
    return str(pseudonymise(pa.chunked_array([[value]]), key, "c.f")[0])


def test_default_key_lives_outside_the_state_folder() -> None:
    default = Settings().masking_key_file
    assert default.parts[-3:] == (".config", "assay", "masking.key") or "XDG_CONFIG_HOME" in (
        os.environ
    )
    assert not default.is_relative_to(Path(".assay").resolve())


def test_generated_once_private_and_whole(tmp_path: Path) -> None:
    first = masking_key(keyed(tmp_path))
    assert len(first.secret) == 32 and first.source == str(tmp_path / "k")
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600
    assert masking_key(keyed(tmp_path)) == first
    assert first.secret.hex() not in repr(first)


def test_racing_creations_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: masking_key(keyed(tmp_path)).secret, range(16)))
    assert len(found) == 1


@pytest.mark.parametrize("text", ["", "00", "ab" * 31, "not hex at all", "zz" * 40])
def test_short_or_malformed_keys_are_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(MaskingKeyError) as err:
        masking_key(keyed(tmp_path, masking_key=SecretStr(text) if text else SecretStr("x")))
    assert err.value.source == "ASSAY_MASKING_KEY"


@settings(deadline=None)
@given(st.binary(max_size=31))
def test_any_key_under_32_bytes_is_refused(secret: bytes) -> None:
    with pytest.raises(MaskingKeyError) as err:
        parse_key(secret.hex(), "ASSAY_MASKING_KEY")
    assert err.value.length == len(secret)


def test_an_empty_key_file_is_refused_not_used(tmp_path: Path) -> None:
    (tmp_path / "k").write_bytes(b"")
    (tmp_path / "k").chmod(0o600)
    with pytest.raises(MaskingKeyError) as err:
        masking_key(keyed(tmp_path))
    assert (err.value.source, err.value.length) == (str(tmp_path / "k"), 0)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    masking_key(keyed(tmp_path))
    (tmp_path / "k").chmod(0o644)
    with pytest.raises(MaskingKeyError):
        masking_key(keyed(tmp_path))


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1), names, versions, versions, names)
def test_pseudonyms_do_not_link_across_releases(
    value: str, contract: str, one: str, other: str, recipient: str
) -> None:
    first = MASTER.for_release(contract, one, recipient)
    again = MASTER.for_release(contract, one, recipient)
    assert pseudonym(first, value) == pseudonym(again, value)  # re-created: the same
    if other != one:
        assert pseudonym(first, value) != pseudonym(
            MASTER.for_release(contract, other, recipient), value
        )
    assert pseudonym(first, value) != pseudonym(
        MASTER.for_release(contract, one, recipient + "x"), value
    )


def test_info_fields_cannot_run_into_each_other() -> None:
    assert MASTER.for_release("a", "1.0.0", "b") != MASTER.for_release("a", "1.0.0b", "")


def test_rotation_gives_a_new_id_and_old_releases_still_verify(
    tmp_path: Path, store: MemoryStore, params: Contract
) -> None:
    current = keyed(tmp_path)
    before = masking_key(current)
    old = create_release(store, BUCKETS, request(params), before, TERMS).manifest
    done = rotate_masking_key(current)
    after = masking_key(current)
    assert (done.old_id, done.new_id) == (before.key_id, after.key_id) != (after.key_id,) * 2
    assert parse_key(done.archived.read_text(), "old") == MaskingKey(before.secret, "old")
    assert stat.S_IMODE(done.archived.stat().st_mode) == 0o600
    assert verify_release(store, BUCKETS.releases, "process_params", "1.0.0").ok
    new = create_release(store, BUCKETS, request(params, "1.0.1"), after, TERMS).manifest
    assert (old["masking"]["key_id"], new["masking"]["key_id"]) == (before.key_id, after.key_id)


def test_a_configured_key_is_rotated_where_it_is_configured(tmp_path: Path) -> None:
    with pytest.raises(MaskingKeyError):
        rotate_masking_key(keyed(tmp_path, masking_key=SecretStr("ab" * 32)))
