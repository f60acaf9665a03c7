"""Governance vocabulary shared by every contract.

Quality dimensions follow GB/T 36344-2018; classification levels and data
domains follow the industrial-data grading practice (工业数据分类分级).
Every term carries a bilingual label, Chinese first.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Classification",
    "DataDomain",
    "Masking",
    "QualityDimension",
    "Scenario",
    "SecurityLevel",
    "Severity",
    "label",
]


class QualityDimension(StrEnum):
    """A data-quality dimension of GB/T 36344-2018."""

    NORMATIVE = "normative"
    COMPLETENESS = "completeness"
    ACCURACY = "accuracy"
    CONSISTENCY = "consistency"
    TIMELINESS = "timeliness"
    ACCESSIBILITY = "accessibility"


class Classification(StrEnum):
    """Grading level of one field: L1 general, L2 important, L3 core."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


class SecurityLevel(StrEnum):
    """Grading level of a whole dataset; at least its highest field level."""

    GENERAL = "general"
    IMPORTANT = "important"
    CORE = "core"


class Masking(StrEnum):
    """What a release does with an L3 or personal field it was not granted."""

    DROP = "drop"
    PSEUDONYMISE = "pseudonymise"


class Severity(StrEnum):
    """Outcome of a failed rule: errors quarantine the row, warnings are reported."""

    ERROR = "error"
    WARNING = "warning"


class Scenario(StrEnum):
    """Pilot scenarios named in the provincial plan."""

    ENERGY_MANAGEMENT = "energy_management"
    PROCESS_OPTIMISATION = "process_optimisation"
    VISUAL_INSPECTION = "visual_inspection"
    INTELLIGENT_SORTING = "intelligent_sorting"
    EQUIPMENT_CONDITION = "equipment_condition"


class DataDomain(StrEnum):
    """Production-data categories of the industrial-data classification guide."""

    CONTROL_INFORMATION = "control_information"
    OPERATING_STATE = "operating_state"
    PROCESS_PARAMETERS = "process_parameters"
    SYSTEM_LOGS = "system_logs"


_LABELS: dict[StrEnum, tuple[str, str]] = {
    QualityDimension.NORMATIVE: ("规范性", "normative"),
    QualityDimension.COMPLETENESS: ("完整性", "completeness"),
    QualityDimension.ACCURACY: ("准确性", "accuracy"),
    QualityDimension.CONSISTENCY: ("一致性", "consistency"),
    QualityDimension.TIMELINESS: ("时效性", "timeliness"),
    QualityDimension.ACCESSIBILITY: ("可访问性", "accessibility"),
    Classification.L1: ("一般数据", "general"),
    Classification.L2: ("重要数据", "important"),
    Classification.L3: ("核心数据", "core"),
    SecurityLevel.GENERAL: ("一般", "general"),
    SecurityLevel.IMPORTANT: ("重要", "important"),
    SecurityLevel.CORE: ("核心", "core"),
    Masking.DROP: ("删除", "drop"),
    Masking.PSEUDONYMISE: ("假名化", "pseudonymise"),
    Severity.ERROR: ("错误", "error"),
    Severity.WARNING: ("警告", "warning"),
    Scenario.ENERGY_MANAGEMENT: ("能耗管理", "energy management"),
    Scenario.PROCESS_OPTIMISATION: ("参数优化", "process-parameter optimisation"),
    Scenario.VISUAL_INSPECTION: ("视觉检测", "visual inspection"),
    Scenario.INTELLIGENT_SORTING: ("智能分拣", "intelligent sorting"),
    Scenario.EQUIPMENT_CONDITION: ("设备状态", "equipment condition"),
    DataDomain.CONTROL_INFORMATION: ("控制信息", "control information"),
    DataDomain.OPERATING_STATE: ("工况状态", "operating state"),
    DataDomain.PROCESS_PARAMETERS: ("工艺参数", "process parameters"),
    DataDomain.SYSTEM_LOGS: ("系统日志", "system logs"),
}


def label(term: StrEnum, lang: str = "zh") -> str:
    """Return the Chinese (``zh``) or English (``en``) label of a vocabulary term."""
    zh, en = _LABELS[term]
    return zh if lang == "zh" else en
