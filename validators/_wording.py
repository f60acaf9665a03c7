"""Bilingual wording (简体中文 first, English second) of checks and of failed rows.

``describe`` names an expectation in Data Docs: rule id, dimension, severity and
what is expected. ``reason`` says why one row failed one check, with the value
Great Expectations reported for it (the field value, or the derived number).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import label
from validators._checks import Check

__all__ = ["describe", "reason"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _num(value: Any) -> str:
    return f"{value:.12g}" if isinstance(value, float) else str(value)


def _range(params: dict[str, Any]) -> str:
    low, high = params.get("min"), params.get("max")
    unit = f" {params['unit']}" if params.get("unit") else ""
    return f"[{'-∞' if low is None else _num(low)}, {'∞' if high is None else _num(high)}]{unit}"


_TEMPLATES: dict[str, tuple[str, str]] = {
    "type": ("{f} 类型为 {type}{unit_zh}", "{f} is {type}{unit_en}"),
    "not_null": ("{f} 不为空", "{f} is present"),
    "pattern": ("{f} 整体符合格式 {pattern}", "{f} as a whole matches {pattern}"),
    "allowed_values": ("{f} 取值于 {values}", "{f} is one of {values}"),
    "range": ("{f} 在物理范围 {range} 内", "{f} lies within the physical range {range}"),
    "replay": ("({f}) 不是重放的读数", "({f}) is not a replayed reading"),
    "unique": ("({f}) 唯一", "({f}) is unique"),
    "monotonic": (
        "{f} 按 {per} 单调不减（降到 {reset_below} 及以下为复位）",
        "{f} never decreases per {per} (a drop to at most {reset_below} is a reset)",
    ),
    "max_gap": (
        "{f} 按 {per} 相邻读数间隔不超过 {max_gap_seconds} 秒",
        "{f} readings at most {max_gap_seconds} s apart per {per}",
    ),
    "stuck": (
        "{f} 不连续 {count} 次取同一值（传感器卡死）",
        "{f} never repeats one value {count} times in a row (stuck sensor)",
    ),
    "freshness": (
        "{reference} 晚于 {f} 不超过 {max_lag_seconds} 秒",
        "{reference} at most {max_lag_seconds} s after {f}",
    ),
    "max_age": (
        "{f} 早于 {reference} 不超过 {max_age_seconds} 秒（更旧的读数不可信）",
        "{f} at most {max_age_seconds} s before {reference} (an older reading is implausible)",
    ),
    "future": (
        "{f} 晚于 {reference} 不超过 {tolerance_seconds} 秒（时钟偏差）",
        "{f} at most {tolerance_seconds} s after {reference} (clock skew)",
    ),
    "earliest": (
        "{f} 不早于 {earliest}（更早的时间来自被复位的时钟）",
        "{f} not before {earliest} (an earlier time comes from a reset clock)",
    ),
    "claim_check": (
        "{f} 是有效的对象引用（URI 与 sha256）",
        "{f} is a well-formed claim check (URI and sha256)",
    ),
}


def _template(check: Check) -> tuple[str, str]:
    if check.kind == "unique" and check.params.get("drop_duplicates"):
        return _TEMPLATES["replay"]
    return _TEMPLATES[check.kind]


def _expected(check: Check) -> tuple[str, str]:
    """What the check expects, (zh, en)."""
    p = {k: _num(v) for k, v in check.params.items()}
    unit = check.params.get("unit")
    p |= {"f": "+".join(check.fields), "range": _range(dict(check.params))}
    p |= {"unit_zh": f"、单位 {unit}" if unit else "", "unit_en": f" in {unit}" if unit else ""}
    p |= {
        "values": str(list(check.params.get("values", ()))),
        "reset_below": p.get("reset_below", "—"),
    }
    zh, en = _template(check)
    return zh.format_map(p), en.format_map(p)


def describe(check: Check) -> str:
    """The expectation's name in Data Docs, e.g. ``[准确性 accuracy · 错误 error] range:v — …``."""
    zh, en = _expected(check)
    dim, sev = check.dimension, check.severity
    tag = f"{label(dim)} {label(dim, 'en')} · {label(sev)} {label(sev, 'en')}"
    return f"[{tag}] {check.rule_id} — {zh} / {en}"


def reason(check: Check, value: Any) -> tuple[str, str]:
    """Why one row failed ``check``, given the value GX reported for it; (zh, en)."""
    zh, en = _expected(check)
    shown = _shown(check, value)
    return f"{check.rule_id}：{shown}，应当{zh}", f"{check.rule_id}: {shown}; expected {en}"


def _shown(check: Check, value: Any) -> str:
    if check.derived and check.kind in ("type", "claim_check"):
        return f"{check.field} ✗"
    if check.kind == "earliest" and isinstance(value, int | float):
        moment = _EPOCH + timedelta(seconds=float(value))
        return f"{check.field} = {moment.isoformat().replace('+00:00', 'Z')}"
    metric = check.column.split("__", 1)[0].lstrip("_") if check.derived else check.field
    return f"{metric} = {_num(value) if value is not None else 'null'}"


def sequence_reset_reason(rule: str) -> tuple[str, str]:
    """Why a reading whose producer's seq went back without the replay mark is quarantined."""
    return (
        f"{rule}：该生产者的序号回退且未标记为重放"
        "（边缘缓存被清空或两个网关共用 producer_id），请为网关设置新的 producer_id",
        f"{rule}: the producer's seq went back without the replay mark (a wiped edge "
        "spool, or two gateways sharing a producer_id); give the gateway a new producer_id",
    )


_IDENTITY: dict[str, tuple[str, str]] = {
    "bad_signature": (
        "记录的签名无效（签名者 {signer}）：记录被篡改，或并非由该网关的密钥签名",
        "the record's signature does not hold (signer {signer}): the record was altered, "
        "or not signed with that gateway's key",
    ),
    "unknown_signer": (
        "签名者 {signer} 不在网关登记表中",
        "signer {signer} is not a registered gateway (assay access kafka-gateway)",
    ),
    "foreign_producer": (
        "网关 {signer} 无权使用 producer_id {producer}",
        "gateway {signer} may not use producer_id {producer}",
    ),
    "unsigned": (
        "读数未签名，而契约要求签名（identity: signed）",
        "the reading is unsigned and the contract requires signatures (identity: signed)",
    ),
    "reserved": (
        "producer_id {producer} 属于网关 {owner}，但读数未签名",
        "producer_id {producer} belongs to gateway {owner}, but the reading is unsigned",
    ),
}


def identity_reason(kind: str, signer: str, producer: str, owner: str = "") -> tuple[str, str]:
    """Why a reading's identity is not one its gateway may claim; (zh, en)."""
    zh, en = _IDENTITY[kind]
    values = {"signer": signer, "producer": producer, "owner": owner}
    return f"identity：{zh.format_map(values)}", f"identity: {en.format_map(values)}"


def seq_jump_reason(rule: str, seq: int, watermark: int, bound: int) -> tuple[str, str]:
    """Why a reading whose seq leaps far beyond its producer's watermark is quarantined."""
    before = "无" if watermark < 0 else str(watermark)
    return (
        f"{rule}：seq {seq} 超出该生产者水位线 {before} 逾 {bound}（契约 max_seq_jump），"
        "不可信；水位线不移动",
        f"{rule}: seq {seq} lies more than {bound} beyond the producer's watermark "
        f"{'none' if watermark < 0 else watermark} (the contract's max_seq_jump): "
        "implausible; the watermark stays",
    )
