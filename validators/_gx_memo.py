"""One Great Expectations cost, kept to once per expectation and validation.

GX 1.x rebuilds an expectation's ``configuration`` (a pydantic ``.dict()`` and a new
``ExpectationConfiguration``) every time it is read, and it is read for every keyword
an expectation looks up while its metrics are planned: ~98 times per expectation and
validation, 40% of a 100k-row run of the 52 energy-meter checks — more than computing
the metrics. Inside `configurations_memoised` the first read of each expectation
object is kept and handed back for the rest of that validation (expectations are not
changed while they are validated; GX makes new objects for the next one). Outside it,
and on any other thread, GX behaves exactly as shipped. A test validates clean and
broken batches both ways and compares every result, row and score.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_scope = threading.local()
_lock = threading.Lock()
_original: Any = None


@contextmanager
def configurations_memoised() -> Iterator[None]:
    """Within this block, each expectation's ``configuration`` is built once (this thread)."""
    _install()
    outer = getattr(_scope, "memo", None)
    _scope.memo = outer if outer is not None else {}
    try:
        yield
    finally:
        _scope.memo = outer


def _install() -> None:
    """Put the memoising property on GX's ``Expectation`` once per process."""
    global _original
    with _lock:
        if _original is not None:
            return
        from great_expectations.expectations.expectation import Expectation

        cls: Any = Expectation
        shipped = vars(cls)["configuration"]
        _original = shipped.fget
        cls.configuration = property(_configuration, doc=shipped.__doc__)


def _configuration(self: Any) -> Any:
    memo: dict[int, tuple[Any, Any]] | None = getattr(_scope, "memo", None)
    if memo is None:
        return _original(self)
    kept = memo.get(id(self))
    if kept is not None and kept[0] is self:  # the object itself, not a reused id
        return kept[1]
    built = _original(self)
    memo[id(self)] = (self, built)
    return built
