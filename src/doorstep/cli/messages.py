"""What the `doorstep` command says to a person, in English and Simplified Chinese.

The same shape as the pages' catalog (doorstep.web.i18n.MESSAGES): message id → language →
text, with str.format placeholders that are the same in both languages
(tests/cli/test_cli_messages.py). The CLI keeps its own small copy of ``t`` because
importing the pages' catalog would load the web package at start-up
(tests/cli/test_startup.py). Texts may hold Rich markup where the English did
([bold]…[/]); values a person typed or stored are escaped by the caller.

Not here, on purpose: --json output (DESIGN.md contracts, one shape in every language),
--help texts (English, as Typer renders them before a language is chosen), and the
messages of DoorstepError, which the services raise in English. Identifiers a person
types back (case states, priorities, job statuses, audit actions, event names) stay
as they are.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh-CN")
DEFAULT_LANGUAGE = "en"

MESSAGES: dict[str, dict[str, str]] = {
    # --- shared ------------------------------------------------------------------
    "error": {"en": "[bold red]error:[/] {message}", "zh-CN": "[bold red]错误：[/]{message}"},
    "col.workspace": {"en": "workspace", "zh-CN": "工作区"},
    "col.ci95": {"en": "95% interval", "zh-CN": "95% 置信区间"},
    "col.answers": {"en": "answers", "zh-CN": "回答数"},
    "col.impact": {"en": "impact", "zh-CN": "影响"},
    "col.stage": {"en": "stage", "zh-CN": "阶段"},
    "col.theme": {"en": "theme", "zh-CN": "主题"},
    "col.kind": {"en": "kind", "zh-CN": "类型"},
    "col.id": {"en": "id", "zh-CN": "编号"},
    "col.at": {"en": "at", "zh-CN": "时间"},
    "col.change": {"en": "change", "zh-CN": "变化"},
    "col.status": {"en": "status", "zh-CN": "状态"},
    "col.delivery": {"en": "delivery", "zh-CN": "订单"},
    "col.owner": {"en": "owner", "zh-CN": "负责人"},
    "col.from": {"en": "from", "zh-CN": "起始"},
    "list.sep": {"en": ", ", "zh-CN": "、"},
    "yes": {"en": "yes", "zh-CN": "是"},
    "no": {"en": "no", "zh-CN": "否"},
    # --- nps -----------------------------------------------------------------------
    "nps.title": {
        "en": "NPS — {workspace} (* significant, ~ fewer than 30 answers)",
        "zh-CN": "NPS — {workspace}（* 显著，~ 回答少于 30 条）",
    },
    "nps.col_responses": {"en": "responses", "zh-CN": "回答数"},
    "nps.col_promoters": {"en": "promoters", "zh-CN": "推荐者"},
    "nps.col_passives": {"en": "passives", "zh-CN": "中立者"},
    "nps.col_detractors": {"en": "detractors", "zh-CN": "贬损者"},
    "nps.col_previous": {"en": "previous", "zh-CN": "上期"},
    # --- stages ----------------------------------------------------------------------
    "stages.title": {
        "en": "Stages — {workspace} (overrun in minutes; * significant, ~ fewer than 30 answers)",
        "zh-CN": "阶段 — {workspace}（超时以分钟计；* 显著，~ 回答少于 30 条）",
    },
    "stages.col_deliveries": {"en": "deliveries", "zh-CN": "订单数"},
    "stages.col_late": {"en": "late", "zh-CN": "延误"},
    "stages.col_late_rate": {"en": "late %", "zh-CN": "延误率"},
    "stages.col_median_overrun": {"en": "median overrun", "zh-CN": "中位超时"},
    "stages.col_p90_overrun": {"en": "p90 overrun", "zh-CN": "P90 超时"},
    # --- drivers ---------------------------------------------------------------------
    "drivers.title": {
        "en": "Drivers — {scope}: NPS {nps} {ci} over {count} answers (* significant, ~ fewer than 30)",
        "zh-CN": "驱动因素 — {scope}：NPS {nps} {ci}，共 {count} 条回答（* 显著，~ 少于 30 条）",
    },
    "drivers.scope_where": {"en": "{workspace} where {segments}", "zh-CN": "{workspace}，筛选 {segments}"},
    "drivers.col_driver": {"en": "driver", "zh-CN": "驱动因素"},
    "drivers.col_mentions": {"en": "mentions", "zh-CN": "提及数"},
    "drivers.col_impact_ci95": {"en": "impact 95%", "zh-CN": "影响 95% 置信区间"},
    # --- trend -----------------------------------------------------------------------
    "trend.title_week": {"en": "NPS by week — {workspace}", "zh-CN": "每周 NPS — {workspace}"},
    "trend.title_month": {"en": "NPS by month — {workspace}", "zh-CN": "每月 NPS — {workspace}"},
    "trend.partial": {"en": "{start} (partial)", "zh-CN": "{start}（未满）"},
    # --- lateness --------------------------------------------------------------------
    "lateness.title": {"en": "Lateness", "zh-CN": "延误与评分"},
    "lateness.col_late_by": {"en": "late by", "zh-CN": "延误时长"},
    "lateness.col_points_lost": {"en": "points lost", "zh-CN": "损失分数"},
    "lateness.on_time": {"en": "on time", "zh-CN": "准时"},
    "lateness.minutes": {"en": "{range} min", "zh-CN": "{range} 分钟"},
    "lateness.days": {"en": "{range} d", "zh-CN": "{range} 天"},
    "lateness.unknown": {
        "en": "{count} answers are about deliveries without a promised or delivery time.",
        "zh-CN": "{count} 条回答对应的订单没有承诺时间或送达时间。",
    },
    "lateness.unknown_all": {
        "en": "{count} answers are about deliveries without a promised or delivery time: "
              "import deliveries with promised_at and delivered_at to measure lateness.",
        "zh-CN": "{count} 条回答对应的订单没有承诺时间或送达时间："
                 "导入带 promised_at 和 delivered_at 的订单即可衡量延误。",
    },
    # --- reanalyze -------------------------------------------------------------------
    "reanalyze.done": {
        "en": "{analysed} answers analysed ({commented} with a comment, {themed} with a theme); "
              "attributed: {methods}; {retimed} deliveries retimed.",
        "zh-CN": "已分析 {analysed} 条回答（{commented} 条有留言，{themed} 条有主题）；"
                 "归因：{methods}；重新计算了 {retimed} 个订单的阶段用时。",
    },
    "reanalyze.by_method": {"en": "{count} by {method}", "zh-CN": "{method} {count} 条"},
    "reanalyze.none": {"en": "none", "zh-CN": "无"},
    "reanalyze.method_picked": {"en": "picked", "zh-CN": "客户所选"},
    "reanalyze.method_text": {"en": "text", "zh-CN": "留言识别"},
    "reanalyze.method_timing": {"en": "timing", "zh-CN": "用时推断"},
    # --- taxonomy and journey ------------------------------------------------------
    "taxonomy.title": {"en": "Taxonomy — {workspace} ({source})", "zh-CN": "主题分类 — {workspace}（{source}）"},
    "taxonomy.col_name_en": {"en": "name", "zh-CN": "英文名"},
    "taxonomy.col_name_zh": {"en": "名称", "zh-CN": "中文名"},
    "taxonomy.col_stages": {"en": "stages", "zh-CN": "阶段"},
    "taxonomy.col_cues": {"en": "cues", "zh-CN": "线索词"},
    "taxonomy.saved": {
        "en": "Taxonomy of {workspace}: {count} themes.",
        "zh-CN": "{workspace} 的主题分类：{count} 个主题。",
    },
    "taxonomy.reanalysed": {"en": "{count} answers re-analysed.", "zh-CN": "已重新分析 {count} 条回答。"},
    "taxonomy.run_reanalyze": {
        "en": "Run `doorstep reanalyze` to apply it to the answers already stored.",
        "zh-CN": "运行 `doorstep reanalyze` 可将其应用到已存储的回答。",
    },
    "journey.title": {"en": "Journey — {workspace}", "zh-CN": "旅程阶段 — {workspace}"},
    "journey.col_target": {"en": "target (min)", "zh-CN": "目标（分钟）"},
    "journey.usual_duration": {"en": "— (usual duration)", "zh-CN": "—（按通常用时）"},
    "journey.saved": {"en": "Stage {key}: target {target} min.", "zh-CN": "阶段 {key}：目标 {target} 分钟。"},
    # --- cases and the closed loop ---------------------------------------------------
    "cases.title": {"en": "Cases — {workspace} ({count} in all)", "zh-CN": "工单 — {workspace}（共 {count} 个）"},
    "cases.col_score": {"en": "score", "zh-CN": "评分"},
    "cases.col_priority": {"en": "priority", "zh-CN": "优先级"},
    "cases.col_contact_due": {"en": "contact due", "zh-CN": "联系截止"},
    "cases.col_resolve_due": {"en": "resolve due", "zh-CN": "解决截止"},
    "cases.col_breached": {"en": "breached", "zh-CN": "已超时"},
    "cases.escalated": {
        "en": "escalated {escalated}, closed unverified {closed}, breached now {breached}",
        "zh-CN": "已升级 {escalated} 个，未经回访验证关闭 {closed} 个，当前超时 {breached} 个",
    },
    "case.heading": {
        "en": "[bold]Case {id}[/] — {delivery}: score {score}, {status} (version {version}), {priority} priority, "
              "owner {owner}",
        "zh-CN": "[bold]工单 {id}[/] — {delivery}：评分 {score}，{status}（版本 {version}），优先级 {priority}，"
                 "负责人 {owner}",
    },
    "case.due": {
        "en": "  contact due {contact}, resolve due {resolve}",
        "zh-CN": "  联系截止 {contact}，解决截止 {resolve}",
    },
    "case.breached": {"en": "  BREACHED: {clocks}", "zh-CN": "  已超时：{clocks}"},
    "case.timeline": {"en": "Timeline", "zh-CN": "处理记录"},
    "case.col_who": {"en": "who", "zh-CN": "操作人"},
    "case.col_what": {"en": "what", "zh-CN": "事件"},
    "case.col_note": {"en": "note", "zh-CN": "备注"},
    "case.resurvey": {"en": "  re-survey: {url} (from {send_after})", "zh-CN": "  回访调查：{url}（{send_after} 起）"},
    "case.can_move_to": {"en": "  can move to: {states}", "zh-CN": "  可转为：{states}"},
    "case.nothing": {"en": "nothing", "zh-CN": "无"},
    "case.noted": {"en": "Note added to case {id}.", "zh-CN": "已为工单 {id} 添加备注。"},
    "case.assigned": {"en": "Case {id} now belongs to {owner}.", "zh-CN": "工单 {id} 现由 {owner} 负责。"},
    "loop.title": {"en": "Closed loop — {workspace}", "zh-CN": "闭环 — {workspace}"},
    "loop.title_business_hours": {
        "en": "Closed loop — {workspace} (business hours)",
        "zh-CN": "闭环 — {workspace}（按工作时间计）",
    },
    "loop.col_opened": {"en": "opened", "zh-CN": "新开工单"},
    "loop.col_contact_in_sla": {"en": "contact in SLA", "zh-CN": "SLA 内联系"},
    "loop.col_resolve_in_sla": {"en": "resolve in SLA", "zh-CN": "SLA 内解决"},
    "loop.col_hours_to_contact": {"en": "median h to contact", "zh-CN": "联系用时中位数（小时）"},
    "loop.col_hours_to_resolve": {"en": "median h to resolve", "zh-CN": "解决用时中位数（小时）"},
    "loop.col_breached_now": {"en": "breached now", "zh-CN": "当前超时"},
    "loop.col_recovered": {"en": "recovered / verified", "zh-CN": "挽回 / 已验证"},
    "loop.col_recovery_ci": {"en": "recovery 95% CI", "zh-CN": "挽回率 95% 置信区间"},
}


def language_tag(value: str) -> str | None:
    """"en" or "zh-CN" for what a person types after --lang (any case; zh, zh_CN and
    zh-cn mean zh-CN), or None when we do not speak it."""
    tag = value.strip().replace("_", "-").lower()
    return {"en": "en", "zh": "zh-CN", "zh-cn": "zh-CN"}.get(tag)


def t(lang: str, key: str, /, **kwargs: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``kwargs``. An unknown id raises
    KeyError: a typo fails a test instead of printing an id to an operator."""
    return MESSAGES[key][lang].format(**kwargs)
