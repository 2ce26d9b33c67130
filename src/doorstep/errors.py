"""Every error Doorstep raises on purpose, as one tree.

    DoorstepError
    ├── NotFound            a thing that does not exist, or not in your workspace   → 404
    ├── Gone                existed once, no longer usable (expired invitation)      → 410
    ├── Conflict            the state forbids it (already answered, stale update)    → 409
    ├── InvalidInput        bad data, with where it is (line, field)                 → 422
    │   └── ImportFailed    a file with bad rows; carries every row's problem        → 422
    ├── AuthError           missing or wrong credentials                             → 401
    ├── Forbidden           signed in, but the role may not do this                  → 403
    ├── RateLimited         too many requests; carries the seconds to wait           → 429
    └── NotReady            the database is not initialised or not reachable         → 503

Services raise these; only the edges (api/, web/, cli/) turn them into HTTP
status codes or exit codes, each with a message a person can act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DoorstepError(Exception):
    """Base of every deliberate error; ``str(err)`` is safe to show to the user."""

    http_status = 500
    exit_code = 1


class NotFound(DoorstepError):
    http_status = 404
    exit_code = 3


class Gone(DoorstepError):
    http_status = 410
    exit_code = 3


class Conflict(DoorstepError):
    http_status = 409
    exit_code = 4


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place of the input."""

    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "field": self.field, "message": self.message}


def field_path(parts: Sequence[object]) -> str | None:
    """A place in structured input as problems name it: ``deliveries[2].customer_id`` for
    ("deliveries", 2, "customer_id"), ``business_hours.days`` for ("business_hours", "days")."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def in_batch(problem: Problem, key: str, index: int | None) -> Problem:
    """A problem of one item of a posted batch, named by its place: ``responses[2].stage``."""
    if index is None:
        return Problem(problem.message, None, problem.field)
    return Problem(problem.message, None, field_path([key, index, *([problem.field] if problem.field else [])]))


class InvalidInput(DoorstepError):
    http_status = 422
    exit_code = 2

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        self.problem = Problem(message, line, field)
        super().__init__(str(self.problem))


class ImportFailed(InvalidInput):
    """A file (or batch) with bad rows. Nothing of it was written."""

    def __init__(
        self,
        problems: list[Problem],
        *,
        source: str = "input",
        total_problems: int | None = None,
        summary: str | None = None,
    ):
        self.problems = problems
        self.total_problems = total_problems if total_problems is not None else len(problems)
        shown = "\n".join(f"  {p}" for p in problems)
        more = self.total_problems - len(problems)
        tail = f"\n  … and {more} more" if more > 0 else ""
        summary = summary or f"{self.total_problems} bad row(s), nothing was imported"
        DoorstepError.__init__(self, f"{source}: {summary}\n{shown}{tail}")
        self.problem = problems[0] if problems else Problem("bad input")


class AuthError(DoorstepError):
    http_status = 401
    exit_code = 5


class Forbidden(DoorstepError):
    """The caller is known but their role does not allow this (never for another
    workspace's objects: those answer NotFound, so ids cannot be probed)."""

    http_status = 403
    exit_code = 5


class RateLimited(DoorstepError):
    """Too many requests to a public surface (doorstep.web.ratelimit); the answer says
    when to come back (``Retry-After``)."""

    http_status = 429
    exit_code = 7

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(f"too many requests: try again in {self.retry_after} s")


class NotReady(DoorstepError):
    http_status = 503
    exit_code = 6


__all__ = [
    "AuthError",
    "Conflict",
    "DoorstepError",
    "Gone",
    "ImportFailed",
    "InvalidInput",
    "NotFound",
    "NotReady",
    "Problem",
    "RateLimited",
]
