"""Events as group-chat messages: the incoming-webhook bodies of Feishu, DingTalk, WeCom
and Slack. Pure functions: an event in, (URL, JSON body) out; no I/O.

Every message is a short text in the workspace's language (zh-CN or English) and a
button to the case. Customer comments, ids and handles are *text*: they are
neutralised before they reach a markdown field, so a comment can never turn into
a link, a mention (``@all``, ``<!channel>``, ``<at id=all>``) or formatting.

Feishu, DingTalk and WeCom answer HTTP 200 even when they refuse a message and put
the reason in the body; :func:`chat_error` reads it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import zoneinfo
from typing import Any
from urllib.parse import quote_plus

CHAT_FORMATS = ("feishu", "dingtalk", "wecom", "slack")
EXCERPT = 140

# Characters that make markdown (or Feishu/WeCom tags) out of text → look-alikes that cannot.
_FULL_WIDTH = str.maketrans({
    "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "*": "＊", "_": "＿", "`": "｀",
    "#": "＃", "~": "～", "|": "｜", "!": "！", "\\": "＼", "&": "＆",
})
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_DOT_BEFORE_LETTER = re.compile(r"\.(?=[A-Za-z])")
ZWSP = "\u200b"

TEXTS: dict[str, dict[str, str]] = {
    "case.opened.title": {"en": "New detractor: score {score}", "zh-CN": "新的贬损者：{score} 分"},
    "case.escalated.title": {"en": "Escalated: case {case} ({clock})", "zh-CN": "已升级：工单 {case}（{clock}）"},
    "case.closed.title": {"en": "Case {case} closed: {status}", "zh-CN": "工单 {case} 已关闭：{status}"},
    "response.created.title": {"en": "New answer: score {score}", "zh-CN": "新的评价：{score} 分"},
    "brief.published.title": {"en": "Brief published: {title}", "zh-CN": "简报已发布：{title}"},
    "alert.nps_drop.title": {"en": "NPS drop: {subject} {delta} points", "zh-CN": "NPS 下降：{subject} {delta} 分"},
    "alert.theme_surge.title": {"en": "Surge: {subject} ×{ratio}", "zh-CN": "激增：{subject} ×{ratio}"},
    "alert.nps": {"en": "NPS {before} → {after} (n {n_before} → {n_after})",
                  "zh-CN": "NPS {before} → {after}（样本 {n_before} → {n_after}）"},
    "alert.share": {"en": "share {before}% → {after}% ({mentions} mentions)",
                    "zh-CN": "占比 {before}% → {after}%（{mentions} 次提及）"},
    "alert.p": {"en": "p = {p}", "zh-CN": "p = {p}"},
    "alert.since": {"en": "since {since}", "zh-CN": "自 {since} 起"},
    "webhook.test.title": {"en": "Test message from Doorstep", "zh-CN": "来自 Doorstep 的测试消息"},
    "other.title": {"en": "Doorstep: {event}", "zh-CN": "Doorstep：{event}"},
    "order": {"en": "order {order}", "zh-CN": "订单 {order}"},
    "owner": {"en": "owner {owner}", "zh-CN": "负责人 {owner}"},
    "nobody": {"en": "unassigned", "zh-CN": "未分配"},
    "contact_due": {"en": "contact due {due}", "zh-CN": "首次联系截止 {due}"},
    "resolve_due": {"en": "resolve due {due}", "zh-CN": "解决截止 {due}"},
    "escalated_to": {"en": "escalated to {who}", "zh-CN": "已通知 {who}"},
    "resurvey": {"en": "re-survey score {score}", "zh-CN": "回访评分 {score}"},
    "workspace": {"en": "workspace {name}", "zh-CN": "工作区 {name}"},
    "open_case": {"en": "Open case", "zh-CN": "查看工单"},
    "open": {"en": "Open in Doorstep", "zh-CN": "在 Doorstep 中查看"},
    "clock.first_contact": {"en": "first contact overdue", "zh-CN": "首次联系超时"},
    "clock.resolution": {"en": "resolution overdue", "zh-CN": "解决超时"},
    "status.verified": {"en": "verified", "zh-CN": "已验证"},
    "status.closed_unverified": {"en": "closed unverified", "zh-CN": "未验证关闭"},
}


def language_of(locale: str | None) -> str:
    return "zh-CN" if (locale or "").lower().startswith("zh") else "en"


def _t(key: str, lang: str, **values: Any) -> str:
    return TEXTS[key][lang].format(**values)


def neutralise(text: Any, limit: int = EXCERPT) -> str:
    """User text made safe for any chat markdown: one line, at most ``limit`` characters,
    markdown and tag characters replaced by full-width look-alikes, ``@`` unable to
    mention, and no URL or domain a client would turn into a link."""
    value = _CONTROL.sub(" ", str(text if text is not None else "")).strip()
    value = re.sub(r"\s+", " ", value)
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    value = value.translate(_FULL_WIDTH)
    value = value.replace("@", "@" + ZWSP).replace("://", ":" + ZWSP + "//")
    return _DOT_BEFORE_LETTER.sub("." + ZWSP, value)


def _local(iso: str | None, timezone: str) -> str:
    if not iso:
        return "—"
    try:
        at = dt.datetime.fromisoformat(iso).astimezone(zoneinfo.ZoneInfo(timezone))
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return iso
    return at.strftime("%Y-%m-%d %H:%M")


def summary(event: str, data: dict[str, Any], *, lang: str, timezone: str, workspace: str) -> tuple[str, str]:
    """(title, one-line detail) of an event, neutralised, in ``lang``."""
    case = data.get("case") or {}
    response = data.get("response") or {}
    delivery = data.get("delivery") or {}
    score = response.get("score", "—")
    parts: list[str] = []
    if response.get("comment"):
        parts.append(f"“{neutralise(response['comment'])}”")
    if delivery.get("external_id"):
        parts.append(_t("order", lang, order=neutralise(delivery["external_id"], 60)))
    if event in ("case.opened", "case.escalated"):
        owner = case.get("owner")
        parts.append(_t("owner", lang, owner=neutralise(owner, 60) if owner else _t("nobody", lang)))
    if event == "case.opened":
        parts.append(_t("contact_due", lang, due=_local(case.get("first_contact_due"), timezone)))
        title = _t("case.opened.title", lang, score=score)
    elif event == "case.escalated":
        escalation = data.get("escalation") or {}
        clock = escalation.get("clock", "")
        label = TEXTS[f"clock.{clock}"][lang] if f"clock.{clock}" in TEXTS else neutralise(clock, 40)
        title = _t("case.escalated.title", lang, case=case.get("id", "?"), clock=label)
        due_key = "contact_due" if clock == "first_contact" else "resolve_due"
        parts.append(_t(due_key, lang, due=_local(escalation.get("due_at"), timezone)))
        if escalation.get("notify"):
            parts.append(_t("escalated_to", lang, who=neutralise(escalation["notify"], 60)))
    elif event == "case.closed":
        status = case.get("status", "")
        label = TEXTS[f"status.{status}"][lang] if f"status.{status}" in TEXTS else neutralise(status, 40)
        title = _t("case.closed.title", lang, case=case.get("id", "?"), status=label)
        if case.get("resurvey_score") is not None:
            parts.insert(0, _t("resurvey", lang, score=case["resurvey_score"]))
    elif event == "response.created":
        title = _t("response.created.title", lang, score=score)
    elif event == "brief.published":
        title = _t("brief.published.title", lang, title=neutralise(data.get("title") or "", 80))
    elif event == "alert.raised":
        title, parts = _alert_summary(data.get("alert") or {}, lang, timezone)
    elif event == "webhook.test":
        title = _t("webhook.test.title", lang)
        parts.append(_t("workspace", lang, name=neutralise(workspace, 80)))
    else:
        title = _t("other.title", lang, event=neutralise(event, 60))
    return title, " — ".join(parts)


def _ci(summary: dict[str, Any]) -> str:
    ci = summary.get("ci95") or ["?", "?"]
    return f"{summary.get('nps')} [{ci[0]}, {ci[1]}]"


def _alert_summary(alert: dict[str, Any], lang: str, timezone: str) -> tuple[str, list[str]]:
    """An alert's title and its evidence: before → after with intervals, counts, p."""
    evidence = alert.get("evidence") or {}
    before, after = evidence.get("baseline") or {}, evidence.get("current") or {}
    subject = neutralise(f"{alert.get('subject_kind', '')} {alert.get('subject', '')}", 80)
    parts: list[str] = []
    if alert.get("kind") == "theme_surge":
        share = evidence.get("share") or {}
        ratio = share.get("ratio")
        title = _t("alert.theme_surge.title", lang, subject=subject, ratio="∞" if ratio is None else ratio)
        parts.append(_t("alert.share", lang, before=share.get("before"), after=share.get("after"),
                        mentions=after.get("mentions")))
    else:
        change = evidence.get("change") or {}
        title = _t("alert.nps_drop.title", lang, subject=subject, delta=change.get("delta"))
        parts.append(_t("alert.nps", lang, before=_ci(before), after=_ci(after), n_before=before.get("responses"),
                        n_after=after.get("responses")))
    p = (evidence.get("change") or evidence.get("share") or {}).get("p_value")
    if p is not None:
        parts.append(_t("alert.p", lang, p=p))
    parts.append(_t("alert.since", lang, since=_local(after.get("since"), timezone)))
    return title, parts


