"""The data dictionary: every contract as a bilingual page (简体中文 first, English second).

``dictionary_view`` turns a contract into plain rows (pure, testable); jinja2
templates in ``schemas/templates/`` lay them out as Markdown and HTML. jinja2
is imported on first render so the edge install never needs it.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from functools import cache
from pathlib import Path
from typing import Any

from schemas._arrow import arrow_type
from schemas._envelope import ENVELOPE, all_fields
from schemas._identity import duplicate_fields
from schemas._markup import CONTENT_SECURITY_POLICY, markdown_environment
from schemas._model import Contract, FieldSpec
from schemas._rules import Rule, compile_rules
from schemas._topic import topic_name
from schemas._vocabulary import label

__all__ = ["dictionary_view", "render_html", "render_markdown", "write_dictionary"]

_TEMPLATES = Path(__file__).parent / "templates"
_RULE_LABELS = {
    "type": ("类型", "type"),
    "not_null": ("非空", "not null"),
    "pattern": ("格式", "pattern"),
    "allowed_values": ("允许值", "allowed values"),
    "range": ("取值范围", "range"),
    "unique": ("唯一性", "unique"),
    "monotonic": ("单调不减", "monotonic"),
    "max_gap": ("采样间隔", "sampling gap"),
    "stuck": ("卡滞", "stuck sensor"),
    "freshness": ("时效", "freshness"),
    "max_age": ("事件时间过旧", "stale event time"),
    "future": ("事件时间超前", "event time ahead"),
    "earliest": ("事件时间下限", "earliest event time"),
    "claim_check": ("引用可达", "claim check"),
}
_HEADINGS = {
    "zh": {
        "language": "中文",
        "version": "版本",
        "overview": "概览",
        "fields": "字段",
        "rules": "质量规则",
        "field": "字段名",
        "type": "类型",
        "arrow": "Arrow 类型",
        "unit": "单位",
        "range": "范围",
        "nullable": "可空",
        "constraint": "格式或取值",
        "classification": "分级",
        "personal": "个人信息",
        "masking": "脱敏",
        "description": "说明",
        "rule": "规则",
        "params": "参数",
        "dimension": "质量维度（GB/T 36344-2018）",
        "severity": "级别",
        "envelope": "信封字段",
        "yes": "是",
        "no": "否",
        "scenario": "场景",
        "data_domain": "数据类别",
        "security_level": "安全级别",
        "owner": "负责人",
        "topic": "Kafka 主题（分区数）",
        "key": "主键",
        "ordering": "排序与去重",
        "event_time": "事件时间",
        "partition_by": "分区",
        "retention": "保留期（Kafka / 原始 / 整理后）",
        "decoding": "解码（未知字段 / 事件时间编码 / 本地时间的时区）",
        "index": "数据字典",
        "dataset": "数据集",
    },
    "en": {
        "language": "English",
        "version": "Version",
        "overview": "Overview",
        "fields": "Fields",
        "rules": "Quality rules",
        "field": "Field",
        "type": "Type",
        "arrow": "Arrow type",
        "unit": "Unit",
        "range": "Range",
        "nullable": "Nullable",
        "constraint": "Pattern or values",
        "classification": "Classification",
        "personal": "Personal",
        "masking": "Masking",
        "description": "Description",
        "rule": "Rule",
        "params": "Parameters",
        "dimension": "Quality dimension (GB/T 36344-2018)",
        "severity": "Severity",
        "envelope": "envelope",
        "yes": "yes",
        "no": "no",
        "scenario": "Scenario",
        "data_domain": "Data domain",
        "security_level": "Security level",
        "owner": "Owner",
        "topic": "Kafka topic (partitions)",
        "key": "Key",
        "ordering": "Ordering and dedup",
        "event_time": "Event time",
        "partition_by": "Partitioned by",
        "retention": "Retention (Kafka / raw / curated)",
        "decoding": "Decoding (unknown fields / event-time encoding / zone of local times)",
        "index": "Data dictionary",
        "dataset": "Dataset",
    },
}
_COMMON_RULE_ATTRIBUTES = frozenset({"fields", "kind", "dimension", "severity"})


def dictionary_view(contract: Contract) -> dict[str, Any]:
    """Everything a dictionary page shows, as plain strings and lists."""
    return {
        "name": contract.name,
        "version": contract.version,
        "topic": topic_name(contract),
        "title": contract.title,
        "description": contract.description,
        "meta": _meta(contract),
        "fields": [_field_row(n, s) for n, s in all_fields(contract).items()],
        "rules": [_rule_row(rule) for rule in compile_rules(contract)],
    }


def _meta(contract: Contract) -> list[dict[str, str]]:
    both = lambda term: {"zh": label(term, "zh"), "en": label(term, "en")}  # noqa: E731
    same = lambda text: {"zh": text, "en": text}  # noqa: E731
    retention = contract.retention
    return [
        {"key": "scenario", **both(contract.scenario)},
        {"key": "data_domain", **both(contract.data_domain)},
        {"key": "security_level", **both(contract.security_level)},
        {"key": "owner", **same(contract.owner)},
        {"key": "topic", **same(f"{topic_name(contract)} ({contract.partitions})")},
        {"key": "key", **same(", ".join(contract.key))},
        {"key": "ordering", **_ordering(contract)},
        {"key": "event_time", **same(contract.event_time)},
        {"key": "partition_by", **same(", ".join(contract.partition_by))},
        {"key": "retention", **same(f"{retention.kafka} / {retention.raw} / {retention.curated}")},
        {"key": "decoding", **same(_decoding(contract))},
    ]


def _ordering(contract: Contract) -> dict[str, str]:
    fields = " + ".join(duplicate_fields(contract))
    if contract.sequenced:
        return {"zh": fields, "en": fields}
    return {
        "zh": f"无序号来源：按 {fields} 识别重复读数",
        "en": f"unsequenced source: duplicates share {fields}",
    }


def _decoding(contract: Contract) -> str:
    zone = contract.timezone or "-"
    return f"{contract.unknown_fields} / {contract.event_time_encoding} / {zone}"


def _field_row(name: str, spec: FieldSpec) -> dict[str, Any]:
    return {
        "name": name,
        "envelope": name in ENVELOPE,
        "type": spec.type,
        "arrow": str(arrow_type(spec)),
        "unit": spec.unit or "",
        "range": _range(spec),
        "nullable": spec.nullable,
        "constraint": spec.pattern or ", ".join(spec.values or ()),
        "classification": {
            lang: f"{spec.classification} {label(spec.classification, lang)}"
            for lang in ("zh", "en")
        },
        "personal": spec.personal,
        "masking": {
            lang: label(spec.masking, lang) if spec.masking else "" for lang in ("zh", "en")
        },
        "description": spec.description,
    }


def _range(spec: FieldSpec) -> str:
    low = "" if spec.min is None else f"{spec.min:g}"
    high = "" if spec.max is None else f"{spec.max:g}"
    return f"[{low or '-∞'}, {high or '+∞'}]" if low or high else ""


def _rule_row(rule: Rule) -> dict[str, Any]:
    params = {
        f.name: getattr(rule, f.name)
        for f in dataclass_fields(rule)
        if f.name not in _COMMON_RULE_ATTRIBUTES and getattr(rule, f.name) is not None
    }
    zh, en = _RULE_LABELS[rule.kind]
    return {
        "id": rule.rule_id,
        "kind": {"zh": zh, "en": en},
        "fields": ", ".join(rule.fields),
        "params": ", ".join(f"{k}={_show(v)}" for k, v in params.items()),
        "dimension": {lang: label(rule.dimension, lang) for lang in ("zh", "en")},
        "severity": {lang: label(rule.severity, lang) for lang in ("zh", "en")},
    }


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


@cache
def _environment(markdown: bool) -> Any:
    """Markdown pages escape every value for Markdown; HTML pages autoescape it."""
    import jinja2

    loader = jinja2.FileSystemLoader(_TEMPLATES)
    if markdown:
        return markdown_environment(loader, undefined=jinja2.StrictUndefined)
    return jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(template: str, **context: Any) -> str:
    env = _environment(template.endswith(".md.j2"))
    rendered = env.get_template(template).render(
        L=_HEADINGS, csp=CONTENT_SECURITY_POLICY, **context
    )
    return str(rendered)


def render_markdown(contract: Contract) -> str:
    """The contract's dictionary page in Markdown, Chinese section first."""
    return _render("contract.md.j2", page=dictionary_view(contract))


def render_html(contract: Contract) -> str:
    """The contract's dictionary page as a standalone HTML document, Chinese section first."""
    return _render("contract.html.j2", page=dictionary_view(contract))


def write_dictionary(contracts: list[Contract], out_dir: str | Path) -> list[Path]:
    """Write ``<name>.md`` and ``<name>.html`` per contract plus ``index.md``/``index.html``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for contract in contracts:
        written.append(_write(out / f"{contract.name}.md", render_markdown(contract)))
        written.append(_write(out / f"{contract.name}.html", render_html(contract)))
    pages = [dictionary_view(c) for c in contracts]
    written.append(_write(out / "index.md", _render("index.md.j2", pages=pages)))
    written.append(_write(out / "index.html", _render("index.html.j2", pages=pages)))
    return written


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
