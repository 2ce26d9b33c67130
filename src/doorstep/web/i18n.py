"""Two languages, one small catalog: English and Simplified Chinese.

Pages never hold prose; they ask :func:`t` for a message by id, so a missing
translation is a test failure (tests/web/test_i18n.py), not a half-English page.
:func:`negotiate` decides which of the two a visitor gets.
"""

from __future__ import annotations

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
    "dashboard.about_nps": {
        "en": "NPS = % promoters (9–10) − % detractors (0–6). The bar is the 95% interval "
              "on a −100 to 100 axis: the fewer the answers, the wider it is.",
        "zh-CN": "净推荐值 = 推荐者（9–10 分）占比 − 贬损者（0–6 分）占比。"
                 "横条为 95% 置信区间（坐标 −100 至 100）：回答越少，区间越宽。",
    },
}


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


def t(lang: str, key: str, **kwargs: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``kwargs``. Unknown ids raise KeyError:
    a typo must fail a test, not show a message id to a customer."""
    return MESSAGES[key][lang].format(**kwargs)