def _button(event: str, lang: str) -> str:
    return _t("open_case", lang) if event.startswith("case.") else _t("open", lang)


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's bot signature: HMAC-SHA256 keyed with "<timestamp>\\n<secret>" over nothing."""
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature (already URL-encoded): HMAC-SHA256(secret, "<ms>\\n<secret>")."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return quote_plus(base64.b64encode(mac.digest()).decode())


def render(
    fmt: str,
    *,
    url: str,
    event: str,
    data: dict[str, Any],
    lang: str,
    timezone: str,
    workspace: str,
    secret: str | None,
    now: dt.datetime,
) -> tuple[str, dict[str, Any]]:
    """The (URL, JSON body) to POST to a chat tool's incoming webhook for one event."""
    title, detail = summary(event, data, lang=lang, timezone=timezone, workspace=workspace)
    link = data.get("url")
    button = _button(event, lang)
    # Always "Doorstep": the keyword a Feishu or DingTalk bot can be told to require.
    footer = f"Doorstep · {neutralise(workspace, 80)}"
    if fmt == "feishu":
        elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "lark_md", "content": detail or title}}]
        if link:
            elements.append({"tag": "action", "actions": [
                {"tag": "button", "text": {"tag": "plain_text", "content": button}, "url": link, "type": "primary"}
            ]})
        elements.append({"tag": "note", "elements": [{"tag": "plain_text", "content": footer}]})
        body: dict[str, Any] = {
            "msg_type": "interactive",
            "card": {
                "config": {"wide_screen_mode": True},
                "header": {"title": {"tag": "plain_text", "content": title},
                           "template": "red" if event in ("case.opened", "case.escalated", "alert.raised") else "blue"},
                "elements": elements,
            },
        }
        if secret:
            ts = int(now.timestamp())
            body = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}
        return url, body
    if fmt == "dingtalk":
        text = f"### {title}\n\n{detail}\n\n{footer}" if detail else f"### {title}\n\n{footer}"
        card: dict[str, Any] = {"title": title, "text": text}
        if link:
            card |= {"btnOrientation": "0", "singleTitle": button, "singleURL": link}
        if secret:
            ms = int(now.timestamp() * 1000)
            url = f"{url}{'&' if '?' in url else '?'}timestamp={ms}&sign={dingtalk_sign(secret, ms)}"
        return url, {"msgtype": "actionCard", "actionCard": card}
    if fmt == "wecom":
        lines = [f"**{title}**"]
        if detail:
            lines.append(f"> {detail}")
        if link:
            lines.append(f"[{button}]({link})")
        lines.append(f'<font color="comment">{footer}</font>')
        return url, {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}
    if fmt == "slack":
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}}]
        if detail:
            # plain_text: Slack applies no markup, mention or link syntax to it.
            blocks.append({"type": "section", "text": {"type": "plain_text", "text": detail, "emoji": False}})
        if link:
            blocks.append({"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": button}, "url": link}
            ]})
        blocks.append({"type": "context", "elements": [{"type": "plain_text", "text": footer, "emoji": False}]})
        fallback = f"{title} — {detail}" if detail else title
        return url, {"text": fallback, "blocks": blocks}
    raise ValueError(f"unknown chat format '{fmt}'")


# Chat error codes that mean "too many messages, try later" (the rest will not pass by retrying).
RATE_LIMITED = {"feishu": {9499, 11232, 11233}, "dingtalk": {130101, 660026}, "wecom": {45009, 45033}}


def chat_error(fmt: str, answer: Any) -> tuple[str, bool] | None:
    """The refusal in a chat tool's HTTP-200 answer, as (message, retry?); None when accepted."""
    if not isinstance(answer, dict):
        return None
    if fmt == "feishu":
        code = answer.get("code", answer.get("StatusCode", 0))
        message = answer.get("msg", answer.get("StatusMessage", ""))
    elif fmt in ("dingtalk", "wecom"):
        code = answer.get("errcode", 0)
        message = answer.get("errmsg", "")
    else:
        return None
    if code in (0, None, "0"):
        return None
    try:
        retry = int(code) in RATE_LIMITED.get(fmt, set())
    except (TypeError, ValueError):
        retry = False
    return f"{fmt} refused the message: code {code}: {str(message)[:300]}", retry
