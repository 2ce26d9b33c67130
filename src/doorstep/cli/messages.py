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
    "col.stage": {"en": "stage", "zh-CN": "环节"},
    "col.theme": {"en": "theme", "zh-CN": "主题"},
    "col.kind": {"en": "kind", "zh-CN": "类型"},
    "col.id": {"en": "id", "zh-CN": "编号"},
    "col.at": {"en": "at", "zh-CN": "时间"},
    "col.change": {"en": "change", "zh-CN": "变化"},
    "col.status": {"en": "status", "zh-CN": "状态"},
    "col.delivery": {"en": "delivery", "zh-CN": "订单"},
    "col.owner": {"en": "owner", "zh-CN": "负责人"},
    "col.from": {"en": "from", "zh-CN": "起始"},
    "col.name": {"en": "name", "zh-CN": "名称"},
    "col.error": {"en": "error", "zh-CN": "错误"},
    "col.last_error": {"en": "last error", "zh-CN": "最近错误"},
    "col.rows": {"en": "rows", "zh-CN": "行数"},
    "wrote": {"en": "wrote {path}", "zh-CN": "已写入 {path}"},
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
        "zh-CN": "环节 — {workspace}（超时以分钟计；* 显著，~ 回答少于 30 条）",
    },
    "stages.col_deliveries": {"en": "deliveries", "zh-CN": "订单数"},
    "stages.col_late": {"en": "late", "zh-CN": "晚到"},
    "stages.col_late_rate": {"en": "late %", "zh-CN": "晚到率"},
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
    "lateness.title": {"en": "Lateness", "zh-CN": "晚到与评分"},
    "lateness.col_late_by": {"en": "late by", "zh-CN": "晚到时长"},
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
                 "导入带 promised_at 和 delivered_at 的订单即可衡量晚到。",
    },
    # --- reanalyze -------------------------------------------------------------------
    "reanalyze.done": {
        "en": "{analysed} answers analysed ({commented} with a comment, {themed} with a theme); "
              "attributed: {methods}; {retimed} deliveries retimed.",
        "zh-CN": "已分析 {analysed} 条回答（{commented} 条有留言，{themed} 条有主题）；"
                 "归因：{methods}；重新计算了 {retimed} 个订单的环节用时。",
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
    "taxonomy.col_stages": {"en": "stages", "zh-CN": "环节"},
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
    "journey.title": {"en": "Journey — {workspace}", "zh-CN": "旅程环节 — {workspace}"},
    "journey.col_target": {"en": "target (min)", "zh-CN": "目标（分钟）"},
    "journey.usual_duration": {"en": "— (usual duration)", "zh-CN": "—（按通常用时）"},
    "journey.saved": {"en": "Stage {key}: target {target} min.", "zh-CN": "环节 {key}：目标 {target} 分钟。"},
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
    # The spaces let a narrow terminal wrap the header instead of cutting it short.
    "loop.col_hours_to_contact": {"en": "median h to contact", "zh-CN": "联系用时 中位数 （小时）"},
    "loop.col_hours_to_resolve": {"en": "median h to resolve", "zh-CN": "解决用时 中位数 （小时）"},
    "loop.col_breached_now": {"en": "breached now", "zh-CN": "当前超时"},
    "loop.col_recovered": {"en": "recovered / verified", "zh-CN": "挽回 / 已验证"},
    "loop.col_recovery_ci": {"en": "recovery 95% CI", "zh-CN": "挽回率 95% 置信区间"},
    # --- analyze -------------------------------------------------------------------
    "analyze.progress": {"en": "analysing", "zh-CN": "分析中"},
    "analyze.summary_title": {"en": "{count} rows analysed", "zh-CN": "已分析 {count} 行"},
    "analyze.col_label": {"en": "label", "zh-CN": "情感"},
    "analyze.label_negative": {"en": "negative", "zh-CN": "负面"},
    "analyze.label_neutral": {"en": "neutral", "zh-CN": "中性"},
    "analyze.label_positive": {"en": "positive", "zh-CN": "正面"},
    "analyze.themes_title": {"en": "Themes (complaints)", "zh-CN": "主题（投诉）"},
    "analyze.rows_title": {"en": "First {count} rows", "zh-CN": "前 {count} 行"},
    "analyze.col_row": {"en": "row", "zh-CN": "行"},
    "analyze.col_text": {"en": "text", "zh-CN": "文本"},
    "analyze.col_lang": {"en": "lang", "zh-CN": "语言"},
    "analyze.col_sentiment": {"en": "sentiment", "zh-CN": "情感分"},
    "analyze.col_themes": {"en": "themes", "zh-CN": "主题"},
    "analyze.topics_title": {
        "en": "Emerging topics (comments that fit no theme)",
        "zh-CN": "新出现的话题（不属于任何主题的留言）",
    },
    "analyze.col_terms": {"en": "terms", "zh-CN": "关键词"},
    "analyze.col_comments": {"en": "comments", "zh-CN": "留言数"},
    "analyze.col_examples": {"en": "examples", "zh-CN": "示例"},
    # --- brief and briefs -------------------------------------------------------------
    "brief.gathering": {"en": "gathering the brief…", "zh-CN": "正在汇总简报…"},
    "brief.outcome": {"en": "brief {id}: {made}, {published}", "zh-CN": "简报 {id}：{made}，{published}"},
    "brief.made": {"en": "made", "zh-CN": "已生成"},
    "brief.already_stored": {"en": "already stored", "zh-CN": "此前已存储"},
    "brief.published_now": {"en": "published now", "zh-CN": "已发布"},
    "brief.already_published": {"en": "already published", "zh-CN": "此前已发布"},
    "briefs.title": {"en": "Briefs — {workspace}", "zh-CN": "简报 — {workspace}"},
    "briefs.col_period": {"en": "period", "zh-CN": "周期"},
    "briefs.col_to": {"en": "to", "zh-CN": "截止"},
    "briefs.col_published": {"en": "published", "zh-CN": "发布时间"},
    "briefs.week": {"en": "week", "zh-CN": "周报"},
    "briefs.month": {"en": "month", "zh-CN": "月报"},
    "briefs.none": {
        "en": "No brief stored yet: `doorstep brief --publish` makes one.",
        "zh-CN": "还没有存储的简报：运行 `doorstep brief --publish` 生成一份。",
    },
    # --- alerts ----------------------------------------------------------------------
    "alerts.col_raised": {"en": "raised", "zh-CN": "触发时间"},
    "alerts.col_subject": {"en": "subject", "zh-CN": "对象"},
    "alerts.col_evidence": {"en": "evidence", "zh-CN": "依据"},
    "alerts.col_acknowledged": {"en": "acknowledged", "zh-CN": "确认时间"},
    "alerts.kind_nps_drop": {"en": "nps_drop", "zh-CN": "NPS 下降"},
    "alerts.kind_theme_surge": {"en": "theme_surge", "zh-CN": "主题激增"},
    "alerts.share": {
        "en": "{before}% → {after}% ({mentions} mentions)",
        "zh-CN": "{before}% → {after}%（提及 {mentions} 次）",
    },
    "alerts.nps": {
        "en": "{before} {before_ci} → {after} {after_ci} (n {before_n} → {after_n})",
        "zh-CN": "{before} {before_ci} → {after} {after_ci}（回答数 {before_n} → {after_n}）",
    },
    "alerts.none": {"en": "No alerts.", "zh-CN": "没有预警。"},
    "alerts.title": {"en": "Alerts ({count})", "zh-CN": "预警（{count}）"},
    "alerts.none_new": {"en": "No new alerts.", "zh-CN": "没有新的预警。"},
    "alerts.title_new": {"en": "New alerts ({count})", "zh-CN": "新预警（{count}）"},
    "alerts.acknowledged": {"en": "Alert {id} acknowledged at {at}.", "zh-CN": "预警 {id} 已于 {at} 确认。"},
    # --- audit -----------------------------------------------------------------------
    "audit.title": {"en": "Audit log · {workspace}", "zh-CN": "审计日志 · {workspace}"},
    "audit.col_action": {"en": "action", "zh-CN": "操作"},
    "audit.col_actor": {"en": "actor", "zh-CN": "操作人"},
    "audit.col_target": {"en": "target", "zh-CN": "对象"},
    "audit.col_details": {"en": "details", "zh-CN": "详情"},
    "audit.col_client": {"en": "client", "zh-CN": "客户端"},
    # --- import, export, customer data -------------------------------------------------
    "import.progress_deliveries": {"en": "importing deliveries", "zh-CN": "正在导入订单"},
    "import.progress_responses": {"en": "importing responses", "zh-CN": "正在导入回答"},
    "import.summary": {"en": "{file}: {details}", "zh-CN": "{file}：{details}"},
    "import.created": {"en": "{count} created", "zh-CN": "新建 {count}"},
    "import.updated": {"en": "{count} updated", "zh-CN": "更新 {count}"},
    "import.unchanged": {"en": "{count} unchanged", "zh-CN": "未变 {count}"},
    "import.invitations": {"en": "{count} invitations", "zh-CN": "邀请 {count}"},
    "import.cases_opened": {"en": "{count} cases opened", "zh-CN": "新开工单 {count}"},
    "import.queued": {"en": "{count} waiting for analysis", "zh-CN": "待分析 {count}"},
    "import.progress_follow_up": {"en": "analysing, opening cases", "zh-CN": "正在分析、开工单"},
    "import.queued_hint": {
        "en": "{count} answers wait for their analysis and cases: a worker runs them (`doorstep worker`, or "
              "`doorstep serve --with-worker`); `doorstep jobs --kind responses.follow_up` shows what is left. "
              "--wait does it in this command.",
        "zh-CN": "{count} 条回答等待分析和开工单：由 worker 运行（`doorstep worker` 或 "
                 "`doorstep serve --with-worker`）；`doorstep jobs --kind responses.follow_up` 查看剩余。"
                 "加 --wait 则在本命令内完成。",
    },
    "import.statistics": {
        "en": "updating the database's statistics after a bulk load …",
        "zh-CN": "批量导入后正在更新数据库统计信息…",
    },
    "import.statistics_failed": {
        "en": "warning: statistics not refreshed ({error}); run VACUUM ANALYZE / ANALYZE later",
        "zh-CN": "警告：统计信息未更新（{error}）；请稍后运行 VACUUM ANALYZE / ANALYZE",
    },
    "export.progress": {"en": "exporting", "zh-CN": "导出中"},
    "export.wrote": {"en": "wrote {count} answers to {path}", "zh-CN": "已将 {count} 条回答写入 {path}"},
    "customer.exported": {
        "en": "wrote {path}: {deliveries} deliveries, {answers} answers, {cases} cases",
        "zh-CN": "已写入 {path}：{deliveries} 个订单、{answers} 条回答、{cases} 个工单",
    },
    "customer.erase_needs_yes": {
        "en": "erasing cannot be undone: add --yes to go ahead",
        "zh-CN": "删除后无法恢复：加上 --yes 才会执行",
    },
    "customer.erased": {
        "en": "erased customer {id}: {comments} comments, {notes} frontline notes, {jobs} notifications; "
              "{answers} answers and {cases} cases still count",
        "zh-CN": "已删除客户 {id} 的个人数据：{comments} 条留言、{notes} 条一线反馈、{jobs} 条通知；"
                 "{answers} 条回答和 {cases} 个工单仍计入统计",
    },
    # --- backup, restore, maintenance ---------------------------------------------------
    "backup.done": {"en": "Backed up {rows} rows to {file}", "zh-CN": "已将 {rows} 行备份到 {file}"},
    "restore.done": {"en": "Restored {rows} rows from {file}", "zh-CN": "已从 {file} 恢复 {rows} 行"},
    "restore.done_upgraded": {
        "en": "Restored {rows} rows from {file}, upgraded from schema {revision}",
        "zh-CN": "已从 {file} 恢复 {rows} 行，并从数据库结构版本 {revision} 升级",
    },
    "stage_daily.checked": {
        "en": "{differences} of {cells} day cells differ from the stage events.",
        "zh-CN": "{cells} 个按日汇总单元中有 {differences} 个与环节事件不一致。",
    },
    "stage_daily.rebuilt": {
        "en": "Rebuilt {cells} day cells of {stages} stages from {events} stage events "
              "({differences} were out of date).",
        "zh-CN": "已根据 {events} 个环节事件重建 {stages} 个环节的 {cells} 个按日汇总单元"
                 "（其中 {differences} 个已过时）。",
    },
    # --- setup: init, workspaces, keys, serve ----------------------------------------
    "init.exists": {
        "en": "Workspace [bold]{workspace}[/] already exists; make another key with: doorstep key create",
        "zh-CN": "工作区 [bold]{workspace}[/] 已存在；如需新的密钥请运行：doorstep key create",
    },
    "init.created": {
        "en": "Database ready; workspace [bold]{workspace}[/] created ({timezone}, {locale}).",
        "zh-CN": "数据库已就绪；已创建工作区 [bold]{workspace}[/]（{timezone}，{locale}）。",
    },
    "init.key": {
        "en": "API key (shown only now — store it safely):",
        "zh-CN": "API 密钥（仅显示这一次，请妥善保存）：",
    },
    "workspace.created": {
        "en": "Workspace [bold]{workspace}[/] created. API key (shown only now):",
        "zh-CN": "已创建工作区 [bold]{workspace}[/]。API 密钥（仅显示这一次）：",
    },
    "workspace.col_slug": {"en": "slug", "zh-CN": "标识"},
    "workspace.col_timezone": {"en": "timezone", "zh-CN": "时区"},
    "workspace.col_locale": {"en": "locale", "zh-CN": "语言"},
    "key.created": {
        "en": "Key {prefix} ({role}) for {workspace}; the secret is shown only now:",
        "zh-CN": "{workspace} 的密钥 {prefix}（{role}）；密钥全文仅显示这一次：",
    },
    "key.revoked": {"en": "Key {prefix} revoked.", "zh-CN": "密钥 {prefix} 已吊销。"},
    "serve.serving": {
        "en": "Doorstep is serving on [bold]http://{host}:{port}/[/]  (Ctrl+C to stop)",
        "zh-CN": "Doorstep 正在 [bold]http://{host}:{port}/[/] 提供服务（按 Ctrl+C 停止）",
    },
    "serve.serving_worker": {
        "en": "Doorstep is serving with its jobs worker on [bold]http://{host}:{port}/[/]  (Ctrl+C to stop)",
        "zh-CN": "Doorstep 正在 [bold]http://{host}:{port}/[/] 提供服务，并运行后台任务 worker（按 Ctrl+C 停止）",
    },
    "settings.title": {"en": "Settings — {workspace}", "zh-CN": "设置 — {workspace}"},
    "settings.col_setting": {"en": "setting", "zh-CN": "设置项"},
    "settings.col_value": {"en": "value", "zh-CN": "值"},
    "settings.col_meaning": {"en": "meaning", "zh-CN": "说明（英文）"},
    # --- people --------------------------------------------------------------------
    "user.password": {"en": "Password", "zh-CN": "密码"},
    "user.password_again": {"en": "Password again", "zh-CN": "再次输入密码"},
    "user.added": {
        "en": "[bold]{handle}[/] ({role}) can now sign in to [bold]{workspace}[/].",
        "zh-CN": "[bold]{handle}[/]（{role}）现在可以登录 [bold]{workspace}[/]。",
    },
    "users.title": {"en": "People — {workspace}", "zh-CN": "人员 — {workspace}"},
    "users.col_handle": {"en": "handle", "zh-CN": "用户名"},
    "users.col_name": {"en": "name", "zh-CN": "姓名"},
    "users.col_role": {"en": "role", "zh-CN": "角色"},
    "users.col_email": {"en": "e-mail", "zh-CN": "邮箱"},
    "users.col_active": {"en": "active", "zh-CN": "启用"},
    "users.col_login": {"en": "login", "zh-CN": "可登录"},
    "user.unchanged": {
        "en": "{handle}: the name and e-mail were already so; nothing changed.",
        "zh-CN": "{handle}：姓名和邮箱本来就是这样，没有改动。",
    },
    "user.saved": {
        "en": "{handle}: {changed} saved (name: {name}, e-mail: {email}).",
        "zh-CN": "{handle}：已保存{changed}（姓名：{name}，邮箱：{email}）。",
    },
    "user.field_name": {"en": "name", "zh-CN": "姓名"},
    "user.field_email": {"en": "email", "zh-CN": "邮箱"},
    "user.and": {"en": " and ", "zh-CN": "和"},
    "user.links_spent": {
        "en": "{count} link(s) sent to the old address no longer work.",
        "zh-CN": "发到旧邮箱的 {count} 个链接已失效。",
    },
    "user.links_spent_resend": {
        "en": "{count} link(s) sent to the old address no longer work; send the invitation again from /admin/people.",
        "zh-CN": "发到旧邮箱的 {count} 个链接已失效；请在 /admin/people 重新发送邀请。",
    },
    "user.role_set": {
        "en": "{handle} is now {role} in {workspace}.",
        "zh-CN": "{handle} 在 {workspace} 的角色现为 {role}。",
    },
    "user.deactivated": {
        "en": "{handle} can no longer sign in to {workspace}.",
        "zh-CN": "{handle} 已不能再登录 {workspace}。",
    },
    "user.reactivated": {
        "en": "{handle} can sign in to {workspace} again.",
        "zh-CN": "{handle} 可以重新登录 {workspace}。",
    },
    "user.password_set": {
        "en": "New password set for {handle}; their open sessions have ended.",
        "zh-CN": "已为 {handle} 设置新密码；其已登录的会话均已结束。",
    },
    "user.prefs": {
        "en": "{handle}: language {language}; e-mails about answered notes {state}.",
        "zh-CN": "{handle}：语言 {language}；一线反馈被回复时发邮件：{state}。",
    },
    "user.browser": {"en": "browser", "zh-CN": "跟随浏览器"},
    "on": {"en": "on", "zh-CN": "开"},
    "off": {"en": "off", "zh-CN": "关"},
    # --- open links and QR codes --------------------------------------------------------
    "link.created": {"en": "open link {id} ({label}): {url}", "zh-CN": "开放链接 {id}（{label}）：{url}"},
    "link.print_it": {"en": "  print it: {command}", "zh-CN": "  打印二维码：{command}"},
    "links.title": {"en": "Open links — {workspace}", "zh-CN": "开放链接 — {workspace}"},
    "links.col_label": {"en": "label", "zh-CN": "标签"},
    "links.col_state": {"en": "state", "zh-CN": "状态"},
    "links.col_url": {"en": "url", "zh-CN": "链接"},
    "links.any": {"en": "any", "zh-CN": "任意"},
    "links.active": {"en": "active", "zh-CN": "有效"},
    "links.revoked_on": {"en": "revoked {date}", "zh-CN": "{date} 已撤销"},
    "link.revoked": {"en": "open link {id} ({label}) revoked", "zh-CN": "开放链接 {id}（{label}）已撤销"},
    "qr.wrote": {
        "en": "wrote {path} ({kind}, {bytes} bytes): {url}",
        "zh-CN": "已写入 {path}（{kind}，{bytes} 字节）：{url}",
    },
    # --- webhooks ------------------------------------------------------------------
    "webhook.added": {
        "en": "Subscription {id}: {format} → {url} for {events}",
        "zh-CN": "订阅 {id}：{format} → {url}，事件：{events}",
    },
    "webhook.added_secret": {
        "en": "Subscription {id}: {format} → {url} for {events} (secret {last4})",
        "zh-CN": "订阅 {id}：{format} → {url}，事件：{events}（密钥末四位 {last4}）",
    },
    "webhooks.title": {"en": "Webhooks — {workspace}", "zh-CN": "Webhook 订阅 — {workspace}"},
    "webhooks.col_format": {"en": "format", "zh-CN": "格式"},
    "webhooks.col_url": {"en": "url", "zh-CN": "地址"},
    "webhooks.col_events": {"en": "events", "zh-CN": "事件"},
    "webhooks.col_active": {"en": "active", "zh-CN": "启用"},
    "webhooks.col_secret": {"en": "secret", "zh-CN": "密钥"},
    "webhooks.paused": {"en": "paused", "zh-CN": "已暂停"},
    "webhook.removed": {"en": "Subscription {id} removed.", "zh-CN": "订阅 {id} 已删除。"},
    "webhook.resumed": {"en": "Subscription {id} resumed.", "zh-CN": "订阅 {id} 已恢复。"},
    "webhook.paused": {"en": "Subscription {id} paused.", "zh-CN": "订阅 {id} 已暂停。"},
    "webhook.log_title": {"en": "Deliveries of subscription {id}", "zh-CN": "订阅 {id} 的投递记录"},
    "webhook.col_event": {"en": "event", "zh-CN": "事件"},
    "webhook.col_event_id": {"en": "event id", "zh-CN": "事件编号"},
    "webhook.col_attempt": {"en": "attempt", "zh-CN": "尝试"},
    "webhook.col_status": {"en": "status", "zh-CN": "状态码"},
    "webhook.col_ms": {"en": "ms", "zh-CN": "耗时（毫秒）"},
    "webhook.ok": {"en": "ok", "zh-CN": "成功"},
    "webhook.test_queued": {
        "en": "Test event {event_id} queued; `doorstep webhooks log {id}` shows how it went.",
        "zh-CN": "测试事件 {event_id} 已排队；运行 `doorstep webhooks log {id}` 查看结果。",
    },
    "webhook.new_inbound_secret": {
        "en": "New inbound webhook secret for {workspace}; it is shown only now:",
        "zh-CN": "{workspace} 的新入站 Webhook 密钥（仅显示这一次）：",
    },
    "webhook.inbound_secret": {
        "en": "Inbound webhook secret for {workspace}: …{last4} (use --rotate to replace it and see the new one)",
        "zh-CN": "{workspace} 的入站 Webhook 密钥：…{last4}（用 --rotate 更换并查看新密钥）",
    },
    # --- the worker and the jobs queue ----------------------------------------------------
    "worker.nothing_due": {"en": "Nothing was due.", "zh-CN": "没有到期的任务。"},
    "worker.ran_title": {"en": "Ran {count} job(s)", "zh-CN": "运行了 {count} 个任务"},
    "worker.col_attempt": {"en": "attempt", "zh-CN": "第几次"},
    "worker.col_seconds": {"en": "seconds", "zh-CN": "秒"},
    "worker.col_now": {"en": "now", "zh-CN": "当前状态"},
    "jobs.title": {"en": "Jobs — {scope}", "zh-CN": "后台任务 — {scope}"},
    "jobs.all_workspaces": {"en": "all workspaces", "zh-CN": "所有工作区"},
    "jobs.total": {"en": "[bold]all[/]", "zh-CN": "[bold]合计[/]"},
    "jobs.listing": {"en": "{count} job(s), newest first", "zh-CN": "{count} 个任务，最新的在前"},
    "jobs.listing_status": {
        "en": "{count} job(s) {status}, newest first",
        "zh-CN": "{count} 个 {status} 任务，最新的在前",
    },
    "jobs.col_run_at": {"en": "run at", "zh-CN": "运行时间"},
    "jobs.col_attempts": {"en": "attempts", "zh-CN": "尝试次数"},
    "jobs.col_finished": {"en": "finished", "zh-CN": "结束时间"},
    "jobs.dead_title": {
        "en": "Dead letters ({count}): `doorstep jobs retry ID` runs one again",
        "zh-CN": "死信（{count}）：`doorstep jobs retry ID` 可重新运行",
    },
    "job.heading": {
        "en": "[bold]Job {id}[/] — {kind}: {status}, attempt {attempts} of {max_attempts}",
        "zh-CN": "[bold]任务 {id}[/] — {kind}：{status}，第 {attempts} 次尝试（共 {max_attempts} 次）",
    },
    "job.field": {"en": "  {label}: {value}", "zh-CN": "  {label}：{value}"},
    "job.run_at": {"en": "run at", "zh-CN": "运行时间"},
    "job.created": {"en": "created", "zh-CN": "创建时间"},
    "job.finished": {"en": "finished", "zh-CN": "结束时间"},
    "job.held_by": {"en": "held by", "zh-CN": "执行者"},
    "job.lease_until": {"en": "lease until", "zh-CN": "租约到期"},
    "job.dedupe_key": {"en": "dedupe key", "zh-CN": "去重键"},
    "job.payload": {"en": "payload", "zh-CN": "参数"},
    "job.retried": {
        "en": "Job {id} ({kind}) is queued again; a worker runs it next.",
        "zh-CN": "任务 {id}（{kind}）已重新排队，接下来由 worker 运行。",
    },
    "job.cancelled": {"en": "Job {id} ({kind}) is cancelled.", "zh-CN": "任务 {id}（{kind}）已取消。"},
    # --- e-mail ------------------------------------------------------------------------
    "mail.sent": {
        "en": "Sent: the SMTP server {server} ({security}{login}) accepted a test e-mail to {to}, Message-ID "
              "{message_id}. Check that it arrived (and not in spam).",
        "zh-CN": "已发送：SMTP 服务器 {server}（{security}{login}）已接受发往 {to} 的测试邮件，Message-ID "
                 "{message_id}。请确认已经收到（且不在垃圾邮件里）。",
    },
    "mail.as_user": {"en": " as {username}", "zh-CN": "，用户 {username}"},
    "mail.without_login": {"en": " without login", "zh-CN": "，不登录"},
    "mail.lifted_after_test": {
        "en": "E-mail was paused since {since} UTC ({step}); it is resumed: the worker sends the waiting e-mails now.",
        "zh-CN": "邮件自 {since} UTC 起暂停（{step}）；现已恢复：worker 会立即发送等待中的邮件。",
    },
    "mail.note_unknown": {
        "en": "[yellow]note:[/] could not check whether e-mail is paused: {reason}",
        "zh-CN": "[yellow]注意：[/]无法确认邮件是否暂停：{reason}",
    },
    "mail.not_paused": {
        "en": "E-mail is not paused ({count} e-mail job(s) queued).",
        "zh-CN": "邮件未暂停（排队中的邮件任务 {count} 个）。",
    },
    "mail.paused": {
        "en": "[bold red]E-mail is PAUSED[/] since {since} UTC, at the {step} step, with {host}:{port} "
              "({security}{user}); last failure {failed} UTC.",
        "zh-CN": "[bold red]邮件已暂停[/]：自 {since} UTC 起，在 {step} 步骤，服务器 {host}:{port}"
                 "（{security}{user}）；最近一次失败 {failed} UTC。",
    },
    "mail.paused_waiting": {
        "en": "{count} e-mail job(s) wait, none uses up its attempts. Fix DOORSTEP_SMTP_* and restart the worker "
              "(it resumes by itself with new settings), or once it is fixed elsewhere (the provider unlocked the "
              "account): `doorstep email resume`.",
        "zh-CN": "{count} 个邮件任务在等待，不会耗尽重试次数。"
                 "修正 DOORSTEP_SMTP_* 后重启 worker（设置变了会自动恢复）；"
                 "如果问题已在别处解决（例如服务商解锁了账号），请运行 `doorstep email resume`。",
    },
    "mail.nothing_to_resume": {"en": "E-mail was not paused; nothing to do.", "zh-CN": "邮件未暂停，无需操作。"},
    "mail.resumed": {
        "en": "E-mail resumed (it was paused since {since} UTC at the {step} step): the worker sends the {count} "
              "waiting e-mail job(s) now. If the server refuses again, e-mail pauses again after one attempt.",
        "zh-CN": "邮件已恢复（此前自 {since} UTC 起在 {step} 步骤暂停）：worker 会立即发送等待中的 {count} 个邮件任务。"
                 "如果服务器再次拒绝，邮件会在一次尝试后再次暂停。",
    },
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
