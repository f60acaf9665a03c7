"""Data contracts: the single source of truth for every assay dataset.

One YAML file per dataset (``schemas/contracts/<name>.yaml``) becomes a typed
``Contract``; pure functions compile it to an Arrow schema, a JSON Schema for
one reading, a rule list for the validators and a Kafka topic name; the
linter, the compatibility check and the bilingual data dictionary work from
the same model. This package imports nothing else of assay.
"""

from schemas._arrow import arrow_type, to_arrow_schema
from schemas._change import Bump, Change, ChangeClass, ChangeKind
from schemas._checks import Finding, check_contract
from schemas._compat import (
    BumpCheck,
    check_version_bump,
    diff_contracts,
    required_bump,
    version_bump,
)
from schemas._dictionary import dictionary_view, render_html, render_markdown, write_dictionary
from schemas._duration import parse_duration
from schemas._envelope import ENVELOPE, KAFKA_KEY_FIELD, all_fields
from schemas._errors import (
    AssayError,
    ContractError,
    ContractInvalidError,
    ContractNotFoundError,
    LintCode,
    LintError,
)
from schemas._identity import duplicate_fields, identity_fields, reading_order
from schemas._jsonschema import Form, timestamp_pattern, to_json_schema
from schemas._lint import lint_file, lint_text, parse_contract
from schemas._loader import (
    ContractRegistry,
    contract_to_dict,
    dump_contract,
    load_contract,
    load_contracts,
    load_site_contracts,
    shipped_contract_paths,
    shipped_contracts_dir,
)
from schemas._markup import (
    CONTENT_SECURITY_POLICY,
    csp_meta,
    escape_markdown,
    markdown_environment,
)
from schemas._masking import MASK, masked, masked_text, restricted_fields
from schemas._model import (
    FIELD_TYPES,
    Contract,
    FieldSpec,
    FieldType,
    Ordering,
    Precision,
    Retention,
    Text,
)
from schemas._odcs import (
    ODCS_API_VERSION,
    ODCS_DIMENSIONS,
    dump_odcs,
    from_odcs,
    odcs_to_contract_yaml,
    to_odcs,
)
from schemas._pattern import whole_value_pattern
from schemas._rules import (
    AllowedValuesRule,
    ClaimCheckRule,
    ClockSkewRule,
    EarliestRule,
    EventAgeRule,
    FreshnessRule,
    MaxGapRule,
    MonotonicRule,
    NotNullRule,
    PatternRule,
    RangeRule,
    Rule,
    RuleKind,
    StuckRule,
    TypeRule,
    UniqueRule,
    compile_rules,
)
from schemas._topic import topic_configs, topic_name
from schemas._units import is_known_unit, unit_conversion, units_equivalent
from schemas._vocabulary import (
    Classification,
    DataDomain,
    Masking,
    QualityDimension,
    Scenario,
    SecurityLevel,
    Severity,
    label,
)

__all__ = [
    "CLAIM_CHECK_TYPE",
    "CONTENT_SECURITY_POLICY",
    "ENVELOPE",
    "FIELD_TYPES",
    "KAFKA_KEY_FIELD",
    "MASK",
    "ODCS_API_VERSION",
    "ODCS_DIMENSIONS",
    "AllowedValuesRule",
    "AssayError",
    "Bump",
    "BumpCheck",
    "Change",
    "ChangeClass",
    "ChangeKind",
    "ClaimCheckRule",
    "Classification",
    "ClockSkewRule",
    "Contract",
    "ContractError",
    "ContractInvalidError",
    "ContractNotFoundError",
    "ContractRegistry",
    "DataDomain",
    "EarliestRule",
    "EventAgeRule",
    "FieldSpec",
    "FieldType",
    "Finding",
    "Form",
    "FreshnessRule",
    "LintCode",
    "LintError",
    "Masking",
    "MaxGapRule",
    "MonotonicRule",
    "NotNullRule",
    "Ordering",
    "PatternRule",
    "Precision",
    "QualityDimension",
    "RangeRule",
    "Retention",
    "Rule",
    "RuleKind",
    "Scenario",
    "SecurityLevel",
    "Severity",
    "StuckRule",
    "Text",
    "TypeRule",
    "UniqueRule",
    "all_fields",
    "arrow_type",
    "check_contract",
    "check_version_bump",
    "compile_rules",
    "contract_to_dict",
    "csp_meta",
    "dictionary_view",
    "diff_contracts",
    "dump_contract",
    "dump_odcs",
    "duplicate_fields",
    "escape_markdown",
    "from_odcs",
    "identity_fields",
    "is_known_unit",
    "label",
    "lint_file",
    "lint_text",
    "load_contract",
    "load_contracts",
    "load_site_contracts",
    "markdown_environment",
    "masked",
    "masked_text",
    "odcs_to_contract_yaml",
    "parse_contract",
    "parse_duration",
    "reading_order",
    "render_html",
    "render_markdown",
    "required_bump",
    "restricted_fields",
    "shipped_contract_paths",
    "shipped_contracts_dir",
    "timestamp_pattern",
    "to_arrow_schema",
    "to_json_schema",
    "to_odcs",
    "topic_configs",
    "topic_name",
    "unit_conversion",
    "units_equivalent",
    "version_bump",
    "whole_value_pattern",
    "write_dictionary",
]


def __getattr__(name: str) -> object:
    """``CLAIM_CHECK_TYPE`` comes from pyarrow, imported only when asked for (an edge gateway
    sending JSON has no pyarrow)."""
    if name == "CLAIM_CHECK_TYPE":
        from schemas import _arrow

        return _arrow.CLAIM_CHECK_TYPE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
