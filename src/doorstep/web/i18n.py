"""Two languages, one small catalog: English and Simplified Chinese.

Pages never hold prose; they ask :func:`t` for a message by id, so a missing
translation is a test failure (tests/web/test_i18n.py), not a half-English page.
:func:`negotiate` decides which of the two a visitor gets.
"""

from __future__ import annotations

from doorstep.cases.messages import ENGLISH as NOTE_ENGLISH

LANGUAGES = ("en", "zh-CN")
DEFAULT_LANGUAGE = "en"

# Message id → language → text. Placeholders use str.format names and must be the
# same in both languages. Texts are plain: the templates escape them like user text.
MESSAGES: dict[str, dict[str, str]] = {
    # --- shared --------------------------------------------------------------
    "lang.name": {"en": "English", "zh-CN": "中文"},
    "lang.switch": {"en": "Switch language", "zh-CN": "切换语言"},
    # --- the survey ----------------------------------------------------------
    "survey.title": {"en": "Your feedback", "zh-CN": "您的反馈"},
    "survey.question": {
        "en": "How likely are you to recommend {workspace} to a friend?",
        "zh-CN": "您有多大可能向朋友推荐{workspace}？",
    },
    "survey.scale_low": {"en": "not at all likely", "zh-CN": "完全不可能"},
    "survey.scale_high": {"en": "extremely likely", "zh-CN": "非常可能"},
    "survey.why": {
        "en": "What is the main reason for your score?",
        "zh-CN": "您给出这个分数的主要原因是什么？",
    },
    "survey.stage_question": {
        "en": "Which step went wrong, if any?",
        "zh-CN": "哪个环节出了问题？",
    },
    "survey.stage_none": {"en": "Nothing went wrong", "zh-CN": "都很好"},
    "survey.optional": {"en": "optional", "zh-CN": "选填"},
    "survey.submit": {"en": "Send my answer", "zh-CN": "提交"},
    "survey.reference": {"en": "Reference {reference}", "zh-CN": "单号 {reference}"},
    "survey.privacy": {
        "en": "Your answer goes only to {workspace}.",
        "zh-CN": "您的回答只会发送给{workspace}。",
    },
    "survey.error_score": {
        "en": "Please choose a score from 0 to 10.",
        "zh-CN": "请选择一个 0 到 10 之间的分数。",
    },
    "survey.error_comment": {
        "en": "Your comment is too long: please keep it to {limit} characters.",
        "zh-CN": "您的留言太长了，请不要超过 {limit} 个字。",
    },
    "survey.error_stage": {
        "en": "Please choose one of the steps listed.",
        "zh-CN": "请从列出的环节中选择一个。",
    },
    "survey.error_other": {
        "en": "Please check your answer and send it again.",
        "zh-CN": "请检查您的回答后重新提交。",
    },
    # --- after answering -----------------------------------------------------
    "thanks.title": {"en": "Thank you!", "zh-CN": "谢谢您！"},
    "thanks.received": {"en": "Your answer has been received.", "zh-CN": "我们已经收到您的回答。"},
    "thanks.detractor": {
        "en": "We are sorry it was not better. Someone from {workspace} will get in touch with you soon.",
        "zh-CN": "很抱歉这次没有让您满意。{workspace}的工作人员会尽快与您联系。",
    },
    "thanks.passive": {
        "en": "We will use what you told us to do better next time.",
        "zh-CN": "我们会根据您的意见，下次做得更好。",
    },
    "thanks.promoter": {
        "en": "We are glad it went well. Thank you for telling us.",
        "zh-CN": "很高兴这次让您满意，谢谢您告诉我们！",
    },
    "thanks.your_score": {"en": "Your score: {score}", "zh-CN": "您的评分：{score}"},
    "thanks.your_comment": {"en": "Your comment", "zh-CN": "您的留言"},
    "thanks.close": {"en": "You can close this page now.", "zh-CN": "现在可以关闭此页面了。"},
    "answered.title": {"en": "We already have your answer", "zh-CN": "我们已经收到您的回答"},
    "answered.body": {
        "en": "We already have your answer — thank you. Your first answer is kept.",
        "zh-CN": "我们已经收到您的回答，谢谢！以第一次提交为准。",
    },
    # --- errors (shown in both languages: we may not know the visitor's) -------
    "error.404.title": {"en": "This survey link is not valid", "zh-CN": "此问卷链接无效"},
    "error.404.body": {
        "en": "Please check that you opened the whole link from your message. "
              "If it still does not work, contact the business that sent it.",
        "zh-CN": "请确认您打开的是消息中的完整链接。如果仍然无法打开，请联系发送链接的商家。",
    },
    "error.410.title": {"en": "This survey has closed", "zh-CN": "此问卷已关闭"},
    "error.410.body": {
        "en": "A survey can be answered for a limited time after a delivery. Thank you for your interest.",
        "zh-CN": "问卷只在交付后的一段时间内开放。感谢您的关注！",
    },
    "error.other.title": {"en": "Something went wrong", "zh-CN": "出了点问题"},
    "error.other.body": {"en": "Please try again in a moment.", "zh-CN": "请稍后再试。"},
    "error.page.title": {"en": "There is no such page", "zh-CN": "找不到此页面"},
    "error.page.body": {
        "en": "The address may be mistyped or out of date. Start again from the overview.",
        "zh-CN": "地址可能有误或已过期，请从总览重新进入。",
    },
    "error.page.home": {"en": "Go to the overview", "zh-CN": "前往总览"},
    "ratelimit.title": {"en": "Too many requests", "zh-CN": "请求过于频繁"},
    "ratelimit.body": {
        "en": "Please wait {seconds} seconds, then reload this page.",
        "zh-CN": "请等待 {seconds} 秒后再刷新此页面。",
    },
    # --- the dashboard -------------------------------------------------------
    "dashboard.title": {"en": "Overview", "zh-CN": "总览"},
    "dashboard.subtitle": {
        "en": "Net Promoter Score of every workspace, all answers so far.",
        "zh-CN": "各业务空间的净推荐值（NPS），统计迄今为止的全部回答。",
    },
    "dashboard.as_of": {"en": "As of {time} UTC", "zh-CN": "数据截至 {time}（UTC）"},
    "dashboard.nps": {"en": "NPS", "zh-CN": "净推荐值"},
    "dashboard.ci": {"en": "95% interval {low} to {high}", "zh-CN": "95% 置信区间 {low} 至 {high}"},
    "dashboard.interval_label": {
        "en": "NPS {nps}, 95% interval {low} to {high}, on a scale from −100 to 100",
        "zh-CN": "净推荐值 {nps}，95% 置信区间 {low} 至 {high}（范围 −100 至 100）",
    },
    "dashboard.split_label": {
        "en": "Promoters {promoters}, passives {passives}, detractors {detractors}",
        "zh-CN": "推荐者 {promoters}，中立者 {passives}，贬损者 {detractors}",
    },
    "dashboard.responses": {"en": "Responses", "zh-CN": "回答数"},
    "dashboard.open_cases": {"en": "Open cases", "zh-CN": "待处理工单"},
    "dashboard.promoters": {"en": "Promoters", "zh-CN": "推荐者"},
    "dashboard.passives": {"en": "Passives", "zh-CN": "中立者"},
    "dashboard.detractors": {"en": "Detractors", "zh-CN": "贬损者"},
    "dashboard.no_responses": {"en": "No responses yet", "zh-CN": "暂无回答"},
    "dashboard.no_workspaces": {
        "en": "No workspaces yet. Create one with: doorstep workspace create SLUG",
        "zh-CN": "还没有业务空间。请运行 doorstep workspace create SLUG 创建。",
    },
    "dashboard.open_insight": {"en": "Trend, stages and drivers", "zh-CN": "查看趋势、环节与驱动因素"},
    "dashboard.about_nps": {
        "en": "NPS = % promoters (9–10) − % detractors (0–6). The bar is the 95% interval "
              "on a −100 to 100 axis: the fewer the answers, the wider it is.",
        "zh-CN": "净推荐值 = 推荐者（9–10 分）占比 − 贬损者（0–6 分）占比。"
                 "横条为 95% 置信区间（坐标 −100 至 100）：回答越少，区间越宽。",
    },
    # --- the case inbox ------------------------------------------------------
    "nav.overview": {"en": "Overview", "zh-CN": "总览"},
    "nav.inbox": {"en": "Case inbox", "zh-CN": "工单"},
    # --- signing in (doorstep.web.auth) ------------------------------------
    "login.title": {"en": "Sign in", "zh-CN": "登录"},
    "login.workspace": {"en": "Workspace", "zh-CN": "工作区"},
    "login.login": {"en": "Name or e-mail", "zh-CN": "用户名或邮箱"},
    "login.password": {"en": "Password", "zh-CN": "密码"},
    "login.submit": {"en": "Sign in", "zh-CN": "登录"},
    "login.forgot": {"en": "Forgot your password?", "zh-CN": "忘记密码？"},
    "login.logout": {"en": "Sign out", "zh-CN": "退出"},
    "login.failed": {
        "en": "Sign-in failed. Check the workspace, name and password. After several failed attempts "
              "an account is paused for 15 minutes.",
        "zh-CN": "登录失败，请检查工作区、用户名和密码。多次失败后账号将暂停登录 15 分钟。",
    },
    "login.logged_out": {"en": "You are signed out.", "zh-CN": "您已退出登录。"},
    "login.reset_done": {
        "en": "Your password has been changed: sign in with the new one.",
        "zh-CN": "密码已修改，请用新密码登录。",
    },
    "role.admin": {"en": "admin", "zh-CN": "管理员"},
    "role.cs": {"en": "customer service", "zh-CN": "客服"},
    "role.frontline": {"en": "frontline", "zh-CN": "一线"},
    "role.exec": {"en": "executive", "zh-CN": "管理层"},
    "forbidden.title": {"en": "Not allowed", "zh-CN": "无权访问"},
    "forbidden.role": {
        "en": "Your role does not include this page. Ask an admin of your workspace if you need it.",
        "zh-CN": "您的角色无权查看此页面。如有需要，请联系本工作区的管理员。",
    },
    "forbidden.csrf": {
        "en": "This form was refused because it did not come from this site's own page, or the page was "
              "too old. Nothing was changed: reload the page and try again.",
        "zh-CN": "此表单未通过安全校验（不是来自本站页面，或页面已过期），未做任何更改。请刷新页面后重试。",
    },
    "forbidden.back": {"en": "Back to the overview", "zh-CN": "返回总览"},
    "reset.title": {"en": "Reset your password", "zh-CN": "重设密码"},
    "reset.ask": {
        "en": "Enter your workspace and your name or e-mail: we will e-mail you a link to choose a new password.",
        "zh-CN": "请输入工作区和用户名或邮箱，我们会发送一封邮件，其中的链接可用于设置新密码。",
    },
    "reset.no_mail": {
        "en": "E-mail is not set up on this server, so passwords cannot be reset here. Ask an admin to set "
              "a new one for you.",
        "zh-CN": "此服务器未配置邮件，无法在此重设密码。请联系管理员为您设置新密码。",
    },
    "reset.send": {"en": "Send the link", "zh-CN": "发送链接"},
    "reset.sent": {
        "en": "If that account has an e-mail address, a link is on its way. It works once, for one hour.",
        "zh-CN": "如果该账号登记了邮箱，重设链接已发出。链接只能使用一次，一小时内有效。",
    },
    "reset.new_password": {"en": "New password (at least 10 characters)", "zh-CN": "新密码（至少 10 个字符）"},
    "reset.confirm": {"en": "The new password again", "zh-CN": "再次输入新密码"},
    "reset.save": {"en": "Save the new password", "zh-CN": "保存新密码"},
    "reset.error_mismatch": {"en": "The two passwords differ.", "zh-CN": "两次输入的密码不一致。"},
    "reset.error_weak": {
        "en": "This password is too short or too easy to guess: use at least 10 characters.",
        "zh-CN": "密码太短或太容易被猜到，请至少使用 10 个字符。",
    },
    "reset.dead": {
        "en": "This link has been used or has expired. Ask for a new one.",
        "zh-CN": "此链接已被使用或已过期，请重新申请。",
    },
    "reset.back": {"en": "Back to sign in", "zh-CN": "返回登录"},
    "reset.mail_subject": {"en": "Reset your Doorstep password", "zh-CN": "重设您的 Doorstep 密码"},
    "reset.mail_body": {
        "en": "Hello {name},\n\nsomeone (we hope you) asked to reset your Doorstep password. Choose a new one "
              "here within {minutes} minutes:\n\n{link}\n\nThe link works once. If you did not ask, ignore "
              "this e-mail: your password stays as it is.",
        "zh-CN": "{name}，您好：\n\n有人（希望是您本人）申请重设您的 Doorstep 密码。请在 {minutes} 分钟内通过以下链接"
                 "设置新密码：\n\n{link}\n\n链接只能使用一次。如果不是您本人操作，请忽略此邮件，您的密码不会改变。",
    },
    # --- one's own account: /account (doorstep.web.account) ------------------
    "account.title": {"en": "Your account", "zh-CN": "我的账号"},
    "account.open": {"en": "Your account: password and language", "zh-CN": "我的账号：密码与语言"},
    "account.who": {"en": "Who you are", "zh-CN": "账号信息"},
    "account.handle": {"en": "Name to sign in with", "zh-CN": "登录用户名"},
    "account.name": {"en": "Name", "zh-CN": "姓名"},
    "account.email": {"en": "E-mail", "zh-CN": "邮箱"},
    "account.role": {"en": "Role", "zh-CN": "角色"},
    "account.not_set": {"en": "not set", "zh-CN": "未填写"},
    "account.language": {"en": "Language", "zh-CN": "语言"},
    "account.language_hint": {
        "en": "The language of your pages and of the e-mails Doorstep sends you. The language link at the "
              "top of a page still shows that page in the other one.",
        "zh-CN": "您的页面以及 Doorstep 发给您的邮件所用的语言。页面右上角的语言链接仍可把当前页面切换为另一种语言。",
    },
    "account.language_auto": {"en": "Follow the browser", "zh-CN": "跟随浏览器"},
    "account.language_save": {"en": "Save the language", "zh-CN": "保存语言设置"},
    "account.language_saved": {"en": "Your language is saved.", "zh-CN": "语言设置已保存。"},
    "account.error_language": {
        "en": "Choose one of the languages listed. Nothing was changed.",
        "zh-CN": "请从列出的语言中选择一种。未做任何更改。",
    },
    "account.emails": {"en": "E-mails", "zh-CN": "邮件通知"},
    "account.emails_hint": {
        "en": "When customer service answers a note you wrote, Doorstep can e-mail you at the address above.",
        "zh-CN": "客服回复您写的一线反馈时，Doorstep 可以发邮件到上面的邮箱告诉您。",
    },
    "account.emails_no_address": {
        "en": "You have no e-mail address, so nothing is sent.",
        "zh-CN": "您的账号没有邮箱，因此不会收到邮件。",
    },
    "account.note_answer_emails": {
        "en": "E-mail me when my notes are answered",
        "zh-CN": "我的一线反馈有回复时给我发邮件",
    },
    "account.emails_save": {"en": "Save the e-mail setting", "zh-CN": "保存邮件设置"},
    "account.emails_on": {
        "en": "Saved: you will be e-mailed when your notes are answered.",
        "zh-CN": "已保存：您的一线反馈有回复时会给您发邮件。",
    },
    "account.emails_off": {
        "en": "Saved: you will no longer be e-mailed when your notes are answered, not even for an answer "
              "already waiting to be sent.",
        "zh-CN": "已保存：您的一线反馈有回复时不再给您发邮件，已在等待发送的邮件也不会发出。",
    },
    "account.password": {"en": "Change your password", "zh-CN": "修改密码"},
    "account.password_note": {
        "en": "You will stay signed in here; everywhere else you are signed in (another browser, a phone) "
              "is signed out.",
        "zh-CN": "修改后当前页面保持登录，您在其他地方（其他浏览器、手机）的登录将全部退出。",
    },
    "account.current_password": {"en": "Current password", "zh-CN": "当前密码"},
    "account.password_save": {"en": "Change the password", "zh-CN": "确认修改密码"},
    "account.password_changed": {
        "en": "Your password has been changed. You are still signed in here and signed out everywhere else.",
        "zh-CN": "密码已修改。当前页面保持登录，其他地方的登录已全部退出。",
    },
    "account.error_wrong": {
        "en": "The current password is wrong. After several wrong passwords, changing it and signing in "
              "are paused for 15 minutes.",
        "zh-CN": "当前密码不正确。多次输错后，修改密码和登录都将暂停 15 分钟。",
    },
    "account.error_locked": {
        "en": "Too many wrong passwords: changing it and signing in are paused for 15 minutes.",
        "zh-CN": "密码错误次数过多，修改密码和登录已暂停 15 分钟。",
    },
    "account.nothing_changed": {"en": "Nothing was changed.", "zh-CN": "未做任何更改。"},
    "inbox.title": {"en": "Case inbox", "zh-CN": "工单收件箱"},
    "inbox.subtitle": {
        "en": "Unhappy customers to contact, help and ask again — newest first.",
        "zh-CN": "需要联系、帮助并回访的不满意客户，最新的在前。",
    },
    "inbox.workspaces": {"en": "Workspaces", "zh-CN": "业务空间"},
    "inbox.no_workspaces": {
        "en": "No workspaces yet. Create one with: doorstep workspace create SLUG",
        "zh-CN": "还没有业务空间。请运行 doorstep workspace create SLUG 创建。",
    },
    "inbox.filter_status": {"en": "Status", "zh-CN": "状态"},
    "inbox.filter_owner": {"en": "Owner", "zh-CN": "负责人"},
    "inbox.filter_priority": {"en": "Priority", "zh-CN": "优先级"},
    "inbox.only_breached": {"en": "Only overdue", "zh-CN": "仅显示已超时"},
    "inbox.any": {"en": "Any", "zh-CN": "全部"},
    "inbox.unassigned": {"en": "Unassigned", "zh-CN": "未分配"},
    "inbox.apply": {"en": "Filter", "zh-CN": "筛选"},
    "inbox.count": {"en": "{count} cases", "zh-CN": "共 {count} 个工单"},
    "inbox.count.one": {"en": "{count} case", "zh-CN": "共 {count} 个工单"},
    "common.times_in": {"en": "Times are in {timezone}.", "zh-CN": "时间均按 {timezone} 时区显示。"},
    "inbox.empty": {"en": "No case matches these filters.", "zh-CN": "没有符合条件的工单。"},
    "inbox.pages": {"en": "Pages", "zh-CN": "分页"},
    "inbox.prev": {"en": "Previous", "zh-CN": "上一页"},
    "inbox.next": {"en": "Next", "zh-CN": "下一页"},
    "inbox.page": {"en": "Page {page} of {pages}", "zh-CN": "第 {page} 页，共 {pages} 页"},
    "status.open": {"en": "Open", "zh-CN": "待联系"},
    "status.contacted": {"en": "Contacted", "zh-CN": "已联系"},
    "status.resolved": {"en": "Resolved", "zh-CN": "已解决"},
    "status.verified": {"en": "Verified", "zh-CN": "已回访确认"},
    "status.closed_unverified": {"en": "Closed, unverified", "zh-CN": "已关闭（未确认）"},
    "status.reopened": {"en": "Reopened", "zh-CN": "已重新打开"},
    "priority.high": {"en": "High", "zh-CN": "高"},
    "priority.normal": {"en": "Normal", "zh-CN": "普通"},
    "priority.low": {"en": "Low", "zh-CN": "低"},
    "move.contacted": {"en": "Mark contacted", "zh-CN": "标记为已联系"},
    "move.resolved": {"en": "Mark resolved", "zh-CN": "标记为已解决"},
    "move.closed_unverified": {"en": "Close without re-survey", "zh-CN": "不回访直接关闭"},
    "move.reopened": {"en": "Reopen", "zh-CN": "重新打开"},
    "event.opened": {"en": "opened", "zh-CN": "创建"},
    "event.transition": {"en": "moved", "zh-CN": "状态变更"},
    "event.note": {"en": "note", "zh-CN": "备注"},
    "event.assigned": {"en": "reassigned", "zh-CN": "改派"},
    "event.escalated": {"en": "escalated", "zh-CN": "升级"},
    "clock.first_contact": {"en": "First contact", "zh-CN": "首次联系"},
    "clock.resolution": {"en": "Resolution", "zh-CN": "解决"},
    "case.title": {"en": "Case {id}", "zh-CN": "工单 {id}"},
    "case.back": {"en": "Back to the inbox", "zh-CN": "返回工单列表"},
    "case.owner_is": {"en": "Owner: {owner}", "zh-CN": "负责人：{owner}"},
    "case.queue_is": {"en": "Queue: {queue}", "zh-CN": "队列：{queue}"},
    "case.nobody": {"en": "nobody", "zh-CN": "无人"},
    "case.breached": {"en": "Overdue", "zh-CN": "已超时"},
    "case.answer": {"en": "The customer's answer", "zh-CN": "客户的回答"},
    "case.score": {"en": "Score {score} out of 10", "zh-CN": "评分 {score}（满分 10）"},
    "case.no_comment": {"en": "No comment.", "zh-CN": "没有留言。"},
    "case.blamed_stage": {"en": "Step the customer blamed: {stage}", "zh-CN": "客户指出的问题环节：{stage}"},
    "case.answered_at": {"en": "Answered {time}", "zh-CN": "回答于 {time}"},
    "case.customer": {"en": "Customer: {name}", "zh-CN": "客户：{name}"},
    "case.stages": {"en": "Delivery {reference}: its stages", "zh-CN": "交付 {reference} 的各环节"},
    "case.stage_col": {"en": "Stage", "zh-CN": "环节"},
    "case.done_col": {"en": "Completed", "zh-CN": "完成时间"},
    "case.took_col": {"en": "Took / target", "zh-CN": "用时 / 目标"},
    "case.minutes": {"en": "{minutes} min", "zh-CN": "{minutes} 分钟"},
    "case.target": {"en": "{minutes} min", "zh-CN": "{minutes} 分钟"},
    "case.late": {"en": "{minutes} min late", "zh-CN": "超时 {minutes} 分钟"},
    "case.not_reached": {"en": "not reached", "zh-CN": "未到达"},
    "case.no_stages": {"en": "This journey has no stages yet.", "zh-CN": "此流程还没有环节。"},
    "case.delivered_at": {"en": "Delivered {time}", "zh-CN": "送达于 {time}"},
    "case.timeline": {"en": "Timeline", "zh-CN": "处理记录"},
    "case.actions": {"en": "Next step", "zh-CN": "下一步"},
    "case.due_at": {"en": "due {time}", "zh-CN": "截止 {time}"},
    "case.done_at": {"en": "done {time}", "zh-CN": "完成于 {time}"},
    "case.resolve_due": {"en": "resolve by {time}", "zh-CN": "需在 {time} 前解决"},
    "case.note_label": {"en": "Note for the timeline", "zh-CN": "处理备注"},
    "case.resolution_label": {"en": "What was done", "zh-CN": "处理结果"},
    "case.root_stage": {"en": "Root cause: stage", "zh-CN": "根因：环节"},
    "case.root_theme": {"en": "Root cause: theme", "zh-CN": "根因：主题"},
    "case.no_moves": {
        "en": "Nothing to do now: the case waits for the customer's re-survey answer.",
        "zh-CN": "目前无需操作：正在等待客户的回访答复。",
    },
    "case.resurvey": {"en": "Re-survey", "zh-CN": "回访"},
    "case.resurvey_scheduled": {"en": "Re-survey scheduled for {time}", "zh-CN": "回访已安排在 {time}"},
    "case.resurvey_answered": {"en": "The customer answered the re-survey: {score}", "zh-CN": "客户回访评分：{score}"},
    "case.resurvey_expired": {
        "en": "The re-survey closed without an answer.",
        "zh-CN": "回访已结束，客户未作答。",
    },
    "case.resurvey_link": {"en": "Re-survey link for the customer", "zh-CN": "发给客户的回访链接"},
    "case.add_note": {"en": "Add a note", "zh-CN": "添加备注"},
    "case.assign": {"en": "Reassign", "zh-CN": "改派"},
    "case.assign_to": {"en": "New owner (handle)", "zh-CN": "新负责人（账号）"},
    "case.escalations": {"en": "Escalations", "zh-CN": "升级记录"},
    "case.escalated": {
        "en": "{clock} overdue: escalated {time} to {who}",
        "zh-CN": "{clock}超时：已于 {time} 升级给 {who}",
    },
    "case.error_stale": {
        "en": "Someone changed this case just before you: it is now {status}. Check it and try again.",
        "zh-CN": "有人刚刚修改了此工单，当前状态为“{status}”。请确认后重试。",
    },
    "case.error_illegal": {
        "en": "That step is not possible now: the case is {status}.",
        "zh-CN": "当前无法执行该操作：工单状态为“{status}”。",
    },
    "case.error_input": {"en": "Please check your input: {message}", "zh-CN": "请检查输入：{message}"},
    "case.not_found_title": {"en": "No such case", "zh-CN": "找不到此工单"},
    "case.not_found_body": {
        "en": "The case does not exist, or its link is incomplete.",
        "zh-CN": "此工单不存在，或链接不完整。",
    },
    "case.forbidden_title": {"en": "Request refused", "zh-CN": "请求被拒绝"},
    "case.forbidden_body": {
        "en": "This form was not sent from a Doorstep page, so nothing was changed. Open the case and try again.",
        "zh-CN": "此表单并非从 Doorstep 页面提交，因此未做任何修改。请打开工单后重试。",
    },
    # --- the insight pages (web/insight.py) ----------------------------------
    "insight.title": {"en": "Insight", "zh-CN": "洞察"},
    "insight.subtitle": {
        "en": "Where in the last mile customers get stuck, what it costs, and whether it is real or noise.",
        "zh-CN": "客户在最后一公里的哪个环节受挫、损失了多少分，以及这是真实变化还是随机波动。",
    },
    "insight.not_found_title": {"en": "No such workspace", "zh-CN": "找不到该业务空间"},
    "insight.not_found_body": {
        "en": "Check the address, or pick a workspace from the overview.",
        "zh-CN": "请检查网址，或从总览中选择一个业务空间。",
    },
    "insight.back": {"en": "Back to the overview", "zh-CN": "返回总览"},
    "insight.from": {"en": "From", "zh-CN": "开始日期"},
    "insight.to": {"en": "To", "zh-CN": "结束日期"},
    "insight.apply": {"en": "Show", "zh-CN": "查看"},
    "insight.last_days": {"en": "Last {days} days", "zh-CN": "近 {days} 天"},
    "insight.all_time": {"en": "All time", "zh-CN": "全部时间"},
    "insight.timezone_note": {
        "en": "Dates are days in the workspace's timezone, {timezone}; both ends are included.",
        "zh-CN": "日期按业务空间所在时区（{timezone}）计算，包含起止两天。",
    },
    "insight.error_too_long": {
        "en": "This period is too long to draw week by week: shorten it, or count by month.",
        "zh-CN": "这个时间段太长，无法按周绘制：请缩短时间段，或改为按月统计。",
    },
    "insight.error_period": {
        "en": "Please give dates as YYYY-MM-DD, with the start no later than the end.",
        "zh-CN": "请按 YYYY-MM-DD 格式填写日期，且开始日期不晚于结束日期。",
    },
    "insight.noscript": {
        "en": "The charts need JavaScript; every number is also in the tables below.",
        "zh-CN": "图表需要 JavaScript；所有数字也都列在下方的表格中。",
    },
    "insight.headline": {"en": "Headline figures", "zh-CN": "核心指标"},
    "insight.period_range": {"en": "{since} to {until}", "zh-CN": "{since} 至 {until}"},
    "insight.period_since": {"en": "Since {since}", "zh-CN": "{since} 起"},
    "insight.period_until": {"en": "Until {until}", "zh-CN": "截至 {until}"},
    "insight.period_all": {"en": "All answers so far", "zh-CN": "迄今为止的全部回答"},
    "insight.answers": {"en": "{count} answers", "zh-CN": "{count} 份回答"},
    "insight.answers.one": {"en": "{count} answer", "zh-CN": "{count} 份回答"},
    "insight.few_answers": {"en": "few answers", "zh-CN": "样本少"},
    "insight.small_sample": {
        "en": "Fewer than 30 answers: read with care.",
        "zh-CN": "回答少于 30 份，仅供参考。",
    },
    "insight.significant": {"en": "significant at 95%", "zh-CN": "在 95% 水平上显著"},
    "insight.noise": {"en": "not distinguishable from noise", "zh-CN": "与随机波动无法区分"},
    "insight.not_significant": {"en": "{name} (n.s.)", "zh-CN": "{name}（不显著）"},
    "insight.points": {"en": "{points} points", "zh-CN": "{points} 分"},
    "insight.ci_short": {"en": "({low} to {high})", "zh-CN": "（{low} 至 {high}）"},
    "insight.kpi_change": {"en": "Change", "zh-CN": "变化"},
    "insight.against": {"en": "{current} against {previous}", "zh-CN": "{current} 对比 {previous}"},
    "insight.nps_then_now": {"en": "NPS {before} before, {after} now", "zh-CN": "净推荐值由 {before} 变为 {after}"},
    "insight.change_none": {
        "en": "Not enough answers in both periods to compare.",
        "zh-CN": "两个时段的回答不足，无法比较。",
    },
    "insight.kpi_lateness": {"en": "Late deliveries", "zh-CN": "晚到的订单"},
    "insight.late_vs_on_time": {
        "en": "NPS {late} when late, {on_time} on time",
        "zh-CN": "晚到时净推荐值 {late}，准时 {on_time}",
    },
    "insight.lateness_none": {
        "en": "Not enough answers about late and on-time deliveries to compare.",
        "zh-CN": "晚到与准时订单的回答不足，无法比较。",
    },
    "insight.kpi_driver": {"en": "Costs the most", "zh-CN": "拉低分数最多"},
    "insight.mentions_nps": {"en": "{count} mentions, their NPS {nps}", "zh-CN": "提及 {count} 次，其净推荐值 {nps}"},
    "insight.no_driver": {
        "en": "No theme or stage costs points beyond noise.",
        "zh-CN": "没有哪个主题或环节显著拉低分数。",
    },
    "insight.trend_title": {"en": "NPS over time", "zh-CN": "净推荐值趋势"},
    "insight.every": {"en": "Points per", "zh-CN": "统计粒度"},
    "insight.every_week": {"en": "Weekly", "zh-CN": "按周"},
    "insight.every_month": {"en": "Monthly", "zh-CN": "按月"},
    "insight.trend_note": {
        "en": "Shaded: the 95% interval. Hollow points: fewer than 30 answers, read them with care.",
        "zh-CN": "阴影为 95% 置信区间；空心点表示回答少于 30 份，仅供参考。",
    },
    "insight.week_of": {"en": "Week of {date}", "zh-CN": "{date} 当周"},
    "insight.partial": {"en": "partial", "zh-CN": "不完整"},
    "insight.no_data": {"en": "No answers in this period.", "zh-CN": "该时段没有回答。"},
    "insight.show_numbers": {"en": "The numbers", "zh-CN": "数据表"},
    "insight.col_period": {"en": "Period", "zh-CN": "时段"},
    "insight.col_ci": {"en": "95% interval", "zh-CN": "95% 置信区间"},
    "insight.col_change": {"en": "Change", "zh-CN": "变化"},
    "insight.star_note": {
        "en": "* significant at 95% (against the previous row, or against the rest).",
        "zh-CN": "* 在 95% 水平上显著（与上一行或与其余回答相比）。",
    },
    "insight.stages_title": {
        "en": "Where deliveries run late, and where scores fall",
        "zh-CN": "哪个环节晚到，哪个环节丢分",
    },
    "insight.stages_note": {
        "en": "Bars: share of deliveries late at each stage (over its target; a stage without a target, "
              "unusually long for it). Points: NPS of the answers attributed to the stage, with its 95% "
              "interval; the dashed line is the NPS of all answers.",
        "zh-CN": "柱形：各环节晚到的订单占比（超过目标时长；未设目标的环节，指明显长于平常）。"
                 "圆点：归因到该环节的回答的净推荐值及其 95% 置信区间；虚线为全部回答的净推荐值。",
    },
    "insight.no_stages": {
        "en": "This workspace has no journey stages yet.",
        "zh-CN": "该业务空间还没有设置流程环节。",
    },
    "insight.col_stage": {"en": "Stage", "zh-CN": "环节"},
    "insight.col_late": {"en": "Late", "zh-CN": "晚到率"},
    "insight.col_overrun": {"en": "Median overrun", "zh-CN": "超时中位数"},
    "insight.col_attributed": {"en": "Answers", "zh-CN": "归因回答"},
    "insight.col_impact": {"en": "Impact", "zh-CN": "影响"},
    "insight.minutes": {"en": "{value} min", "zh-CN": "{value} 分钟"},
    "insight.unattributed": {
        "en": "{count} answers could not be attributed to a stage.",
        "zh-CN": "另有 {count} 份回答无法归因到具体环节。",
    },
    "insight.lateness_title": {"en": "Lateness and score", "zh-CN": "晚到与评分"},
    "insight.lateness_note": {
        "en": "NPS by how late the delivery arrived, with 95% intervals. Points lost: on-time NPS minus the group's.",
        "zh-CN": "按晚到时长分组的净推荐值及 95% 置信区间。损失分数 = 准时组净推荐值 − 该组净推荐值。",
    },
    "insight.on_time": {"en": "On time", "zh-CN": "准时"},
    "insight.late_between": {"en": "{low}–{high} {unit}", "zh-CN": "{low}–{high}{unit}"},
    "insight.late_over": {"en": "{low}+ {unit}", "zh-CN": "{low}{unit}以上"},
    "insight.unit_minutes": {"en": "min", "zh-CN": "分钟"},
    "insight.unit_days": {"en": "days", "zh-CN": "天"},
    "insight.col_lateness": {"en": "Late by", "zh-CN": "晚到时长"},
    "insight.col_lost": {"en": "Points lost", "zh-CN": "损失分数"},
    "insight.topics_title": {
        "en": "What unhappy customers raise that no theme covers",
        "zh-CN": "差评里没有主题覆盖的话题",
    },
    "insight.topics_note": {
        "en": "The newest {count} comments of detractors (0–6) that fit no theme, grouped by the words they "
        "share. A topic that keeps coming back deserves a theme of its own (doorstep taxonomy set): then it "
        "is counted among the drivers.",
        "zh-CN": "最近 {count} 条未归入任何主题的贬损者（0–6 分）留言，按共同用词归类。反复出现的话题值得在分类体系里"
        "新增一个主题（doorstep taxonomy set），之后它会计入驱动因素。",
    },
    "insight.topic_size": {"en": "{count} comments", "zh-CN": "{count} 条留言"},
    "insight.topic_read": {"en": "Read them", "zh-CN": "查看留言"},
    "insight.no_topics": {
        "en": "Every unhappy comment of this period fits a theme, or too few share their words to make a topic.",
        "zh-CN": "本时段的差评留言都已归入主题，或用词相近的留言太少，不足以成为话题。",
    },
    "insight.lateness_no_promise_short": {
        "en": "No promised times: these deliveries carry no promised_at, so lateness cannot be measured.",
        "zh-CN": "没有承诺送达时间：这些订单没有 promised_at，无法衡量是否晚到。",
    },
    "insight.lateness_no_promise": {
        "en": "None of the {count} answers is about a delivery with both a promised and a delivery time "
        "(promised_at, delivered_at), so lateness cannot be measured here. Import the deliveries with "
        "those two columns to see what lateness costs.",
        "zh-CN": "这 {count} 份回答对应的订单都没有同时带承诺时间和送达时间（promised_at、delivered_at），"
        "因此无法衡量晚到。导入订单时带上这两列，即可看到晚到的代价。",
    },
    "insight.unknown_lateness": {
        "en": "{count} answers are about deliveries without a promised or delivery time.",
        "zh-CN": "另有 {count} 份回答对应的订单缺少承诺时间或送达时间。",
    },
    "insight.drivers_title": {"en": "What costs points", "zh-CN": "什么在拉低分数"},
    "insight.drivers_note": {
        "en": "NPS points each theme or stage costs (left) or adds (right): the NPS of all answers minus the NPS "
              "of those that do not mention it. Whiskers: 95% interval. Grey: not distinguishable from zero.",
        "zh-CN": "每个主题或环节拉低（向左）或拉高（向右）的净推荐值分数：全部回答的净推荐值减去未提及它的回答的"
                 "净推荐值。误差线为 95% 置信区间；灰色表示与零无法区分。",
    },
    "insight.no_drivers": {
        "en": "No themes or stages found in the answers of this period.",
        "zh-CN": "该时段的回答中没有发现主题或环节。",
    },
    "insight.stage_driver": {"en": "{name} (stage)", "zh-CN": "{name}（环节）"},
    "insight.col_driver": {"en": "Theme or stage", "zh-CN": "主题或环节"},
    "insight.col_mentions": {"en": "Mentions", "zh-CN": "提及数"},
    "insight.col_significance": {"en": "Is it real?", "zh-CN": "是否可信"},
    "insight.drivers_more": {
        "en": "The {shown} most harmful of {count} shown.",
        "zh-CN": "共 {count} 项，仅显示影响最大的 {shown} 项。",
    },
    "insight.comments_title": {"en": "Latest detractors, in their own words", "zh-CN": "最新贬损者的原话"},
    "insight.comments_all": {"en": "Explore all comments", "zh-CN": "浏览全部留言"},
    "insight.comments_more": {"en": "All {count} detractor comments", "zh-CN": "查看全部 {count} 条贬损者留言"},
    "insight.no_comments": {"en": "No detractor comments in this period.", "zh-CN": "该时段没有贬损者留言。"},
    "insight.nps_with_ci": {
        "en": "NPS {nps} (95% interval {low} to {high})",
        "zh-CN": "净推荐值 {nps}（95% 置信区间 {low} 至 {high}）",
    },
    "insight.hover_late": {
        "en": "Late: {rate}% ({late} of {timed})",
        "zh-CN": "晚到率：{rate}%（{timed} 单中 {late} 单）",
    },
    "insight.not_timed": {"en": "Not timed", "zh-CN": "无计时"},
    "insight.axis_impact": {"en": "NPS points", "zh-CN": "净推荐值分数"},
    "insight.hover_impact": {
        "en": "Impact {impact} points (95% interval {low} to {high})",
        "zh-CN": "影响 {impact} 分（95% 置信区间 {low} 至 {high}）",
    },
    "insight.hover_lost": {
        "en": "{points} points lost against on time (95% interval {low} to {high})",
        "zh-CN": "比准时少 {points} 分（95% 置信区间 {low} 至 {high}）",
    },
    "insight.about": {
        "en": "NPS = % promoters (9–10) − % detractors (0–6), with its adjusted-Wald 95% interval. A change is "
              "significant when a two-sample test on the scores says so at 95%; impact is the NPS of all answers "
              "minus the NPS of the answers without the theme or stage. Fewer than 30 answers are marked.",
        "zh-CN": "净推荐值 = 推荐者（9–10 分）占比 − 贬损者（0–6 分）占比，附调整 Wald 法 95% 置信区间。"
                 "变化是否显著由基于评分的双样本检验（95% 水平）判定；影响 = 全部回答的净推荐值 − "
                 "未涉及该主题或环节的回答的净推荐值。少于 30 份回答的数据会被标出。",
    },
    # --- the comments explorer ---------------------------------------------------
    "verbatims.title": {"en": "Comments", "zh-CN": "客户留言"},
    "verbatims.subtitle": {
        "en": "Answers in the customers' own words, newest first.",
        "zh-CN": "客户的原话，按时间从新到旧排列。",
    },
    "verbatims.search": {"en": "Search", "zh-CN": "搜索"},
    "verbatims.search_hint": {"en": "Words in the comment: cold, 凉了 …", "zh-CN": "留言中的词：凉了、cold……"},
    "verbatims.theme": {"en": "Theme", "zh-CN": "主题"},
    "verbatims.stage": {"en": "Stage", "zh-CN": "环节"},
    "verbatims.score": {"en": "Score", "zh-CN": "评分"},
    "verbatims.score_min": {"en": "lowest", "zh-CN": "最低"},
    "verbatims.score_max": {"en": "highest", "zh-CN": "最高"},
    "verbatims.language": {"en": "Language", "zh-CN": "语言"},
    "verbatims.lang_zh": {"en": "Chinese", "zh-CN": "中文"},
    "verbatims.lang_en": {"en": "English", "zh-CN": "英文"},
    "verbatims.sentiment": {"en": "Sentiment", "zh-CN": "情感"},
    "verbatims.positive": {"en": "Positive", "zh-CN": "正面"},
    "verbatims.neutral": {"en": "Neutral", "zh-CN": "中性"},
    "verbatims.negative": {"en": "Negative", "zh-CN": "负面"},
    "verbatims.any": {"en": "Any", "zh-CN": "全部"},
    "verbatims.apply": {"en": "Filter", "zh-CN": "筛选"},
    "verbatims.reset": {"en": "Clear", "zh-CN": "清除"},
    "verbatims.count": {"en": "{count} comments", "zh-CN": "共 {count} 条留言"},
    "verbatims.count.one": {"en": "{count} comment", "zh-CN": "共 {count} 条留言"},
    "verbatims.empty": {"en": "No comments match these filters.", "zh-CN": "没有符合条件的留言。"},
    "verbatims.error_score": {
        "en": "Scores go from 0 to 10, the lowest no higher than the highest.",
        "zh-CN": "评分范围为 0 到 10，且最低分不能高于最高分。",
    },
    "verbatims.error_other": {"en": "Please check the filters.", "zh-CN": "请检查筛选条件。"},
    "verbatims.score_title": {"en": "Score {score} out of 10", "zh-CN": "评分 {score}（满分 10）"},
    "verbatims.by_picked": {"en": "Stage picked by the customer", "zh-CN": "客户选择的环节"},
    "verbatims.by_text": {"en": "Stage found in the comment", "zh-CN": "根据留言判断的环节"},
    "verbatims.by_timing": {"en": "Stage that ran most over time", "zh-CN": "超时最多的环节"},
    "verbatims.delivery": {"en": "Order {ref}", "zh-CN": "订单 {ref}"},
    "verbatims.pages": {"en": "Pages", "zh-CN": "分页"},
    "verbatims.page": {"en": "Page {page} of {pages}", "zh-CN": "第 {page} / {pages} 页"},
    "verbatims.prev": {"en": "Newer", "zh-CN": "上一页"},
    "verbatims.next": {"en": "Older", "zh-CN": "下一页"},
    # --- e-mail: invitations, reminders, one-click scores -------------------------
    "email.greeting": {"en": "Hello,", "zh-CN": "您好！"},
    "email.greeting_name": {"en": "Hello {name},", "zh-CN": "{name}，您好！"},
    "email.nps.subject": {
        "en": "How did we do? {workspace} would like your opinion",
        "zh-CN": "{workspace}邀请您评价本次服务",
    },
    "email.nps.intro": {
        "en": "Thank you for choosing {workspace}. We would like to know how it went ({reference}).",
        "zh-CN": "感谢您选择{workspace}！我们想了解这次服务（单号 {reference}）的体验如何。",
    },
    "email.nps.question": {
        "en": "How likely are you to recommend {workspace} to a friend?",
        "zh-CN": "您有多大可能向朋友推荐{workspace}？",
    },
    "email.resurvey.subject": {
        "en": "We worked on your issue — how are things now? ({workspace})",
        "zh-CN": "{workspace}：您反馈的问题我们已经处理，现在感觉如何？",
    },
    "email.resurvey.intro": {
        "en": "You told us something went wrong ({reference}), and we have worked on it. "
        "We would like to know how you feel about it now.",
        "zh-CN": "您曾告诉我们这次服务（单号 {reference}）出了问题，我们已经做了处理，想了解您现在的感受。",
    },
    "email.resurvey.question": {
        "en": "Now, how likely are you to recommend {workspace} to a friend?",
        "zh-CN": "现在，您有多大可能向朋友推荐{workspace}？",
    },
    "email.reminder.subject": {"en": "Reminder: {subject}", "zh-CN": "提醒：{subject}"},
    "email.reminder.note": {
        "en": "A short reminder, in case our first e-mail got lost: answering takes one click.",
        "zh-CN": "温馨提醒：如果您错过了上一封邮件，现在回答只需轻点一下。",
    },
    "email.click_hint": {
        "en": "Click a number: one click records your answer.",
        "zh-CN": "点击一个数字，即可完成评分。",
    },
    "email.open_survey": {"en": "Open the survey", "zh-CN": "打开问卷"},
    "email.text_link": {"en": "Answer here:", "zh-CN": "请点击以下链接回答："},
    "email.expires": {"en": "The survey is open until {date}.", "zh-CN": "问卷有效期至 {date}。"},
    "email.footer": {
        "en": "You are receiving this e-mail because of your order or service {reference} with {workspace}. "
        "Your answer goes only to {workspace}.",
        "zh-CN": "您收到这封邮件，是因为您在{workspace}的订单或服务（单号 {reference}）。"
        "您的回答只会发送给{workspace}。",
    },
    "click.title": {"en": "Thank you — one more question", "zh-CN": "谢谢！还有一个小问题"},
    "click.recorded": {"en": "We have your score: {score}.", "zh-CN": "已收到您的评分：{score}。"},
    "click.why_hint": {
        "en": "If you have a moment, tell us why: it helps us more than anything.",
        "zh-CN": "如果方便，请告诉我们原因，这对我们帮助最大。",
    },
    "click.send": {"en": "Send", "zh-CN": "提交"},
    "click.bad_score": {
        "en": "The score in that link was not valid, so nothing was recorded. Please choose a score below.",
        "zh-CN": "链接中的分数无效，没有记录任何回答。请在下方重新选择分数。",
    },
    "click.refused_commented": {
        "en": "You have already told us why — thank you. Your first answer is kept.",
        "zh-CN": "您已经告诉过我们原因，谢谢！以第一次提交为准。",
    },
    "click.refused_too_late": {
        "en": "It is too late to add a comment to this answer (it can be added for 24 hours).",
        "zh-CN": "已超过 24 小时，无法再为这次评分补充留言。",
    },
    "click.refused_other": {
        "en": "A comment can no longer be added to this answer.",
        "zh-CN": "这次回答已无法再补充留言。",
    },
    # --- open links and QR codes ---------------------------------------------------
    "open.reference_label": {"en": "Order or project number", "zh-CN": "订单号或项目编号"},
    "open.reference_hint": {
        "en": "You will find it on your receipt or confirmation.",
        "zh-CN": "可以在小票或确认信息上找到。",
    },
    "open.error_reference_missing": {
        "en": "Please enter the order or project number.",
        "zh-CN": "请填写订单号或项目编号。",
    },
    "open.error_reference_unknown": {
        "en": "We could not find “{reference}”. Please check the number on your receipt.",
        "zh-CN": "没有找到“{reference}”，请核对小票上的单号。",
    },
    "open.answered_body": {
        "en": "This device has already answered for {reference} — thank you. Your first answer is kept.",
        "zh-CN": "此设备已经对 {reference} 提交过回答，谢谢！以第一次提交为准。",
    },
    "open.detractor": {
        "en": "We are sorry it was not better. {workspace} will look into what went wrong.",
        "zh-CN": "很抱歉这次没有让您满意。{workspace}会认真查找问题所在。",
    },
    "open.another": {"en": "Answer for another order", "zh-CN": "评价另一个订单"},
    "open.card_title": {"en": "How did it go?", "zh-CN": "这次体验怎么样？"},
    "open.card_scan": {
        "en": "Scan with your phone's camera: three questions, no sign-up.",
        "zh-CN": "用手机相机扫一扫：三个问题，无需注册。",
    },
    "open.card_alt": {"en": "QR code of the survey", "zh-CN": "问卷二维码"},
    # --- jobs admin ----------------------------------------------------------------
    "jobs.title": {"en": "Jobs", "zh-CN": "后台任务"},
    "jobs.subtitle": {
        "en": "Invitations, reminders, webhooks and notifications waiting to go out, and the ones that failed.",
        "zh-CN": "待发送的邀请、提醒、Webhook 与通知，以及发送失败的任务。",
    },
    "jobs.no_workspaces": {"en": "No workspace yet.", "zh-CN": "还没有工作区。"},
    "jobs.workspaces": {"en": "Workspaces", "zh-CN": "工作区"},
    "jobs.status_queued": {"en": "Queued", "zh-CN": "排队中"},
    "jobs.status_running": {"en": "Running", "zh-CN": "执行中"},
    "jobs.status_done": {"en": "Done", "zh-CN": "已完成"},
    "jobs.status_dead": {"en": "Failed", "zh-CN": "已失败"},
    "jobs.by_kind": {"en": "By kind", "zh-CN": "按类型"},
    "jobs.col_kind": {"en": "Kind", "zh-CN": "类型"},
    "jobs.col_id": {"en": "Job", "zh-CN": "任务"},
    "jobs.col_status": {"en": "Status", "zh-CN": "状态"},
    "jobs.col_run_at": {"en": "Due", "zh-CN": "计划时间"},
    "jobs.col_attempts": {"en": "Attempts", "zh-CN": "尝试次数"},
    "jobs.col_finished": {"en": "Failed at", "zh-CN": "失败时间"},
    "jobs.col_error": {"en": "Last error", "zh-CN": "最近错误"},
    "jobs.attempts": {"en": "{attempts} of {max}", "zh-CN": "{attempts} / {max}"},
    "jobs.dead_title": {"en": "Failed jobs ({count})", "zh-CN": "失败的任务（{count}）"},
    "jobs.dead_hint": {
        "en": "These ran out of attempts or failed for good. Fix the cause, then retry: the job runs again now.",
        "zh-CN": "这些任务已用完重试次数或无法重试。排除原因后点击重试，任务会立即重新执行。",
    },
    "jobs.dead_more": {
        "en": "The {shown} latest of {count} shown.",
        "zh-CN": "共 {count} 个，仅显示最新的 {shown} 个。",
    },
    "jobs.no_dead": {"en": "No failed jobs.", "zh-CN": "没有失败的任务。"},
    "jobs.retry": {"en": "Retry", "zh-CN": "重试"},
    "jobs.retry_label": {"en": "Retry job {id}", "zh-CN": "重试任务 {id}"},
    "jobs.retried": {"en": "Job {id} is queued again.", "zh-CN": "任务 {id} 已重新排队。"},
    "jobs.due_title": {"en": "Due next", "zh-CN": "即将执行"},
    "jobs.no_due": {"en": "Nothing is waiting.", "zh-CN": "没有等待中的任务。"},
    "jobs.latest_title": {"en": "Latest jobs", "zh-CN": "最近的任务"},
    "jobs.count": {"en": "{count} jobs", "zh-CN": "共 {count} 个任务"},
    "jobs.count.one": {"en": "{count} job", "zh-CN": "共 {count} 个任务"},
    "jobs.latest_more": {"en": "The {shown} newest shown.", "zh-CN": "仅显示最新的 {shown} 个。"},
    "jobs.empty": {"en": "No jobs match these filters.", "zh-CN": "没有符合条件的任务。"},
    "jobs.filter_status": {"en": "Status", "zh-CN": "状态"},
    "jobs.filter_kind": {"en": "Kind", "zh-CN": "类型"},
    "jobs.kind_any": {"en": "Any kind", "zh-CN": "全部类型"},
    # One name per job kind (doorstep.jobs.worker.default_handlers); the code stays beside it.
    "jobs.kind.invitation.send": {"en": "Send a survey invitation", "zh-CN": "发送调查邀请"},
    "jobs.kind.invitation.remind": {"en": "Send a survey reminder", "zh-CN": "发送调查提醒"},
    "jobs.kind.notify.case_escalated": {"en": "Tell of an escalated case", "zh-CN": "通知工单升级"},
    "jobs.kind.note.email": {"en": "E-mail a reply to a frontline note", "zh-CN": "邮件告知一线反馈的回复"},
    "jobs.kind.brief.email": {"en": "E-mail a brief", "zh-CN": "邮件发送简报"},
    "jobs.kind.webhook.deliver": {"en": "Deliver a webhook", "zh-CN": "推送 Webhook"},
    "jobs.kind.pass.cases": {"en": "Check cases' deadlines", "zh-CN": "检查工单时限"},
    "jobs.kind.pass.invitations": {"en": "Queue invitations and reminders", "zh-CN": "安排邀请与提醒"},
    "jobs.kind.pass.briefs": {"en": "Make the scheduled briefs", "zh-CN": "生成定期简报"},
    "jobs.kind.pass.alerts": {"en": "Look for alerts", "zh-CN": "检查预警"},
    "jobs.kind.pass.jobs_cleanup": {"en": "Clear old jobs", "zh-CN": "清理旧任务"},
    "jobs.kind.pass.statistics": {"en": "Refresh the database's statistics", "zh-CN": "更新数据库统计信息"},
    "jobs.kind.responses.follow_up": {"en": "Analyse imported answers, open their cases",
                                      "zh-CN": "分析导入的回答并开工单"},
    "jobs.any": {"en": "Any", "zh-CN": "全部"},
    "jobs.apply": {"en": "Filter", "zh-CN": "筛选"},
    "jobs.error_forbidden": {
        "en": "This form can only be sent from Doorstep's own pages. Nothing was changed.",
        "zh-CN": "此表单只能从 Doorstep 自己的页面提交，未做任何更改。",
    },
    "jobs.error_not_found": {
        "en": "That job does not exist in this workspace.",
        "zh-CN": "该工作区中没有这个任务。",
    },
    "jobs.error_not_dead": {
        "en": "That job has not failed (it is queued, running or done), so there is nothing to retry.",
        "zh-CN": "该任务没有失败（正在排队、执行中或已完成），无需重试。",
    },
    # E-mail's pause (doorstep.channels.email_pause): the whole installation, not one workspace.
    "jobs.email_paused_title": {"en": "E-mail is paused", "zh-CN": "邮件发送已暂停"},
    "jobs.email_paused_body": {
        "en": "Since {since} no e-mail goes out (invitations, reminders, briefs, password resets): the SMTP server "
              "{server} failed at the {step} step, and trying again with the same settings would only count more "
              "failed logins against the account until the provider locks it. {waiting} e-mail jobs of this "
              "workspace wait; none of them uses up its attempts.",
        "zh-CN": "自 {since} 起不再发送任何邮件（调查邀请、提醒、简报、密码重置）：SMTP 服务器 {server} 在"
                 "“{step}”这一步失败，用同样的设置反复重试只会累积登录失败次数，直到邮件服务商锁定账号。"
                 "本工作区有 {waiting} 个邮件任务在等待，不会消耗它们的重试次数。",
    },
    "jobs.email_step_auth": {"en": "sign-in (authentication)", "zh-CN": "登录认证"},
    "jobs.email_step_tls": {"en": "TLS certificate", "zh-CN": "TLS 证书"},
    "jobs.email_step_config": {"en": "settings", "zh-CN": "配置检查"},
    "jobs.email_paused_said": {"en": "What failed:", "zh-CN": "失败原因："},
    "jobs.email_paused_fix": {
        "en": "Fix the DOORSTEP_SMTP_* settings (password, security, CA file) and restart the worker: it resumes "
              "by itself with the new settings. If the cause was fixed elsewhere (the provider unlocked the "
              "account), try again: if the server still refuses, e-mail pauses again after one attempt.",
        "zh-CN": "请修正 DOORSTEP_SMTP_* 设置（密码、加密方式、CA 证书文件）并重启 worker："
                 "它发现设置已变更后会自动恢复发送。"
                 "如果问题已在别处解决（例如邮件服务商已解锁账号），可以点击“重新尝试”：若服务器仍然拒绝，"
                 "只会再尝试一次，然后再次暂停。",
    },
    "jobs.email_try_again": {"en": "Try again", "zh-CN": "重新尝试"},
    "jobs.email_resumed": {
        "en": "E-mail is resumed: the waiting e-mails go out now. If the server refuses again, e-mail pauses "
              "again after one attempt.",
        "zh-CN": "邮件发送已恢复：等待中的邮件现在开始发送。若服务器再次拒绝，只会尝试一次便再次暂停。",
    },
    "jobs.email_running": {"en": "E-mail was not paused.", "zh-CN": "邮件发送并未暂停。"},
    # --- people and API keys (/admin/people, /admin/keys: doorstep.web.people, doorstep.web.keys) ---
    "nav.people": {"en": "People", "zh-CN": "人员"},
    "nav.keys": {"en": "API keys", "zh-CN": "API 密钥"},
    "people.title": {"en": "People", "zh-CN": "人员与角色"},
    "people.subtitle": {
        "en": "Who can sign in to this workspace, and with which role. A change applies from their next page.",
        "zh-CN": "可以登录本工作区的人员及其角色。修改在对方打开下一个页面时生效。",
    },
    "people.roles_help": {
        "en": "Admin: settings, people, API keys and everything else · customer service: cases · frontline: "
              "notes and their own deliveries · executive: read-only.",
        "zh-CN": "管理员：设置、人员、API 密钥及其他全部功能 · 客服：工单 · 一线：反馈及自己的配送 · 管理层：只读。",
    },
    "people.show_logins": {"en": "Who can sign in", "zh-CN": "可登录的人员"},
    "people.show_everyone": {
        "en": "Everyone (also frontline owners named in imports)",
        "zh-CN": "全部人员（含导入数据中的一线负责人）",
    },
    "people.count": {"en": "{count} people", "zh-CN": "共 {count} 人"},
    "people.count.one": {"en": "{count} person", "zh-CN": "共 {count} 人"},
    "people.empty": {"en": "Nobody here yet.", "zh-CN": "还没有人员。"},
    "people.col_handle": {"en": "Sign-in name", "zh-CN": "用户名"},
    "people.col_name": {"en": "Name", "zh-CN": "姓名"},
    "people.col_email": {"en": "E-mail", "zh-CN": "邮箱"},
    "people.col_role": {"en": "Role", "zh-CN": "角色"},
    "people.col_status": {"en": "Status", "zh-CN": "状态"},
    "people.col_last_login": {"en": "Last sign-in", "zh-CN": "最近登录"},
    "people.col_actions": {"en": "Actions", "zh-CN": "操作"},
    "people.you": {"en": "you", "zh-CN": "本人"},
    "people.never": {"en": "never", "zh-CN": "从未登录"},
    "people.status_active": {"en": "active", "zh-CN": "正常"},
    "people.status_inactive": {"en": "deactivated", "zh-CN": "已停用"},
    "people.status_invited": {"en": "invited, no password yet", "zh-CN": "已邀请，尚未设置密码"},
    "people.status_invite_expired": {"en": "invitation expired", "zh-CN": "邀请已过期"},
    "people.status_no_login": {"en": "no sign-in", "zh-CN": "无登录账号"},
    "people.role_label": {"en": "Role of {handle}", "zh-CN": "{handle} 的角色"},
    "people.change_role": {"en": "Change", "zh-CN": "修改"},
    "people.deactivate": {"en": "Deactivate", "zh-CN": "停用"},
    "people.deactivate_label": {"en": "Deactivate {handle}", "zh-CN": "停用 {handle}"},
    "people.reactivate": {"en": "Reactivate", "zh-CN": "恢复"},
    "people.reactivate_label": {"en": "Reactivate {handle}", "zh-CN": "恢复 {handle}"},
    "people.add_title": {"en": "Add a person", "zh-CN": "添加人员"},
    "people.add_hint": {
        "en": "A name already known from an import (a frontline owner) gets a sign-in; someone who can sign in "
              "already is changed in the list above.",
        "zh-CN": "导入数据中已有的名字（一线负责人）会获得登录账号；已能登录的人员请在上方列表中修改。",
    },
    "people.field_handle": {"en": "Sign-in name (no spaces)", "zh-CN": "用户名（不含空格）"},
    "people.field_name": {"en": "Name", "zh-CN": "姓名"},
    "people.field_email": {"en": "E-mail", "zh-CN": "邮箱"},
    "people.field_role": {"en": "Role", "zh-CN": "角色"},
    "people.how": {"en": "Their password", "zh-CN": "密码设置方式"},
    "people.how_email": {
        "en": "E-mail them a link to choose their own (valid {days} days, works once)",
        "zh-CN": "发送邮件链接，由对方自行设置（{days} 天内有效，仅可使用一次）",
    },
    "people.how_password": {"en": "I type a first password and give it to them", "zh-CN": "由我设置初始密码并告知对方"},
    "people.no_mail": {
        "en": "E-mail is not set up on this server, so type a first password and give it to them.",
        "zh-CN": "此服务器未配置邮件，请设置初始密码并告知对方。",
    },
    "people.field_password": {"en": "First password (at least 10 characters)", "zh-CN": "初始密码（至少 10 个字符）"},
    "people.field_confirm": {"en": "The password again", "zh-CN": "再次输入密码"},
    "people.password_only_hint": {
        "en": "The two password fields are only needed when you type a first password.",
        "zh-CN": "只有选择由我设置初始密码时才需要填写密码。",
    },
    "people.add": {"en": "Add", "zh-CN": "添加"},
    "people.added": {"en": "{handle} can now sign in.", "zh-CN": "{handle} 现在可以登录了。"},
    "people.invited": {
        "en": "{handle} is invited: an e-mail to {email} has a link to choose a password, valid {days} days.",
        "zh-CN": "已邀请 {handle}：设置密码的链接已发送至 {email}，{days} 天内有效。",
    },
    "people.invite_failed": {
        "en": "{handle} was added, but the invitation e-mail could not be sent (see the jobs page: e-mail may be "
              "paused). Add {handle} again once e-mail works to send a new link, or type a first password.",
        "zh-CN": "已添加 {handle}，但邀请邮件未能发送（可在后台任务页面查看，邮件发送可能已暂停）。"
                 "邮件恢复后可再次添加 {handle} 以发送新链接，或为其设置初始密码。",
    },
    "people.role_changed": {"en": "The role of {handle} is changed.", "zh-CN": "已修改 {handle} 的角色。"},
    "people.deactivated": {
        "en": "{handle} can no longer sign in; their open sessions have ended.",
        "zh-CN": "{handle} 已被停用，无法再登录，其已登录的会话均已结束。",
    },
    "people.reactivated": {
        "en": "{handle} can sign in again, with the password they had.",
        "zh-CN": "{handle} 已恢复，可使用原密码登录。",
    },
    "people.error_handle": {
        "en": "The sign-in name is 1 to {limit} characters, without spaces.",
        "zh-CN": "用户名为 1 至 {limit} 个字符，不能包含空格。",
    },
    "people.error_email": {"en": "This is not an e-mail address.", "zh-CN": "邮箱地址格式不正确。"},
    "people.error_name": {
        "en": "The name is too long: at most {limit} characters.",
        "zh-CN": "姓名太长，最多 {limit} 个字符。",
    },
    "people.error_role": {"en": "Choose one of the roles listed.", "zh-CN": "请从列出的角色中选择一个。"},
    "people.error_no_mail": {
        "en": "E-mail is not set up on this server: type a first password instead.",
        "zh-CN": "此服务器未配置邮件，请改为设置初始密码。",
    },
    "people.error_exists": {
        "en": "{handle} can already sign in: change their role in the list.",
        "zh-CN": "{handle} 已经可以登录，请在列表中修改其角色。",
    },
    "people.error_last_admin": {
        "en": "{handle} is the last active admin of this workspace: make someone else admin first, or nobody could "
              "manage people, keys and settings any more. Nothing was changed.",
        "zh-CN": "{handle} 是本工作区最后一位在用的管理员：请先将其他人设为管理员，否则将无人能管理人员、密钥和设置。"
                 "未做任何更改。",
    },
    "people.error_not_found": {"en": "This person is not in your workspace.", "zh-CN": "本工作区中没有此人员。"},
    "people.error_other": {"en": "Please check the form and send it again.", "zh-CN": "请检查表单后重新提交。"},
    # Correcting a name and e-mail; sending an invitation again (doorstep.web.people)
    "people.edit": {"en": "Edit", "zh-CN": "编辑"},
    "people.edit_label": {"en": "Edit the name and e-mail of {handle}", "zh-CN": "编辑 {handle} 的姓名和邮箱"},
    "people.edit_save": {"en": "Save", "zh-CN": "保存"},
    "people.edit_invite_hint": {
        "en": "A new e-mail address stops the invitation link sent to the old one: send the invitation again "
              "afterwards.",
        "zh-CN": "修改邮箱后，发往原邮箱的邀请链接将失效，请随后重新发送邀请。",
    },
    "people.profile_saved": {
        "en": "The name and e-mail of {handle} are saved.",
        "zh-CN": "已保存 {handle} 的姓名和邮箱。",
    },
    "people.profile_relink": {
        "en": "The e-mail of {handle} is now {email}. The invitation link sent to the old address no longer "
              "works: use “Resend invitation” to send one to the new address.",
        "zh-CN": "{handle} 的邮箱已改为 {email}。发往原邮箱的邀请链接已失效，请点击“重新发送邀请”向新邮箱发送。",
    },
    "people.unchanged": {
        "en": "The name and e-mail of {handle} were already so: nothing was changed.",
        "zh-CN": "{handle} 的姓名和邮箱与原来相同，未做任何更改。",
    },
    "people.error_email_taken": {
        "en": "Another person of this workspace has this e-mail address already, and signing in by e-mail would "
              "then open neither account. Nothing was changed.",
        "zh-CN": "本工作区已有其他人员使用此邮箱地址；两人共用邮箱时，用邮箱将无法登录任何一个账号。未做任何更改。",
    },
    "people.resend": {"en": "Resend invitation", "zh-CN": "重新发送邀请"},
    "people.resend_label": {"en": "Send the invitation to {handle} again", "zh-CN": "重新向 {handle} 发送邀请"},
    "people.reinvited": {
        "en": "A new invitation is on its way to {email}: its link to choose a password is valid {days} days. "
              "The earlier link of {handle} no longer works.",
        "zh-CN": "新的邀请已发送至 {email}，设置密码的链接 {days} 天内有效。{handle} 之前收到的链接已失效。",
    },
    "people.reinvite_failed": {
        "en": "The new invitation to {email} could not be sent (see the jobs page: e-mail may be paused), and "
              "the earlier link of {handle} no longer works. Send it again once e-mail works, or type a first "
              "password for {handle} with the add form below.",
        "zh-CN": "未能向 {email} 发送新的邀请（可在后台任务页面查看，邮件发送可能已暂停），{handle} 之前收到的链接"
                 "也已失效。邮件恢复后请再次发送，或在下方的添加表单中为 {handle} 设置初始密码。",
    },
    "people.error_resend_no_mail": {
        "en": "E-mail is not set up on this server, so no invitation can be sent. Give {handle} a first password "
              "instead: the add form below is filled in for them; type a password there and hand it over.",
        "zh-CN": "此服务器未配置邮件，无法发送邀请。请改为给 {handle} 设置初始密码：下方的添加表单已填好此人的信息，"
                 "输入密码后告知对方即可。",
    },
    "people.error_resend_signed_in": {
        "en": "{handle} has chosen a password already and can sign in; if they forgot it, “Forgot your password?” "
              "on the sign-in page e-mails them a link.",
        "zh-CN": "{handle} 已设置密码，可以直接登录；如忘记密码，可在登录页点击“忘记密码”通过邮件重设。",
    },
    "people.error_resend_inactive": {
        "en": "{handle} is deactivated: reactivate them first, then send the invitation again.",
        "zh-CN": "{handle} 已被停用：请先恢复，再重新发送邀请。",
    },
    "people.error_resend_never": {
        "en": "{handle} was never invited: give them a sign-in with the add form below.",
        "zh-CN": "{handle} 从未被邀请：请使用下方的添加表单为其开通登录账号。",
    },
    "people.error_resend_no_email": {
        "en": "{handle} has no e-mail address: add one with “Edit”, then send the invitation again.",
        "zh-CN": "{handle} 没有邮箱地址：请先通过“编辑”添加邮箱，再重新发送邀请。",
    },
    "people.invite_subject": {
        "en": "Your Doorstep sign-in for {workspace}",
        "zh-CN": "您的 Doorstep 账号（{workspace}）",
    },
    "people.invite_body": {
        "en": "Hello {name},\n\n{who} has given you a sign-in to Doorstep for {workspace}. Choose your password "
              "here within {days} days (the link works once):\n\n{link}\n\nThen sign in at {login}\n"
              "  workspace: {slug}\n  name: {handle}\n\nIf you did not expect this e-mail, ignore it.",
        "zh-CN": "{name}，您好：\n\n{who} 为您开通了 {workspace} 的 Doorstep 账号。请在 {days} 天内通过以下链接设置密码"
                 "（链接只能使用一次）：\n\n{link}\n\n之后请在 {login} 登录\n  工作区：{slug}\n  用户名：{handle}\n\n"
                 "如果您没有预期收到这封邮件，请忽略。",
    },
    "keys.title": {"en": "API keys", "zh-CN": "API 密钥"},
    "keys.subtitle": {
        "en": "Keys let scripts and other systems use this workspace's API, each with a role. Only a hash of "
              "each key is stored.",
        "zh-CN": "脚本和其他系统通过 API 密钥调用本工作区的 API，每个密钥有各自的角色。系统只保存密钥的哈希值。",
    },
    "keys.count": {"en": "{count} keys", "zh-CN": "共 {count} 个密钥"},
    "keys.count.one": {"en": "{count} key", "zh-CN": "共 {count} 个密钥"},
    "keys.empty": {"en": "No API keys.", "zh-CN": "还没有 API 密钥。"},
    "keys.col_prefix": {"en": "Key", "zh-CN": "密钥"},
    "keys.col_name": {"en": "For", "zh-CN": "用途"},
    "keys.col_role": {"en": "Role", "zh-CN": "角色"},
    "keys.col_created": {"en": "Created", "zh-CN": "创建时间"},
    "keys.col_last_used": {"en": "Last used", "zh-CN": "最近使用"},
    "keys.col_status": {"en": "Status", "zh-CN": "状态"},
    "keys.never": {"en": "never", "zh-CN": "从未使用"},
    "keys.status_active": {"en": "in use", "zh-CN": "有效"},
    "keys.status_revoked": {"en": "revoked {at}", "zh-CN": "已于 {at} 吊销"},
    "keys.last_used_hint": {
        "en": "Use is noted at most once an hour per key.",
        "zh-CN": "每个密钥的使用时间每小时最多记录一次。",
    },
    "keys.revoke": {"en": "Revoke…", "zh-CN": "吊销…"},
    "keys.revoke_label": {"en": "Revoke the key {prefix}", "zh-CN": "吊销密钥 {prefix}"},
    "keys.create_title": {"en": "Create a key", "zh-CN": "创建密钥"},
    "keys.field_name": {"en": "What it is for (e.g. the CRM import)", "zh-CN": "用途（例如 CRM 导入）"},
    "keys.field_role": {"en": "Role", "zh-CN": "角色"},
    "keys.create_hint": {
        "en": "Give a key the smallest role that does its job: executive to read metrics, admin to send deliveries.",
        "zh-CN": "请给密钥能完成任务的最小角色：读取指标用管理层，推送配送数据用管理员。",
    },
    "keys.create": {"en": "Create the key", "zh-CN": "创建密钥"},
    "keys.created_title": {"en": "Your new API key", "zh-CN": "新的 API 密钥"},
    "keys.created_which": {"en": "Key {prefix} · {name} · {role}", "zh-CN": "密钥 {prefix} · {name} · {role}"},
    "keys.created_once": {
        "en": "Copy it now and keep it somewhere safe: this is the only time it is shown. Doorstep keeps only a "
              "hash of it and cannot show it again.",
        "zh-CN": "请立即复制并妥善保存：密钥只显示这一次。Doorstep 只保存其哈希值，无法再次显示。",
    },
    "keys.created_secret": {"en": "The key", "zh-CN": "密钥"},
    "keys.created_use": {
        "en": "Send it with every call as the header Authorization: Bearer <key>.",
        "zh-CN": "每次调用时通过请求头 Authorization: Bearer <密钥> 发送。",
    },
    "keys.created_gone": {
        "en": "This key was shown once, right after it was created, and cannot be shown again. If it was not "
              "saved, revoke it and create a new one.",
        "zh-CN": "此密钥只在创建后显示一次，无法再次显示。如果没有保存，请吊销它并创建新的密钥。",
    },
    "keys.back": {"en": "Back to the API keys", "zh-CN": "返回 API 密钥"},
    "keys.revoke_title": {"en": "Revoke this API key?", "zh-CN": "确定吊销此 API 密钥？"},
    "keys.revoke_dates": {
        "en": "Created {created} · last used: {used}",
        "zh-CN": "创建于 {created} · 最近使用：{used}",
    },
    "keys.revoke_what": {
        "en": "Every script or system that uses it is refused from then on. This cannot be undone: they would need "
              "a new key.",
        "zh-CN": "吊销后，所有使用此密钥的脚本和系统都将被拒绝。此操作无法撤销，之后需要为它们创建新的密钥。",
    },
    "keys.revoke_confirm": {"en": "Revoke the key", "zh-CN": "吊销密钥"},
    "keys.cancel": {"en": "Cancel", "zh-CN": "取消"},
    "keys.revoked": {
        "en": "The key {prefix} is revoked: calls made with it are refused.",
        "zh-CN": "密钥 {prefix} 已吊销，使用它的调用将被拒绝。",
    },
    "keys.revoked_already": {"en": "This key was revoked {at}.", "zh-CN": "此密钥已于 {at} 吊销。"},
    "keys.error_name": {
        "en": "Say what the key is for, in 1 to {limit} characters.",
        "zh-CN": "请填写密钥的用途（1 至 {limit} 个字符）。",
    },
    "keys.error_role": {"en": "Choose one of the roles listed.", "zh-CN": "请从列出的角色中选择一个。"},
    "keys.error_not_found": {"en": "This API key is not in your workspace.", "zh-CN": "本工作区中没有此 API 密钥。"},
    "keys.error_revoked": {"en": "This key is revoked already.", "zh-CN": "此密钥已被吊销。"},
    # --- webhooks and chat notifications --------------------------------------------
    # --- the executive brief (issue 6) ---------------------------------------------
    "brief.weekly": {"en": "Weekly brief", "zh-CN": "每周简报"},
    "brief.monthly": {"en": "Monthly brief", "zh-CN": "每月简报"},
    "brief.subject": {"en": "{kind} · {workspace} · {span}", "zh-CN": "{kind}｜{workspace}｜{span}"},
    "brief.timezone": {"en": "times in {timezone}", "zh-CN": "时间按 {timezone}"},
    "brief.no_data": {
        "en": "No customer answered and no delivery was completed in {span}: there is nothing to report.",
        "zh-CN": "{span} 期间没有客户回答，也没有完成的配送：本期没有可报告的内容。",
    },
    "brief.no_data_hint": {
        "en": "If that is unexpected, check that deliveries are still being imported and invitations sent.",
        "zh-CN": "如果这不正常，请检查配送数据是否仍在导入、邀请是否仍在发送。",
    },
    "brief.nps": {"en": "Net Promoter Score", "zh-CN": "净推荐值（NPS）"},
    "brief.ci": {"en": "95% interval {low} … {high}", "zh-CN": "95% 区间 {low} … {high}"},
    "brief.responses": {"en": "{count} answers", "zh-CN": "{count} 份回答"},
    "brief.responses.one": {"en": "{count} answer", "zh-CN": "{count} 份回答"},
    "brief.change": {"en": "Change since last period", "zh-CN": "较上期变化"},
    "brief.change_real": {"en": "a real change (p < 0.05)", "zh-CN": "真实变化（p < 0.05）"},
    "brief.change_noise": {"en": "within the noise: not a real change", "zh-CN": "在随机波动范围内，不算真实变化"},
    "brief.change_none": {"en": "too few answers to compare", "zh-CN": "回答太少，无法比较"},
    "brief.on_time": {"en": "On time", "zh-CN": "准时率"},
    "brief.on_time_before": {"en": "last period {rate}", "zh-CN": "上期 {rate}"},
    "brief.nps_explain": {
        "en": "{promoters} promoters, {passives} passives, {detractors} detractors. Last period: {before}.",
        "zh-CN": "推荐者 {promoters}，中立者 {passives}，贬损者 {detractors}。上期：{before}。",
    },
    "brief.trend_title": {"en": "NPS over time", "zh-CN": "NPS 走势"},
    "brief.trend_hint": {
        "en": "The band is the 95% interval: where it is wide, there were few answers.",
        "zh-CN": "阴影为 95% 区间：越宽表示回答越少。",
    },
    "brief.drivers_title": {"en": "Where we lose points", "zh-CN": "失分最多的环节"},
    "brief.drivers_hint": {
        "en": "Points of NPS each stage and complaint costs: the score would be this much higher without it.",
        "zh-CN": "每个环节和问题让 NPS 损失的分数：没有它，得分会高出这么多。",
    },
    "brief.costs": {"en": "costs {points} points", "zh-CN": "损失 {points} 分"},
    "brief.stage_line": {
        "en": "{mentions} answers blame this stage; their NPS {nps}, impact {impact}",
        "zh-CN": "{mentions} 份回答归因于此环节；其 NPS {nps}，影响 {impact}",
    },
    "brief.not_significant": {"en": "not significant", "zh-CN": "不显著"},
    "brief.concentrated": {
        "en": "Concentrated in {attribute} {value}: {share} of its unhappy customers, against {base} of all answers.",
        "zh-CN": "集中在 {attribute} {value}：占其不满意客户的 {share}，而在全部回答中只占 {base}。",
    },
    "brief.col_theme": {"en": "Complaint", "zh-CN": "问题"},
    "brief.col_mentions": {"en": "Mentions", "zh-CN": "提及"},
    "brief.col_cost": {"en": "Impact", "zh-CN": "影响"},
    "brief.col_where": {"en": "Where", "zh-CN": "集中在"},
    "brief.customers_say": {"en": "Customers say", "zh-CN": "客户说"},
    "brief.frontline_says": {"en": "The frontline says", "zh-CN": "一线说"},
    "brief.score": {"en": "score {score}", "zh-CN": "评分 {score}"},
    "brief.someone": {"en": "a colleague", "zh-CN": "一位同事"},
    "brief.votes": {"en": "{votes} votes", "zh-CN": "{votes} 票"},
    "brief.note_new": {"en": "new", "zh-CN": "新提交"},
    "brief.note_heard": {"en": "heard", "zh-CN": "已收到"},
    "brief.note_acting": {"en": "being acted on", "zh-CN": "处理中"},
    "brief.note_done": {"en": "done", "zh-CN": "已解决"},
    "brief.no_verbatims": {"en": "No comment from an unhappy customer.", "zh-CN": "没有不满意客户的留言。"},
    "brief.no_notes": {"en": "No frontline note on this yet.", "zh-CN": "一线还没有这方面的反馈。"},
    "brief.read_more": {"en": "All comments on this stage", "zh-CN": "查看此环节的全部留言"},
    "brief.no_drivers": {
        "en": "No stage or complaint cost points this period.",
        "zh-CN": "本期没有环节或问题造成失分。",
    },
    "brief.loop_title": {"en": "Closing the loop", "zh-CN": "闭环处理"},
    "brief.loop_line": {
        "en": "{opened} unhappy customers got a case; {contact} were contacted within the SLA and {resolved} "
        "resolved within it. {breached} cases are past their deadline now.",
        "zh-CN": "{opened} 位不满意客户生成了工单；{contact} 在时限内联系，{resolved} 在时限内解决。"
        "目前有 {breached} 个工单已超时。",
    },
    "brief.recovery": {
        "en": "Recovery: {rate} of the customers asked again are happier ({recovered} of {verified}).",
        "zh-CN": "挽回率：回访客户中 {rate} 的评价变好（{verified} 位中的 {recovered} 位）。",
    },
    "brief.recovery_none": {"en": "No customer has answered a re-survey yet.", "zh-CN": "还没有客户回答回访问卷。"},
    "brief.loop_none": {"en": "No case was opened this period.", "zh-CN": "本期没有新工单。"},
    "brief.col_team": {"en": "Team", "zh-CN": "团队"},
    "brief.col_owner": {"en": "Owner", "zh-CN": "负责人"},
    "brief.col_cases": {"en": "Cases", "zh-CN": "工单"},
    "brief.col_contact_sla": {"en": "Contacted in time", "zh-CN": "按时联系"},
    "brief.col_breached": {"en": "Overdue now", "zh-CN": "当前超时"},
    "brief.col_recovery": {"en": "Recovered", "zh-CN": "挽回率"},
    "brief.ops_title": {"en": "Last-mile operations", "zh-CN": "最后一公里运营"},
    "brief.ops_line": {
        "en": "{deliveries} deliveries with a promised time: {rate} on time (last period {before}).",
        "zh-CN": "{deliveries} 单有承诺时间：准时率 {rate}（上期 {before}）。",
    },
    "brief.late_rate_hint": {
        "en": "Share of deliveries late at each stage (over its target, or unusually long where it has none).",
        "zh-CN": "各环节超时的配送占比（超过目标时长；未设目标的环节，指明显长于平常）。",
    },
    "brief.ops_no_promise": {
        "en": "{count} deliveries completed; none has a promised time, so there is no on-time rate. "
        "The stages below are late against their targets, or their usual durations.",
        "zh-CN": "本期完成 {count} 单；都没有承诺送达时间，因此没有准时率。"
        "下列环节的晚到按其目标时长（或通常时长）计算。",
    },
    "brief.ops_none": {"en": "No delivery was completed this period.", "zh-CN": "本期没有完成的配送。"},
    "brief.col_stage": {"en": "Stage", "zh-CN": "环节"},
    "brief.col_late": {"en": "Late", "zh-CN": "超时"},
    "brief.col_median_overrun": {"en": "Median overrun", "zh-CN": "超时中位数"},
    "brief.col_p90_overrun": {"en": "Worst 10% overrun", "zh-CN": "最差 10% 超时"},
    "brief.worst_title": {"en": "The latest deliveries", "zh-CN": "超时最严重的配送"},
    "brief.late_by": {"en": "{late} late", "zh-CN": "晚了 {late}"},
    "brief.changes_title": {"en": "What changed", "zh-CN": "本期变化"},
    "brief.grew": {
        "en": "{name} costs more: {now} points now, {before} last period ({mentions} mentions).",
        "zh-CN": "{name} 失分增加：本期 {now} 分，上期 {before} 分（{mentions} 次提及）。",
    },
    "brief.new_topic": {
        "en": "New in comments no theme covers: {terms} ({size} comments).",
        "zh-CN": "未归类留言中的新话题：{terms}（{size} 条）。",
    },
    "brief.alert": {"en": "Alert {kind} on {subject}, {at}.", "zh-CN": "预警 {kind}：{subject}，{at}。"},
    "brief.no_changes": {
        "en": "Nothing new: no driver grew and no new topic appeared.",
        "zh-CN": "没有新变化：没有问题加剧，也没有出现新话题。",
    },
    "brief.notes_line": {
        "en": "The frontline wrote {written} notes this period; {open} of the recent ones are still open.",
        "zh-CN": "一线本期提交了 {written} 条反馈；近期仍有 {open} 条未解决。",
    },
    "brief.open_dashboard": {"en": "Open the dashboard", "zh-CN": "打开看板"},
    "brief.open_inbox": {"en": "Open the case inbox", "zh-CN": "打开工单收件箱"},
    "brief.open_brief": {"en": "This brief in Doorstep", "zh-CN": "在 Doorstep 中查看本简报"},
    "brief.generated": {
        "en": "Made {at} ({timezone}) by Doorstep.",
        "zh-CN": "由 Doorstep 生成于 {at}（{timezone}）。",
    },
    "alerts.title": {"en": "Alerts", "zh-CN": "预警"},
    "nav.alerts": {"en": "Alerts", "zh-CN": "预警"},
    "alerts.subtitle": {
        "en": "A team, region or the whole workspace whose NPS fell against its own past, or a theme mentioned "
              "far more often than before — tested against noise, raised once.",
        "zh-CN": "团队、区域或整个工作区的 NPS 相比自身过去明显下降，或某个主题被提及的频率大幅上升"
                 "——已排除随机波动，每次只提醒一次。",
    },
    "alerts.show_open": {"en": "Open", "zh-CN": "未处理"},
    "alerts.show_all": {"en": "All", "zh-CN": "全部"},
    "alerts.empty": {"en": "No alerts.", "zh-CN": "没有预警。"},
    "alerts.not_found": {"en": "There is no such alert in this workspace.", "zh-CN": "该工作区中没有这条预警。"},
    "alerts.col_raised": {"en": "Raised", "zh-CN": "触发时间"},
    "alerts.col_alert": {"en": "Alert", "zh-CN": "预警"},
    "alerts.col_evidence": {"en": "Evidence", "zh-CN": "依据"},
    "alerts.col_status": {"en": "Status", "zh-CN": "状态"},
    "alerts.kind_nps_drop": {"en": "NPS drop", "zh-CN": "NPS 下降"},
    "alerts.kind_theme_surge": {"en": "Surge in mentions", "zh-CN": "提及激增"},
    "alerts.subject_workspace": {"en": "Whole workspace", "zh-CN": "整个工作区"},
    "alerts.subject_team": {"en": "Team", "zh-CN": "团队"},
    "alerts.subject_region": {"en": "Region", "zh-CN": "区域"},
    "alerts.subject_theme": {"en": "Theme", "zh-CN": "主题"},
    "alerts.subject_stage": {"en": "Stage", "zh-CN": "环节"},
    "alerts.baseline": {"en": "before", "zh-CN": "之前"},
    "alerts.current": {"en": "now", "zh-CN": "现在"},
    "alerts.change": {"en": "{delta} points", "zh-CN": "{delta} 分"},
    "alerts.share": {
        "en": "share {before}% → {after}% ({mentions} of {answers} comments)",
        "zh-CN": "占比 {before}% → {after}%（{answers} 条评论中 {mentions} 条）",
    },
    "alerts.test": {
        "en": "p = {p}, {tested} tested, α = {alpha}",
        "zh-CN": "p = {p}，共检验 {tested} 项，α = {alpha}",
    },
    "alerts.window": {"en": "window {since} – {until}", "zh-CN": "时间窗 {since} – {until}"},
    "alerts.acknowledge": {"en": "Acknowledge", "zh-CN": "确认已知"},
    "alerts.acknowledged": {"en": "Acknowledged {at}", "zh-CN": "已确认 {at}"},
    "alerts.open": {"en": "Open", "zh-CN": "未处理"},
    "briefs.title": {"en": "Briefs", "zh-CN": "简报"},
    "nav.briefs": {"en": "Briefs", "zh-CN": "简报"},
    "briefs.subtitle": {
        "en": "Every brief as it was published: later data does not change a published brief.",
        "zh-CN": "每份简报都保持发布时的样子：之后的数据不会改变已发布的简报。",
    },
    "briefs.latest_week": {"en": "Latest weekly brief", "zh-CN": "最新每周简报"},
    "briefs.latest_month": {"en": "Latest monthly brief", "zh-CN": "最新每月简报"},
    "briefs.not_found": {"en": "There is no such brief in this workspace.", "zh-CN": "该工作区中没有这份简报。"},
    "briefs.empty": {
        "en": "No brief has been published yet. Set a weekly schedule, or run: doorstep brief --publish",
        "zh-CN": "还没有发布过简报。请设置每周发送时间，或运行：doorstep brief --publish",
    },
    "briefs.col_period": {"en": "Brief", "zh-CN": "简报"},
    "briefs.col_nps": {"en": "NPS", "zh-CN": "NPS 值"},
    "briefs.ci": {"en": "95%: {low} … {high}", "zh-CN": "95%：{low} … {high}"},
    "briefs.col_answers": {"en": "Answers", "zh-CN": "回答数"},
    "briefs.col_published": {"en": "Published", "zh-CN": "发布时间"},
    "briefs.not_published": {"en": "not published", "zh-CN": "未发布"},
    # --- frontline notes (web/frontline.py) -------------------------------------------
    "nav.notes": {"en": "Notes", "zh-CN": "一线反馈"},
    "notes.title": {"en": "Frontline notes", "zh-CN": "一线反馈"},
    "notes.subtitle": {
        "en": "What you see at the door: where customers get stuck. CS answers every note.",
        "zh-CN": "在一线看到的问题：客户在哪里卡住。客服会回复每一条反馈。",
    },
    "notes.form_title": {"en": "New note", "zh-CN": "写一条反馈"},
    "notes.text_label": {"en": "What did you see?", "zh-CN": "你看到了什么？"},
    "notes.stage_label": {"en": "Stage", "zh-CN": "环节"},
    "notes.stage_unsure": {"en": "Not sure", "zh-CN": "不确定"},
    "notes.delivery_label": {"en": "Delivery reference", "zh-CN": "订单号"},
    "notes.photo_label": {"en": "Photo", "zh-CN": "照片"},
    "notes.photo_hint": {"en": "JPEG, PNG or WebP, under {limit}", "zh-CN": "JPEG、PNG 或 WebP，小于 {limit}"},
    "notes.submit": {"en": "Send note", "zh-CN": "提交反馈"},
    "notes.filed": {"en": "Thank you: your note is in.", "zh-CN": "已提交，谢谢！"},
    "notes.filter_label": {"en": "Show notes", "zh-CN": "筛选反馈"},
    "notes.filter_all": {"en": "All", "zh-CN": "全部"},
    "notes.filter_mine": {"en": "Mine", "zh-CN": "我的"},
    "notes.count": {"en": "Notes: {total}", "zh-CN": "共 {total} 条"},
    "notes.empty": {"en": "No notes here yet.", "zh-CN": "这里还没有反馈。"},
    "notes.status_new": {"en": "New", "zh-CN": "新反馈"},
    "notes.status_heard": {"en": "Heard", "zh-CN": "已收到"},
    "notes.status_acting": {"en": "Acting on it", "zh-CN": "处理中"},
    "notes.status_done": {"en": "Done", "zh-CN": "已解决"},
    "notes.mark_heard": {"en": "Mark heard", "zh-CN": "标记为已收到"},
    "notes.mark_acting": {"en": "Mark acting", "zh-CN": "标记为处理中"},
    "notes.mark_done": {"en": "Mark done", "zh-CN": "标记为已解决"},
    "notes.yours": {"en": "Your note", "zh-CN": "我的反馈"},
    "notes.photo_alt": {"en": "Photo {n} of the note", "zh-CN": "反馈照片 {n}"},
    "notes.delivery": {"en": "Delivery {ref}", "zh-CN": "订单 {ref}"},
    "notes.reply": {"en": "Reply", "zh-CN": "回复"},
    "notes.reply_from": {"en": "Reply from {who}", "zh-CN": "{who} 的回复"},
    "notes.vote_label": {"en": "+1 this note ({votes} so far)", "zh-CN": "赞同这条反馈（已有 {votes} 人）"},
    "notes.voted": {"en": "You +1'd this", "zh-CN": "你已赞同"},
    "notes.answer": {"en": "Answer", "zh-CN": "回复"},
    "notes.reply_label": {"en": "Reply to the author", "zh-CN": "回复作者"},
    "notes.newer": {"en": "Newer", "zh-CN": "较新"},
    "notes.older": {"en": "Older", "zh-CN": "较早"},
    "notes.error_text": {"en": "Please write what you saw.", "zh-CN": "请写下你看到的情况。"},
    "notes.error_text_long": {
        "en": "The note is too long: please keep it to {limit} characters.",
        "zh-CN": "反馈太长了，请不要超过 {limit} 个字。",
    },
    "notes.error_stage": {"en": "Please choose one of the stages listed.", "zh-CN": "请从列出的环节中选择一个。"},
    "notes.error_delivery": {
        "en": "There is no delivery with this reference: check it, or leave it empty.",
        "zh-CN": "找不到这个订单号：请检查，或者留空。",
    },
    "notes.error_reply_long": {
        "en": "The reply is too long: please keep it to {limit} characters.",
        "zh-CN": "回复太长了，请不要超过 {limit} 个字。",
    },
    "notes.error_photo_type": {
        "en": "The photo must be a JPEG, PNG or WebP image. Nothing was saved.",
        "zh-CN": "照片必须是 JPEG、PNG 或 WebP 格式。本次没有保存任何内容。",
    },
    "notes.error_photo_seen": {
        "en": "The photo must be a JPEG, PNG or WebP image; this file looks like {kind}. Nothing was saved.",
        "zh-CN": "照片必须是 JPEG、PNG 或 WebP 格式；这个文件看起来是 {kind}。本次没有保存任何内容。",
    },
    "notes.error_photo_size": {
        "en": "The photo is too large: it must be smaller than {limit}. Nothing was saved.",
        "zh-CN": "照片太大了，必须小于 {limit}。本次没有保存任何内容。",
    },
    "notes.error_photo_empty": {
        "en": "The photo is empty. Nothing was saved.",
        "zh-CN": "照片是空的。本次没有保存任何内容。",
    },
    "notes.error_photo_pixels": {
        "en": "The photo has too many pixels (at most {megapixels} megapixels): take it at a lower resolution. "
              "Nothing was saved.",
        "zh-CN": "照片像素太多（上限为 {megapixels} 百万像素），请用较低的分辨率拍摄。本次没有保存任何内容。",
    },
    "notes.error_photo_broken": {
        "en": "The photo could not be read: the file is damaged or cut short. Please take it again. Nothing was saved.",
        "zh-CN": "照片无法读取：文件已损坏或不完整，请重新拍摄。本次没有保存任何内容。",
    },
    "notes.error_photo_count": {
        "en": "A note holds at most {count} photos.",
        "zh-CN": "每条反馈最多 {count} 张照片。",
    },
    "notes.error_not_found": {"en": "There is no such note in this workspace.", "zh-CN": "该工作区中没有这条反馈。"},
    "notes.error_other": {"en": "Please check the note and send it again.", "zh-CN": "请检查后重新提交。"},
    "notes.refused_title": {"en": "The photo was not sent", "zh-CN": "照片没有上传"},
    "notes.refused_length": {
        "en": "The upload came without its size. Please go back and send it again.",
        "zh-CN": "上传的内容缺少大小信息，请返回后重新提交。",
    },
    "notes.back": {"en": "Back to the notes", "zh-CN": "返回一线反馈"},
    "notes.unvote_label": {"en": "Take back your +1 ({votes} so far)", "zh-CN": "取消赞同（已有 {votes} 人）"},
    "notes.edited": {"en": "edited {at}", "zh-CN": "已修改 {at}"},
    "notes.edit": {"en": "Edit", "zh-CN": "修改"},
    "notes.edit_hint": {
        "en": "You can correct your note until CS answers it.",
        "zh-CN": "在客服回复之前，你可以修改这条反馈。",
    },
    "notes.edit_save": {"en": "Save changes", "zh-CN": "保存修改"},
    "notes.delete": {"en": "Delete", "zh-CN": "删除"},
    "notes.delete_title": {"en": "Delete this note?", "zh-CN": "删除这条反馈？"},
    "notes.delete_what": {
        "en": "The note goes, with its photos ({photos}) and +1s ({votes}). This cannot be undone.",
        "zh-CN": "这条反馈及其照片（{photos} 张）和赞同（{votes} 个）将一并删除，且无法恢复。",
    },
    "notes.delete_own": {
        "en": "The audit log records that you deleted it, and when (not what it said).",
        "zh-CN": "审计日志会记录你删除了它以及删除时间（不记录内容）。",
    },
    "notes.delete_moderation": {
        "en": "You are removing someone else's note as an admin. The audit log records who removed it, "
              "and when (not what it said).",
        "zh-CN": "你正以管理员身份删除他人的反馈。审计日志会记录删除人和删除时间（不记录内容）。",
    },
    "notes.delete_confirm": {"en": "Yes, delete it", "zh-CN": "确认删除"},
    "notes.delete_refused": {
        "en": "Only its author (until CS answers it) or an admin can delete this note.",
        "zh-CN": "只有作者（在客服回复之前）或管理员可以删除这条反馈。",
    },
    "notes.cancel": {"en": "Cancel", "zh-CN": "取消"},
    "notes.deleted": {"en": "The note was deleted.", "zh-CN": "反馈已删除。"},
    "notes.error_not_yours": {
        "en": "Only its author can change this note (an admin can delete it).",
        "zh-CN": "只有作者本人可以修改这条反馈（管理员可以删除）。",
    },
    "notes.error_answered": {
        "en": "CS has answered this note already, so its author can no longer change it. Ask an admin if it "
              "must be removed.",
        "zh-CN": "客服已回复这条反馈，作者不能再修改。如需删除，请联系管理员。",
    },
    # The e-mail that tells a note's author it was answered (doorstep.channels.note_mail).
    "notes.mail_subject": {"en": "Your note was answered: {status}", "zh-CN": "你的反馈有了回复：{status}"},
    "notes.mail_greeting": {"en": "Hello {name},", "zh-CN": "{name}，你好！"},
    "notes.mail_intro": {"en": "{who} answered the note you wrote:", "zh-CN": "{who} 回复了你写的反馈："},
    "notes.mail_team": {"en": "The CS team", "zh-CN": "客服团队"},
    "notes.mail_status": {"en": "Status: {status}", "zh-CN": "状态：{status}"},
    "notes.mail_reply": {"en": "Reply:", "zh-CN": "回复："},
    "notes.mail_open": {"en": "Open the note", "zh-CN": "查看这条反馈"},
    "notes.mail_link": {"en": "Or open this address:", "zh-CN": "或打开以下链接："},
    "notes.mail_footer": {
        "en": "You get this e-mail because you wrote this note in {workspace} and it was answered.",
        "zh-CN": "你在{workspace}写的这条反馈有了回复，所以收到这封邮件。",
    },
}

