"""Reconciling a ledger: every gap between edge and release named, from the ledger's figures.

Pure and light (no pipeline, no S3): `assay release verify` runs it on a manifest's ledger,
online or in a downloaded folder, and must find exactly the gaps recorded at creation.

Seq ranges are inclusive ``[first, last]`` pairs; offset ranges are ``[start, end)``.

`FORMAT` 2 added per producer ``expired`` and ``dead_lettered`` (with the edge's
``dead_lettered_in_scope``) and the ledger's ``unsequenced``, ``dead_letters_unattributed``
and ``seqs_unrecorded``; a format-1 ledger has none of them and reconciles as it did.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

FORMAT = "assay.ledger/2"
GapKind = Literal["edge", "pipeline", "release"]
Range = list[int]
#: How many seq ranges a gap names before it says "and N more".
NAMED_RANGES = 20


@dataclass(frozen=True)
class Gap:
    """One place where the counts do not reconcile: which layer, which producer or partition,
    which seqs or offsets, and by how many readings."""

    kind: GapKind
    detail: str
    producer: str | None = None
    partition: int | None = None
    seqs: list[Range] = field(default_factory=list)
    offsets: Range | None = None
    readings: int | None = None

    def __str__(self) -> str:
        return self.detail

    def to_dict(self) -> dict[str, Any]:
        """The manifest form."""
        return asdict(self)


def runs(seqs: Iterable[int]) -> list[Range]:
    """Sorted distinct seqs as inclusive ``[first, last]`` runs."""
    out: list[Range] = []
    for seq in sorted(set(seqs)):
        if out and out[-1][1] + 1 == seq:
            out[-1][1] = seq
        else:
            out.append([seq, seq])
    return out


def size(ranges: Iterable[Range]) -> int:
    """How many seqs some inclusive ranges hold."""
    return sum(last - first + 1 for first, last in ranges)


def holes(landed: list[Range], span: Range, excluded: list[Range]) -> list[Range]:
    """The seqs of ``span`` neither in ``landed`` nor ``excluded``, as runs."""
    taken = sorted(landed + excluded)
    out: list[Range] = []
    at = span[0]
    for first, last in taken:
        if first > at and at <= span[1]:
            out.append([at, min(first - 1, span[1])])
        at = max(at, last + 1)
    if at <= span[1]:
        out.append([at, span[1]])
    return out


def within(seqs: Iterable[int], scope: Range, excluded: list[Range]) -> list[int]:
    """The seqs inside ``scope`` and outside every ``excluded`` range: a binary search per
    seq, since a gateway on a poor link drops many ranges and a producer lands millions."""
    outside = _merged(excluded)
    firsts = [first for first, _ in outside]
    return [s for s in seqs if scope[0] <= s <= scope[1] and not _in(s, outside, firsts)]


def _merged(ranges: list[Range]) -> list[Range]:
    """Sorted, non-overlapping ranges covering the same seqs (an inverted one covers none)."""
    out: list[Range] = []
    for first, last in sorted(r for r in ranges if r[0] <= r[1]):
        if out and first <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return out


def _in(seq: int, ranges: list[Range], firsts: list[int]) -> bool:
    at = bisect.bisect_right(firsts, seq) - 1
    return at >= 0 and seq <= ranges[at][1]


def named(ranges: list[Range]) -> str:
    """``3-7, 12`` (and how many more past `NAMED_RANGES`)."""
    shown = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges[:NAMED_RANGES])
    more = len(ranges) - NAMED_RANGES
    return shown + (f" and {more} more ranges" if more > 0 else "")


def reconcile(ledger: dict[str, Any], release_rows: int) -> list[Gap]:
    """Every gap the ledger's own figures show; ``release_rows`` is what the release's files
    hold (their rows are checked against the bytes by whoever calls this)."""
    gaps: list[Gap] = []
    for part in ledger["partitions"]:
        gaps += _partition_gaps(part)
    gaps += [Gap("pipeline", problem) for problem in ledger["pipeline_problems"]]
    pending, unrecorded = unlanded(ledger), ledger.get("seqs_unrecorded") or {}
    for producer in ledger["producers"]:
        gaps += _edge_gaps(producer, pending, unrecorded)
    gaps += _release_gaps(ledger, release_rows)
    return gaps


def unlanded(ledger: dict[str, Any]) -> list[tuple[int, Range]]:
    """(partition, [start, end)) of the records Kafka holds past what is landed.

    Not a gap by itself: a topic keeps receiving while a window is released, and records
    newer than the landing are normal. They explain an edge gap that ingest has not caught
    up with yet, and the gap's detail says so."""
    if not ledger["kafka"]["consulted"]:
        return []
    parts = ledger["partitions"]
    return [(p["partition"], [p["landed_to"], p["log_end"]]) for p in parts
            if p["log_end"] is not None and p["log_end"] > p["landed_to"]]  # fmt: skip


