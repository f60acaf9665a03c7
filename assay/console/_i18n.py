"""Two languages, 简体中文 first: every label of the console in both, chosen per request.

``?lang=zh`` or ``?lang=en`` picks one and a cookie remembers it; without either the page
is Chinese. Data (rule ids, reasons, values) is shown as stored: the pipeline already
writes reasons in both languages.
"""

from __future__ import annotations

from fastapi import Request

LANGS = ("zh", "en")
LANG_COOKIE = "assay_console_lang"

TEXT: dict[str, tuple[str, str]] = {
    "title": ("assay 数据管理控制台", "assay steward console"),
    "overview": ("概览", "Overview"),
    "quarantine": ("隔离区", "Quarantine"),
    "deadletters": ("死信", "Dead letters"),
    "audit": ("审计", "Audit"),
    "releases": ("发布", "Releases"),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "user": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong user name or password"),
    "contract": ("数据契约", "Contract"),
    "version": ("版本", "Version"),
    "problems": ("待处理问题", "Open problems"),
    "no_problems": ("没有需要处理的问题", "Nothing needs an operator"),
    "last_landed": ("最近落地", "Last landed"),
    "freshness": ("新鲜度", "Freshness"),
    "per_day": ("每日读数", "Readings per day"),
    "quarantine_rate": ("隔离率", "Quarantine rate"),
    "deadletter_rate": ("死信率", "Dead-letter rate"),
    "dimensions": ("质量维度 (GB/T 36344)", "Quality dimensions (GB/T 36344)"),
    "trend": ("趋势 (按段)", "Trend (by segment)"),
    "readings": ("读数", "Readings"),
    "rule": ("规则", "Rule"),
    "rules": ("规则", "Rules"),
    "dimension": ("维度", "Dimension"),
    "site": ("厂区", "Site"),
    "device": ("设备", "Device"),
    "since": ("起", "From"),
    "until": ("止", "To"),
    "filter": ("筛选", "Filter"),
    "rows": ("行", "rows"),
    "matching": ("条匹配", "matching"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "event_time": ("事件时间", "Event time"),
    "failed_rules": ("未通过的规则", "Failed rules"),
    "reason": ("原因", "Reason"),
    "values": ("字段值", "Values"),
    "field": ("字段", "Field"),
    "value": ("值", "Value"),
    "raw_object": ("原始对象", "Raw object"),
    "kafka": ("Kafka 坐标", "Kafka coordinates"),
    "object": ("对象", "Object"),
    "row": ("行号", "Row"),
    "open": ("查看", "Open"),
    "bytes_hex": ("原始字节 (十六进制)", "Raw bytes (hex)"),
    "bytes_text": ("原始字节 (转义文本)", "Raw bytes (escaped text)"),
    "headers": ("消息头", "Headers"),
    "produced": ("产生", "Produced"),
    "curated": ("已整理", "Curated"),
    "quarantined": ("已隔离", "Quarantined"),
    "dead_lettered": ("死信", "Dead-lettered"),
    "duplicates": ("重复", "Duplicates"),
    "awaiting": ("待校验", "Awaiting validation"),
    "not_landed": ("未落地 (记录)", "Not landed (records)"),
    "lost": ("丢失 (记录)", "Lost (records)"),
    "balanced": ("平衡", "Balanced"),
    "yes": ("是", "yes"),
    "no": ("否", "NO"),
    "discrepancies": ("差异", "Discrepancies"),
    "created": ("创建时间", "Created"),
    "window": ("时间窗", "Window"),
    "files": ("文件", "Files"),
    "licence": ("许可", "Licence"),
    "manifest": ("清单", "Manifest"),
    "card": ("数据集卡片", "Dataset card"),
    "downloads": ("下载", "Downloads"),
    "verify": ("校验", "Verify"),
    "verified": ("校验通过", "Verified"),
    "mismatch": ("不一致", "Mismatch"),
    "tampered": ("被覆盖", "Tampered"),
    "checked": ("已校验文件", "files checked"),
    "quality": ("质量", "Quality"),
    "treatment": ("发布处理", "In this release"),
    "approval": ("审批", "Approval"),
    "approval_pending": ("审批流程尚未启用", "Approval workflow not enabled here yet"),
    "none": ("无", "none"),
    "stalled": ("分区停滞", "Stalled partition"),
    "loss": ("保留期丢失", "Lost to retention"),
    "unreachable": ("无法访问", "Unreachable"),
    "audit_unbalanced": ("审计不平衡", "Audit unbalanced"),
    "forbidden": ("无权访问", "Not allowed"),
    "not_found": ("未找到", "Not found"),
    "all": ("全部", "all"),
    "rule_counts": ("各规则隔离行数", "Quarantined rows per rule"),
    "signed_in_as": ("当前用户", "Signed in as"),
}


def language(request: Request) -> str:
    """``?lang=``, else the cookie, else Chinese."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGS else "zh"


def translator(lang: str):
    """``t(key)``: the label in ``lang``; an unknown key shows itself, never fails a page."""
    index = LANGS.index(lang)
    return lambda key: TEXT[key][index] if key in TEXT else key
