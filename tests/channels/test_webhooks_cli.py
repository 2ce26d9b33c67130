"""`doorstep webhooks …` as a user runs it: a real process on a real database.

The one rule above all: no command prints a secret beyond its last four characters,
except the inbound secret at the moment it is created or rotated.
"""

from __future__ import annotations

import json

from tests.cli.test_cli import doorstep

BOT_SECRET = "SEC-dingtalk-bot-secret-abcdefWXYZ"
HOOK = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdeftoken9876"


def test_inbound_secret_is_shown_once_then_only_its_last_four(database_url: str) -> None:
    created = json.loads(doorstep("webhooks", "inbound-secret", "--json", db=database_url).stdout)
    secret = created["secret"]
    assert created["created"] is True and len(secret) >= 40 and created["last4"] == secret[-4:]

    again = doorstep("webhooks", "inbound-secret", db=database_url)
    assert secret not in again.stdout + again.stderr and f"…{secret[-4:]}" in again.stdout

    rotated = doorstep("webhooks", "inbound-secret", "--rotate", db=database_url)
    new = rotated.stdout.strip()
    assert new != secret and len(new) >= 40 and "shown only now" in rotated.stderr
    assert secret not in rotated.stdout


def test_subscriptions_never_show_their_secret_or_full_chat_url(database_url: str) -> None:
    added = doorstep("webhooks", "add", "--url", HOOK, "--format", "dingtalk", "--events",
                     "case.opened,case.escalated", "--secret", BOT_SECRET, "--name", "CS group", db=database_url)
    listed = doorstep("webhooks", "list", db=database_url)
    listed_json = doorstep("webhooks", "list", "--json", db=database_url)
    [sub] = json.loads(listed_json.stdout)["subscriptions"]
    assert (sub["format"], sub["events"], sub["secret_last4"], sub["active"]) == (
        "dingtalk", ["case.opened", "case.escalated"], "…WXYZ", True)
    assert sub["url"] == "https://oapi.dingtalk.com/…9876"

    tested = json.loads(doorstep("webhooks", "test", str(sub["id"]), "--json", db=database_url).stdout)
    assert tested["event_id"].startswith(f"webhook.test:{sub['id']}:")

    for proc in (added, listed, listed_json):
        printed = proc.stdout + proc.stderr
        assert BOT_SECRET not in printed and "0123456789abcdeftoken" not in printed

    bad = doorstep("webhooks", "add", "--url", "ftp://x", "--events", "case.opened", db=database_url, check=False)
    assert bad.returncode == 2 and "http:// or https://" in bad.stderr

    doorstep("webhooks", "remove", str(sub["id"]), db=database_url)
    assert doorstep("webhooks", "remove", str(sub["id"]), db=database_url, check=False).returncode == 3
