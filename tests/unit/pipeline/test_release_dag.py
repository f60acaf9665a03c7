"""The release DAG's wiring, built without a running Airflow, and its tasks on a MemoryStore."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime

from airflow.providers.standard.operators.hitl import ApprovalOperator

from assay.config import Settings
from assay.pipeline.airflow import release_dag, release_tasks
from schemas import load_contract


def test_approval_sits_between_request_and_publish() -> None:
    dag = release_dag.release_dag()
    assert set(dag.task_dict) == {"request", "approval", "publish", "record_rejection"}
    approval = dag.task_dict["approval"]
    assert isinstance(approval, ApprovalOperator) and "comment" in approval.params
    assert dag.task_dict["publish"].upstream_task_ids == {"request", "approval"}
    rejection = dag.task_dict["record_rejection"]
    # Reject skips approval's direct relatives (publish) and leaves record_rejection to run;
    # a failed request or publish leaves it upstream_failed, so the run is red.
    assert rejection.upstream_task_ids == {"publish"}
    assert rejection.trigger_rule == "none_failed"


def test_only_an_approve_answer_spares_the_rejection_record() -> None:
    assert release_dag.approved({"chosen_options": ["Approve"]})
    assert not release_dag.approved({"chosen_options": ["Reject"]})
    assert not release_dag.approved(None) and not release_dag.approved({"chosen_options": None})


def test_the_run_parameters_become_a_request() -> None:
    params = {"contract": "energy_meter", "version": "1.2.0", "date_from": "2026-03-01",
              "date_to": "2026-03-31", "licence": "CC-BY-4.0",
              "grants": ["meter_serial"]}  # fmt: skip
    asked = release_tasks.release_request(params, "mei", load_contract("energy_meter"))
    assert (asked.requested_by, asked.licence, asked.grants) == (
        "mei",
        "CC-BY-4.0",
        frozenset({"meter_serial"}),
    )


def test_the_answer_becomes_a_decision_by_the_responder() -> None:
    answer = {"chosen_options": ["Approve"], "params_input": {"comment": "card checked"},
              "responded_by_user": {"id": "7", "name": "li"},
              "responded_at": datetime(2026, 4, 1, 9, 0, 0, 123, tzinfo=UTC)}  # fmt: skip
    decision = release_tasks.decision_of(Settings(), {"requested_by": "mei"}, answer)
    assert (decision.actor.name, decision.comment, decision.single_steward) == (
        "li",
        "card checked",
        False,
    )
    alone = Settings(single_steward=True)
    mine = {**answer, "responded_by_user": {"id": "1", "name": "mei"}}
    assert release_tasks.decision_of(alone, {"requested_by": "mei"}, mine).single_steward


def test_the_approval_keeps_its_answer_even_when_it_rejects() -> None:
    class Ti:
        def __init__(self) -> None:
            self.pushed: dict[str, object] = {}

        def xcom_push(self, key: str, value: object) -> None:
            self.pushed[key] = value

    approval = release_dag.release_dag().task_dict["approval"]
    event = {"chosen_options": ["Reject"], "params_input": {"comment": "wrong window"},
             "responded_by_user": {"id": "2", "name": "li"},
             "responded_at": datetime(2026, 4, 1, 9, 0, tzinfo=UTC)}  # fmt: skip
    ti = Ti()
    with suppress(Exception):  # the skip needs a running Airflow; the push came first
        approval.execute_complete({"ti": ti, "task": approval}, event)
    answer = ti.pushed[release_dag.ANSWER_KEY]
    assert answer["params_input"] == {"comment": "wrong window"}  # type: ignore[index]
    assert answer["responded_at"] == "2026-04-01T09:00:00+00:00"  # type: ignore[index]
    assert not release_dag.approved(answer)  # type: ignore[arg-type]
