"""The release DAG's wiring, built without a running Airflow, and its tasks on a MemoryStore."""

from __future__ import annotations

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
    # Reject skips approval's direct relatives (publish); all_skipped then needs every
    # upstream skipped, so publish must be the only one.
    assert rejection.upstream_task_ids == {"publish"}
    assert rejection.trigger_rule == "all_skipped"


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
