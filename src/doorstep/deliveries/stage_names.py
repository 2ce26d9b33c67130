"""Names for the stages a business brings without naming them: pure data, no I/O.

A journey learned from a CSV's ``stage.<key>`` columns (or from the API's stage events)
has only keys. "picked_up" reads well enough in English once capitalised, but a Chinese
reader would see "Picked up" on every page. The steps of a hand-over are few and much the
same across businesses, so the usual ones get their usual names; any other key keeps its
own text (a key written in Chinese is its own Chinese name), and every name can be
changed with ``doorstep journey set KEY --name … --name-zh …``.
"""

from __future__ import annotations

import re

# key (casefolded, spaces and hyphens as "_") → (English, Chinese)
KNOWN: dict[str, tuple[str, str]] = {
    # ordering and preparing
    "ordered": ("Ordered", "已下单"),
    "order_placed": ("Order placed", "已下单"),
    "placed": ("Placed", "已下单"),
    "paid": ("Paid", "已付款"),
    "confirmed": ("Confirmed", "已确认"),
    "accepted": ("Accepted", "已接单"),
    "prepared": ("Prepared", "出餐"),
    "ready": ("Ready", "已备好"),
    "picked": ("Picked", "已拣货"),
    "packed": ("Packed", "已打包"),
    # handing to the carrier and moving
    "dispatched": ("Dispatched", "已派单"),
    "assigned": ("Assigned", "已分配"),
    "shipped": ("Shipped", "已发货"),
    "collected": ("Collected", "已揽收"),
    "picked_up": ("Picked up", "已取件"),
    "in_transit": ("In transit", "运输中"),
    "sorted": ("Sorted", "已分拣"),
    "at_hub": ("At the hub", "到达中转站"),
    "arrived_at_hub": ("Arrived at the hub", "到达中转站"),
    "customs": ("Customs", "清关"),
    "customs_cleared": ("Customs cleared", "已清关"),
    "out_for_delivery": ("Out for delivery", "派送中"),
    "arrived": ("Arrived", "已到达"),
    "delivered": ("Delivered", "已送达"),
    "received": ("Received", "已签收"),
    "returned": ("Returned", "已退回"),
    # services at the door
    "booked": ("Booked", "已预约"),
    "scheduled": ("Scheduled", "已排期"),
    "visit": ("Visit", "上门"),
    "technician_visit": ("Technician visit", "上门服务"),
    "installed": ("Installed", "已安装"),
    "installation": ("Installation", "安装"),
    "repair": ("Repair", "维修"),
    "repaired": ("Repaired", "已维修"),
    "cleanup": ("Clean-up", "清理"),
    "inspection": ("Inspection", "验收"),
    "activated": ("Activated", "已开通"),
    "invoice": ("Invoice", "开票"),
    "invoiced": ("Invoiced", "已开票"),
    "check_in": ("Check-in", "入住"),
    "check_out": ("Check-out", "退房"),
    # software and projects
    "contract": ("Contract", "签约"),
    "kickoff": ("Kick-off", "启动"),
    "onboarding": ("Onboarding", "入门引导"),
    "deployment": ("Deployment", "部署"),
    "deployed": ("Deployed", "已部署"),
    "configuration": ("Configuration", "配置"),
    "integration": ("Integration", "集成"),
    "migration": ("Migration", "数据迁移"),
    "data_migration": ("Data migration", "数据迁移"),
    "training": ("Training", "培训"),
    "go_live": ("Go-live", "上线"),
    "launch": ("Launch", "上线"),
    "adoption": ("Adoption", "推广使用"),
    "handover": ("Hand-over", "交付"),
    "support": ("Support", "支持"),
    "renewal": ("Renewal", "续约"),
}

# More ways businesses name the usual steps, for :func:`canonical_key` (the names above count
# too, and a Chinese name without its "已": "已送达" → "送达").
MORE_NAMES: dict[str, tuple[str, ...]] = {
    "ordered": ("order", "下单", "订单创建", "创建订单"),
    "accepted": ("商家接单", "接单"),
    "prepared": ("preparing", "备餐", "出餐完成", "制作完成", "备货"),
    "dispatched": ("dispatch", "派单", "调度"),
    "picked_up": ("pickup", "pick_up", "取餐", "骑手取餐", "已取餐", "取货", "已取货"),
    "collected": ("collection", "揽件"),
    "in_transit": ("transit", "运输"),
    "sorted": ("sorting", "分拣"),
    "out_for_delivery": ("配送中", "派送", "派件", "配送"),
    "delivered": ("delivery", "送达", "送到", "妥投"),
    "received": ("签收",),
    "scheduled": ("预约", "排期"),
    "installed": ("install", "安装完成"),
    "activated": ("activation", "开通"),
    "contract": ("signed", "contract_signed", "签约", "合同"),
    "kickoff": ("kick_off", "项目启动"),
    "deployment": ("deploy", "实施"),
    "go_live": ("golive", "live", "上线", "正式上线"),
    "adoption": ("推广", "使用"),
}

_SEPARATORS = re.compile(r"[\s\-]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def default_names(key: str) -> tuple[str, str | None]:
    """(English name, Chinese name or None) for a stage known only by its key."""
    known = KNOWN.get(_fold(key))
    if known is not None:
        return known
    usual = canonical_key(key)
    if _HAN.search(key):
        # "送达": the business named it in Chinese; the English is the usual step's, if it is one.
        return (KNOWN[usual][0] if usual else key), key
    own = key.replace("_", " ").capitalize()
    return own, (KNOWN[usual][1] if usual else None)  # "pickup": its own words, the usual Chinese


def _fold(text: str) -> str:
    return _SEPARATORS.sub("_", text.strip().casefold())


def _canonical_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for key, (en, zh) in KNOWN.items():
        for name in (key, en, zh, zh.removeprefix("已")):
            index.setdefault(_fold(name), key)
    for key, names in MORE_NAMES.items():
        for name in names:
            index.setdefault(_fold(name), key)
    return index


_CANONICAL = _canonical_index()


def canonical_key(key: str) -> str | None:
    """The usual key of a stage a business keyed its own way ("送达", "Delivered", "Go-live" →
    "delivered", "delivered", "go_live"), or None: what the default taxonomy's themes name."""
    return _CANONICAL.get(_fold(key))


def names_of(key: str) -> set[str]:
    """Every way a customer may name the stage keyed ``key``, casefolded: the key itself (with
    spaces for "_"), its usual English and Chinese names, and the other names of its step."""
    names = {key.strip().casefold(), key.strip().casefold().replace("_", " ")}
    en, zh = default_names(key)
    names.update({en.casefold(), (zh or "").removeprefix("已")})
    usual = canonical_key(key)
    if usual is not None:
        known_en, known_zh = KNOWN[usual]
        names.update({known_en.casefold(), known_zh.removeprefix("已")})
        names.update(name.casefold().replace("_", " ") for name in MORE_NAMES.get(usual, ()))
    return {name for name in names if len(name) >= 2}
