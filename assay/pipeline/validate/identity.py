"""The ``identity`` rule: a reading's producer_id must be one its signing gateway may use.

Ingest checked each record's signature and kept the verdict in ``kafka_signer`` and
``kafka_signature_valid`` (``schemas.signature``). Here, before duplicates are dropped,
every reading is judged against the signers registry (``signers.Signers``):

- a signature that does not hold, or a signer not registered: quarantined;
- a valid signature whose gateway's patterns do not cover the producer_id: quarantined;
- unsigned: quarantined when the contract says ``identity: signed``, or when a registered
  gateway owns the producer_id (an impersonation); otherwise accepted (a foreign producer).

It runs before deduplication so that a forged reading never moves its victim's watermark.
Raw objects written before signatures existed lack both columns: their readings count as
unsigned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.pipeline.validate.signers import Signers
from schemas import Contract
from validators import group_codes, identity_reason, with_quarantine_columns

RULE = "identity"
DIMENSION = "normative"  # GB/T 36344 规范性 covers conformance to security rules

_Key = tuple[str | None, str | None, bool | None]


@dataclass(frozen=True)
class Judged:
    """Readings whose identity holds, and the others with their quarantine columns."""

    passing: pa.Table
    failed: pa.Table


def judge_identity(table: pa.Table, contract: Contract, signers: Signers) -> Judged:
    """Split ``table`` by the identity rule (module docstring). A segment has few distinct
    (producer, signer, verdict) triples: each is judged once and its verdict spread by code."""
    codes, keys = _keys(table, contract)
    reasons = [reason_for(signers, contract, *key) for key in keys]
    bad_rows = np.array([r is not None for r in reasons], dtype=bool)[codes]
    bad = pa.array(bad_rows, pa.bool_())
    failed = table.filter(bad)
    found = [reasons[code] for code in codes[bad_rows]]
    failed = with_quarantine_columns(
        failed, [[(RULE, DIMENSION)]] * len(found), [[r] for r in found]
    )
    passing = table.filter(pc.invert(bad)) if found else table  # usually all: copy nothing
    return Judged(passing, failed)


def _keys(table: pa.Table, contract: Contract) -> tuple[np.ndarray, list[_Key]]:
    """Each row's code, and each code's (producer, signer, verdict); a column that is not
    there is null in every row."""
    n, names = table.num_rows, table.column_names
    wanted = (contract.ordering.producer, "kafka_signer", "kafka_signature_valid")
    columns = [table[name] if name in names else pa.nulls(n) for name in wanted]
    codes, _ = group_codes(columns)
    _, first, dense = np.unique(codes, return_index=True, return_inverse=True)
    values = [column.take(pa.array(first, pa.int64())).to_pylist() for column in columns]
    return dense, list(zip(*values, strict=True))


def reason_for(
    signers: Signers,
    contract: Contract,
    producer: str | None,
    signer: str | None,
    valid: bool | None,
) -> tuple[str, str] | None:
    """Why one reading fails the identity rule, (zh, en); None when it passes."""
    shown = "null" if producer is None else producer
    if valid is False:
        return identity_reason("bad_signature", signer or "?", shown)
    if valid:
        if signer not in signers.patterns:
            return identity_reason("unknown_signer", str(signer), shown)
        if producer is not None and not signers.may_use(str(signer), producer):
            return identity_reason("foreign_producer", str(signer), shown)
        return None
    if contract.identity == "signed":
        return identity_reason("unsigned", "", shown)
    owner = None if producer is None else signers.owner(producer)
    return None if owner is None else identity_reason("reserved", "", shown, owner)
