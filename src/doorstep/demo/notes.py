"""The frontline's notes in the demo: riders (in Chinese) and engineers and CSMs (mostly English).

Most notes are about the planted problems (see ``PROBLEMS`` in food.py and saas.py), as
the people who see them every day would put them, written by someone from the segment
where the problem lives and tied to one of its deliveries; a few are noise. They go
through :func:`doorstep.frontline.services.create_note`, so they are analysed like a
customer's comment, then get votes from colleagues and, for some, a status and a reply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from doorstep.accounts.models import User, Workspace
from doorstep.demo.model import DemoWorkspace
from doorstep.frontline.models import NoteVote
from doorstep.frontline.services import create_note, set_status


@dataclass(frozen=True)
class NoteSpec:
    text: str
    stage: str | None
    segment: dict[str, str]  # the author and delivery come from a delivery of this segment
    days_ago: float
    votes: int
    status: str = "new"
    reply: str | None = None


FOOD = [
    NoteSpec("东区这两个月骑手明显不够，高峰期一个人要背十几单，送到客户手上饭都凉了。", "delivered",
             {"region": "east"}, 12, 14, "acting", "已从西区临时调配 6 名骑手，下周起东区高峰加派。"),
    NoteSpec("国贸那边午高峰订单太多，东区跑一单要绕很远，经常超时，客户打电话催。", "delivered",
             {"region": "east"}, 5, 9, "heard"),
    NoteSpec("东区晚高峰经常一个人同时送五六单，最后几单肯定迟到，客户很生气。", "delivered",
             {"region": "east"}, 20, 6),
    NoteSpec("我们三队的餐箱没有固定汤碗的隔板，汤一路上都会洒出来。", "delivered",
             {"team": "team-3"}, 9, 11, "acting", "已采购带固定架的新餐箱，本周配发三队。"),
    NoteSpec("南站店打包的汤盖子经常没扣紧，骑车一颠就洒了，客户投诉汤洒了一袋子。", "delivered",
             {"team": "team-3"}, 16, 7),
    NoteSpec("五棵松店出餐太慢了，高峰期在店里等二十多分钟才拿到餐，后面的单全被耽误。", "prepared",
             {"restaurant": "饺子快送·五棵松店"}, 8, 12, "heard", "已约店长沟通，增加高峰期后厨人手。"),
    NoteSpec("五棵松店取餐要排队，出餐慢导致我们送餐晚。", "prepared",
             {"restaurant": "饺子快送·五棵松店"}, 25, 5),
    NoteSpec("有些小区门禁不让骑手进，只能让客户下楼取，客户不太高兴。", "delivered", {"region": "north"}, 14, 3),
    NoteSpec("APP 上的地址定位有时不准，找楼要花好几分钟。", None, {"region": "west"}, 6, 2),
    NoteSpec("今天雨很大，大家注意安全。", None, {"region": "south"}, 2, 1, "done", "收到，雨天订单已放宽承诺时间。"),
    NoteSpec("北区最近挺顺的，出餐快，客户评价也好。", None, {"region": "north"}, 4, 1),
]

SAAS = [
    NoteSpec("Fleet Insights training material is outdated: trainers improvise and sessions run twice as long "
             "as planned. Customers leave confused.", "training", {"product": "Fleet Insights"}, 40, 10, "acting",
             "New training deck and a certified trainer for Fleet Insights from next month."),
    NoteSpec("Our Fleet Insights trainers have no sandbox data, so the training is mostly slides. Customers ask "
             "for hands-on practice.", "training", {"product": "Fleet Insights"}, 12, 6, "heard"),
    NoteSpec("Fleet Insights 的培训太仓促了，客户培训完还是不会用，上线后一直来问基础问题。", "training",
             {"product": "Fleet Insights"}, 33, 4),
    NoteSpec("Starter plan tickets wait three to four days for a first answer: support is understaffed and the "
             "queue keeps growing.", "adoption", {"plan": "starter"}, 35, 13, "acting",
             "Two more support engineers join the starter queue on Monday."),
    NoteSpec("Starter customers escalate through their sales rep because support never answers the ticket.",
             "adoption", {"plan": "starter"}, 6, 8),
    NoteSpec("入门版客户的工单没人回复，客服人手明显不够，客户已经在说要不续约了。", "adoption",
             {"plan": "starter"}, 45, 5),
    NoteSpec("Deployment checklists differ between regions; a shared one would save a day per project.",
             "deployment", {}, 20, 3),
    NoteSpec("Customers love the new route dashboard.", None, {}, 3, 2, "done", "Thanks, passed on to product."),
]

NOTES = {"food": FOOD, "saas": SAAS}


def _delivery_for(spec: DemoWorkspace, segment: dict[str, str], before: dt.datetime) -> dict[str, str] | None:
    """The latest delivery of the segment finished before the note was written."""
    best: tuple[str, dict[str, str]] | None = None
    for row in spec.deliveries:
        if not row.get("owner") or any(row.get(k) != v for k, v in segment.items()):
            continue
        when = row.get("delivered_at") or ""
        if when and dt.datetime.fromisoformat(when) < before and (best is None or when > best[0]):
            best = (when, row)
    return best[1] if best else None


def add_notes(session: Session, workspace: Workspace, spec: DemoWorkspace, *, now: dt.datetime) -> int:
    """Write the workspace's demo notes; returns how many."""
    users = dict(session.execute(select(User.handle, User.id).where(User.workspace_id == workspace.id)).all())
    colleagues = sorted(uid for handle, uid in users.items() if not handle.startswith(("cs-", "lead-")))
    lead = users.get(spec.default_cs_owner)
    count = 0
    for i, note_spec in enumerate(NOTES.get(spec.slug, [])):
        written = now - dt.timedelta(days=note_spec.days_ago, hours=i)
        row = _delivery_for(spec, note_spec.segment, written)
        author = users.get(row["owner"]) if row else None
        note = create_note(
            session=session, workspace=workspace, text=note_spec.text, stage_key=note_spec.stage,
            delivery_external_id=row["external_id"] if row else None, author_id=author, now=written,
        )
        voters = [uid for uid in colleagues if uid != author][: note_spec.votes]
        if voters:
            session.execute(insert(NoteVote), [
                {"note_id": note.id, "user_id": uid, "created_at": written + dt.timedelta(hours=k + 1)}
                for k, uid in enumerate(voters)
            ])
        note.votes = len(voters)
        if note_spec.status != "new":
            set_status(session=session, note=note, status=note_spec.status, reply=note_spec.reply, by_user_id=lead,
                       now=written + dt.timedelta(days=1))
        count += 1
    session.flush()
    return count
