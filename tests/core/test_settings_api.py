"""GET/PATCH /api/v1/settings and `doorstep workspace settings --set`: the workspace's rules,
changed as a merge patch (null: back to the default), checked together, all or nothing, and
audited by the names of the rules changed, whichever edge changed them."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from conftest import make_workspace
from doorstep.accounts.models import User
from doorstep.cli.main import app as cli


def patch(client, workspace, body):  # type: ignore[no-untyped-def]
    return client.patch("/api/v1/settings", json=body, headers=workspace.headers)


def settings_changes(client, workspace) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    r = client.get("/api/v1/audit", params={"action": "settings_changed"}, headers=workspace.headers)
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def test_a_patch_changes_only_what_it_names_and_is_audited_by_name(client, workspace) -> None:
    shown = client.get("/api/v1/settings", headers=workspace.headers).json()
    assert shown["quiet_period_days"] == 30 and shown["sampling_rate"] == 1.0 and shown["routing_rules"] == []

    r = patch(client, workspace, {"quiet_period_days": 14, "sampling_rate": 0.5,
                                  "brief_recipients": ["ceo@example.com"]})
    assert r.status_code == 200, r.text
    now = r.json()
    assert (now["quiet_period_days"], now["sampling_rate"], now["first_contact_hours"]) == (14, 0.5, 24)
    assert client.get("/api/v1/settings", headers=workspace.headers).json() == now
    [entry] = settings_changes(client, workspace)
    assert entry["actor_kind"] == "key"
    assert entry["details"] == {"fields": ["brief_recipients", "quiet_period_days", "sampling_rate"]}
    assert "ceo@example.com" not in str(entry)  # names, not values: recipients are people

    assert patch(client, workspace, {"quiet_period_days": 14}).status_code == 200  # no change, no entry
    assert len(settings_changes(client, workspace)) == 1
    r = patch(client, workspace, {"quiet_period_days": None})  # null: back to the default
    assert r.status_code == 200 and r.json()["quiet_period_days"] == 30 and r.json()["sampling_rate"] == 0.5
    assert settings_changes(client, workspace)[0]["details"] == {"fields": ["quiet_period_days"]}


def test_a_refused_value_names_its_rule_and_changes_nothing(client, workspace) -> None:
    before = client.get("/api/v1/settings", headers=workspace.headers).json()
    refused = [
        {"quiet_period_days": 400},
        {"sampling_rate": 2},
        {"no_such_rule": 1},
        {"business_hours": {"days": [8], "start": "09:00", "end": "18:00"}},
        {"routing_rules": [{"when": {"region": "north"}, "owner": "li", "queue": "north-cs"}]},
        {"quiet_period_days": 7, "invitation_channel": "carrier-pigeon"},
    ]
    for body in refused:
        r = patch(client, workspace, body)
        assert r.status_code == 422, (body, r.text)
    # Checked by the rules themselves (not by the shape): named in our error body.
    r = patch(client, workspace, {"sampling_rate": 0.2, "brief_recipients": ["ceo@example.com", "not an address"]})
    assert r.status_code == 422, r.text
    [problem] = r.json()["error"]["problems"]
    assert problem["field"] == "brief_recipients" and "not an address" in problem["message"], problem
    assert client.get("/api/v1/settings", headers=workspace.headers).json() == before
    assert settings_changes(client, workspace) == []


def test_a_default_cs_owner_who_does_not_exist_yet_is_created(client, workspace, database) -> None:
    r = patch(client, workspace, {"default_cs_owner": "cs-new"})
    assert r.status_code == 200, r.text
    with database.read() as s:
        assert s.scalar(select(User.role).where(User.handle == "cs-new", User.workspace_id == workspace.id)) == "cs"


def test_one_workspaces_change_leaves_the_other_alone(client, workspace, database) -> None:
    other = make_workspace(database, "other")
    assert patch(client, workspace, {"quiet_period_days": 3}).status_code == 200
    assert client.get("/api/v1/settings", headers=other.headers).json()["quiet_period_days"] == 30
    assert settings_changes(client, other) == []


def test_the_command_line_change_is_audited_too(client, workspace, database_url) -> None:
    done = CliRunner().invoke(cli, ["--db", database_url, "--workspace", workspace.slug, "workspace", "settings",
                                    "--set", "reminder_after_days=0", "--set", "quiet_period_days="])
    assert done.exit_code == 0, (done.stdout, done.stderr)
    [entry] = settings_changes(client, workspace)
    assert entry["actor_kind"] == "cli" and entry["details"] == {"fields": ["reminder_after_days"]}
    bad = CliRunner().invoke(cli, ["--db", database_url, "--workspace", workspace.slug, "workspace", "settings",
                                   "--set", "quiet_period_days=-1"])
    assert bad.exit_code == 2 and "quiet_period_days" in bad.stderr
