"""What the system writes on a case's timeline, as a message id with parameters.

``case_events.note`` keeps the English sentence, as it always did (the API returns
it and outside tools read it). Beside it, ``note_key`` and ``note_params`` keep the
same note as a message id and its values, so a page can say it in its reader's
language (the Chinese texts are in the web catalogue, ``doorstep.web.i18n``, as
``note.<id>``). Both come from one :class:`Message`, so they cannot disagree.

A parameter is one of:

- a plain value (a handle, a queue's name, a score): shown as it is, never
  translated, escaped by the page like any user text;
- another :class:`Message` (a status, a priority, a routing reason), said in the
  reader's language too;
- a list of messages, joined by the language's ``separator``;
- a :class:`Moment` (a time), which each reader sees in the workspace's time zone.

Notes written by people are plain text and never get a message id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

# Message id → English template (str.format names). The English is what ``note`` stores,
# word for word as before these ids existed: changing one changes what the API returns.
ENGLISH: dict[str, str] = {
    "separator": "; ",
    # Opening a case (doorstep.cases.intake): who owns it and why, and how urgent.
    "opened": "{why}; priority {priority}",
    "opened_because": "{why}; priority {priority} ({reasons})",
    "route.rule_queue": "rule {rule}: queue {queue}, turn of {handle}",
    "route.rule_owner": "rule {rule}: owner {owner}",
    "route.lead": "owner: the lead of the delivery's owner",
    "route.default": "owner: the default CS owner",
    "route.none": "no owner: no rule, lead or default CS owner",
    "reason.score": "score {score}",
    "reason.value": "{attribute} {value} ≥ {threshold}",
    "reason.repeat": "unhappy again within {days} days",
    "priority.high": "high",
    "priority.normal": "normal",
    "priority.low": "low",
    # Escalation (doorstep.cases.escalation).
    "escalated": "{clock} was due {due}; escalated to {notified}",
    "escalated.nobody": "nobody (no lead, no escalation contact)",
    "clock.first_contact": "first contact",
    "clock.resolution": "resolution",
    # The re-survey (doorstep.cases.verify).
    "resurvey.answered_while": "re-survey answered {score} while the case was {status}",
    "resurvey.score": "re-survey score {score}",
    "resurvey.unhappy_again": "unhappy again after the fix (re-survey score {score})",
    "resurvey.expired": "no re-survey answer before it expired",
    "status.open": "open",
    "status.contacted": "contacted",
    "status.resolved": "resolved",
    "status.verified": "verified",
    "status.closed_unverified": "closed_unverified",
    "status.reopened": "reopened",
    # Reassignment (doorstep.cases.services.assign_case); ``note`` is the person's own words.
    "assigned": "{previous} → {owner}",
    "assigned.queue": "{previous} → {owner} (queue {queue})",
    "assigned.nobody": "nobody",
    "with_note": "{text}: {note}",
}


@dataclass(frozen=True)
class Moment:
    """A time in a note: stored as ISO 8601 (as the English note always showed it)."""

    iso: str

    @classmethod
    def of(cls, moment: dt.datetime) -> Moment:
        return cls(moment.isoformat())


Param: TypeAlias = "str | int | float | Message | Moment | Sequence[Message]"


@dataclass(frozen=True)
class Message:
    """One system note: ``key`` in :data:`ENGLISH`, with its parameters."""

    key: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key not in ENGLISH:  # a typo must fail where the note is written, not on a page
            raise KeyError(f"no system note {self.key!r}")

    def english(self) -> str:
        """The sentence stored in ``case_events.note``."""
        return render(self.key, self.to_params(), say_english)

    def to_params(self) -> dict[str, Any]:
        """The parameters as JSON (``case_events.note_params``)."""
        return {name: _encode(value) for name, value in self.params.items()}


def note_columns(note: str | Message | None) -> dict[str, Any]:
    """The note columns of a ``case_events`` row: a person's text as it is; a system note
    as its English text and, for pages in other languages, its message id and values."""
    if isinstance(note, Message):
        return {"note": note.english(), "note_key": note.key, "note_params": note.to_params()}
    return {"note": note, "note_key": None, "note_params": None}


def _encode(value: Param) -> Any:
    if isinstance(value, Message):
        return {"key": value.key, "params": value.to_params()}
    if isinstance(value, Moment):
        return {"at": value.iso}
    if isinstance(value, str | int | float):
        return value
    return [_encode(item) for item in value]


def say_english(key: str, **values: Any) -> str:
    return ENGLISH[key].format(**values)


def render(key: str, params: Mapping[str, Any], say: Callable[..., str],
           moment: Callable[[str], str] = str) -> str:
    """The note ``key`` with its JSON ``params`` (as stored in ``note_params``), in the
    language of ``say`` (message id, values → text); times shown by ``moment`` (ISO → text).
    Unknown ids and missing values raise KeyError."""

    def value(param: Any) -> Any:
        if isinstance(param, dict) and "key" in param:
            return render(param["key"], param.get("params") or {}, say, moment)
        if isinstance(param, dict) and "at" in param:
            return moment(param["at"])
        if isinstance(param, list):
            return say("separator").join(str(value(item)) for item in param)
        return param

    return say(key, **{name: value(param) for name, param in params.items()})
