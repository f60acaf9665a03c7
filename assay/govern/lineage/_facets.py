"""Facets: the contract's schema, data quality from the validation summary, and assay's own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attr
from openlineage.client.facet_v2 import (
    RunFacet,
    data_quality_assertions_dataset,
    data_quality_metrics_input_dataset,
    output_statistics_output_dataset,
    schema_dataset,
)

OutputStatistics = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet

if TYPE_CHECKING:
    import pyarrow as pa

    from schemas import Contract

FACET_SCHEMA = "https://github.com/assay/assay/blob/main/docs/lineage-facets.json"


@attr.define
class SegmentRunFacet(RunFacet):
    """The Kafka range and objects one ingest or validate run covered (camelCase, as facets are)."""

    stem: str
    topic: str
    partition: int
    startOffset: int
    endOffset: int | None = None
    rawKey: str = ""

    @staticmethod
    def _get_schema() -> str:
        return f"{FACET_SCHEMA}#/$defs/SegmentRunFacet"


@attr.define
class ReleaseRunFacet(RunFacet):
    """Which release a run made and its headline numbers."""

    contract: str
    version: str
    created: str | None = None
    qualityScore: float | None = None
    lockMode: str | None = None
    retainUntil: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return f"{FACET_SCHEMA}#/$defs/ReleaseRunFacet"


def schema_facet(schema: pa.Schema) -> schema_dataset.SchemaDatasetFacet:
    """Field names, Arrow types and bilingual descriptions (with units) of an Arrow schema."""
    return schema_dataset.SchemaDatasetFacet(fields=[_schema_field(f) for f in schema])


def _schema_field(field: pa.Field) -> schema_dataset.SchemaDatasetFacetFields:
    import pyarrow as pa

    meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
    words = [meta.get("description.zh", ""), meta.get("description.en", "")]
    text = " / ".join(w for w in words if w)
    if "unit" in meta:
        text += f" [{meta['unit']}]"
    nested = [_schema_field(f) for f in field.type] if pa.types.is_struct(field.type) else []
    return schema_dataset.SchemaDatasetFacetFields(
        name=field.name, type=str(field.type), description=text or None, fields=nested
    )


def assertions_facet(
    contract: Contract, failed: Mapping[str, int]
) -> data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet:
    """One assertion per contract rule: success when no reading failed it."""
    from schemas import compile_rules

    Assertion = data_quality_assertions_dataset.Assertion
    return data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
        assertions=[
            Assertion(
                assertion=rule.rule_id,
                success=failed.get(rule.rule_id, 0) == 0,
                column=rule.field if len(rule.fields) == 1 else None,
                severity=str(rule.severity),
                actual=str(failed.get(rule.rule_id, 0)),
            )
            for rule in compile_rules(contract)
        ]
    )


def quality_metrics_facet(
    contract: Contract, rows: int, failed: Mapping[str, int]
) -> data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet:
    """Rows checked, and null counts where a not-null rule counted them (free, no data read)."""
    from schemas import compile_rules

    nulls = {
        rule.field: failed.get(rule.rule_id, 0)
        for rule in compile_rules(contract)
        if str(rule.kind) == "not_null"
    }
    metrics = data_quality_metrics_input_dataset.ColumnMetrics
    return data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
        rowCount=rows, columnMetrics={name: metrics(nullCount=n) for name, n in nulls.items()}
    )


def stats(rows: int, files: int, size: int | None = None) -> OutputStatistics:
    return OutputStatistics(rowCount=rows, fileCount=files, size=size)


def released_schema(manifest: Mapping[str, Any]) -> schema_dataset.SchemaDatasetFacet | None:
    fields = manifest.get("fields")
    if not fields:
        return None
    Field = schema_dataset.SchemaDatasetFacetFields
    return schema_dataset.SchemaDatasetFacet(
        fields=[
            Field(
                name=f["name"],
                type=f.get("type"),
                description=" / ".join(
                    t for t in (f.get("description", {}).get(k) for k in ("zh", "en")) if t
                )
                or None,
            )
            for f in fields
        ]
    )
