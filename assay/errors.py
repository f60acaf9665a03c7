"""The exceptions of the ``assay`` package.

    AssayError                 root; ``transient`` says whether a retry may help
    ├── ConfigError            a setting is missing or wrong (``places`` = where we looked)
    └── StackError             a local service failed (``service``, ``fix``)
        └── StackTimeout       a service did not become ready in time (transient)

Errors carry their context as attributes; tests assert those, not message text.
"""

from __future__ import annotations


class AssayError(Exception):
    """Root of every error assay raises on purpose."""

    transient: bool = False


class ConfigError(AssayError):
    """A setting is missing or invalid."""

    def __init__(self, message: str, *, places: list[str] | None = None) -> None:
        self.places = list(places or [])
        looked = f" (looked in: {'; '.join(self.places)})" if self.places else ""
        super().__init__(f"{message}{looked}")


class StackError(AssayError):
    """A service of the local stack could not be provisioned, started or stopped."""

    def __init__(self, service: str, problem: str, fix: str = "") -> None:
        self.service = service
        self.problem = problem
        self.fix = fix
        hint = f"\n  fix: {fix}" if fix else ""
        super().__init__(f"{service}: {problem}{hint}")


class StackTimeout(StackError):
    """A service did not become ready within its timeout."""

    transient = True
