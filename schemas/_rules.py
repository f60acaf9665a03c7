"""Contract -> rule list: what a reading or a stream of readings must satisfy.

Each rule is a frozen dataclass with a ``kind``, the ``fields`` it reads, its
parameters, its GB/T 36344-2018 quality ``dimension`` and a ``severity``
(error: the row is quarantined; warning: the row is kept and the finding
reported). ``validators/`` turns the list into a Great Expectations suite;
match on the class (``case RangeRule(min=low, max=high)``) or on ``kind``.

Stream rules (monotonic, max_gap, stuck) look at consecutive readings of one
group (``per``), ordered by the contract's event-time field.

Timeliness rules hold the event time against the ingest time: ``freshness`` warns
of a late reading, ``max_age`` (the contract's ``max_event_age``) quarantines one
too old to be plausible, ``future`` one stamped ahead of its ingest time by more
than ``max_clock_skew`` (60 s when the contract is silent), and ``earliest`` one
stamped before 2000-01-01T00:00:00Z, whatever the contract says: no source assay
serves predates it, and 1900 or 1970 is a clock that was reset, not a reading's time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from schemas._duration import parse_duration
from schemas._envelope import KAFKA_KEY_FIELD, all_fields
from schemas._identity import duplicate_fields
from schemas._model import Contract, FieldSpec, FieldType, Precision
from schemas._vocabulary import QualityDimension, Severity

__all__ = [
    "AllowedValuesRule",
    "ClaimCheckRule",
    "ClockSkewRule",
    "EarliestRule",
    "EventAgeRule",
    "FreshnessRule",
    "MaxGapRule",
    "MonotonicRule",
    "NotNullRule",
    "PatternRule",
    "RangeRule",
    "Rule",
    "RuleKind",
    "StuckRule",
    "TypeRule",
    "UniqueRule",
    "compile_rules",
]

_D = QualityDimension


class RuleKind(StrEnum):
    """What a rule checks."""

    TYPE = "type"
    NOT_NULL = "not_null"
    PATTERN = "pattern"
    ALLOWED_VALUES = "allowed_values"
    RANGE = "range"
    UNIQUE = "unique"
    MONOTONIC = "monotonic"
    MAX_GAP = "max_gap"
    STUCK = "stuck"
    FRESHNESS = "freshness"
    MAX_AGE = "max_age"
    FUTURE = "future"
    EARLIEST = "earliest"
    CLAIM_CHECK = "claim_check"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """Common shape of every rule; subclasses fix ``kind`` and ``dimension``."""

    fields: tuple[str, ...]
    severity: Severity = Severity.ERROR
    kind: RuleKind = field(init=False)
    dimension: QualityDimension = field(init=False)

    @property
    def field(self) -> str:
        """The first (for most rules, the only) field the rule reads."""
        return self.fields[0]

    @property
    def rule_id(self) -> str:
        """A stable identifier, e.g. ``range:voltage_l1``."""
        return f"{self.kind}:{'+'.join(self.fields)}"


@dataclass(frozen=True, kw_only=True)
class TypeRule(Rule):
    """The column exists with this contract type (and timestamp precision)."""

    type: FieldType
    precision: Precision | None = None
    kind: RuleKind = field(default=RuleKind.TYPE, init=False)
    dimension: QualityDimension = field(default=_D.NORMATIVE, init=False)


@dataclass(frozen=True, kw_only=True)
class NotNullRule(Rule):
    """Every reading has a value."""

    kind: RuleKind = field(default=RuleKind.NOT_NULL, init=False)
    dimension: QualityDimension = field(default=_D.COMPLETENESS, init=False)


@dataclass(frozen=True, kw_only=True)
class PatternRule(Rule):
    """Non-null values match a regular expression."""

    pattern: str
    kind: RuleKind = field(default=RuleKind.PATTERN, init=False)
    dimension: QualityDimension = field(default=_D.NORMATIVE, init=False)


@dataclass(frozen=True, kw_only=True)
class AllowedValuesRule(Rule):
    """Non-null values are one of ``values``."""

    values: tuple[str, ...]
    kind: RuleKind = field(default=RuleKind.ALLOWED_VALUES, init=False)
    dimension: QualityDimension = field(default=_D.NORMATIVE, init=False)


@dataclass(frozen=True, kw_only=True)
class RangeRule(Rule):
    """Non-null values (every element, for lists) lie in ``[min, max]``; None is unbounded."""

    min: float | None = None
    max: float | None = None
    unit: str | None = None
    kind: RuleKind = field(default=RuleKind.RANGE, init=False)
    dimension: QualityDimension = field(default=_D.ACCURACY, init=False)


@dataclass(frozen=True, kw_only=True)
class UniqueRule(Rule):
    """No two readings share the values of ``fields``; with ``drop_duplicates`` the later
    ones are replays to drop and count rather than rows to quarantine."""

    drop_duplicates: bool = False
    kind: RuleKind = field(default=RuleKind.UNIQUE, init=False)
    dimension: QualityDimension = field(default=_D.CONSISTENCY, init=False)


@dataclass(frozen=True, kw_only=True)
class MonotonicRule(Rule):
    """A counter never decreases per ``per`` group; a drop to at most ``reset_below``
    is a counter reset (meter swap, rollover, tool change) and starts a new run."""

    per: str
    order_by: str
    reset_below: float | None = None
    kind: RuleKind = field(default=RuleKind.MONOTONIC, init=False)
    dimension: QualityDimension = field(default=_D.CONSISTENCY, init=False)


@dataclass(frozen=True, kw_only=True)
class MaxGapRule(Rule):
    """Consecutive non-null values per ``per`` group are at most ``max_gap_seconds`` apart
    in ``order_by`` time (the expected sampling period, with slack)."""

    per: str
    order_by: str
    max_gap_seconds: float
    kind: RuleKind = field(default=RuleKind.MAX_GAP, init=False)
    dimension: QualityDimension = field(default=_D.COMPLETENESS, init=False)


@dataclass(frozen=True, kw_only=True)
class StuckRule(Rule):
    """``count`` identical consecutive values per ``per`` group mean a stuck sensor."""

    per: str
    order_by: str
    count: int
    kind: RuleKind = field(default=RuleKind.STUCK, init=False)
    dimension: QualityDimension = field(default=_D.ACCURACY, init=False)


@dataclass(frozen=True, kw_only=True)
class FreshnessRule(Rule):
    """``reference - field`` (ingest time minus a timestamp) is at most ``max_lag_seconds``."""

    reference: str
    max_lag_seconds: float
    kind: RuleKind = field(default=RuleKind.FRESHNESS, init=False)
    dimension: QualityDimension = field(default=_D.TIMELINESS, init=False)


@dataclass(frozen=True, kw_only=True)
class EventAgeRule(Rule):
    """``reference - field`` (ingest minus event time) is at most ``max_age_seconds``;
    an older reading is implausible for the source and quarantined."""

    reference: str
    max_age_seconds: float
    kind: RuleKind = field(default=RuleKind.MAX_AGE, init=False)
    dimension: QualityDimension = field(default=_D.TIMELINESS, init=False)


@dataclass(frozen=True, kw_only=True)
class ClockSkewRule(Rule):
    """``field - reference`` (event minus ingest time) is at most ``tolerance_seconds``;
    an event time further ahead is a clock fault."""

    reference: str
    tolerance_seconds: float
    kind: RuleKind = field(default=RuleKind.FUTURE, init=False)
    dimension: QualityDimension = field(default=_D.TIMELINESS, init=False)


@dataclass(frozen=True, kw_only=True)
class EarliestRule(Rule):
    """``field`` is not before ``earliest`` (RFC 3339, UTC): an earlier time is a reset clock."""

    earliest: str
    kind: RuleKind = field(default=RuleKind.EARLIEST, init=False)
    dimension: QualityDimension = field(default=_D.TIMELINESS, init=False)


@dataclass(frozen=True, kw_only=True)
class ClaimCheckRule(Rule):
    """A claim-check reference is well-formed (URI scheme, sha256 hex) and resolvable."""

    uri_schemes: tuple[str, ...] = ("s3", "http", "https", "file")
    kind: RuleKind = field(default=RuleKind.CLAIM_CHECK, init=False)
    dimension: QualityDimension = field(default=_D.ACCESSIBILITY, init=False)


INGEST_TIME_FIELD = "ingest_time"
DEFAULT_MAX_CLOCK_SKEW = "60s"
EARLIEST_EVENT_TIME = "2000-01-01T00:00:00Z"


def compile_rules(contract: Contract) -> list[Rule]:
    """Every rule of a contract (envelope included), in field order, then dataset rules."""
    rules: list[Rule] = []
    for name, spec in all_fields(contract).items():
        rules.extend(_field_rules(contract, name, spec))
    rules.extend(_dataset_rules(contract))
    return rules


def _field_rules(contract: Contract, name: str, spec: FieldSpec) -> Iterator[Rule]:
    one = (name,)
    yield TypeRule(fields=one, type=spec.type, precision=_precision(spec))
    if not spec.nullable:
        yield NotNullRule(fields=one)
    if spec.pattern is not None:
        yield PatternRule(fields=one, pattern=spec.pattern)
    if spec.values is not None:
        yield AllowedValuesRule(fields=one, values=spec.values)
    if spec.min is not None or spec.max is not None:
        yield RangeRule(fields=one, min=spec.min, max=spec.max, unit=spec.unit)
    if spec.type == "binary_ref":
        yield ClaimCheckRule(fields=one)
    yield from _stream_rules(contract, name, spec)


def _precision(spec: FieldSpec) -> Precision | None:
    return (spec.precision or "ms") if spec.type == "timestamp" else None


def _stream_rules(contract: Contract, name: str, spec: FieldSpec) -> Iterator[Rule]:
    one, order_by = (name,), contract.event_time
    if spec.monotonic_per is not None:
        yield MonotonicRule(
            fields=one, per=spec.monotonic_per, order_by=order_by, reset_below=spec.reset_below
        )
    if spec.max_gap is not None:
        seconds = parse_duration(spec.max_gap).total_seconds()
        yield MaxGapRule(
            fields=one,
            per=KAFKA_KEY_FIELD,
            order_by=order_by,
            max_gap_seconds=seconds,
            severity=Severity.WARNING,
        )
    if spec.stuck_after is not None:
        yield StuckRule(
            fields=one,
            per=KAFKA_KEY_FIELD,
            order_by=order_by,
            count=spec.stuck_after,
            severity=Severity.WARNING,
        )
    if spec.freshness is not None:
        yield _freshness(name, spec.freshness)


def _freshness(name: str, duration: str) -> FreshnessRule:
    seconds = parse_duration(duration).total_seconds()
    return FreshnessRule(
        fields=(name,),
        reference=INGEST_TIME_FIELD,
        max_lag_seconds=seconds,
        severity=Severity.WARNING,
    )


def _dataset_rules(contract: Contract) -> Iterator[Rule]:
    duplicates = duplicate_fields(contract)
    yield UniqueRule(fields=duplicates, drop_duplicates=True)
    if tuple(contract.key) != duplicates:
        yield UniqueRule(fields=tuple(contract.key))
    yield from _timeliness_rules(contract)


def _timeliness_rules(contract: Contract) -> Iterator[Rule]:
    one, ingest = (contract.event_time,), INGEST_TIME_FIELD
    if contract.freshness is not None:
        yield _freshness(contract.event_time, contract.freshness)
    if contract.max_event_age is not None:
        age = parse_duration(contract.max_event_age).total_seconds()
        yield EventAgeRule(fields=one, reference=ingest, max_age_seconds=age)
    yield EarliestRule(fields=one, earliest=EARLIEST_EVENT_TIME)
    skew = parse_duration(contract.max_clock_skew or DEFAULT_MAX_CLOCK_SKEW).total_seconds()
    yield ClockSkewRule(fields=one, reference=ingest, tolerance_seconds=skew)
