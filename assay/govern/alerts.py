"""Open problems, and telling people about each once: what the overview shows in red and
what ``assay notify`` (and the ``assay_notify`` DAG) sends.

A problem is a stalled partition, data lost to retention, an unbalanced audit, a GB/T 36344
dimension scoring under the contract's threshold, or a failed last run of a contract's
ingest or validate DAG. Each has a ``key`` that stays the same while the problem lasts
(a stall's contract, stage and partition — not its changing error text), so a notice is
sent once per key: `due` picks the keys not yet told, and the told keys are kept in
`NOTIFIED_KEY` of the reports bucket. A key that is no longer open is forgotten, so the
same problem coming back later is told again. Keys are recorded only when some channel
took the message: a robot that was down is tried again at the next check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay.errors import StoreError
from assay.store.objects import ObjectStore

if TYPE_CHECKING:
    from assay.config import Settings
    from assay.govern.audit import Audit
    from assay.govern.health import Health
    from assay.govern.notify import Delivery, Message
    from assay.govern.runs import RunState
    from schemas import Contract

NOTIFIED_KEY = "state/notified-problems.json"


@dataclass(frozen=True)
class Problem:
    """One line in red: kind, contract, what the check said, and its lasting identity."""

    kind: str
    contract: str
    text: str
    key: str


def health_problems(health: Health) -> list[Problem]:
    """Stalled partitions, unacknowledged and unrecorded losses, services out of reach."""
    found = [Problem("unreachable", "", text, f"unreachable:{text}") for text in health.unreachable]
    for s in health.stalls:
        text = f"{s.stage} partition {s.partition} offset {s.offset} since {s.since}: {s.error}"
        found.append(Problem("stalled", s.contract, text,
                             f"stalled:{s.contract}:{s.stage}:{s.partition}"))  # fmt: skip
    lost = [x for x in health.losses if not x.acknowledged] + list(health.expired)
    for x in lost:
        text = f"partition {x.partition} offsets {x.start}-{x.end}"
        found.append(
            Problem("loss", x.contract, text, f"loss:{x.contract}:{x.partition}:{x.start}")
        )
    return found


def audit_problems(audit: Audit) -> list[Problem]:
    """Each discrepancy of an unbalanced audit; one key per contract while it is unbalanced."""
    key = f"audit_unbalanced:{audit.contract}"
    return [Problem("audit_unbalanced", audit.contract, p, key) for p in audit.problems]


def score_problems(contract: str, quality: dict[str, Any], threshold: float) -> list[Problem]:
    """Each dimension (`quality_summary`'s form) scoring under ``threshold``."""
    found = []
    for d in quality.get("dimensions", ()):
        if d.get("score") is not None and d["score"] < threshold:
            text = (f"{d['label_zh']} {d['label_en']}: {d['score'] * 100:.2f}% "
                    f"< {threshold * 100:.2f}%")  # fmt: skip
            found.append(Problem("low_score", contract, text,
                                 f"low_score:{contract}:{d['dimension']}"))  # fmt: skip
    return found


def run_problems(runs: Iterable[RunState]) -> list[Problem]:
    """Each DAG whose last finished run failed; one key per DAG until a run succeeds."""
    return [_failed(r) for r in runs if r.failed]


def _failed(run: RunState) -> Problem:
    text = f"{run.dag_id} run {run.run_id} ({run.when}) failed"
    return Problem("failed_run", run.contract, text, f"failed_run:{run.dag_id}")


def threshold_of(settings: Settings, contract: Contract | str) -> float:
    """A contract's quality threshold: the site's for it (`quality_thresholds`), else the
    contract's own (``quality_threshold`` in its YAML), else the site's (`quality_threshold`)."""
    name = contract if isinstance(contract, str) else contract.name
    own = None if isinstance(contract, str) else contract.quality_threshold
    site = settings.quality_thresholds.get(name)
    return site if site is not None else own if own is not None else settings.quality_threshold


def due(problems: Iterable[Problem], told: set[str], kinds: Iterable[str]) -> list[Problem]:
    """The problems of ``kinds`` to tell now: the first of each key not told yet."""
    wanted, found, seen = set(kinds), [], set(told)
    for p in problems:
        if p.kind in wanted and p.key not in seen:
            seen.add(p.key)
            found.append(p)
    return found


def message(problem: Problem, link: str = "") -> Message:
    """The notice of one problem, bilingual."""
    from assay.govern.notify import Message

    zh, en = KIND_LABELS.get(problem.kind, (problem.kind, problem.kind))
    subject = f"assay 问题 problem: {zh} {en} · {problem.contract or '—'}"
    return Message(subject, problem.text, link)


KIND_LABELS = {
    "stalled": ("分区停滞", "Stalled partition"),
    "loss": ("数据丢失", "Data lost"),
    "audit_unbalanced": ("审计不平衡", "Audit unbalanced"),
    "low_score": ("质量分低于阈值", "Quality score under threshold"),
    "failed_run": ("运行失败", "Failed run"),
    "unreachable": ("服务不可达", "Service unreachable"),
}


def told(store: ObjectStore, bucket: str) -> set[str]:
    """The keys told so far (empty before the first notice)."""
    try:
        return set(json.loads(store.get(bucket, NOTIFIED_KEY)).get("told", []))
    except StoreError as exc:
        if exc.missing:
            return set()
        raise


def tell(
    store: ObjectStore,
    bucket: str,
    problems: list[Problem],
    kinds: Iterable[str],
    send: Any,  # Callable[[Message], list[Delivery]]
    link: str = "",
) -> dict[str, list[Delivery]]:
    """Send a notice for each problem due; record what is told, forget what cleared.
    The deliveries of each problem sent, by key."""
    before = told(store, bucket)
    sent = {p.key: send(message(p, link)) for p in due(problems, before, kinds)}
    open_keys = {p.key for p in problems}
    now = (before & open_keys) | {k for k, d in sent.items() if any(x.ok for x in d)}
    if now != before:
        body = json.dumps({"told": sorted(now)}, indent=1, ensure_ascii=False).encode()
        store.put(bucket, NOTIFIED_KEY, body, content_type="application/json")
    return sent


@dataclass(frozen=True)
class Found:
    """The open problems, and why the DAG runs were not among what was checked (None: they
    were): a site without Airflow, or Airflow out of reach, has failed runs nobody saw."""

    problems: list[Problem]
    runs_unknown: str | None = None


def run_check(contracts: list[Any], runs: Any) -> tuple[list[Problem], str | None]:
    """The failed last runs of ``contracts`` (``runs``: a `assay.govern.runs.Fetch`), and
    why they are unknown when Airflow could not be asked (the runs then count as none)."""
    from assay.govern.runs import RunsUnknown, last_runs

    try:
        return run_problems(last_runs(contracts, runs)), None
    except RunsUnknown as exc:
        return [], exc.reason


def gather(settings: Settings, contracts: list[Any], runs: Any = None) -> Found:
    """Every open problem of ``contracts`` on the real services; ``runs`` is a
    `assay.govern.runs.Fetch` (default: the settings' Airflow), unknown runs said so."""
    from assay.errors import AssayError
    from assay.govern.audit import run_audit
    from assay.govern.health import run_health
    from assay.govern.overview import contract_quality
    from assay.govern.runs import rest_fetch
    from assay.store.buckets import Buckets
    from assay.store.objects import S3Store

    found = health_problems(run_health(settings, contracts))
    store, buckets = S3Store(settings), Buckets.from_settings(settings)
    for c in contracts:
        try:
            found += audit_problems(run_audit(settings, c))
            quality = contract_quality(store, buckets, c)
        except AssayError as exc:
            found.append(Problem("unreachable", c.name, str(exc), f"unreachable:{c.name}"))
            continue
        found += score_problems(c.name, quality, threshold_of(settings, c))
    failed, unknown = run_check(contracts, runs or rest_fetch(settings))
    return Found(found + failed, unknown)


def notify_problems(settings: Settings, problems: list[Problem], link: str = "") -> dict[str, Any]:
    """`tell` the settings' channels (`assay.govern.notify`) of the problems due."""
    from assay.govern.notify import notify
    from assay.store.objects import S3Store

    store, kinds = S3Store(settings), settings.notify_problems
    return tell(
        store, settings.bucket_reports, problems, kinds, lambda m: notify(settings, m), link
    )
