"""The jobs page names every job kind in the page's language, its code beside it.

Before, a zh-CN admin read rows of ``invitation.send`` and ``notify.case_escalated``, and
the kind filter was a text box to type a code into; the counts were not grouped by
thousands ("1217") as every other count of the pages is.
"""

from __future__ import annotations

import re

from tests.conftest import login
from tests.web.test_admin_jobs import add

from doorstep.jobs.worker import default_handlers, default_passes
from doorstep.web.admin import kind_name


def test_every_job_kind_has_a_name_in_both_languages() -> None:
    kinds = set(default_handlers()) | {p.kind for p in default_passes()}
    for kind in sorted(kinds):
        en, zh = kind_name("en", kind), kind_name("zh-CN", kind)
        assert en and zh and en != zh, kind
        assert re.search(r"[\u4e00-\u9fff]", zh), kind
    assert kind_name("zh-CN", "made.up") is None


def test_the_page_names_the_kinds_and_groups_the_counts(client, workspace, database, clock) -> None:
    with database.write() as s:
        from doorstep.jobs.services import enqueue

        for i in range(1002):
            enqueue(s, kind="invitation.send", payload={}, run_at=clock.now, workspace_id=workspace.id,
                    dedupe_key=f"k{i}")
    add(database, clock, "made.up", workspace_id=workspace.id, status="dead", error="no handler")
    login(client, database, workspace, "admin")

    zh = client.get("/admin/jobs", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    row = zh[zh.index('data-kind="invitation.send"'):]
    row = row[:row.index("</tr>")]
    assert "发送调查邀请" in row and '<code class="job-kind-code">invitation.send</code>' in row
    assert ">1,002<" in row
    assert re.search(r'data-status="queued">.*?kpi-value">1,002<', zh, re.S)
    # A kind this version has no name for is shown by its code alone.
    assert '<code class="job-kind-code">made.up</code>' in zh
    # The kind filter offers the kinds by name; the chosen one stays selected.
    picked = client.get("/admin/jobs", params={"kind": "invitation.send", "lang": "zh"}).text
    assert '<option value="invitation.send" selected>发送调查邀请</option>' in picked
    assert '<option value="made.up">made.up</option>' in picked
    en = client.get("/admin/jobs", params={"lang": "en"}).text
    assert "Send a survey invitation" in en and "发送调查邀请" not in en
