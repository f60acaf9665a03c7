"""Open problems and their notices: told once per problem until it clears, over real sockets.

A chat robot's HTTP endpoint, an SMTP server and an Airflow REST API stand-in run on
loopback in the test (nothing leaves the machine).
"""

from __future__ import annotations

import json
import socketserver
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from loopback import Smtp, serving
from pydantic import SecretStr

from assay.config import Settings, Webhook
from assay.govern.alerts import (
    Problem,
    due,
    health_problems,
    run_check,
    run_problems,
    score_problems,
    tell,
    threshold_of,
    told,
)
from assay.govern.health import Health
from assay.govern.notify import notify
from assay.govern.runs import RunState, RunsUnknown, last_runs, rest_fetch
from assay.pipeline.problems import Stall
from assay.store.objects import MemoryStore
from schemas import load_contract

ENERGY = load_contract("energy_meter")
STALL = Stall("energy_meter", "ingest", 2, 7, "<b>boom</b>", "ValueError", False, "t0", "t1", 3)
LOW = {"dimensions": [
    {"dimension": "accuracy", "label_zh": "准确性", "label_en": "Accuracy", "score": 0.9},
    {"dimension": "timeliness", "label_zh": "时效性", "label_en": "Timeliness", "score": 0.99},
    {"dimension": "accessibility", "label_zh": "可访问性", "label_en": "Accessibility",
     "score": None},
]}  # fmt: skip
KINDS = ["stalled", "loss", "audit_unbalanced", "low_score", "failed_run"]


