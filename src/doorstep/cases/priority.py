"""Which answers open a case, how urgent it is, and how long its clocks run: pure rules.

Priority is the angriest and the most valuable first: a score of 0–3, a customer
whose value attribute (e.g. ``arr``) reaches the workspace's threshold, or a customer
unhappy for the second time within the repeat window (90 days by default) is
``high``; any other detractor is ``normal``; a case opened for a passive or a
promoter (a negative comment, a blamed stage) is ``low``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from doorstep.cases.sla import BusinessCalendar, add_business_time, parse_hhmm
from doorstep.stats import DETRACTOR_MAX, PROMOTER_MIN

if TYPE_CHECKING:  # only annotations: the CLI reads PRIORITIES without loading pydantic
    from doorstep.accounts.settings import WorkspaceSettings

PRIORITIES = ("high", "normal", "low")
ANGRY_MAX = 3


def opens_case(*, score: int, sentiment_label: str | None, blamed_stage: bool, rules: WorkspaceSettings) -> bool:
    """Detractors always; negative passives and stage blamers when the workspace asks for them."""
    if score <= DETRACTOR_MAX:
        return True
    if rules.case_on_negative_passive and score < PROMOTER_MIN and sentiment_label == "negative":
        return True
    return rules.case_on_blamed_stage and blamed_stage


def parse_value(raw: object) -> float | None:
    """A customer-value attribute as a number: '120000', '120,000', '¥120,000.50'; else None."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        return float(raw)
    text = "".join(ch for ch in str(raw) if ch.isdigit() or ch in ".-")
    try:
        return float(text) if text else None
    except ValueError:
        return None


def priority_for(*, score: int, value: float | None = None, rules: WorkspaceSettings | None = None,
                 repeat: bool = False) -> str:
    """'high', 'normal' or 'low' for one answer (see the module docstring)."""
    valuable = (
        rules is not None and rules.value_threshold is not None and value is not None and value >= rules.value_threshold
    )
    if score <= ANGRY_MAX or valuable or repeat:
        return "high"
    return "normal" if score <= DETRACTOR_MAX else "low"


def sla_for(rules: WorkspaceSettings, priority: str) -> tuple[dt.timedelta, dt.timedelta]:
    """(first contact, resolution) for a priority: its own when configured, else the workspace's."""
    own = rules.sla_by_priority.get(priority)  # type: ignore[call-overload]
    contact = own.first_contact_hours if own and own.first_contact_hours else rules.first_contact_hours
    resolve = own.resolution_hours if own and own.resolution_hours else rules.resolution_hours
    return dt.timedelta(hours=contact), dt.timedelta(hours=resolve)


def calendar_for(rules: WorkspaceSettings, workspace_timezone: str) -> BusinessCalendar | None:
    """The workspace's business calendar, or None when its clocks run around the clock."""
    hours = rules.business_hours
    if hours is None:
        return None
    return BusinessCalendar(
        timezone=hours.timezone or workspace_timezone,
        weekdays=frozenset(d - 1 for d in hours.days),
        start_minute=parse_hhmm(hours.start),
        end_minute=parse_hhmm(hours.end),
        holidays=frozenset(dt.date.fromisoformat(d) for d in hours.holidays),
    )


class Clocks(NamedTuple):
    first_contact_due: dt.datetime
    resolution_due: dt.datetime


def due_times(start: dt.datetime, priority: str, rules: WorkspaceSettings,
              calendar: BusinessCalendar | None) -> Clocks:
    """When a case opened at ``start`` must be contacted and resolved, in business time."""
    contact, resolve = sla_for(rules, priority)
    return Clocks(add_business_time(start, contact, calendar), add_business_time(start, resolve, calendar))
