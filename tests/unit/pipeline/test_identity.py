"""The identity rule: who signed a record, and whether that gateway may use its producer_id."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.govern.access import IdentityKey, Signers
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import land_partition
from assay.pipeline.validate import curation
from assay.pipeline.validate.identity import reason_for
from assay.pipeline.validate.signers import REGISTRY_KEY, matches
from assay.store.objects import MemoryStore
from assay.store.parquet import from_parquet
from schemas import Contract
from schemas.signature import sign
from validators import with_quarantine_columns

from .conftest import reading, record
from .test_landing import memory_log

MASTER = IdentityKey(b"m" * 32)
SIGNERS = Signers({"gw-a": ("gw-a", "gw-a-*"), "edge-demo": ("*",)})
BUCKETS = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")
LANDING = LandingBuckets(raw="raw", deadletter="dead")


def signed(
    offset: int, seq: int, producer: str, principal: str, key: bytes | None = None
) -> Record:
    plain = record(offset, reading(seq, producer_id=producer))
    headers = sign(
        key or MASTER.for_principal(principal),
        principal,
        plain.topic,
        plain.key,
        plain.headers,
        plain.value or b"",
    )
    return plain._replace(headers=tuple(headers))


@pytest.mark.parametrize(
    ("producer", "signer", "valid", "kind"),
    [
        ("gw-a", "gw-a", True, None),
        ("gw-a-line-2", "gw-a", True, None),
        ("gw-b", "gw-a", True, "may not use producer_id gw-b"),
        ("gw-ab", "gw-a", True, "may not use producer_id gw-ab"),
        ("anything", "edge-demo", True, None),
        ("gw-a", "gw-x", True, "not a registered gateway"),
        ("gw-a", "gw-a", False, "signature does not hold"),
        ("gw-a-7", None, None, "belongs to gateway gw-a"),
        ("telegraf-1", None, None, None),  # a foreign producer: the contract is open
        (None, None, None, None),
    ],
)
def test_reasons(energy: Contract, producer, signer, valid, kind) -> None:
    found = reason_for(SIGNERS, energy, producer, signer, valid)
    assert (found is None) == (kind is None)
    if kind is not None:
        assert found is not None and kind in found[1] and found[0].startswith("identity：")


def test_a_signed_contract_refuses_unsigned_readings(energy: Contract) -> None:
    strict = energy.model_copy(update={"identity": "signed"})
    assert "unsigned" in (reason_for(SIGNERS, strict, "telegraf-1", None, None) or ("", ""))[1]


@given(st.text(max_size=12), st.text(max_size=12))
def test_a_pattern_without_star_matches_only_itself(pattern: str, producer: str) -> None:
    assert matches(pattern.replace("*", ""), producer) == (pattern.replace("*", "") == producer)


def test_keys_are_per_principal_and_stable() -> None:
    assert MASTER.for_principal("gw-a") == IdentityKey(b"m" * 32).for_principal("gw-a")
    assert MASTER.for_principal("gw-a") != MASTER.for_principal("gw-b")
    assert MASTER.for_principal("gw-a") != IdentityKey(b"n" * 32).for_principal("gw-a")
    assert len(MASTER.key_id) == 16 and MASTER.key_id not in MASTER.secret.hex()


def test_identity_failures_are_quarantined_before_dedup(energy: Contract) -> None:
    """A foreign or forged reading with a huge seq never moves the victim's watermark; a
    genuine huge jump is quarantined as seq_jump; the audit's accounting balances."""
    records = [signed(i, i, "gw-a", "gw-a") for i in range(10)]
    records.append(signed(10, 2**63 - 1, "gw-a", "gw-b", MASTER.for_principal("gw-a")))  # forged
    records.append(signed(11, 2**62, "gw-a", "edge-x"))  # not registered
    records.append(record(12, reading(2**61, producer_id="gw-a")))  # unsigned, reserved id
    records.append(signed(13, 2**60, "gw-a", "gw-a"))  # its own, but implausible
    records += [signed(14 + i, 10 + i, "gw-a", "gw-a") for i in range(5)]  # still curated
    store = MemoryStore()
    store.put("rep", REGISTRY_KEY, SIGNERS.dumps())
    lookup = MASTER.lookup()
    land_partition(memory_log(records), store, LANDING, energy, keys=lookup)
    summaries = curation.validate_pending(store, BUCKETS, energy, 0)
    assert [s.balanced for s in summaries] == [True]
    (summary,) = summaries
    assert (summary.curated, summary.quarantined) == (15, 4)
    assert summary.by_rule == {"identity": 3, "seq_jump": 1}
    rows = from_parquet(store.get("q", summary.quarantine_key or "")).to_pylist()
    assert {r["seq"]: r["failed_rules"] for r in rows} == {
        2**63 - 1: ["identity"],
        2**62: ["identity"],
        2**61: ["identity"],
        2**60: ["seq_jump"],
    }
    assert all(r["failed_dimensions"] in (["normative"], ["consistency"]) for r in rows)


