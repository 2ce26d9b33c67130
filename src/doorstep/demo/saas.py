"""The SaaS workspace: a logistics-software vendor onboarding customers, in Berlin time.

A delivery is one onboarding (contract → adoption) lasting weeks; hand-overs
happen in working hours on working days. Planted problems: poor training for
one product and slow support for the cheapest plan (see `PROBLEMS`).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from zoneinfo import ZoneInfo

from doorstep.demo import phrases_saas
from doorstep.demo.comments import PhraseBank, en_duration_days, zh_duration_days
from doorstep.demo.model import (
    DemoWorkspace,
    InjectedProblem,
    Issue,
    Outcome,
    StageSpec,
    iso,
    weighted,
)
from doorstep.demo.people import Person, chinese_company, english_company
from doorstep.demo.responses import ResponsePlan, build_responses

TIMEZONE = "Europe/Berlin"
DAY = 1440.0
STAGES = [
    StageSpec("contract", "Contract", "签约", 5 * DAY),
    StageSpec("deployment", "Deployment", "部署", 14 * DAY),
    StageSpec("training", "Training", "培训", 5 * DAY),
    StageSpec("go_live", "Go-live", "上线", 7 * DAY),
    StageSpec("adoption", "Adoption", "推广使用", 30 * DAY),
]
TEAMS = {"emea": ("impl-1", "impl-2"), "apac": ("impl-3",), "americas": ("impl-4",)}
ENGINEERS = {
    "impl-1": ("ie-anna", "ie-jonas", "ie-lukas", "ie-sofia"),
    "impl-2": ("ie-marco", "ie-emma", "ie-pieter", "ie-ines"),
    "impl-3": ("ie-chen", "ie-li", "ie-zhou", "ie-wang", "ie-liu"),
    "impl-4": ("ie-james", "ie-maria", "ie-david", "ie-sarah"),
}
PRODUCTS = (("Dispatch Cloud", 0.45), ("Route Planner", 0.35), ("Fleet Insights", 0.2))
PRODUCT_PRICE = {"Dispatch Cloud": 1.0, "Route Planner": 0.7, "Fleet Insights": 0.5}
PLANS = (("starter", 0.45), ("business", 0.38), ("enterprise", 0.17))
PLAN_ARR = {
    "starter": (6_000, 24_000),
    "business": (24_000, 90_000),
    "enterprise": (90_000, 480_000),
}
# How many days a stage may overrun before the customer notices.
PATIENCE_DAYS = {
    "contract": 4.0,
    "deployment": 7.0,
    "training": 3.0,
    "go_live": 5.0,
    "adoption": 12.0,
}

TRAINING_PRODUCT = "Fleet Insights"
SUPPORT_PLAN = "starter"
SUPPORT_WEEKS = 12
PROBLEMS = [
    InjectedProblem(
        "stage",
        "training",
        f"{TRAINING_PRODUCT} training is poor and slow over the whole period: trainers "
        "lack material, sessions run about 1.9× their target and about 40% of the "
        "customers complain about them.",
        {"product": TRAINING_PRODUCT},
    ),
    InjectedProblem(
        "theme",
        "support_response",
        f"Support for the {SUPPORT_PLAN} plan is understaffed during the last "
        f"{SUPPORT_WEEKS} weeks: about half of those customers wait days for an answer "
        "to their tickets.",
        {"plan": SUPPORT_PLAN},
    ),
]


def build(rng: random.Random, *, now: dt.datetime, count: int, days: int) -> DemoWorkspace:
    """The SaaS workspace with `count` onboardings finishing in the last `days` days."""
    tz = ZoneInfo(TIMEZONE)
    engineers = {
        region: [(engineer, team) for team in teams for engineer in ENGINEERS[team]]
        for region, teams in TEAMS.items()
    }
    leads = {
        engineer: f"lead-{region}" for region, pool in engineers.items() for engineer, _ in pool
    }
    accounts = _accounts(rng, max(20, count // 4))
    ends = sorted(now - dt.timedelta(days=rng.uniform(0.0, days)) for _ in range(count))
    deliveries: list[dict[str, str]] = []
    outcomes: list[Outcome] = []
    for number, end in enumerate(ends, start=1):
        account = accounts[int(len(accounts) * rng.random() ** 1.3)]
        row, outcome = _delivery(
            rng, now=now, tz=tz, number=number, end=end, account=account, engineers=engineers
        )
        deliveries.append(row)
        outcomes.append(outcome)
    plan = ResponsePlan(
        bank=PhraseBank(phrases_saas.ZH, phrases_saas.EN, phrases_saas.MIXED, phrases_saas.CLOSERS),
        score_mean=9.0,
        score_sd=1.1,
        base_rate=0.31,
        issue_rate_boost=0.1,
        delay=lambda r, delivered_at: _response_delay(r, delivered_at, tz),
    )
    return DemoWorkspace(
        slug="saas",
        name="Routewise Cloud 路智云",
        timezone=TIMEZONE,
        locale="en",
        stages=list(STAGES),
        leads=leads,
        default_cs_owner="cs-olivia",
        deliveries=deliveries,
        responses=build_responses(
            rng, now=now, tz=tz, deliveries=deliveries, outcomes=outcomes, plan=plan
        ),
        problems=list(PROBLEMS),
    )


def _accounts(rng: random.Random, count: int) -> list[dict[str, str]]:
    """Customer companies, half Chinese, half western, each with one plan and a price level."""
    accounts: list[dict[str, str]] = []
    taken: set[str] = set()  # membership only; never iterated, so order stays seeded
    for index in range(count):
        locale = "zh-CN" if rng.random() < 0.5 else "en"
        make = chinese_company if locale == "zh-CN" else english_company
        company: Person = make(rng)
        for _ in range(20):
            if company.name not in taken:
                break
            company = make(rng)
        name = company.name if company.name not in taken else f"{company.name} ({index + 1})"
        taken.add(name)
        if locale == "zh-CN":
            region = "apac" if rng.random() < 0.85 else "emea"
        else:
            region = weighted(rng, (("emea", 0.55), ("americas", 0.35), ("apac", 0.1)))
        plan = weighted(rng, PLANS)
        low, high = PLAN_ARR[plan]
        accounts.append(
            {
                "customer_id": f"A-{index + 1:04d}",
                "customer_name": name,
                "customer_email": company.email,
                "customer_locale": locale,
                "region": region,
                "plan": plan,
                "arr": str(round(rng.uniform(low, high), -2)),
            }
        )
    return accounts


def _delivery(
    rng: random.Random,
    *,
    now: dt.datetime,
    tz: ZoneInfo,
    number: int,
    end: dt.datetime,
    account: dict[str, str],
    engineers: dict[str, list[tuple[str, str]]],
) -> tuple[dict[str, str], Outcome]:
    region = account["region"]
    engineer, team = rng.choice(engineers[region])
    product = weighted(rng, PRODUCTS)
    slow_training = product == TRAINING_PRODUCT
    stuck = rng.uniform(1.6, 2.5) if rng.random() < 0.08 else 1.0  # a deployment hits a wall
    drag = rng.uniform(1.5, 2.3) if slow_training else 1.0
    days = {
        "contract": _days(rng, 4.0, 0.4),
        "deployment": _days(rng, 12.5, 0.35) * stuck,
        "training": _days(rng, 4.0, 0.3) * drag,
        "go_live": _days(rng, 6.0, 0.3),
        "adoption": _days(rng, 27.0, 0.25),
    }
    # Kick-off is placed so the onboarding ends near `end`; snapping to working hours adds ~3 days.
    start = _working_time(rng, end - dt.timedelta(days=sum(days.values()) + 4.0), tz)
    target_days = sum(stage.target_minutes for stage in STAGES) / DAY
    promised_at = _working_time(rng, start + dt.timedelta(days=target_days), tz)
    row = {
        "external_id": f"S-{number:05d}",
        "customer_id": account["customer_id"],
        "customer_name": account["customer_name"],
        "customer_email": account["customer_email"],
        "customer_locale": account["customer_locale"],
        "owner": engineer,
        "promised_at": iso(promised_at, tz),
        "delivered_at": "",
    }
    moment, overruns = start, {}
    for stage in STAGES:
        previous = moment
        moment = _working_time(rng, moment + dt.timedelta(days=days[stage.key]), tz)
        elapsed = (moment - previous).total_seconds() / 86400
        overruns[stage.key] = elapsed - stage.target_minutes / DAY
        row[f"stage.{stage.key}"] = iso(moment, tz) if moment < now else ""
    done = moment < now
    if done:
        row["delivered_at"] = row[f"stage.{STAGES[-1].key}"]
    arr = round(float(account["arr"]) * PRODUCT_PRICE[product], -2)
    row.update(
        {
            "team": team,
            "region": region,
            "product": product,
            "plan": account["plan"],
            "arr": str(int(arr)),
        }
    )
    outcome = Outcome(
        delivered_at=moment if done else None,
        locale=account["customer_locale"],
        customer_key=account["customer_id"],
        source="email" if rng.random() < 0.85 else "app",
    )
    recent = moment >= now - dt.timedelta(weeks=SUPPORT_WEEKS)
    support_crunch = account["plan"] == SUPPORT_PLAN and recent
    _judge(
        rng,
        outcome,
        late_days=(moment - promised_at).total_seconds() / 86400,
        overruns=overruns,
        slow_training=slow_training,
        support_crunch=support_crunch,
        plan=account["plan"],
    )
    return row, outcome


def _judge(
    rng: random.Random,
    outcome: Outcome,
    *,
    late_days: float,
    overruns: dict[str, float],
    slow_training: bool,
    support_crunch: bool,
    plan: str,
) -> None:
    """What went wrong (issues) and right (praise) in one onboarding."""
    issues = outcome.issues
    worst = max(PATIENCE_DAYS, key=lambda key: overruns[key] - PATIENCE_DAYS[key])
    excess = overruns[worst] - PATIENCE_DAYS[worst]
    if excess > 0:
        issues.append(Issue(f"late_{worst}", worst, min(4.0, 1.5 + excess / 7)))
    if rng.random() < (0.4 if slow_training else 0.03):
        issues.append(Issue("training_poor", "training", 3.5))
    if rng.random() < 0.05:
        issues.append(Issue("documentation", "adoption", 2.0))
    if rng.random() < (0.5 if support_crunch else 0.03):
        issues.append(Issue("support_response", "adoption", 3.5))
    if rng.random() < 0.03:
        issues.append(Issue("stability", "go_live", 4.0))
    if rng.random() < {"starter": 0.07, "business": 0.05, "enterprise": 0.03}[plan]:
        issues.append(Issue("pricing", "contract", 2.0))
    topics = [issue.topic for issue in issues]
    outcome.bonus = 0.3 if late_days <= -3 else 0.0
    outcome.praise = ["pos_general"]
    if late_days <= 0:
        outcome.praise.append("pos_fast")
    if "training_poor" not in topics and "late_training" not in topics:
        outcome.praise.append("pos_training")
    if "support_response" not in topics:
        outcome.praise.append("pos_support")
    slipped = max(1.0, overruns[worst])
    outcome.facts = {
        "zh": {"weeks": zh_duration_days(slipped)},
        "en": {"weeks": en_duration_days(slipped)},
    }


def _days(rng: random.Random, median: float, sigma: float) -> float:
    """Project stages are right-skewed like deliveries: usually near plan, sometimes far over."""
    return median * math.exp(rng.gauss(0.0, sigma))


def _working_time(rng: random.Random, moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """`moment` if it falls in working hours (Mon–Fri 09–18 local), else a morning slot of the
    next working day: hand-overs are meetings and sign-offs, not midnight events."""
    local = moment.astimezone(tz)
    if local.weekday() < 5 and 9 <= local.hour < 18:
        return moment.replace(second=0, microsecond=0)
    day = local.date() if local.hour < 9 else local.date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    slot = dt.datetime(day.year, day.month, day.day, 9, tzinfo=tz)
    return (slot + dt.timedelta(minutes=rng.randint(0, 240))).astimezone(dt.UTC)


def _response_delay(rng: random.Random, delivered_at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """B2B customers answer within days, mostly from their desk."""
    days = min(14.0, max(0.05, 2.0 * math.exp(rng.gauss(0.0, 0.8))))
    answered = delivered_at + dt.timedelta(days=days)
    return (
        _working_time(rng, answered, tz)
        if rng.random() < 0.7
        else answered.replace(second=0, microsecond=0)
    )
