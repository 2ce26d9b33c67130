"""The one shape every ingest path (CSV, JSON API, webhook, demo) is reduced to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# The DESIGN.md CSV contract. Any other column is an attribute (or, for deliveries, stage.<key>).
DELIVERY_COLUMNS = (
    "external_id",
    "customer_id",
    "customer_name",
    "customer_email",
    "customer_locale",
    "owner",
    "promised_at",
    "delivered_at",
)
RESPONSE_COLUMNS = ("delivery_external_id", "score", "comment", "stage", "responded_at")


@dataclass
class DeliveryRecord:
    external_id: str
    customer_id: str
    customer_name: str | None = None
    customer_email: str | None = None
    customer_locale: str | None = None
    owner: str | None = None
    promised_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    status: str | None = None  # only "cancelled" is ever given; the rest is derived
    stages: dict[str, dt.datetime] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # where it came from, for error messages

    def merge(self, later: DeliveryRecord) -> None:
        """Fold a later record of the same delivery into this one (later values win)."""
        for name in (*DELIVERY_COLUMNS[2:], "status"):  # all but the two ids
            value = getattr(later, name)
            if value is not None:
                setattr(self, name, value)
        self.customer_id = later.customer_id or self.customer_id
        self.stages.update(later.stages)
        self.attributes.update(later.attributes)
        self.line = later.line


@dataclass(slots=True)  # a million of them in a bulk load: slots make each cheaper to build and read
class ResponseRecord:
    # The fields in this order are what a bulk file's reader process sends (csv_import._parse_child).
    delivery_external_id: str
    score: int
    responded_at: dt.datetime
    comment: str | None = None
    stage: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    line: int | None = None
    occurrence: int = 1  # the n-th answer in one file to the same delivery at the same instant
    # Worked out by the reader when it has a core to spare (a bulk file is read in a second
    # process); None: the ingest works them out.
    source_key: str | None = None
    language: str | None = None
