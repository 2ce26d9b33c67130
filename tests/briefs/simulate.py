"""Simulated workspaces for the alert tests: weeks of answers drawn from fixed per-team
score distributions (seeded), written with bulk Core inserts so a test builds tens of
thousands of answers in well under a second.

Each team answers ``per_day`` times a day, spread over the day; a team's deliveries
carry its team and a region. ``mix(team, at)`` gives the score distribution of an
answer (so a test injects a drop by changing it after some instant), ``themes(at)`` the
chance that a commented answer mentions each theme.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select

from doorstep.accounts.models import Workspace
from doorstep.db import Database
from doorstep.deliveries.models import Customer, Delivery, Journey
from doorstep.insight.models import ResponseTheme
from doorstep.surveys.models import Response


@dataclass(frozen=True)
class Mix:
    """A score distribution: shares of promoters and detractors (passives are the rest)."""

    promoters: float
    detractors: float

    @property
    def nps(self) -> float:
        return 100 * (self.promoters - self.detractors)

    def draw(self, rng: random.Random) -> int:
        u = rng.random()
        if u < self.promoters:
            return rng.choice((9, 10))
        if u < self.promoters + self.detractors:
            return rng.randint(0, 6)
        return rng.choice((7, 8))


def stable_mixes(rng: random.Random, teams: list[str]) -> dict[str, Mix]:
    """Each team its own fixed distribution: NPS between about 10 and 50."""
    return {t: Mix(round(rng.uniform(0.40, 0.60), 3), round(rng.uniform(0.10, 0.30), 3)) for t in teams}


DEFAULT_THEMES = {"timeliness": 0.20, "food_quality": 0.10, "courier": 0.06, "packaging": 0.04}


def populate(
    database: Database,
    workspace_id: int,
    *,
    rng: random.Random,
    start: dt.datetime,
    end: dt.datetime,
    per_day: dict[str, int],
    regions: dict[str, str],
    mix: Callable[[str, dt.datetime], Mix],
    themes: Callable[[dt.datetime], dict[str, float]] = lambda at: DEFAULT_THEMES,
    comment_rate: float = 0.4,
    tag: str = "",
) -> int:
    """Answers from ``start`` to ``end`` for every team of ``per_day``; returns how many."""
    with database.write() as session:
        journey_id = session.scalar(select(Journey.id).where(Journey.workspace_id == workspace_id))
        customer_id = session.scalar(
            insert(Customer).returning(Customer.id),
            [{"workspace_id": workspace_id, "external_id": f"sim{tag}"}],
        )
        delivery_of: dict[str, int] = {}
        for team in per_day:
            delivery_of[team] = session.scalar(
                insert(Delivery).returning(Delivery.id),
                [{"workspace_id": workspace_id, "journey_id": journey_id, "external_id": f"sim{tag}-{team}",
                  "customer_id": customer_id, "status": "delivered",
                  "attributes": {"team": team, "region": regions[team]}}],
            )
        rows: list[dict[str, object]] = []
        mentions: list[list[str]] = []
        day = start
        while day < end:
            for team, count in per_day.items():
                for _ in range(count):
                    at = day + dt.timedelta(seconds=rng.uniform(0, 86_400))
                    if at >= end:
                        continue
                    score = mix(team, at).draw(rng)
                    commented = rng.random() < comment_rate
                    found = [k for k, p in themes(at).items() if rng.random() < p] if commented else []
                    rows.append({
                        "workspace_id": workspace_id, "delivery_id": delivery_of[team], "customer_id": customer_id,
                        "source_key": f"sim{tag}:{len(rows)}", "kind": "nps", "score": score,
                        "comment": "…" if commented else None, "themes": found, "attributes": {},
                        "responded_at": at,
                    })
                    mentions.append(found)
            day += dt.timedelta(days=1)
        # Plain executemany, then the ids by source key: INSERT … RETURNING in bulk trips the
        # NUL check of db.py on SQLite (it is handed one row's tuple with executemany=True).
        # The Core tables, not the ORM classes: the ORM's bulk path costs more than the inserts.
        session.connection().execute(insert(Response.__table__), rows)
        id_of: dict[str, int] = dict(session.execute(select(Response.source_key, Response.id).where(
            Response.workspace_id == workspace_id, Response.source_key.like(f"sim{tag}:%"))).all())
        theme_rows = [
            {"response_id": id_of[str(row["source_key"])], "theme": theme, "workspace_id": workspace_id,
             "responded_at": row["responded_at"], "score": row["score"]}
            for row, found in zip(rows, mentions, strict=True)
            for theme in found
        ]
        if theme_rows:
            session.connection().execute(insert(ResponseTheme.__table__), theme_rows)
        return len(rows)


def workspace_row(database: Database, slug: str) -> int:
    with database.read() as session:
        return int(session.scalar(select(Workspace.id).where(Workspace.slug == slug)) or 0)
