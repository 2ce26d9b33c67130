"""The brief on a business that is not the demo: the parcel carrier of
tests/insight/test_drivers_parcels.py (a slow north hub, one van team that damages parcels).

Its customers complain of lateness in words that name no step ("stuck at the depot", "晚了好几天");
the brief must put those complaints, and their quotes, under the hub's stage where their
answers were attributed, not under the doorstep that the timeliness theme falls back to. And
two customers who wrote the same words are quoted once.
"""

import json
from pathlib import Path

from tests.insight.test_drivers_parcels import loaded


def test_lateness_in_words_is_briefed_under_the_stage_that_was_late(database_url: str, tmp_path: Path) -> None:
    run = loaded(database_url, tmp_path)

    brief = json.loads(run("brief", "--period", "month", "--at", "2026-01-20", "--format", "json"))
    groups = {g["stage"]["key"] if g["stage"] else None: g for g in brief["groups"]}
    assert "sorted" in groups, list(groups)
    assert "timeliness" in [t["key"] for t in groups["sorted"]["themes"]]
    assert "timeliness" not in [t["key"] for t in groups.get("delivered", {"themes": []})["themes"]]
    assert "packaging" in [t["key"] for g in groups.values() for t in g["themes"] if g is not groups["sorted"]]
    for group in brief["groups"]:
        quoted = [" ".join(v["comment"].split()).casefold() for v in group["verbatims"]]
        assert len(quoted) == len(set(quoted)), quoted
    hub_words = " ".join(v["comment"] for v in groups["sorted"]["verbatims"])
    assert any(word in hub_words for word in ("depot", "sorting", "分拣", "中转", "late", "晚", "Delayed")), hub_words
