"""The scheduler pass, run periodically inside `doorstep serve`.

A daemon thread runs :func:`doorstep.cases.escalation.scheduler_pass` one second
after start-up (so breaches that happened while the server was down are escalated
at once) and then every ``DOORSTEP_SCHEDULER_INTERVAL_SECONDS`` (60 by default;
0 turns it off). Each pass is one write transaction and is idempotent, so several
servers on one PostgreSQL database may all run it. The jobs worker (issue 5) will
take over running it as a scheduled job; ``doorstep cases escalate`` runs one pass
by hand (e.g. from cron when the server runs without it).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from doorstep.cases.escalation import scheduler_pass
from doorstep.db import Database

log = logging.getLogger("doorstep.scheduler")


class PeriodicPass:
    """Run the scheduler pass every ``interval`` seconds until stopped."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime], interval: float,
                 first_delay: float = 1.0) -> None:
        self.db = db
        self.clock = clock
        self.interval = interval
        self.first_delay = first_delay
        self.passes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="doorstep-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the pass in progress, if any (a pass is never cut in the middle)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> dict[str, int]:
        with self.db.write() as session:
            summary = scheduler_pass(session, self.clock())
        self.passes += 1
        if summary["escalated"] or summary["closed_unverified"]:
            log.info("scheduler pass: %s", summary)
        return summary

    def _run(self) -> None:
        delay = self.first_delay
        while not self._stop.wait(delay):
            delay = self.interval
            try:
                self.run_once()
            except Exception:  # keep the loop alive: the next pass retries, and passes are idempotent
                log.exception("scheduler pass failed; retrying in %s s", self.interval)
