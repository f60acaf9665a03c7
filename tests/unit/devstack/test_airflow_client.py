"""The Airflow REST client's login: where its password comes from, and what it says without one."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from assay.config import Settings
from assay.devstack import airflow_client
from assay.devstack.stack.airflow import admin_password


def test_the_stacks_generated_password_is_the_default(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path)
    password = admin_password(settings)
    assert airflow_client.login(settings) == ("admin", password)


def test_configured_login_wins(tmp_path: Path) -> None:
    settings = Settings(
        state_dir=tmp_path, airflow_username="ops", airflow_password=SecretStr("pw")
    )
    assert airflow_client.login(settings) == ("ops", "pw")


def test_no_password_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(airflow_client.AirflowApiError) as err:
        airflow_client.login(Settings(state_dir=tmp_path))
    assert err.value.path == airflow_client.TOKEN_PATH and err.value.status is None
    assert "airflow-admin" in str(err.value)


def test_an_unreachable_airflow_is_transient(tmp_path: Path) -> None:
    settings = Settings(
        state_dir=tmp_path, airflow_port=1, airflow_password=SecretStr("pw")
    )  # nothing listens on port 1
    with pytest.raises(airflow_client.AirflowApiError) as err:
        airflow_client.call(settings, "GET", "/version")
    assert err.value.transient and err.value.status is None
