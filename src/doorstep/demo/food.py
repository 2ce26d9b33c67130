"""The food workspace: a dumpling chain with its own riders, in Beijing time.

Orders cluster at lunch and dinner, kitchens slow down at the peaks, rain slows
riders, and three problems are planted (see `PROBLEMS`) so the insight
features have a known truth to find.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from zoneinfo import ZoneInfo

from doorstep.demo import phrases_food
from doorstep.demo.comments import PhraseBank, en_duration_minutes, zh_duration_minutes
from doorstep.demo.model import (
    DemoWorkspace,
    InjectedProblem,
    Issue,
    Outcome,
    StageSpec,
    iso,
    lognormal_minutes,
    weighted,
)
from doorstep.demo.people import chinese_person, english_person
from doorstep.demo.responses import ResponsePlan, build_responses

TIMEZONE = "Asia/Shanghai"
STAGES = [
    StageSpec("ordered", "Ordered", "已下单", 2.0),
    StageSpec("prepared", "Prepared", "出餐", 15.0),
    StageSpec("dispatched", "Dispatched", "已派单", 5.0),
    StageSpec("picked_up", "Picked up", "骑手取餐", 8.0),
    StageSpec("delivered", "Delivered", "已送达", 20.0),
]
TEAMS = {
    "north": ("team-1", "team-2"),
    "south": ("team-3", "team-4"),
    "east": ("team-5", "team-6"),
    "west": ("team-7", "team-8"),
}
KITCHENS = {
    "north": ("饺子快送·望京店", "饺子快送·北苑店", "饺子快送·亚运村店"),
    "south": ("饺子快送·南站店", "饺子快送·大红门店", "饺子快送·方庄店"),
    "east": ("饺子快送·国贸店", "饺子快送·朝阳门店", "饺子快送·双井店"),
    "west": ("饺子快送·公主坟店", "饺子快送·五棵松店", "饺子快送·中关村店"),
}
RIDERS_PER_TEAM = 12
CHANNELS = (("app", 0.6), ("miniprogram", 0.3), ("phone", 0.1))
# (local minute of day, spread in minutes, share): breakfast, lunch, tea, dinner, late night
MEALS = ((465, 40, 0.05), (720, 45, 0.44), (900, 60, 0.06), (1125, 55, 0.39), (1350, 50, 0.06))

PROMISE_MARGIN = 7.0  # minutes on top of the stage targets

EAST_WEEKS = 8
SPILL_TEAM = "team-3"
SLOW_KITCHEN = "饺子快送·五棵松店"
PROBLEMS = [
    InjectedProblem(
        "stage",
        "delivered",
        f"Riders short in region east: the picked_up → delivered leg takes about twice its time "
        f"during the last {EAST_WEEKS} weeks, so orders arrive late and cold.",
        {"region": "east"},
    ),
    InjectedProblem(
        "theme",
        "spillage",
        f"Riders of {SPILL_TEAM} (south) carry soup badly: about 16% of their orders arrive "
        "spilled over the whole period, against under 1% elsewhere.",
        {"team": SPILL_TEAM},
    ),
    InjectedProblem(
        "stage",
        "prepared",
        f"The {SLOW_KITCHEN} kitchen takes about 1.8× the target to prepare orders "
        "over the whole period.",
        {"restaurant": SLOW_KITCHEN},
    ),
]


def build(rng: random.Random, *, now: dt.datetime, count: int, days: int) -> DemoWorkspace:
    """The food workspace with `count` orders placed in the last `days` days."""
    tz = ZoneInfo(TIMEZONE)
    riders = _riders_by_region()
    leads = {rider: f"lead-{region}" for region, pool in riders.items() for rider, _ in pool}
    customers = [_customer(rng, index) for index in range(max(50, count // 3))]
    orders = sorted(_order_times(rng, now=now, tz=tz, count=count, days=days), key=lambda t: t[0])
    deliveries: list[dict[str, str]] = []
    outcomes: list[Outcome] = []
    for number, (ordered_at, rainy) in enumerate(orders, start=1):
        customer = customers[int(len(customers) * rng.random() ** 1.7)]  # regulars order most
        row, outcome = _delivery(
            rng,
            now=now,
            tz=tz,
            number=number,
            ordered_at=ordered_at,
            rainy=rainy,
            customer=customer,
            riders=riders,
        )
        deliveries.append(row)
        outcomes.append(outcome)
    plan = ResponsePlan(
        bank=PhraseBank(phrases_food.ZH, phrases_food.EN, phrases_food.MIXED, phrases_food.CLOSERS),
        score_mean=8.9,
        score_sd=1.1,
        base_rate=0.31,
        issue_rate_boost=0.1,
        delay=_response_delay,
    )
    return DemoWorkspace(
        slug="food",
        name="Dumpling Express 饺子快送",
        timezone=TIMEZONE,
        locale="zh-CN",
        stages=list(STAGES),
        leads=leads,
        default_cs_owner="cs-mei",
        deliveries=deliveries,
        responses=build_responses(
            rng, now=now, tz=tz, deliveries=deliveries, outcomes=outcomes, plan=plan
        ),
        problems=list(PROBLEMS),
    )


def _riders_by_region() -> dict[str, list[tuple[str, str]]]:
    """Twelve riders per team, numbered across the city: rider-001 … rider-096."""
    pools: dict[str, list[tuple[str, str]]] = {}
    number = 0
    for region, teams in TEAMS.items():
        for team in teams:
            for _ in range(RIDERS_PER_TEAM):
                number += 1
                pools.setdefault(region, []).append((f"rider-{number:03d}", team))
    return pools


def _customer(rng: random.Random, index: int) -> dict[str, str]:
    locale = "zh-CN" if rng.random() < 0.85 else "en"
    person = (
        chinese_person(rng) if locale == "zh-CN" or rng.random() < 0.35 else english_person(rng)
    )
    return {
        "customer_id": f"C-{index + 1:06d}",
        "customer_name": person.name,
        "customer_email": person.email,
        "customer_locale": locale,
        "region": rng.choice(tuple(TEAMS)),
        "channel": weighted(rng, CHANNELS),
    }


def _order_times(
    rng: random.Random, *, now: dt.datetime, tz: ZoneInfo, count: int, days: int
) -> list[tuple[dt.datetime, bool]]:
    """Order moments in the window, by day (weekends and recent weeks busier) and meal peak."""
    today = now.astimezone(tz).date()
    start = now - dt.timedelta(days=days)
    dates = [today - dt.timedelta(days=back) for back in range(days + 1)]
    rainy = [rng.random() < 0.12 for _ in dates]
    weights = [
        (1.2 if day.weekday() >= 5 else 1.0)
        * (1.15 if wet else 1.0)
        * (1.0 + 0.25 * (days - back) / days)
        for back, (day, wet) in enumerate(zip(dates, rainy, strict=True))
    ]
    cumulative = list(itertools.accumulate(weights))
    meals = [meal[:2] for meal in MEALS]
    meal_weights = [meal[2] for meal in MEALS]
    orders: list[tuple[dt.datetime, bool]] = []
    while len(orders) < count:
        back = rng.choices(range(len(dates)), cum_weights=cumulative, k=1)[0]
        centre, spread = rng.choices(meals, weights=meal_weights, k=1)[0]
        minute = round(rng.gauss(centre, spread))
        if not 420 <= minute < 1440:
            continue  # kitchens open 07:00–24:00
        day = dates[back]
        moment = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
        if start <= moment < now - dt.timedelta(minutes=1):
            orders.append((moment.astimezone(dt.UTC), rainy[back]))
    return orders


def _delivery(
    rng: random.Random,
    *,
    now: dt.datetime,
    tz: ZoneInfo,
    number: int,
    ordered_at: dt.datetime,
    rainy: bool,
    customer: dict[str, str],
    riders: dict[str, list[tuple[str, str]]],
) -> tuple[dict[str, str], Outcome]:
    region = customer["region"]
    rider, team = rng.choice(riders[region])
    kitchen = rng.choice(KITCHENS[region])
    channel = customer["channel"] if rng.random() < 0.8 else weighted(rng, CHANNELS)
    local = ordered_at.astimezone(tz)
    clock = local.hour + local.minute / 60
    peak = 11.5 <= clock < 13.0 or 17.75 <= clock < 19.75
    distance = rng.uniform(10.0, 24.0)  # minutes of riding at normal speed
    east_crunch = region == "east" and ordered_at >= now - dt.timedelta(weeks=EAST_WEEKS)
    leg = distance * (1.35 if rainy else 1.0) * (rng.uniform(1.6, 2.6) if east_crunch else 1.0)
    durations = {
        "ordered": lognormal_minutes(rng, 1.5, 0.4),
        "prepared": lognormal_minutes(
            rng, 14.0 * (1.25 if peak else 1.0) * (1.8 if kitchen == SLOW_KITCHEN else 1.0), 0.3
        ),
        "dispatched": lognormal_minutes(rng, 3.5 * (1.5 if peak else 1.0), 0.5),
        "picked_up": lognormal_minutes(rng, 7.0, 0.35),
        "delivered": lognormal_minutes(rng, leg + (5.0 if east_crunch else 0.0), 0.25),
    }
    # The last leg's fair time is the ride, not the average target; the app promises the
    # targets plus a margin, rounded up to five minutes.
    expected = {stage.key: stage.target_minutes for stage in STAGES} | {"delivered": distance}
    promise = sum(expected.values()) + PROMISE_MARGIN
    promised_at = ordered_at + dt.timedelta(minutes=5 * math.ceil(promise / 5))
    row = {
        "external_id": f"F-{number:06d}",
        "customer_id": customer["customer_id"],
        "customer_name": customer["customer_name"],
        "customer_email": customer["customer_email"],
        "customer_locale": customer["customer_locale"],
        "owner": rider,
        "promised_at": iso(promised_at, tz),
        "delivered_at": "",
    }
    moment = ordered_at
    for stage in STAGES:
        moment += dt.timedelta(minutes=durations[stage.key])
        row[f"stage.{stage.key}"] = iso(moment, tz) if moment < now else ""
    done = moment < now
    if done:
        row["delivered_at"] = row[f"stage.{STAGES[-1].key}"]
    row.update({"team": team, "region": region, "channel": channel, "restaurant": kitchen})
    outcome = Outcome(
        delivered_at=moment if done else None,
        locale=customer["customer_locale"],
        customer_key=customer["customer_id"],
        source="email" if channel == "phone" else ("app" if rng.random() < 0.9 else "email"),
    )
    late = (moment - promised_at).total_seconds() / 60
    _judge(
        rng,
        outcome,
        late=late,
        team=team,
        leg=durations["delivered"],
        overruns={key: durations[key] - expected[key] for key in durations},
    )
    wait = round((moment - ordered_at).total_seconds() / 60)
    item = rng.randrange(len(phrases_food.ITEMS_ZH))
    outcome.facts = {
        "zh": {
            "wait": zh_duration_minutes(wait),
            "late": str(max(1, round(late))),
            "item": phrases_food.ITEMS_ZH[item],
        },
        "en": {
            "wait": en_duration_minutes(wait),
            "late": str(max(1, round(late))),
            "item": phrases_food.ITEMS_EN[item],
        },
    }
    return row, outcome


def _judge(
    rng: random.Random,
    outcome: Outcome,
    *,
    late: float,
    team: str,
    leg: int,
    overruns: dict[str, float],
) -> None:
    """What went wrong (issues) and right (praise) for one order."""
    issues = outcome.issues
    if late > 5:
        worst = max(("prepared", "dispatched", "picked_up", "delivered"), key=overruns.__getitem__)
        worst = worst if overruns[worst] > 0 else "delivered"
        issues.append(Issue(f"late_{worst}", worst, min(6.0, 0.5 + late / 8)))
    if rng.random() < min(0.55, 0.015 + 0.02 * max(0.0, late) + (0.15 if leg > 35 else 0.0)):
        issues.append(Issue("cold", "delivered", 2.5))
    if rng.random() < (0.16 if team == SPILL_TEAM else 0.008):
        issues.append(Issue("spillage", "delivered", 3.5))
    if rng.random() < 0.02:
        issues.append(Issue("packaging", "prepared", 1.5))
    if rng.random() < 0.025:
        issues.append(Issue("missing_items", "prepared", 3.0))
    if rng.random() < 0.012:
        issues.append(Issue("courier_manner", "delivered", 3.5))
    outcome.bonus = 0.4 if late <= -8 else 0.0
    outcome.praise = ["pos_general", "pos_courier"]
    if late <= 0:
        outcome.praise.append("pos_fast")
    if not any(issue.topic in ("cold", "spillage") for issue in issues):
        outcome.praise.append("pos_hot")


def _response_delay(rng: random.Random, delivered_at: dt.datetime) -> dt.datetime:
    """Food customers answer within hours, most within half an hour of eating."""
    minutes = min(600.0, max(2.0, 25.0 * math.exp(rng.gauss(0.0, 0.9))))
    return delivered_at + dt.timedelta(minutes=round(minutes))
