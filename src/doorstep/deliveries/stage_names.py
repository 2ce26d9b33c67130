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

_SEPARATORS = re.compile(r"[\s\-]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def default_names(key: str) -> tuple[str, str | None]:
    """(English name, Chinese name or None) for a stage known only by its key."""
    known = KNOWN.get(_SEPARATORS.sub("_", key.strip().casefold()))
    if known is not None:
        return known
    if _HAN.search(key):
        return key, key  # "出库": the business named it in Chinese
    return key.replace("_", " ").capitalize(), None
