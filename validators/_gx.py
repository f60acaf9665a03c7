"""The one boundary with Great Expectations: build a suite, run it, render Data Docs.

``great_expectations`` takes seconds to import, so it is imported inside these
functions only; importing ``validators`` never imports it. Every exception
raised in here leaves as a ``ValidationRunError`` (``raise … from exc``).

The context is ephemeral (nothing written to disk), analytics are off, progress
bars are off (``ProgressBarsConfig(globally=False)`` in the project config) and
the ``great_expectations`` logger only passes warnings.

A COMPLETE run is two passes (see ``_passes``): BASIC results for the whole suite (GX
runs BOOLEAN_ONLY, and the BASIC result of each expectation that passed is written from
the frame's counts: ``_slices.with_counts``), then COMPLETE results for the expectations
that found unexpected rows. Suites are built once per process for each distinct list of
expectations: adding an expectation compares it with every one already in the suite
(~0.13 s for 52).
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from validators._checks import ROW, Check
from validators._errors import ValidationRunError
from validators._gx_memo import configurations_memoised
from validators._passes import merge_passes, to_rerun
from validators._slices import counted_columns, with_counts
from validators._wording import describe

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "build_suite",
    "fingerprint",
    "read_by",
    "render_validation_page",
    "run_pass",
    "run_suite",
]

_T = TypeVar("_T")

#: What each expectation returns: every unexpected row by its ``_row`` identity.
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW],
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 20,
}

#: The first pass of a COMPLETE run: whether each expectation passed. BASIC would compute
#: the first unexpected values and the missing values of every expectation, found rows or
#: not (165k rows, 52 checks: 0.257 CPU-s against 0.196; bench/README.md).
_FIRST_PASS: dict[str, Any] = {**RESULT_FORMAT, "result_format": "BOOLEAN_ONLY"}

_GX_SEVERITY = {"error": "critical", "warning": "warning"}


@contextmanager
def _boundary(suite: str, stage: str) -> Iterator[None]:
    """Translate anything raised by Great Expectations (or pandas under it) into our errors."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except ValidationRunError:
        raise
    except Exception as exc:
        raise ValidationRunError(suite, stage, exc) from exc


def _guarded(suite: str, stage: str, work: Callable[[], _T]) -> _T:
    with _boundary(suite, stage):
        return work()


def build_suite(name: str, checks: tuple[Check, ...]) -> Any:
    """A Great Expectations ``ExpectationSuite`` with one expectation per check.

    GX binds a suite to the current data context, so this makes an ephemeral one first.
    """
    return _guarded(
        name, "building the suite", lambda: _build_suite(_ephemeral_context(), name, checks)
    )


def _build_suite(_context: Any, name: str, checks: tuple[Check, ...]) -> Any:
    import great_expectations as gx
    from great_expectations.expectations.registry import get_expectation_impl

    suite = gx.ExpectationSuite(name=name)
    for check in checks:
        expectation_class = get_expectation_impl(check.expectation)
        suite.add_expectation(expectation_class(**_expectation_arguments(check)))
    return suite


def _expectation_arguments(check: Check) -> dict[str, Any]:
    return {
        "column": check.column,
        **check.kwargs,
        "meta": _meta(check),
        "description": describe(check),
        "severity": _GX_SEVERITY[str(check.severity)],
    }


def _meta(check: Check) -> dict[str, Any]:
    """What maps a result back to its rule (and what a steward reads in the JSON)."""
    return {
        "rule_id": check.rule_id,
        "kind": check.kind,
        "fields": list(check.fields),
        "dimension": str(check.dimension),
        "severity": str(check.severity),
    }


def run_suite(
    name: str,
    checks: tuple[Check, ...],
    frame: pd.DataFrame,
    asset: str,
    *,
    result_format: str = "COMPLETE",
) -> dict[str, Any]:
    """Validate ``frame`` against the checks' suite in an ephemeral context; the result as JSON.

    Only a ``COMPLETE`` result lists every failing row (it is the merge of two passes, the
    same as one COMPLETE pass); ``SUMMARY`` and the others are one pass, for measurements.
    """
    if result_format == "COMPLETE":
        return _guarded(name, "validation", lambda: _two_passes(name, checks, frame, asset))
    fmt = {"result_format": result_format}
    return _guarded(name, "validation", lambda: _one_pass(name, checks, frame, asset, fmt))


def _one_pass(
    name: str, checks: tuple[Check, ...], frame: pd.DataFrame, asset: str, fmt: dict[str, Any]
) -> dict[str, Any]:
    return _validate(_validator(_batch_definition(asset), frame, fmt), name, checks)


def _two_passes(
    name: str, checks: tuple[Check, ...], frame: pd.DataFrame, asset: str
) -> dict[str, Any]:
    first = _first_pass(name, checks, frame, asset)
    again = to_rerun(first, checks)
    return merge_passes(first, _rows_pass(name, again, frame, asset) if again else None)