# Notes the system writes on a case's timeline (doorstep.cases.messages), as "note.<id>".
# Their English is there, where the stored note is made, so the API's text and the page's
# cannot drift apart; only the Chinese is here. Values ({queue}, {owner} …) are people's
# words and stay as they are.
NOTE_CHINESE: dict[str, str] = {
    "separator": "；",
    "opened": "{why}；优先级：{priority}",
    "opened_because": "{why}；优先级：{priority}（{reasons}）",
    "route.rule_queue": "规则 {rule}：队列 {queue}，轮到 {handle}",
    "route.rule_owner": "规则 {rule}：负责人 {owner}",
    "route.lead": "负责人：交付负责人的主管",
    "route.default": "负责人：默认客服负责人",
    "route.none": "无负责人：没有匹配的规则、主管或默认客服负责人",
    "reason.score": "评分 {score}",
    "reason.value": "{attribute} 为 {value}，不低于 {threshold}",
    "reason.repeat": "{days} 天内再次不满意",
    "priority.high": "高",
    "priority.normal": "普通",
    "priority.low": "低",
    "escalated": "{clock}应于 {due} 完成；已升级给 {notified}",
    "escalated.nobody": "无人（没有主管，也没有升级联系人）",
    "clock.first_contact": "首次联系",
    "clock.resolution": "解决",
    "resurvey.answered_while": "工单状态为“{status}”时收到回访评分 {score}",
    "resurvey.score": "回访评分 {score}",
    "resurvey.unhappy_again": "处理后客户仍不满意（回访评分 {score}）",
    "resurvey.expired": "回访到期，客户未回答",
    "status.open": "待联系",
    "status.contacted": "已联系",
    "status.resolved": "已解决",
    "status.verified": "已回访确认",
    "status.closed_unverified": "已关闭（未确认）",
    "status.reopened": "已重新打开",
    "assigned": "由 {previous} 改派给 {owner}",
    "assigned.queue": "由 {previous} 改派给 {owner}（队列 {queue}）",
    "assigned.nobody": "无人",
    "with_note": "{text}：{note}",
}
MESSAGES.update({f"note.{key}": {"en": english, "zh-CN": NOTE_CHINESE[key]} for key, english in NOTE_ENGLISH.items()})