class Robot(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    runs: ClassVar[dict[str, list[dict[str, Any]]]] = {}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/auth/token":
            return self._answer(201, {"access_token": "tok"})
        Robot.received.append(body)
        self._answer(200, {"errcode": 0 if "good" in self.path else 310000, "errmsg": "x"})

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Bearer tok":
            return self._answer(401, {})
        dag = self.path.split("/")[4]
        self._answer(200, {"dag_runs": Robot.runs.get(dag, [])})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def ports() -> Iterator[tuple[int, int]]:
    http = HTTPServer(("127.0.0.1", 0), Robot)
    smtp = socketserver.TCPServer(("127.0.0.1", 0), Smtp)
    Robot.received.clear(), Smtp.received.clear()
    with serving(http, smtp) as (http_port, smtp_port):
        yield http_port, smtp_port


def channels(http: int, smtp: int | None, path: str = "good") -> Settings:
    mail = {"notify_smtp_host": "127.0.0.1", "notify_smtp_port": smtp} if smtp else {}
    return Settings(
        notify_webhooks=[Webhook(kind="dingtalk", url=f"http://127.0.0.1:{http}/{path}")],
        notify_email_to=["steward@plant.example"],
        **mail,
    )


def problems() -> list[Problem]:
    failed = RunState("energy_meter", "validate", "assay_validate_energy_meter", "failed",
                      "manual__1", "2026-03-01T00:00:00Z")  # fmt: skip
    return (health_problems(Health(stalls=[STALL])) + score_problems("energy_meter", LOW, 0.95)
            + run_problems([failed]))  # fmt: skip


def test_each_problem_is_told_once_until_it_clears(ports: tuple[int, int]) -> None:
    http, smtp = ports
    settings, store = channels(http, smtp), MemoryStore()

    def send(found: list[Problem]) -> dict[str, Any]:
        return tell(store, "rep", found, KINDS, lambda m: notify(settings, m), "http://c/")

    first = send(problems())
    assert sorted(first) == [
        "failed_run:assay_validate_energy_meter",
        "low_score:energy_meter:accuracy",
        "stalled:energy_meter:ingest:2",
    ]
    assert all(d.ok for ds in first.values() for d in ds) and len(Smtp.received) == 3
    assert any("运行失败 Failed run" in r["markdown"]["title"] for r in Robot.received)
    assert send(problems()) == {} and len(Robot.received) == 3
    cleared = [p for p in problems() if p.kind != "stalled"]
    assert send(cleared) == {} and "stalled:energy_meter:ingest:2" not in told(store, "rep")
    assert list(send(problems())) == ["stalled:energy_meter:ingest:2"]  # it came back


def test_a_notice_no_channel_took_is_tried_again(ports: tuple[int, int]) -> None:
    http, _ = ports
    store, found = MemoryStore(), problems()[:1]
    refused = channels(http, None, "bad")
    sent = tell(store, "rep", found, KINDS, lambda m: notify(refused, m))
    assert [d.ok for d in sent[found[0].key]] == [False] and told(store, "rep") == set()
    good = channels(http, None)
    assert list(tell(store, "rep", found, KINDS, lambda m: notify(good, m))) == [found[0].key]


def test_only_the_kinds_asked_for_are_told_and_a_key_once() -> None:
    twice = problems() + problems()
    assert [p.kind for p in due(twice, set(), ["low_score"])] == ["low_score"]
    assert due(twice, {p.key for p in twice}, KINDS) == []


def test_a_score_under_the_threshold_is_a_problem_and_none_is_not() -> None:
    assert [p.key for p in score_problems("m", LOW, 0.95)] == ["low_score:m:accuracy"]
    assert [p.key for p in score_problems("m", LOW, 0.995)] == [
        "low_score:m:accuracy",
        "low_score:m:timeliness",
    ]
    assert score_problems("m", LOW, 0.5) == []


def test_last_runs_come_from_the_rest_api_and_unknown_when_it_cannot_answer(
    ports: tuple[int, int],
) -> None:
    http, _ = ports
    Robot.runs = {
        "assay_ingest_energy_meter": [{"state": "success", "dag_run_id": "r2", "run_after": "t2"}],
        "assay_validate_energy_meter": [{"state": "failed", "dag_run_id": "r1", "run_after": "t1"}],
    }
    settings = Settings(airflow_port=http, airflow_password=SecretStr("pw"))
    runs = last_runs([ENERGY], rest_fetch(settings))
    assert [(r.stage, r.failed) for r in runs] == [("ingest", False), ("validate", True)]
    [problem] = run_problems(runs)
    assert problem.key == "failed_run:assay_validate_energy_meter" and "r1" in problem.text
    with pytest.raises(RunsUnknown) as unknown:
        last_runs([ENERGY], rest_fetch(Settings(airflow_port=http)))
    assert "ASSAY_AIRFLOW_PASSWORD" in unknown.value.reason
    with pytest.raises(RunsUnknown) as down:
        last_runs([ENERGY], rest_fetch(Settings(airflow_port=9, airflow_password=SecretStr("p"))))
    assert down.value.status is None


def test_a_contract_declares_its_threshold_and_the_site_may_set_its_own() -> None:
    energy = load_contract("energy_meter")
    declared = energy.model_copy(update={"quality_threshold": 0.99})
    site = Settings(quality_threshold=0.9)
    assert threshold_of(site, energy) == threshold_of(site, "energy_meter") == 0.9
    assert threshold_of(site, declared) == 0.99
    own = Settings(quality_threshold=0.9, quality_thresholds={"energy_meter": 0.8})
    assert threshold_of(own, declared) == threshold_of(own, "energy_meter") == 0.8
    zero = declared.model_copy(update={"quality_threshold": 0.0})
    assert threshold_of(site, zero) == 0.0  # a declared 0 is a threshold, not "none"


def test_the_run_check_says_why_runs_are_unknown_and_finds_a_failed_one(
    ports: tuple[int, int],
) -> None:
    http, _ = ports
    Robot.runs = {
        "assay_ingest_energy_meter": [{"state": "failed", "dag_run_id": "r3", "run_after": "t3"}],
        "assay_validate_energy_meter": [{"state": "success", "dag_run_id": "r", "run_after": "t"}],
    }
    asked = rest_fetch(Settings(airflow_port=http, airflow_password=SecretStr("pw")))
    problems, unknown = run_check([ENERGY], asked)
    assert unknown is None
    assert [p.key for p in problems] == ["failed_run:assay_ingest_energy_meter"]
    problems, unknown = run_check([ENERGY], rest_fetch(Settings(airflow_port=http)))
    assert problems == [] and unknown is not None and "ASSAY_AIRFLOW_PASSWORD" in unknown