def _first_pass(
    name: str, checks: tuple[Check, ...], frame: pd.DataFrame, asset: str
) -> dict[str, Any]:
    """GX's BASIC result of the suite: a BOOLEAN_ONLY pass, with the counts of what passed."""
    first = _one_pass(name, checks, frame, asset, _FIRST_PASS)
    present = set(frame.columns)
    nulls = {c: int(frame[c].isnull().sum()) for c in counted_columns(first) if c in present}
    return with_counts(first, rows=len(frame), nulls=nulls)


def _rows_pass(
    name: str, checks: tuple[Check, ...], frame: pd.DataFrame, asset: str
) -> dict[str, Any]:
    """COMPLETE results of the checks, over ``_row`` and the columns they read (`read_by`)."""
    return _one_pass(name, checks, frame[read_by(checks, frame.columns)], asset, RESULT_FORMAT)


def read_by(checks: tuple[Check, ...], columns: Iterable[str]) -> list[str]:
    """``_row`` and the columns the checks read, of ``columns`` (a frame's): all a second pass
    needs of the frame (a check whose column is missing fails there as in the whole frame).

    Each of our expectations is a column map, whose result depends on its own column and the
    ``_row`` that names its rows; GX copies (to drop missing values) and fingerprints every
    column of the frame it is given, so the second pass gets only these. Its fingerprint is
    not kept: the suite-level fields come from the first pass (``merge_passes``).
    """
    present = set(columns)
    return [n for n in dict.fromkeys((ROW, *(c.column for c in checks))) if n in present]


def run_pass(
    name: str, checks: tuple[Check, ...], frame: pd.DataFrame, asset: str, *, rows: bool
) -> dict[str, Any]:
    """One pass of a COMPLETE run on its own: BASIC results, or with ``rows`` COMPLETE ones
    over the columns the checks read (`run_suite` merges the two; grouped validation cuts
    them by batch)."""
    if rows:
        return _guarded(name, "validation", lambda: _rows_pass(name, checks, frame, asset))
    return _guarded(name, "validation", lambda: _first_pass(name, checks, frame, asset))


def fingerprint(frame: pd.DataFrame) -> str:
    """GX's fingerprint of a frame, as its result's ``batch_markers`` carry it."""
    from great_expectations.execution_engine.pandas_execution_engine import hash_pandas_dataframe

    return str(hash_pandas_dataframe(frame))


@lru_cache(maxsize=32)
def _batch_definition(asset: str) -> Any:
    """A whole-dataframe batch definition per asset, once per process (a context, a data
    source and an asset cost 20-35 ms a pass). The frame itself comes with each validator's
    batch parameters; GX names a batch by a fingerprint of its frame, and its execution engine
    keeps only the batch it validated last."""
    source = _ephemeral_context().data_sources.add_pandas("assay")
    return source.add_dataframe_asset(asset).add_batch_definition_whole_dataframe("batch")


def _validator(definition: Any, frame: pd.DataFrame, fmt: dict[str, Any]) -> Any:
    """GX's own validator of one batch, as ``ValidationDefinition.run`` makes it.

    ``Batch.validate`` would load (and fingerprint) the frame once for the batch and again
    for its validator; this loads it once per pass.
    """
    from great_expectations.validator.v1_validator import Validator

    return Validator(definition, result_format=fmt, batch_parameters={"dataframe": frame})


def _validate(validator: Any, name: str, checks: tuple[Check, ...]) -> dict[str, Any]:
    suite = _cached_suite(_SuiteKey(name, _fingerprint(checks), checks))
    with configurations_memoised():
        return dict(validator.validate_expectation_suite(suite).to_json_dict())


@dataclass(frozen=True)
class _SuiteKey:
    """A suite's identity: its name and every expectation's type and arguments."""

    name: str
    fingerprint: str
    checks: tuple[Check, ...] = field(compare=False)


def _fingerprint(checks: tuple[Check, ...]) -> str:
    expectations = [[c.expectation, _expectation_arguments(c)] for c in checks]
    return json.dumps(expectations, default=repr)


@lru_cache(maxsize=32)
def _cached_suite(key: _SuiteKey) -> Any:
    """Validation neither changes nor saves a suite, so one serves every batch of a process."""
    return _build_suite(_ephemeral_context(), key.name, key.checks)


def _ephemeral_context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def render_validation_page(result: dict[str, Any]) -> str:
    """GX's own Data Docs page for one validation result, as an HTML string."""
    suite = str(result.get("suite_name", "suite"))
    return _guarded(suite, "rendering Data Docs", lambda: _render(result))


def _render(result: dict[str, Any]) -> str:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )

    renderer, view = _page_tools()
    document = renderer.render(ExpectationSuiteValidationResultSchema().load(result))
    return str(view.render(document))


@lru_cache(maxsize=1)
def _page_tools() -> tuple[Any, Any]:
    """The page renderer and the Jinja view, once per process: the view's Jinja environment
    caches compiled templates (compiling them took ~0.1 s a page)."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    return ValidationResultsPageRenderer(), DefaultJinjaPageView()
