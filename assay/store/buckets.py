"""The pipeline's buckets by role: one name per layer, the same for every stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assay.config import Settings


@dataclass(frozen=True, kw_only=True)
class Buckets:
    """Where each layer lives. Stages read the roles they need; tests name only those."""

    raw: str = "assay-raw"
    deadletter: str = "assay-deadletter"
    curated: str = "assay-curated"
    quarantine: str = "assay-quarantine"
    reports: str = "assay-reports"
    releases: str = "assay-releases"

    @classmethod
    def from_settings(cls, settings: Settings) -> Buckets:
        """The configured buckets."""
        return cls(**settings.buckets)
