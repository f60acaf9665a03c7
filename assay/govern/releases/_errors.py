"""The exceptions of ``assay.govern.releases``.

    AssayError
    ├── ReleaseError              a release cannot be made, found or trusted
    │   ├── ReleaseExists         the version was released or claimed (``contract``, ``version``)
    │   ├── ReleaseNotFound       no manifest for that version (``contract``, ``version``)
    │   ├── NothingToRelease      no curated data in the window (``contract``, ``window``)
    │   ├── InvalidRelease        a bad request: version, window or grant (``problem``)
    │   ├── UnreconciledWindow    the window's counts do not reconcile (``gaps``)
    │   ├── NotPending            the draft was decided, or the release withdrawn (``state``)
    │   └── ReleaseTampered       the objects differ from what was released (``paths``)
    └── ConfigError
        └── MaskingKeyError       the masking key is unusable (``source``, ``length``)

S3 errors stay `StoreError`, translated where the store is (``assay.store.objects``).
"""

from __future__ import annotations

from typing import Any

from assay.errors import AssayError, ConfigError


class ReleaseError(AssayError):
    """Root of the release errors; all terminal."""


class ReleaseExists(ReleaseError):
    """A release version is immutable: it cannot be created twice, not even concurrently.

    ``path`` is the object that was found taken: ``manifest.json`` for a finished release,
    ``claim.json`` when another run claimed the version first.
    """

    def __init__(self, contract: str, version: str, path: str = "manifest.json") -> None:
        self.contract, self.version, self.path = contract, version, path
        super().__init__(
            f"release {contract} {version} exists already or is being created ({path} is "
            "taken) and is immutable; choose a new version (e.g. bump the patch number)"
        )


class ReleaseNotFound(ReleaseError):
    """No manifest for this contract and version."""

    def __init__(self, contract: str, version: str, bucket: str, *, draft: bool = False) -> None:
        self.contract, self.version, self.bucket, self.draft = contract, version, bucket, draft
        what = "release request" if draft else "release"
        super().__init__(
            f"no {what} {contract} {version} in s3://{bucket}/ (see `assay release ls --drafts`)"
        )


class NothingToRelease(ReleaseError):
    """The window holds no curated data."""

    def __init__(self, contract: str, window: tuple[str, str], bucket: str) -> None:
        self.contract, self.window, self.bucket = contract, window, bucket
        super().__init__(
            f"no curated {contract} data from {window[0]} to {window[1]} in s3://{bucket}/"
        )


class InvalidRelease(ReleaseError):
    """The request itself is wrong: a version, a window or a grant."""

    def __init__(self, problem: str, *, value: str = "") -> None:
        self.problem, self.value = problem, value
        super().__init__(problem)


class UnreconciledWindow(ReleaseError):
    """The ledger from edge to release has gaps and no steward accepted them."""

    def __init__(self, contract: str, window: tuple[str, str], gaps: list[Any]) -> None:
        self.contract, self.window, self.gaps = contract, window, gaps
        named = "; ".join(str(g) for g in gaps[:5]) + (" ..." if len(gaps) > 5 else "")
        super().__init__(
            f"{contract} {window[0]}..{window[1]}: the counts from edge to release do not "
            f"reconcile ({len(gaps)} gaps): {named}. Land and validate what is missing, or "
            "accept the known gap with a reason (--accept-gap REASON, or the console request "
            "form's known-gap field), which is recorded in the manifest and card"
        )


class NotPending(ReleaseError):
    """The action needs a pending draft (or a release not yet withdrawn); ``state`` says
    what it found instead."""

    def __init__(self, contract: str, version: str, state: str) -> None:
        self.contract, self.version, self.state = contract, version, state
        super().__init__(f"release {contract} {version} was {state}; nothing to do")


class ReleaseTampered(ReleaseError):
    """Objects of a release are not the ones released (overwritten or changed)."""

    def __init__(self, contract: str, version: str, paths: list[str]) -> None:
        self.contract, self.version, self.paths = contract, version, list(paths)
        super().__init__(
            f"release {contract} {version}: {', '.join(self.paths)} differ from the "
            "released objects; run `assay release verify`"
        )


class MaskingKeyError(ConfigError):
    """The masking key is missing, malformed, too short or not private."""

    def __init__(self, source: str, problem: str, *, length: int | None = None) -> None:
        self.source, self.problem, self.length = source, problem, length
        super().__init__(f"masking key {source} {problem}", places=[source])


class ReleaseWithdrawn(UserWarning):
    """A warning, not an error: the release was withdrawn, its data is still readable."""
