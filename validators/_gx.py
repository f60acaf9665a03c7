"""The one boundary with Great Expectations: build a suite, run it, render Data Docs.

``great_expectations`` takes seconds to import, so it is imported inside these
functions only; importing ``validators`` never imports it. Every exception
raised in here leaves as a ``ValidationRunError`` (``raise … from exc``).

The context is ephemeral (nothing written to disk), analytics are off, progress
bars are off (``ProgressBarsConfig(globally=False)`` in the project config) and
the ``great_expectations`` logger only passes warnings.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from validators._checks import ROW, Check
from validators._errors import ValidationRunError
from validators._wording import describe

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["build_suite", "render_validation_page", "run_suite"]

_T = TypeVar("_T")

#: What each expectation returns: every unexpected row by its ``_row`` identity.
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW],
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 20,
}

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

    Only a ``COMPLETE`` result lists every failing row; ``SUMMARY`` is for measurements.
    """
    fmt = RESULT_FORMAT if result_format == "COMPLETE" else {"result_format": result_format}
    return _guarded(name, "validation", lambda: _run_suite(name, checks, frame, asset, fmt))


def _run_suite(
    name: str, checks: tuple[Check, ...], frame: pd.DataFrame, asset: str, fmt: dict[str, Any]
) -> dict[str, Any]:
    context = _ephemeral_context()
    suite = _build_suite(context, name, checks)
    source = context.data_sources.add_pandas("assay")
    batches = source.add_dataframe_asset(asset).add_batch_definition_whole_dataframe("batch")
    batch = batches.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format=fmt)
    return dict(result.to_json_dict())


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
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    loaded = ExpectationSuiteValidationResultSchema().load(result)
    document = ValidationResultsPageRenderer().render(loaded)
    return str(DefaultJinjaPageView().render(document))
