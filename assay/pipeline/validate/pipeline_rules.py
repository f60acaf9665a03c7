"""The pipeline's own rules, beside the contract's: identity, sequence resets, seq jumps.

Readings these rules set aside never reach Great Expectations (identity and dedup run
first); their quarantine rows carry the same columns as the validators' rows.
"""

from __future__ import annotations

import pyarrow as pa

from assay.pipeline.validate.dedup import Deduplicated
from schemas import Contract, duplicate_fields
from validators import seq_jump_reason, sequence_reset_reason, with_quarantine_columns

__all__ = [
    "SEQUENCE_RESET",
    "SEQ_JUMP",
    "notes",
    "pipeline_rules",
    "sequence_reset_rule",
    "with_pipeline_rules",
]

SEQUENCE_RESET = "sequence_reset:producer_id+seq"  # the id under the default ordering
SEQ_JUMP = "seq_jump"


def sequence_reset_rule(contract: Contract) -> str:
    """The rule id of a sequence regression, e.g. ``sequence_reset:producer_id+seq``."""
    return f"sequence_reset:{'+'.join(duplicate_fields(contract))}"


def notes(contract: Contract) -> list[str]:
    """What the summary says about rules that need (producer_id, seq) and cannot run."""
    if contract.sequenced:
        return []
    fields = ", ".join(duplicate_fields(contract))
    return [
        f"sequence_reset：契约声明来源无序号（sequenced: false），不检查序号回退；"
        f"重复读数按 ({fields}) 识别 / sequence_reset: skipped, the contract declares its "
        f"source unsequenced (sequenced: false); duplicates are recognised by ({fields})"
    ]


def pipeline_rules(
    contract: Contract, identity_failed: pa.Table, deduped: Deduplicated
) -> dict[str, pa.Table]:
    """The rows the pipeline's own rules set aside, by rule, with their quarantine columns."""
    reset, regressed = sequence_reset_rule(contract), deduped.regressed
    n = regressed.num_rows
    jumps = [
        seq_jump_reason(SEQ_JUMP, seq, mark, contract.max_seq_jump)
        for seq, mark in zip(_seqs(contract, deduped.jumped), deduped.jumped_from, strict=True)
    ]
    return {
        "identity": identity_failed,
        reset: with_quarantine_columns(
            regressed, [[(reset, "consistency")]] * n, [[sequence_reset_reason(reset)]] * n
        ),
        SEQ_JUMP: with_quarantine_columns(
            deduped.jumped, [[(SEQ_JUMP, "consistency")]] * len(jumps), [[j] for j in jumps]
        ),
    }


def _seqs(contract: Contract, rows: pa.Table) -> list[int]:
    return rows[contract.ordering.sequence].to_pylist() if rows.num_rows else []


def with_pipeline_rules(quarantined: pa.Table, rules: dict[str, pa.Table]) -> pa.Table:
    """The validators' quarantine rows plus the pipeline rules' rows, in the same columns."""
    extra = [rows for rows in rules.values() if rows.num_rows]
    if not extra:
        return quarantined
    if quarantined.num_rows == 0:
        quarantined, extra = extra[0], extra[1:]
    return pa.concat_tables([quarantined, *(rows.cast(quarantined.schema) for rows in extra)])
