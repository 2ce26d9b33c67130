"""``pass.statistics``: the planner's statistics of the tables that grow while Doorstep runs,
kept up on PostgreSQL when autovacuum is off or behind (``Database.refresh_stale_statistics``:
only tables that changed by more than autovacuum's own threshold are analysed). A plan made
while a table was nearly empty (a foreign-key check is planned once per connection) is made
again only when its statistics change: without them, every case a live server opened
scanned the whole cases table. Every ten minutes; nothing on SQLite, which plans each
statement afresh.
"""

from __future__ import annotations

import logging

from doorstep.jobs.worker import Handler, JobContext, JobView, ScheduledPass

log = logging.getLogger("doorstep.jobs")

KIND = "pass.statistics"
INTERVAL_SECONDS = 600.0


def run_statistics_pass(ctx: JobContext, job: JobView) -> None:
    from doorstep.models import Base  # every table the product has

    analysed = ctx.db.refresh_stale_statistics([table.name for table in Base.metadata.sorted_tables])
    if analysed:
        log.info("refreshed the statistics of %s", ", ".join(analysed))


HANDLERS: dict[str, Handler] = {KIND: run_statistics_pass}
PASSES = (ScheduledPass(KIND, lambda s: INTERVAL_SECONDS),)