def normalise(tag: str | None) -> str | None:
    """The catalog language for a language tag, or None when we do not speak it.

    Any Chinese (``zh``, ``zh-TW``, ``zh_Hant``) gets Simplified Chinese, the only
    Chinese we have; any English gets English.
    """
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    if primary == "zh":
        return "zh-CN"
    if primary == "en":
        return "en"
    return None


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an Accept-Language header, most wanted first (RFC 9110 §12.5.4).

    Ranges with q=0 ("not acceptable") or a malformed q are dropped; equal weights
    keep the order the browser sent them in.
    """
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    # A real header is a few dozen bytes; the cap keeps a hostile one cheap.
    for index, part in enumerate(header[:1000].split(",")[:50]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        if not tag:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if 0.0 < q <= 1.0:
            weighted.append((-q, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(accept_language: str | None, preferred: str | None, default: str) -> str:
    """"en" or "zh-CN": ``preferred`` if we speak it, else the browser's best match from
    its Accept-Language header, else ``default`` (else English)."""
    chosen = normalise(preferred)
    if chosen:
        return chosen
    for tag in parse_accept_language(accept_language):
        if tag == "*":  # "anything will do": the page's own default then
            break
        chosen = normalise(tag)
        if chosen:
            return chosen
    return normalise(default) or DEFAULT_LANGUAGE


def other_language(lang: str) -> str:
    """The language a page's switch link offers."""
    return "en" if lang == "zh-CN" else "zh-CN"


def url_code(lang: str) -> str:
    """The short form used in ``?lang=`` links: ``zh`` or ``en``."""
    return "zh" if lang == "zh-CN" else "en"


# Placeholders that hold a number of things (never an id): shown grouped by thousands.
COUNTS = frozenset({"count", "shown"})


def count_text(value: object) -> str:
    """A number of things as people read it: 1,000,000 (CLDR groups thousands so in en and zh-CN alike)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def t(lang: str, key: str, **kwargs: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``kwargs``. Unknown ids raise KeyError:
    a typo must fail a test, not show a message id to a customer.

    A ``count`` of exactly 1 takes the ``<key>.one`` message where there is one ("1 case",
    not "1 cases"); counts are grouped by thousands ("1,427 answers")."""
    if kwargs.get("count") == 1 and f"{key}.one" in MESSAGES:
        key = f"{key}.one"
    values = {name: count_text(value) if name in COUNTS else value for name, value in kwargs.items()}
    return MESSAGES[key][lang].format(**values)
