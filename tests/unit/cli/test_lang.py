"""``--lang zh|en``: one language of every bilingual text, defaulting from the locale."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from assay.cli import _common
from assay.cli.app import app

ZH, EN = "电能表读数", "Energy meter readings"


@pytest.fixture(autouse=True)
def no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "C.UTF-8"}, "en"),
     ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, "zh")],
)  # fmt: skip
def test_the_default_follows_the_locale(
    env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _common.default_lang() == expected


def test_lang_chooses_the_titles_of_contracts_show() -> None:
    zh = CliRunner().invoke(app, ["--lang", "zh", "contracts", "show", "energy_meter"])
    en = CliRunner().invoke(app, ["--lang", "en", "contracts", "show", "energy_meter"])
    assert ZH in zh.stdout and EN not in zh.stdout
    assert EN in en.stdout and ZH not in en.stdout


def test_lang_defaults_from_lang_variable() -> None:
    done = CliRunner().invoke(
        app, ["contracts", "show", "energy_meter"], env={"LANG": "zh_CN.UTF-8"}
    )
    assert ZH in done.stdout


def test_an_unknown_language_is_refused() -> None:
    assert CliRunner().invoke(app, ["--lang", "fr", "contracts", "show", "x"]).exit_code == 2


@given(st.text(), st.text())
def test_a_stored_bilingual_text_gives_back_its_halves(zh: str, en: str) -> None:
    if " / " in zh:
        return  # the stored form cannot tell such a text's halves apart
    _common.set_lang("zh")
    assert _common.pick_text(f"{zh} / {en}") == zh
    _common.set_lang("en")
    assert _common.pick_text(f"{zh} / {en}") == en
