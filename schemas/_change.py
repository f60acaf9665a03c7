"""The vocabulary of contract changes: what changed, how bad it is, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Bump", "Change", "ChangeClass", "ChangeKind"]


class ChangeClass(StrEnum):
    """How a change affects readers of existing data and the version it needs.

    docs: documentation only (patch); compatible: every reading valid before is
    still valid (minor); breaking: some valid reading, Parquet file or consumer
    breaks (major, so a new topic).
    """

    DOCS = "docs"
    COMPATIBLE = "compatible"
    BREAKING = "breaking"

    @property
    def bump(self) -> Bump:
        """The smallest version bump this class of change needs."""
        return {"docs": Bump.PATCH, "compatible": Bump.MINOR, "breaking": Bump.MAJOR}[self.value]


class Bump(StrEnum):
    """Which part of a semantic version changed."""

    NONE = "none"
    PATCH = "patch"
    MINOR = "minor"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        """Order of bumps: none < patch < minor < major."""
        return list(Bump).index(self)


class ChangeKind(StrEnum):
    """What changed between two versions of a contract."""

    NAME_CHANGED = "name_changed"
    METADATA_CHANGED = "metadata_changed"
    SECURITY_RAISED = "security_raised"
    SECURITY_LOWERED = "security_lowered"
    LAYOUT_CHANGED = "layout_changed"
    DECODING_CHANGED = "decoding_changed"
    FIELD_ADDED = "field_added"
    FIELD_REMOVED = "field_removed"
    FIELD_RENAMED = "field_renamed"
    FIELD_REORDERED = "field_reordered"
    TYPE_WIDENED = "type_widened"
    TYPE_CHANGED = "type_changed"
    NULLABLE_RELAXED = "nullable_relaxed"
    NULLABLE_TIGHTENED = "nullable_tightened"
    RANGE_WIDENED = "range_widened"
    RANGE_TIGHTENED = "range_tightened"
    VALUES_ADDED = "values_added"
    VALUES_REMOVED = "values_removed"
    PATTERN_RELAXED = "pattern_relaxed"
    PATTERN_CHANGED = "pattern_changed"
    UNIT_RESPELLED = "unit_respelled"
    UNIT_CHANGED = "unit_changed"
    CLASSIFICATION_RAISED = "classification_raised"
    CLASSIFICATION_LOWERED = "classification_lowered"
    MASKING_CHANGED = "masking_changed"
    RULE_RELAXED = "rule_relaxed"
    RULE_TIGHTENED = "rule_tightened"
    DESCRIPTION_CHANGED = "description_changed"


@dataclass(frozen=True)
class Change:
    """One difference between two contract versions, classified and explained."""

    path: str
    kind: ChangeKind
    change_class: ChangeClass
    reason: str
    old: Any = None
    new: Any = None
    field: str | None = None
