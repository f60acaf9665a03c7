"""The pipeline's one entry point: validate a batch against its contract.

``validate_table`` is pure apart from the Great Expectations run: it compiles
the contract to checks, brings the table to contract types, computes the derived
columns, runs the suite on a pandas frame (only the columns the suite reads,
plus ``_row``, the row's position in the input), and splits, scores and reports
from the result. Deduplication (by ``(producer_id, seq)``, or by key and event
time for an unsequenced source: ``schemas.duplicate_fields``) is the caller's; a
duplicate that still arrives here is quarantined by its ``unique:`` rule (e.g.
``unique:producer_id+seq``) and its first copy is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas import Contract, restricted_fields
from validators._checks import INGEST_TIME, ROW, Check, compile_checks
from validators._conform import Conformed, conform
from validators._derive import derive_columns
from validators._errors import ReservedColumnError
from validators._gx import run_suite
from validators._report import compact_result, render_data_docs
from validators._scores import QualityScores, score_dimensions
from validators._split import SplitSummary, split_rows

__all__ = [
    "Prepared",
    "ValidationOutcome",
    "frame_table",
    "outcome",
    "prepare",
    "suite_name",
    "validate_table",
    "validation_frame",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ValidationOutcome:
    """Everything one validation run produces; the caller writes it where it belongs."""

    passing: pa.Table
    quarantined: pa.Table
    summary: SplitSummary
    scores: QualityScores
    result_json: dict[str, Any]
    data_docs_html: str

    @property
    def success(self) -> bool:
        """True when no row was quarantined."""
        return self.summary.quarantined == 0


def suite_name(contract: Contract) -> str:
    """The expectation suite's name, e.g. ``energy_meter.v1.0.0``."""
    return f"{contract.name}.v{contract.version}"


def validate_table(
    contract: Contract,
    table: pa.Table,
    *,
    now: datetime | None = None,
    data_docs: bool = True,
    context: pa.Table | None = None,
) -> ValidationOutcome:
    """Validate a batch; ``now`` stamps the report (default: the batch's latest ingest time).

    ``context`` holds readings validated before (e.g. each device's last curated reading of
    the previous batch): stream rules (counters, gaps, stuck runs) continue from them, but
    they are neither validated again nor counted.
    """
    checks = compile_checks(contract)
    prepared = prepare(contract, checks, table, context)
    result = run_suite(suite_name(contract), checks, prepared.frame.to_pandas(), contract.name)
    return outcome(contract, checks, prepared, result, now=now, data_docs=data_docs)


@dataclass(frozen=True)
class Prepared:
    """A batch ready for GX: the input, the same rows in contract types, and the frame GX
    validates in its Arrow form (``_row`` first)."""

    table: pa.Table
    conformed: Conformed
    frame: pa.Table


def prepare(
    contract: Contract, checks: tuple[Check, ...], table: pa.Table, context: pa.Table | None
) -> Prepared:
    """Conform a batch and compute its derived columns (stream rules continue from context)."""
    _refuse_reserved(table)
    conformed = conform(contract, table)
    derived = _derived(contract, conformed, checks, context)
    return Prepared(table, conformed, frame_table(conformed, checks, derived))


def outcome(
    contract: Contract,
    checks: tuple[Check, ...],
    prepared: Prepared,
    result: dict[str, Any],
    *,
    now: datetime | None,
    data_docs: bool,
) -> ValidationOutcome:
    """Split, report and score one batch from its GX result."""
    table, curated = prepared.table, prepared.conformed.table
    split = split_rows(result, checks, table, _with_extras(curated, table))
    report = compact_result(
        result,
        run_name=suite_name(contract),
        run_time=now or _latest_ingest(curated),
        restricted=restricted_fields(contract),
    )
    html = render_data_docs(report) if data_docs else ""
    scores = score_dimensions(split.summary)
    return ValidationOutcome(split.passing, split.quarantined, split.summary, scores, report, html)


def validation_frame(
    conformed: Conformed, checks: tuple[Check, ...], derived: dict[str, np.ndarray] | None = None
) -> Any:
    """The pandas frame GX validates: ``_row``, the columns the checks read, the derived ones."""
    return frame_table(conformed, checks, derived).to_pandas()


def frame_table(
    conformed: Conformed, checks: tuple[Check, ...], derived: dict[str, np.ndarray] | None = None
) -> pa.Table:
    """`validation_frame` as an Arrow table."""
    derived = derive_columns(conformed, checks) if derived is None else derived
    rows = conformed.table.num_rows
    columns: dict[str, Any] = {ROW: np.arange(rows, dtype=np.int64)}
    for check in checks:
        if check.column not in columns:
            columns[check.column] = (
                derived[check.column] if check.derived else conformed.table.column(check.column)
            )
    return pa.table(columns)


def _derived(
    contract: Contract, conformed: Conformed, checks: tuple[Check, ...], context: pa.Table | None
) -> dict[str, np.ndarray]:
    """Derived columns of the batch, with stream rules continuing from the context rows."""
    if context is None or context.num_rows == 0:
        return derive_columns(conformed, checks)
    before = conform(contract, context)
    combined = Conformed(
        pa.concat_tables([before.table, conformed.table]),
        {k: np.concatenate([before.type_ok[k], conformed.type_ok[k]]) for k in conformed.type_ok},
    )
    skip = context.num_rows
    return {name: values[skip:] for name, values in derive_columns(combined, checks).items()}


def _refuse_reserved(table: pa.Table) -> None:
    for name in table.column_names:
        if name.startswith("_"):
            raise ReservedColumnError(name)


def _with_extras(curated: pa.Table, table: pa.Table) -> pa.Table:
    """Contract columns in contract types, then any input columns the contract does not know."""
    for name in table.column_names:
        if name not in curated.column_names:
            curated = curated.append_column(table.schema.field(name), table.column(name))
    return curated


def _latest_ingest(table: pa.Table) -> datetime:
    latest = pc.max(table.column(INGEST_TIME)).as_py() if table.num_rows else None
    return latest if isinstance(latest, datetime) else _EPOCH
