"""Airflow finds the console through the ``airflow.plugins`` entry point."""

from __future__ import annotations

from importlib.metadata import entry_points

from fastapi import FastAPI


def test_the_entry_point_gives_a_plugin_with_the_app_and_its_views() -> None:
    from airflow.plugins_manager import AirflowPlugin

    (found,) = [e for e in entry_points(group="airflow.plugins") if e.name == "assay_console"]
    plugin = found.load()
    assert issubclass(plugin, AirflowPlugin)
    (app,) = plugin.fastapi_apps
    assert isinstance(app["app"], FastAPI) and app["url_prefix"] == "/assay-console"
    destinations = {v["destination"] for v in plugin.external_views}
    assert destinations == {"nav", "dag", "dag_run"}
    assert all(v["href"].startswith("/assay-console/") for v in plugin.external_views)