def _partition_gaps(part: dict[str, Any]) -> list[Gap]:
    p, gaps = part["partition"], []
    placed = sum(part[k] for k in ("curated", "quarantined", "dead_lettered", "duplicates"))
    if part["produced"] != placed + part["awaiting_validation"]:
        detail = (
            f"partition {p}: {part['produced']} readings produced but {placed} curated, "
            f"quarantined, dead-lettered or dropped as duplicates "
            f"(+{part['awaiting_validation']} awaiting validation)"
        )
        gaps.append(Gap("pipeline", detail, partition=p, readings=part["produced"] - placed))
    if part["awaiting_validation"]:
        detail = f"partition {p}: {part['awaiting_validation']} readings await validation"
        gaps.append(Gap("pipeline", detail, partition=p, readings=part["awaiting_validation"]))
    return gaps


def _edge_gaps(
    producer: dict[str, Any], pending: list[tuple[int, Range]], unrecorded: dict[str, int]
) -> list[Gap]:
    edge, who = producer["edge"], producer["producer_id"]
    dead = edge.get("dead_lettered_in_scope", 0) if edge is not None else 0
    if edge is None or edge["sent"] == edge["landed_in_scope"] + dead:
        return []
    short = edge["sent"] - edge["landed_in_scope"] - dead
    if short < 0:
        detail = (
            f"producer {who}: the pipeline landed {-short} more distinct seqs in "
            f"{edge['since_seq']}-{edge['last_seq']} than the edge says Kafka acknowledged "
            f"({edge['sent']}): the report is from another spool or the seqs were reused"
        )
        return [Gap("edge", detail + _dead_note(dead), producer=who, readings=short)]
    where = named(edge["missing_ranges"]) or "none found between landed seqs"
    others = "" if edge["single_topic"] else " (they may include its other topics' seqs)"
    detail = (
        f"producer {who}: the edge says Kafka acknowledged {edge['sent']} readings, "
        f"{edge['landed_in_scope']} are landed{_dead_note(dead)}: {short} missing, "
        f"seqs {where}{others}"
    )
    if unrecorded.get("readings"):
        detail += (
            f"; {unrecorded['readings']} readings of {unrecorded['segments']} segments were "
            "removed by retention before their seqs were recorded: they may be among them"
        )
    if pending:
        tails = ", ".join(f"partition {p} offsets {a}-{b}" for p, (a, b) in pending)
        detail += f"; Kafka holds records not landed yet ({tails}): land them first"
    gap = Gap("edge", detail, producer=who, seqs=edge["missing_ranges"], readings=short)
    if len(pending) == 1:
        gap = replace(gap, partition=pending[0][0], offsets=pending[0][1])
    return [gap]


def _dead_note(dead: int) -> str:
    """What a gap's detail says of dead-lettered seqs (nothing when there are none, as in a
    format-1 ledger, whose details must read as they were recorded)."""
    return f" (+{dead} dead-lettered, as their headers claim)" if dead else ""


def _release_gaps(ledger: dict[str, Any], release_rows: int) -> list[Gap]:
    recorded, gaps = ledger["release"]["rows"], []
    if recorded != release_rows:
        detail = f"the ledger counts {recorded} rows in the release, its files hold {release_rows}"
        gaps.append(Gap("release", detail, readings=recorded - release_rows))
    known = [p["in_release"] for p in ledger["producers"]]
    if known and None not in known and sum(known) != release_rows:
        detail = f"the release's rows by producer add up to {sum(known)}, not {release_rows}"
        gaps.append(Gap("release", detail, readings=sum(known) - release_rows))
    curated = sum(p["curated"] for p in ledger["partitions"])
    if release_rows > curated:
        detail = f"the release holds {release_rows} rows but only {curated} readings are curated"
        gaps.append(Gap("release", detail, readings=release_rows - curated))
    return gaps


def digest(ledger: dict[str, Any]) -> str:
    """sha256 of the ledger's canonical JSON, its own ``sha256`` left out."""
    body = {k: v for k, v in ledger.items() if k != "sha256"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def seal(ledger: dict[str, Any], accepted_gap: dict[str, Any] | None) -> dict[str, Any]:
    """The ledger with the steward's acceptance of its gaps (if any) and its sha256."""
    body = ledger | {"accepted_gap": accepted_gap}
    return body | {"sha256": digest(body)}


def check(ledger: dict[str, Any], release_rows: int) -> list[str]:
    """What is wrong with a stored ledger: its digest, gaps other than those recorded, or
    gaps nobody accepted."""
    problems = []
    if digest(ledger) != ledger.get("sha256"):
        problems.append(f"sha256 expected {ledger.get('sha256')}, found {digest(ledger)}")
    found = [g.to_dict() for g in reconcile(ledger, release_rows)]
    if found != ledger["gaps"]:
        problems.append(f"recomputed {len(found)} gaps, the manifest records {len(ledger['gaps'])}")
    if found and not ledger.get("accepted_gap"):
        problems.append(f"{len(found)} gaps and no steward accepted them: {found[0]['detail']}")
    return problems
