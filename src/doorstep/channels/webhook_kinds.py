"""The events and formats a webhook subscription can have (doorstep.channels.models), in a
module that imports nothing: `doorstep webhooks add --help` lists them without loading the
database layer."""

from __future__ import annotations

# What a subscription can listen to (DESIGN.md, issue 5).
EVENTS = ("response.created", "case.opened", "case.escalated", "case.closed", "brief.published",
          "alert.raised")
# "json": our own signed JSON body; the others: the incoming-webhook format of that chat tool.
FORMATS = ("json", "feishu", "dingtalk", "wecom", "slack")
