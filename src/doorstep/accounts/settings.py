"""Per-workspace rules, validated; stored as JSON on the workspace."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Priority = Literal["high", "normal", "low"]


class BusinessHours(BaseModel):
    """When the CS team works; SLA clocks only run inside these hours."""

    model_config = ConfigDict(extra="forbid")

    days: list[int] = Field(default=[1, 2, 3, 4, 5], description="ISO weekdays: 1 = Monday … 7 = Sunday.")
    start: str = Field(default="09:00", description="HH:MM, local time.")
    end: str = Field(default="18:00", description="HH:MM, local time; 24:00 is the end of the day.")
    timezone: str | None = Field(default=None, description="IANA zone; default: the workspace's.")
    # Kept as text: the settings are stored as JSON, which has no dates.
    holidays: list[str] = Field(default=[], description="Dates (YYYY-MM-DD) with no working hours.")

    @model_validator(mode="after")
    def _check(self) -> BusinessHours:
        from doorstep.cases.sla import parse_hhmm  # the clock's own parser: one definition of HH:MM

        if not self.days or any(not 1 <= d <= 7 for d in self.days):
            raise ValueError("business_hours.days are ISO weekdays 1 (Monday) … 7 (Sunday)")
        if parse_hhmm(self.start) >= parse_hhmm(self.end):
            raise ValueError("business_hours.start must be before business_hours.end")
        for day in self.holidays:
            dt.date.fromisoformat(day)  # ValueError names the bad date
        if self.timezone is not None:
            import zoneinfo

            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown timezone '{self.timezone}'") from None
        return self


class PrioritySla(BaseModel):
    """Clocks for one priority; a missing value falls back to the workspace's default."""

    model_config = ConfigDict(extra="forbid")

    first_contact_hours: float | None = Field(default=None, gt=0)
    resolution_hours: float | None = Field(default=None, gt=0)


class RoutingRule(BaseModel):
    """Cases whose delivery (or answer, or customer) has all the ``when`` attributes go to
    ``owner`` or, round-robin, to the members of ``queue``. The first matching rule wins."""

    model_config = ConfigDict(extra="forbid")

    when: dict[str, str] = Field(min_length=1)
    owner: str | None = None
    queue: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> RoutingRule:
        if (self.owner is None) == (self.queue is None):
            raise ValueError("a routing rule names either an owner or a queue")
        return self


class QuietHours(BaseModel):
    """No invitation or reminder reaches a customer between ``start`` and ``end``, in the
    customer's own timezone (the delivery's ``customer_timezone`` attribute, else the
    workspace's). ``start`` after ``end`` spans midnight (21:00 → 08:00)."""

    model_config = ConfigDict(extra="forbid")

    start: str = Field(default="21:00", description="HH:MM, local time.")
    end: str = Field(default="08:00", description="HH:MM, local time.")

    @model_validator(mode="after")
    def _check(self) -> QuietHours:
        from doorstep.cases.sla import parse_hhmm

        if parse_hhmm(self.start) == parse_hhmm(self.end):
            raise ValueError("quiet_hours.start and quiet_hours.end must differ")
        return self


class BriefSchedule(BaseModel):
    """When the weekly brief is made and sent: a weekday and an hour in the workspace's timezone."""

    model_config = ConfigDict(extra="forbid")

    day: int = Field(default=1, ge=1, le=7, description="ISO weekday: 1 = Monday … 7 = Sunday.")
    hour: int = Field(default=8, ge=0, le=23, description="Local hour, 0–23.")


# Settings that hold structures: the CLI's `--set NAME=VALUE` passes them as JSON text.
_JSON_FIELDS = ("business_hours", "sla_by_priority", "routing_rules", "queues", "quiet_hours", "inbound_mapping",
               "alert_segments", "brief_schedule", "brief_recipients")


class WorkspaceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quiet_period_days: int = Field(
        default=30, ge=0, le=365, description="No second invitation to a customer inside this period."
    )
    invitation_expiry_days: int = Field(
        default=14, ge=1, le=365, description="An invitation can be answered for this long."
    )
    first_contact_hours: float = Field(
        default=24, gt=0, description="A detractor's case must be contacted within this."
    )
    resolution_hours: float = Field(default=72, gt=0, description="A detractor's case must be resolved within this.")
    default_cs_owner: str | None = Field(
        default=None,
        description="Handle of the person who owns cases when the delivery owner has no lead.",
    )
    # --- the closed loop (cases) -----------------------------------------------------
    business_hours: BusinessHours | None = Field(
        default=None,
        description='SLA clocks run only in these hours, e.g. {"days":[1,2,3,4,5],"start":"09:00","end":"18:00"}; '
        "none: around the clock.",
    )
    sla_by_priority: dict[Priority, PrioritySla] = Field(
        default={}, description='Clocks per priority, e.g. {"high":{"first_contact_hours":4,"resolution_hours":24}}.'
    )
    routing_rules: list[RoutingRule] = Field(
        default=[], description='First match wins: [{"when":{"region":"north"},"queue":"north-cs"}, …].'
    )
    queues: dict[str, list[str]] = Field(
        default={}, description='Queue name → member handles, served round-robin: {"north-cs":["cs-li","cs-wu"]}.'
    )
    case_on_negative_passive: bool = Field(
        default=False, description="Also open a case for a passive (7–8) whose comment reads negative."
    )
    case_on_blamed_stage: bool = Field(
        default=False, description="Also open a case for any answer that blames a stage."
    )
    value_attribute: str | None = Field(
        default=None, description="Customer-value attribute (e.g. arr); at or above value_threshold → high priority."
    )
    value_threshold: float | None = Field(default=None, description="See value_attribute.")
    repeat_window_days: int = Field(
        default=90, ge=0, le=3650, description="A customer's second detractor within this many days is high priority."
    )
    escalation_contact: str | None = Field(
        default=None, description="Handle notified of a breached clock when the case owner has no lead."
    )
    resurvey_delay_hours: float = Field(
        default=48, ge=0, description="A resolved case's customer is asked again this long after the resolution."
    )
    resurvey_expiry_days: int = Field(
        default=7, ge=1, le=365, description="No re-survey answer within this → the case closes unverified."
    )

    # --- reach: when and how customers are asked (issue 5) ---------------------------
    invitation_delay_minutes: float = Field(
        default=30, ge=0, le=60 * 24 * 30,
        description="Ask this long after the hand-over (food: 30 minutes; SaaS: 1440, a day).",
    )
    quiet_hours: QuietHours | None = Field(
        default=None,
        description='No e-mail to a customer inside these local hours, e.g. {"start":"21:00","end":"08:00"}; '
        "none: any time.",
    )
    sampling_rate: float = Field(
        default=1.0, ge=0, le=1, description="Share of delivered hand-overs whose customer is asked (0–1)."
    )
    reminder_after_days: float = Field(
        default=3, ge=0, le=60, description="One reminder this long after an unanswered invitation; 0: none."
    )
    invitation_channel: Literal["email", "link"] = Field(
        default="email",
        description="email: send invitations by e-mail when the customer has an address and SMTP is set up; "
        "link: never send, the link is handed over some other way (receipt, QR code, SMS tool).",
    )
    inbound_mapping: dict[str, str] = Field(
        default={},
        description="Inbound webhook: delivery column → dotted path in the pushed JSON, e.g. "
        '{"external_id":"order.id","delivered_at":"order.delivered_time","customer_email":"buyer.email"}.',
    )

    # --- alerts between briefs (issue 6): README "Alerts" ------------------------------
    alerts_enabled: bool = Field(default=True, description="Run the alert pass for this workspace.")
    alert_segments: list[str] = Field(
        default=["team", "region"],
        description="Attributes (or owner, language) whose values are watched for an NPS drop, "
        "besides the whole workspace.",
    )
    alert_current_days: int = Field(default=7, ge=1, le=90, description="The window tested: the last N days.")
    alert_baseline_days: int = Field(
        default=28, ge=7, le=365, description="Each subject's baseline: the N days before the current window."
    )
    alert_alpha: float = Field(
        default=0.01, gt=0, le=0.1,
        description="Chance of any false alarm per pass and kind (Holm-corrected over the subjects tested).",
    )
    alert_min_answers: int = Field(
        default=30, ge=10, le=100_000, description="A subject is tested only with this many answers in each window."
    )
    alert_min_drop_points: float = Field(
        default=10, ge=0, le=200, description="An NPS drop smaller than this never alerts, however significant."
    )
    alert_min_mentions: int = Field(
        default=10, ge=3, le=100_000, description="A theme (or stage) surges only with this many mentions now."
    )
    alert_min_surge_ratio: float = Field(
        default=1.5, ge=1, le=100, description="A surge also needs a share at least this many times the baseline's."
    )
    alert_repeat_days: int = Field(
        default=35, ge=1, le=365,
        description="One alert per kind and subject within this many days (a lasting drop alerts once).",
    )

    # --- the executive brief (issue 6) ----------------------------------------------
    brief_schedule: BriefSchedule | None = Field(
        default=None,
        description='Make and send last week\'s brief at this local weekday and hour, e.g. {"day":1,"hour":8}; '
        "none: no scheduled brief.",
    )
    brief_recipients: list[str] = Field(
        default=[], max_length=50, description='E-mail addresses the brief goes to: ["ceo@example.com", …].'
    )
    brief_locale: Literal["en", "zh-CN"] | None = Field(
        default=None, description="Language of the brief (en or zh-CN); default: the workspace's locale."
    )

    @field_validator(*_JSON_FIELDS, mode="before")
    @classmethod
    def _json_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else None
            except ValueError as exc:
                raise ValueError(f"not valid JSON: {exc}") from None
        return value

    @field_validator("brief_recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        out = []
        for address in value:
            address = address.strip()
            local, at, domain = address.rpartition("@")
            if not (at and local and "." in domain) or any(c.isspace() or c in "<>,;\"" for c in address):
                raise ValueError(f"'{address[:80]}' is not an e-mail address")
            out.append(address)
        return list(dict.fromkeys(out))

    @field_validator("alert_segments")
    @classmethod
    def _segment_names(cls, value: list[str]) -> list[str]:
        names = [v.strip() for v in value]
        if len(names) > 20 or any(not n or len(n) > 64 for n in names):
            raise ValueError("alert_segments: at most 20 attribute names of 1–64 characters")
        return list(dict.fromkeys(names))

    @model_validator(mode="after")
    def _queues_exist(self) -> WorkspaceSettings:
        for rule in self.routing_rules:
            if rule.queue is not None and not self.queues.get(rule.queue):
                raise ValueError(f"routing rule names queue '{rule.queue}', which has no members in queues")
        return self
