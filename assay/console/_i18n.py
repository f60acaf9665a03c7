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
    "low_score": ("质量分低于阈值", "Quality score under threshold"),
    "failed_run": ("运行失败", "Failed run"),
    "runs_unknown": ("DAG 运行状态未知", "DAG runs unknown"),
    "threshold": ("阈值", "threshold"),
    "forbidden": ("无权访问", "Not allowed"),
    "not_found": ("未找到", "Not found"),
    "all": ("全部", "all"),
    "rule_counts": ("各规则隔离行数", "Quarantined rows per rule"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "decisions": ("处置决定", "Decisions"),
    "verdict": ("决定", "Verdict"),
    "verdict_accept": ("接受 (误报)", "accepted (false positive)"),
    "verdict_reject": ("拒绝", "rejected"),
    "accept": ("接受 (误报)", "Accept (false positive)"),
    "reject": ("拒绝", "Reject"),
    "decide_row": ("处置此行", "Decide on this row"),
    "decide_filter": ("处置筛选出的全部未处置行", "Decide on every undecided row of this filter"),
    "decided_by": ("决定人", "Decided by"),
    "decided_at": ("决定时间", "Decided at"),
    "action_failed": ("操作未完成", "Action not taken"),
    "back": ("返回", "Back"),
    "request_release": ("申请发布", "Request a release"),
    "state": ("状态", "State"),
    "state_draft": ("待审批", "awaiting approval"),
    "state_rejected": ("已拒绝", "rejected"),
    "state_approved": ("已批准", "approved"),
    "state_published": ("已发布", "published"),
    "state_withdrawn": ("已撤回", "withdrawn"),
    "requested_by": ("申请人", "Requested by"),
    "requested_at": ("申请时间", "Requested at"),
    "request_comment": ("申请说明", "Why this release"),
    "accept_gap": ("接受已知缺口的理由 (可选)", "Reason to accept a known gap (optional)"),
    "accept_gap_hint": (
        "窗口内从边缘到发布的计数对不上时，申请会被拒绝并列出缺口；已知且可接受的缺口"
        "（如网关更换、已过保留期的数据）请在此说明理由，它将记入清单和数据集卡片。",
        "A window whose counts from edge to release do not reconcile is refused, naming its "
        "gaps; for a known gap you accept (a replaced gateway, data past retention) give the "
        "reason here: it is recorded in the manifest and on the dataset card.",
    ),
    "approved_by": ("批准人", "Approved by"),
    "decision_comment": ("审批意见", "Decision comment"),
    "single_steward": ("单人站点批准", "single-steward approval"),
    "withdrawn_by": ("撤回人", "Withdrawn by"),
    "review": ("审批", "Review"),
    "cannot_approve": ("您不能批准", "You cannot approve"),
    "comment": ("意见", "Comment"),
    "approve": ("批准并发布", "Approve and publish"),
    "withdraw": ("撤回", "Withdraw"),
    "recipient": ("接收方 (试点基地)", "Recipient (pilot base)"),
    "grants": ("原样授权字段 (逗号分隔)", "Fields granted as is (comma-separated)"),
    "date_from": ("起始日期", "From"),
    "date_to": ("结束日期", "To"),
}


def language(request: Request) -> str:
    """``?lang=``, else the cookie, else Chinese."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGS else "zh"


def translator(lang: str):
    """``t(key)``: the label in ``lang``; an unknown key shows itself, never fails a page."""
    index = LANGS.index(lang)
    return lambda key: TEXT[key][index] if key in TEXT else key
