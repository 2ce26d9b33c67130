"""Who owns a new case: pure rules over the case's attributes.

A workspace lists rules (``{"when": {"region": "north"}, "queue": "north-cs"}``);
the first whose every attribute matches wins. A rule names a person, or a queue
whose members take turns. Without a match the case goes to the lead of the
delivery's owner, else to the workspace's default CS owner, else to nobody (the
inbox shows it unassigned).

The turn order is durable without a table of its own: the next member is the one
after the owner of the queue's most recent case (the caller reads it under a lock,
so two cases opened at once never get the same turn).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from doorstep.accounts.settings import RoutingRule


@dataclass(frozen=True)
class Route:
    owner: str | None  # a handle, or None when a queue decides
    queue: str | None
    rule: int | None  # 1-based number of the rule that matched, for the timeline


def merged_attributes(*layers: Mapping[str, Any] | None) -> dict[str, str]:
    """Attributes as text, later layers winning (customer < delivery < answer)."""
    merged: dict[str, str] = {}
    for layer in layers:
        for key, value in (layer or {}).items():
            if value is not None:
                merged[str(key)] = str(value)
    return merged


def match(rules: Sequence[RoutingRule], attributes: Mapping[str, str]) -> Route | None:
    """The route of the first rule whose every condition holds, or None."""
    for number, rule in enumerate(rules, start=1):
        if all(attributes.get(key) == value for key, value in rule.when.items()):
            return Route(owner=rule.owner, queue=rule.queue, rule=number)
    return None


def next_in_queue(members: Sequence[str], last: str | None) -> str:
    """Round-robin: the member after ``last`` (the first when ``last`` is not a member)."""
    if not members:
        raise ValueError("a queue needs at least one member")
    if last is None or last not in members:
        return members[0]
    return members[(list(members).index(last) + 1) % len(members)]
