"""The release DAG: a steward's request, a second steward's approval, publication.

    request ─► approval (ApprovalOperator: *Required Actions*) ─► publish ─► record_rejection
                                                                         (records a Reject;
                                                                          skips itself after
                                                                          an Approve)

The approval step is Airflow 3's human-in-the-loop `ApprovalOperator`: the pending request
shows under *Required Actions* with the draft's summary, and the answer (Approve or Reject,
with a comment) is recorded by the same functions the command line uses
(`release_tasks`). Reject skips ``publish``; ``record_rejection`` then writes the
rejection, so the draft is never published. ``record_rejection`` runs unless something
upstream failed (``none_failed``), so a failed request or publish leaves it
*upstream_failed* and the run red; a run whose last task was merely skipped would be
green. Nothing here does I/O.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pendulum
from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import DAG, Param, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from assay.pipeline.airflow.dags import at_boundary

DAG_ID = "assay_release"
ANSWER_KEY = "answer"
RESPONSE_TIMEOUT = timedelta(days=14)
SUBJECT = "发布审批 Approve release {{ params.contract }} {{ params.version }}"
BODY = "{{ ti.xcom_pull(task_ids='request')['summary'] }}"


def release_dag() -> DAG:
    """The DAG, triggered with the request as its parameters."""
    with DAG(
        dag_id=DAG_ID,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        tags=["assay", "release"],
        params=_params(),
        doc_md=__doc__,
    ) as dag:
        requested = _request()
        approval = ReleaseApproval(
            task_id="approval",
            subject=SUBJECT,
            body=BODY,
            params={"comment": Param("", type="string", description="What you checked / why not")},
            response_timeout=RESPONSE_TIMEOUT,
        )
        published = _publish(requested, approval.output)
        # record_rejection reads request's and approval's XComs itself: as their downstream it
        # would be skipped with publish (Reject skips approval's direct relatives).
        requested >> approval >> published >> _record_rejection()
    return dag


class ReleaseApproval(ApprovalOperator):
    """`ApprovalOperator` that also keeps its answer as the XCom `ANSWER_KEY`: on Reject the
    operator skips its downstream by raising, so its return value is never stored, and
    ``record_rejection`` needs who rejected and why."""

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        """Keep the answer, then let the operator act on it."""
        if "error" not in event:
            fields = ("chosen_options", "params_input", "responded_by_user", "responded_at")
            answer = {k: event.get(k) for k in fields}
            if isinstance(moment := answer["responded_at"], datetime):
                answer["responded_at"] = moment.isoformat()
            context["ti"].xcom_push(ANSWER_KEY, answer)
        return super().execute_complete(context=context, event=event)


def _params() -> dict[str, Param]:
    return {
        "contract": Param("energy_meter", type="string"),
        "version": Param("1.0.0", type="string", pattern=r"^\d+\.\d+\.\d+$"),
        "date_from": Param("2026-03-01", type="string", format="date"),
        "date_to": Param("2026-03-31", type="string", format="date"),
        "licence": Param("", type="string", description="SPDX id or URL, chosen explicitly"),
        "grants": Param([], type="array", description="L3/personal fields released as is"),
        "recipient": Param("", type="string"),
        "requested_by": Param("", type="string", description="if the run has no triggering user"),
        "comment": Param("", type="string"),
    }


@task(task_id="request")
def _request() -> dict[str, Any]:
    from assay.pipeline.airflow import release_tasks

    context = get_current_context()
    by = getattr(context["dag_run"], "triggering_user_name", None)
    return at_boundary(release_tasks.request, dict(context["params"]), by)


@task(task_id="publish")
def _publish(requested: Any, answer: Any) -> dict[str, Any]:  # XComArgs when wired
    from assay.pipeline.airflow import release_tasks

    return at_boundary(release_tasks.publish, requested, answer)


@task(task_id="record_rejection", trigger_rule="none_failed")
def _record_rejection() -> dict[str, Any]:
    from assay.pipeline.airflow import release_tasks

    ti = get_current_context()["ti"]
    requested = ti.xcom_pull(task_ids="request")
    answer = ti.xcom_pull(task_ids="approval", key=ANSWER_KEY)
    if approved(answer):
        raise AirflowSkipException("approved and published: no rejection to record")
    return at_boundary(release_tasks.reject, requested, answer)


def approved(answer: dict[str, Any] | None) -> bool:
    """Whether the approval step's answer (its XCom) chose Approve."""
    return "Approve" in ((answer or {}).get("chosen_options") or [])
