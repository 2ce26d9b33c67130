"""Briefs in the browser and over the API: stored ones as they were, a preview before any,
the CLI's formats and list; exec may read, frontline may not."""

from __future__ import annotations

import json

from tests.briefs.seed import seed
from tests.conftest import login

from doorstep.accounts.services import get_workspace
from doorstep.briefs.services import choose_period, make_brief, publish_brief
from doorstep.cli.main import app as cli_app

BASE = "http://testserver"


def test_pages_show_the_stored_brief_and_a_preview_before_any(client, database, workspace, clock) -> None:
    seed(database, "default", clock())
    login(client, database, workspace, "exec")
    preview_page = client.get("/brief/week")
    assert preview_page.status_code == 200 and "Where we lose points" in preview_page.text
    assert preview_page.headers["cache-control"] == "no-store"
    assert "no brief has been published" in client.get("/briefs").text.lower()

    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        brief, _ = make_brief(session=s, workspace=ws, period=choose_period(ws, "week", now=clock()), now=clock(),
                              base_url=BASE)
        publish_brief(session=s, workspace=ws, brief=brief, now=clock(), base_url=BASE)
        brief_id, html = brief.id, brief.html
    assert client.get("/brief/week").text == html
    assert client.get(f"/briefs/{brief_id}").text == html
    listing = client.get("/briefs")
    assert f'href="/briefs/{brief_id}?lang=en"' in listing.text and "Weekly brief" in listing.text
    assert 'href="/briefs?lang=en"' in listing.text  # in the top bar, for exec too
    low, high = brief.content["nps"]["ci95"]
    assert f"95%: {low:+.1f} … {high:+.1f}" in listing.text  # an NPS is never shown without its interval
    assert "Times are in " in listing.text  # the publication time is the workspace's local time, said so
    assert client.get("/briefs/999999").status_code == 404
    assert client.get("/brief/fortnight").status_code == 404

    api = client.get("/api/v1/briefs").json()
    assert api["total"] == 1 and api["briefs"][0]["id"] == brief_id and api["briefs"][0]["responses"] == 30
    one = client.get(f"/api/v1/briefs/{brief_id}").json()
    assert one["content"]["schema_version"] == 1 and one["content"]["nps"]["responses"] == 30
    assert one["published_at"] is not None


def test_frontline_may_not_read_briefs(client, database, workspace) -> None:
    login(client, database, workspace, "frontline")
    assert client.get("/api/v1/briefs").status_code == 403
    assert client.get("/briefs").status_code == 403


def test_the_cli_writes_each_format_and_lists_what_it_published(database_url, database, workspace, clock,
                                                                tmp_path) -> None:
    from typer.testing import CliRunner

    seed(database, "default", clock())
    runner = CliRunner()
    out = tmp_path / "brief.html"
    # The seeded week is 23 Feb – 1 Mar 2026; --at picks it whatever today is.
    done = runner.invoke(cli_app, ["--db", database_url, "brief", "--at", "2026-02-25", "--out", str(out)])
    assert done.exit_code == 0, done.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "23 Feb – 1 Mar 2026" in page and "<script" not in page.lower()
    as_json = runner.invoke(cli_app, ["--db", database_url, "brief", "--at", "2026-02-25", "--format", "json"])
    content = json.loads(as_json.stdout)
    assert content["period"]["start"] == "2026-02-23" and content["nps"]["responses"] == 30
    md = runner.invoke(cli_app, ["--db", database_url, "brief", "--at", "2026-02-25", "--format", "md"]).stdout
    assert md.startswith("# ") and "## Where we lose points" in md
    running = runner.invoke(cli_app, ["--db", database_url, "brief", "--at", "2099-01-01", "--publish"])
    assert running.exit_code == 2 and "has not ended yet" in running.output
    bad = runner.invoke(cli_app, ["--db", database_url, "brief", "--period", "year"])
    assert bad.exit_code != 0 and "period must be one of week, month" in bad.output

    listed = runner.invoke(cli_app, ["--db", database_url, "briefs", "list", "--json"])
    assert json.loads(listed.stdout) == {"total": 0, "briefs": []}
    published = runner.invoke(cli_app, ["--db", database_url, "brief", "--at", "2026-02-25", "--publish",
                                        "--format", "json"])
    assert published.exit_code == 0, published.output
    again = runner.invoke(cli_app, ["--db", database_url, "brief", "--at", "2026-02-25", "--publish",
                                    "--format", "json"])
    assert "already published" in again.output
    [stored] = json.loads(runner.invoke(cli_app, ["--db", database_url, "briefs", "list", "--json"]).stdout)["briefs"]
    assert stored["period_start"] == "2026-02-23" and stored["published_at"] is not None