def test_without_the_master_key_no_signature_holds(energy: Contract) -> None:
    store = MemoryStore()
    store.put("rep", REGISTRY_KEY, SIGNERS.dumps())
    land_partition(memory_log([signed(0, 0, "gw-a", "gw-a")]), store, LANDING, energy)
    (summary,) = curation.validate_pending(store, BUCKETS, energy, 0)
    assert summary.by_rule == {"identity": 1}


def _per_row(table, contract: Contract, signers: Signers) -> tuple[list[int], list]:
    """The rule read row by row, as the judge must agree with."""
    names = table.column_names

    def column(name: str) -> list:
        return table[name].to_pylist() if name in names else [None] * table.num_rows

    keys = zip(
        column("producer_id"), column("kafka_signer"), column("kafka_signature_valid"), strict=True
    )
    reasons = [reason_for(signers, contract, *key) for key in keys]
    return [i for i, r in enumerate(reasons) if r is None], [r for r in reasons if r is not None]


_PRODUCERS = st.sampled_from([None, "gw-a", "gw-a-2", "gw-b", "telegraf-1", "edge-7"])
_SIGNERS = st.sampled_from([None, "gw-a", "gw-x", "edge-demo"])
_VERDICTS = st.sampled_from([None, True, False])


@given(
    rows=st.lists(st.tuples(_PRODUCERS, _SIGNERS, _VERDICTS), max_size=60),
    present=st.sets(st.sampled_from(["kafka_signer", "kafka_signature_valid"])),
    chunk=st.integers(1, 7),
    signed_only=st.booleans(),
)
def test_the_judge_agrees_with_the_rule_row_by_row(
    energy: Contract, rows, present, chunk: int, signed_only: bool
) -> None:
    import pyarrow as pa

    from assay.pipeline.validate.identity import judge_identity

    contract = energy.model_copy(update={"identity": "signed"}) if signed_only else energy
    columns = {
        "producer_id": pa.array([r[0] for r in rows], pa.string()),
        "kafka_signer": pa.array([r[1] for r in rows], pa.string()),
        "kafka_signature_valid": pa.array([r[2] for r in rows], pa.bool_()),
        "row": pa.array(range(len(rows)), pa.int64()),
    }
    table = pa.table({k: v for k, v in columns.items() if k in present | {"producer_id", "row"}})
    table = pa.Table.from_batches(table.to_batches(max_chunksize=chunk), table.schema)
    passing, reasons = _per_row(table, contract, SIGNERS)
    judged = judge_identity(table, contract, SIGNERS)
    assert judged.passing.equals(table.take(pa.array(passing, pa.int64())))
    failing = [i for i in range(len(rows)) if i not in set(passing)]
    expected = with_quarantine_columns(
        table.take(pa.array(failing, pa.int64())),
        [[("identity", "normative")]] * len(reasons),
        [[r] for r in reasons],
    )
    assert judged.failed.equals(expected)
