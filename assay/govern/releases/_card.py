"""The dataset card: ``README.md`` of a release, 简体中文 first, English second.

A pure function of the manifest (without its ``documents``): what the data is, each field
with unit, classification and what masking did to it, volume, time span, sites and
devices, the quality scores, provenance, integrity and how to load it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from schemas import Classification, Contract, SecurityLevel, label, markdown_environment

_TEMPLATES = Path(__file__).parent / "templates"

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "language": "简体中文",
        "overview": "概览",
        "scenario": "应用场景",
        "security": "数据安全级别",
        "owner": "数据责任方",
        "created": "发布时间",
        "licence": "许可",
        "window": "数据日期范围",
        "span": "事件时间跨度（UTC）",
        "volume": "数据量",
        "rows": "行",
        "files": "个文件",
        "bytes": "字节",
        "sites": "厂区",
        "devices": "设备",
        "key": "主键",
        "fields": "字段",
        "field": "字段名",
        "type": "类型",
        "unit": "单位",
        "classification": "分级",
        "personal": "个人信息",
        "treatment": "发布处理",
        "description": "说明",
        "yes": "是",
        "no": "否",
        "masking": "脱敏处理",
        "quality": "数据质量（GB/T 36344-2018）",
        "quality_basis": "依据的已校验数据段数：",
        "readings": "读数",
        "curated": "合格",
        "quarantined": "隔离",
        "duplicates": "重复",
        "dead": "无法解码",
        "dimension": "维度",
        "checked": "检查次数",
        "failed": "未通过",
        "score": "得分",
        "overall": "总体",
        "provenance": "数据来源",
        "provenance_text": "来自 Kafka 原始数据段（主题、分区、偏移量区间），共",
        "splits_text": "数据划分：croissant.json 声明一个划分 train（全部记录）。"
        "读数是时间序列，随机切分会把相邻读数分到不同集合；"
        "试验基地按事件时间、站点或设备自行切分验证集和测试集。"
        "croissant.json 还带有 PROV-O 来源（wasDerivedFrom、wasGeneratedBy）与 RAI 1.0 字段；"
        "下表为 Data & Trust Alliance 数据来源标准（DPS 1.0.0）字段，"
        "同见 manifest.json 的 data_provenance。",
        "dps": "数据来源标准字段",
        "integrity": "完整性与不可篡改",
        "integrity_text": "manifest.json 记录每个文件的 SHA-256、大小和行数；"
        "对象以 S3 对象锁保留：",
        "load": "加载方式",
        "load_local": "下载后的本地目录",
        "load_s3": "直接读取 S3",
        "load_more": "pandas、Polars、DuckDB 和 PyTorch 的完整示例见 docs/pilot-base.md。",
        "ledger": "账本：从边缘网关到发布",
        "ledger_text": "逐层计数：网关假脱机记录的 Kafka 已确认读数、Kafka 偏移量、原始数据段、"
        "合格 / 隔离 / 无法解码 / 重复、数据管理员的判定和本发布的行数。"
        "assay release verify 会重新计算。账本 SHA-256：",
        "producer": "生产者",
        "edge_sent": "网关已发送",
        "landed": "已落地（不重复的序号）",
        "in_release": "本发布行数",
        "dead_lettered": "无法解码（按记录头归属）",
        "expired": "已落地、原始段已按保留期删除",
        "not_reported": "网关未上报",
        "edge_report": "网关报告",
        "report_signed": "签名已验证：",
        "report_unsigned": "未签名",
        "report_file": "文件（未验证签名）",
        "kafka_not_consulted": "未查询 Kafka 偏移量",
        "reports_not_consulted": "未读取网关状态报告主题",
        "reports_rejected": "被拒绝（未使用）的网关状态报告",
        "partition": "分区",
        "offsets": "Kafka 偏移量（起 — 止，已提交）",
        "produced": "产出",
        "accepted": "经管理员接受",
        "gaps": "缺口",
        "no_gaps": "无缺口：各层计数一致。",
        "accepted_gap": "已知缺口，由数据管理员接受：",
    },
    "en": {
        "language": "English",
        "overview": "Overview",
        "scenario": "Scenario",
        "security": "Security level",
        "owner": "Data owner",
        "created": "Released",
        "licence": "Licence",
        "window": "Date window",
        "span": "Event-time span (UTC)",
        "volume": "Volume",
        "rows": "rows",
        "files": "files",
        "bytes": "bytes",
        "sites": "Sites",
        "devices": "Devices",
        "key": "Key",
        "fields": "Fields",
        "field": "Field",
        "type": "Type",
        "unit": "Unit",
        "classification": "Classification",
        "personal": "Personal",
        "treatment": "In this release",
        "description": "Description",
        "yes": "yes",
        "no": "no",
        "masking": "Masking",
        "quality": "Quality (GB/T 36344-2018)",
        "quality_basis": "Validated segments behind it:",
        "readings": "readings",
        "curated": "curated",
        "quarantined": "quarantined",
        "duplicates": "duplicates",
        "dead": "undecodable",
        "dimension": "Dimension",
        "checked": "Checked",
        "failed": "Failed",
        "score": "Score",
        "overall": "Overall",
        "provenance": "Provenance",
        "provenance_text": "Kafka raw segments (topic, partition, offset range):",
        "splits_text": "Splits: croissant.json declares one split, train (every record). Readings "
        "are time series, and a random cut puts neighbouring readings in different sets: the "
        "pilot base cuts validation and test sets by event time, site or device for its model. "
        "croissant.json also carries PROV-O provenance (wasDerivedFrom, wasGeneratedBy) and the "
        "RAI 1.0 fields; below, the Data & Trust Alliance Data Provenance Standard (DPS 1.0.0) "
        "fields, also in manifest.json under data_provenance.",
        "dps": "Data Provenance Standard",
        "integrity": "Integrity and immutability",
        "integrity_text": "manifest.json lists every file's SHA-256, size and rows; objects "
        "are held by S3 object-lock retention:",
        "load": "How to load",
        "load_local": "the downloaded folder",
        "load_s3": "straight from S3",
        "load_more": "Full recipes for pandas, Polars, DuckDB and PyTorch: docs/pilot-base.md.",
        "ledger": "Ledger from edge to release",
        "ledger_text": "Counts per layer: the readings Kafka acknowledged by each gateway's "
        "spool, Kafka offsets, raw segments, curated / quarantined / undecodable / duplicate, "
        "steward decisions and the rows in this release; assay release verify recomputes it. "
        "Ledger SHA-256:",
        "producer": "Producer",
        "edge_sent": "Sent by the gateway",
        "landed": "Landed (distinct seqs)",
        "in_release": "Rows in this release",
        "dead_lettered": "Undecodable (claimed by their headers)",
        "expired": "Landed in raw segments retention removed",
        "not_reported": "not reported by its gateway",
        "edge_report": "Gateway report",
        "report_signed": "signature verified:",
        "report_unsigned": "unsigned",
        "report_file": "a file (signature not checked)",
        "kafka_not_consulted": "Kafka offsets not consulted",
        "reports_not_consulted": "Gateway status reports' topic not read",
        "reports_rejected": "Gateway status reports rejected (not used)",
        "partition": "Partition",
        "offsets": "Kafka offsets (start — end, committed)",
        "produced": "Produced",
        "accepted": "Accepted by a steward",
        "gaps": "Gaps",
        "no_gaps": "No gap: every layer's counts agree.",
        "accepted_gap": "Known gaps, accepted by a data steward:",
    },
}

_TREATMENTS = {
    "kept": ("原样发布", "released as is"),
    "granted": ("经授权原样发布", "released as is by grant"),
    "dropped": ("已删除", "dropped"),
    "pseudonymised": ("已假名化（HMAC-SHA256）", "pseudonymised (HMAC-SHA256)"),
}


def render_card(manifest: dict[str, Any], contract: Contract) -> bytes:
    """The card's Markdown bytes."""
    template = _environment().get_template("card.md.j2")
    text = template.render(m=manifest, v=card_view(manifest, contract), L=_LABELS)
    return text.encode()


