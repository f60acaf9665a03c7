"""The Grafana dashboard and Prometheus alert rules in infra/edge name only metrics the edge's
/metrics really exposes, and the dashboard shows every one of them."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import yaml

from producers.metrics import MetricsServer

from .test_edge import setup, wait_for

INFRA = Path(__file__).parents[3] / "infra" / "edge"
NAME = re.compile(r"\bassay_edge_[a-z_]+\b")


def exposed(tmp_path: Path) -> set[str]:
    """Metric names as Prometheus stores them (counters with ``_total``), from a live edge;
    a labelled family with no sample yet is declared all the same."""
    edge = setup(tmp_path, 3)
    edge.start()
    server = MetricsServer(edge, port=0)
    server.start()
    try:
        wait_for(lambda: edge.stats.acked_readings == 3)
        text = urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics").read().decode()
    finally:
        server.stop()
        edge.stop()
    return set(re.findall(r"^# TYPE (assay_edge_\w+) \w+$", text, re.MULTILINE))


def dashboard_exprs() -> list[str]:
    doc = json.loads((INFRA / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in doc["panels"] for t in panel["targets"]]
    return [*exprs, doc["templating"]["list"][0]["definition"]]


def rules() -> list[dict]:
    return yaml.safe_load((INFRA / "prometheus-alerts.yaml").read_text())["groups"][0]["rules"]


def test_every_metric_named_exists_and_the_dashboard_shows_them_all(tmp_path: Path) -> None:
    names = exposed(tmp_path)
    in_dashboard = {n for e in dashboard_exprs() for n in NAME.findall(e)}
    in_rules = {n for r in rules() for n in NAME.findall(r["expr"])}
    assert in_dashboard - names == set()
    assert in_rules - names == set()
    assert names - in_dashboard == set()


def test_every_alert_has_a_severity_and_a_summary() -> None:
    for rule in rules():
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["alert"].startswith("AssayEdge")
