"""What the release DAG's tasks call: request, publish after approval, record a rejection.

JSON in and out, like `tasks`. The requester is the Airflow user who triggered the run
(its ``requested_by`` parameter only when the run has none, e.g. one triggered by the
scheduler); the approver is the user who answered the approval under *Required Actions*.
Both are looked up in ``steward_roles``, and the two-person rule of `assay.govern.roles`
holds here as on the command line: an answer by the requester fails the publish task,
unless the site is single-steward.

The tasks talk to S3 as the releaser role: a worker that runs them needs the releaser's
keys, from the ``assay_s3_releaser`` connection or the settings, and the masking key, from
the ``assay_masking_key`` Variable or the settings (`connections`). The local stack gives
Airflow the pipeline's keys only, so there the DAG stops at its first task with the
server's AccessDenied, by design. The ledger reads Kafka (the edge reports and the ingest
offsets) as the releaser principal, from the ``assay_kafka_releaser`` connection
(`connections`), through the function the command line and the console call.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from assay.config import RELEASER, Settings
from assay.govern.releases import Decision, ReleaseRequest, ReleaseStatus
from assay.pipeline.airflow import connections


def _settings() -> Settings:
    return connections.task_settings(RELEASER)


def request(params: dict[str, Any], triggered_by: str | None) -> dict[str, Any]:
    """Write the draft of the release the run's parameters describe; tell the stewards."""
    from assay.govern.ledger import ledger_inputs
    from assay.govern.notify import notify, pending_approval
    from assay.govern.releases import Buckets, LockedS3Store, LockTerms, masking_key
    from assay.govern.releases import request_release as write
    from assay.govern.roles import actor_from

    settings = _settings()
    actor = actor_from(settings, triggered_by or params.get("requested_by") or None)
    contract = settings.contracts().get(params["contract"])
    asked = release_request(params, actor.name, contract, settings.enterprise_sites)
    terms = LockTerms.after(asked.created, settings.release_lock_days, settings.release_lock_mode)
    store, buckets = LockedS3Store(settings), Buckets.from_settings(settings)
    inputs = ledger_inputs(settings, store, buckets, contract)  # as the CLI and console do
    draft = write(store, buckets, asked, masking_key(settings), terms, actor, inputs=inputs)
    message = pending_approval(draft.manifest)
    told = [f"{d.channel}: {'ok' if d.ok else d.detail}" for d in notify(settings, message)]
    return {"contract": asked.contract.name, "version": asked.version,
            "requested_by": actor.name, "summary": message.body, "told": told}  # fmt: skip


def release_request(
    params: dict[str, Any], by: str, contract: Any, sites: dict[str, str] | None = None
) -> ReleaseRequest:
    """The run's parameters as a request (dates ``YYYY-MM-DD``, grants a list); ``sites``
    is the ``enterprise_sites`` setting."""
    return ReleaseRequest(
        contract=contract,
        version=str(params["version"]),
        date_from=date.fromisoformat(str(params["date_from"])),
        date_to=date.fromisoformat(str(params["date_to"])),
        created=datetime.now(UTC).replace(microsecond=0),
        licence=str(params.get("licence") or ""),
        grants=frozenset(params.get("grants") or ()),
        recipient=str(params.get("recipient") or ""),
        requested_by=by,
        comment=str(params.get("comment") or ""),
        sites=sites or {},
    )


def decision_of(settings: Settings, requested: dict[str, Any], answer: dict[str, Any]) -> Decision:
    """The approver's answer (an `ApprovalOperator` result) as a decision."""
    from assay.govern.roles import actor_from

    user = answer.get("responded_by_user") or {}
    actor = actor_from(settings, str(user.get("name") or user.get("id") or ""))
    comment = str((answer.get("params_input") or {}).get("comment") or "")
    at = answer.get("responded_at") or datetime.now(UTC)
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    alone = settings.single_steward and actor.name == requested["requested_by"]
    return Decision(actor, at.replace(microsecond=0), comment, alone)


def publish(requested: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """Approved: publish the draft under retention, the approver recorded."""
    from assay.govern.releases import LockedS3Store, approve_release

    settings = _settings()
    decision = decision_of(settings, requested, answer)
    store, bucket = LockedS3Store(settings), settings.bucket_releases
    release = approve_release(store, bucket, requested["contract"], requested["version"], decision)
    return {"prefix": release.prefix, "approved_by": decision.actor.name,
            "rows": release.manifest["totals"]["rows"]}  # fmt: skip


def reject(requested: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """Rejected: record it, so the draft is never published."""
    from dataclasses import replace

    from assay.govern.releases import LockedS3Store, reject_release

    settings = _settings()
    decision = decision_of(settings, requested, answer)
    if not decision.comment.strip():
        decision = replace(decision, comment=f"rejected in Airflow by {decision.actor.name}")
    store, bucket = LockedS3Store(settings), settings.bucket_releases
    reject_release(store, bucket, requested["contract"], requested["version"], decision)
    return {"rejected_by": decision.actor.name, "comment": decision.comment}


def status(contract: str, version: str) -> ReleaseStatus:
    """Where the run's release stands (for a task that reports it)."""
    from assay.govern.releases import LockedS3Store, release_status

    settings = _settings()
    return release_status(LockedS3Store(settings), settings.bucket_releases, contract, version)
