"""Role keys and pilot grants in the state folder."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

import assay.govern.access
from assay.config import Settings
from assay.govern.access import (
    AccessError,
    RoleKeys,
    add_grant,
    apply,
    keys_file,
    load,
    load_grants,
    merge_grants,
)
from assay.govern.access._credentials import load_or_generate


def test_keys_are_generated_once_and_private(tmp_path: Path) -> None:
    first = load_or_generate(tmp_path, "steward")
    again = load_or_generate(tmp_path, "steward")
    assert first == again
    assert first.access_key == "assay-steward"
    assert len(first.secret_key.get_secret_value()) >= 40
    assert stat.S_IMODE(keys_file(tmp_path, "steward").stat().st_mode) == 0o600
    assert stat.S_IMODE(keys_file(tmp_path, "steward").parent.stat().st_mode) == 0o700
    assert "assay-steward" in repr(first) and first.secret_key.get_secret_value() not in repr(first)


def test_missing_keys_say_how_to_make_them(tmp_path: Path) -> None:
    with pytest.raises(AccessError) as err:
        load(tmp_path, "pipeline")
    assert err.value.role == "pipeline"


def test_grants_accumulate_and_merge_with_settings(tmp_path: Path) -> None:
    add_grant(tmp_path, "base_a", "energy_meter")
    add_grant(tmp_path, "base_a", "process_params")
    add_grant(tmp_path, "base_a", "energy_meter")
    assert load_grants(tmp_path) == {"base_a": ["energy_meter", "process_params"]}
    merged = merge_grants({"base_b": ["sorting_events"]}, load_grants(tmp_path))
    assert merged == {"base_a": ["energy_meter", "process_params"], "base_b": ["sorting_events"]}


def test_a_bad_pilot_name_in_grants_is_refused() -> None:
    with pytest.raises(ValueError):
        merge_grants({"Base A": ["energy_meter"]})


def test_public_api_is_importable() -> None:
    assert len(set(assay.govern.access.__all__)) == len(assay.govern.access.__all__)
    for name in assay.govern.access.__all__:
        assert hasattr(assay.govern.access, name), name


class MemoryBackend:
    """A `RoleBackend` in memory: users by access key, policies by bucket."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.policies: dict[str, dict[str, object]] = {}

    def users(self) -> set[str]:
        return set(self.secrets)

    def create_user(self, keys: RoleKeys) -> None:
        assert keys.access_key not in self.secrets
        self.secrets[keys.access_key] = keys.secret_key.get_secret_value()

    def reset_user(self, keys: RoleKeys) -> None:
        self.secrets[keys.access_key] = keys.secret_key.get_secret_value()

    def put_policy(self, bucket: str, policy: dict[str, object]) -> None:
        self.policies[bucket] = policy


def test_apply_creates_every_role_once_and_puts_every_policy(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, pilot_grants={"base_a": ["energy_meter"]})
    backend = MemoryBackend()
    first = apply(settings, backend)
    assert sorted(first.created) == ["edge", "pilot-base_a", "pipeline", "releaser", "steward"]
    assert set(backend.policies) == set(settings.buckets.values())
    again = apply(settings, backend)
    assert again.created == [] and sorted(again.updated) == sorted(first.created)
    for role in first.created:
        keys = load(tmp_path, role)
        assert backend.secrets[keys.access_key] == keys.secret_key.get_secret_value()


def test_racing_generators_agree_on_one_key(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: load_or_generate(tmp_path, "edge"), range(16)))
    assert len(found) == 1