def card_view(manifest: dict[str, Any], contract: Contract) -> dict[str, Any]:
    """Bilingual labels the template needs beyond the manifest (pure)."""
    return {
        "scenario": _pair(label(contract.scenario), label(contract.scenario, "en")),
        "security": _pair(
            label(SecurityLevel(contract.security_level)), str(contract.security_level)
        ),
        "classes": {str(c): _pair(label(c), label(c, "en")) for c in Classification},
        "treatments": {k: _pair(*v) for k, v in _TREATMENTS.items()},
        "masking": masking_text(manifest["masking"]),
    }


def masking_text(masking: dict[str, Any]) -> dict[str, str]:
    """One sentence per language on what was masked."""
    dropped, pseudo, granted = (
        ", ".join(masking[k]) or "—" for k in ("dropped", "pseudonymised", "granted")
    )
    return {
        "zh": f"核心（L3）和个人信息字段默认不原样发布。已删除：{dropped}；"
        f"已假名化（{masking['method']}，密钥不随数据发布，密钥指纹 {masking['key_id'] or '—'}）："
        f"{pseudo}；经授权原样发布：{granted}。",
        "en": f"Core (L3) and personal fields are not released as is unless granted. "
        f"Dropped: {dropped}; pseudonymised ({masking['method']}, key not released, key id "
        f"{masking['key_id'] or '—'}): {pseudo}; granted as is: {granted}.",
    }


def _pair(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


@cache
def _environment() -> Any:
    """Every value escaped for Markdown: the card is rendered by whatever its reader uses."""
    import jinja2

    env = markdown_environment(jinja2.FileSystemLoader(_TEMPLATES))
    env.filters["pct"] = lambda score: "—" if score is None else f"{score * 100:.2f}%"
    return env
