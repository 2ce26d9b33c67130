"""Bounds of the numbers a client may send, so none reaches the database out of range.

Row ids are INTEGER columns (32 bits on PostgreSQL) and SQLite refuses to bind an
integer past 64 bits: an id or offset beyond these bounds is a 422, never a 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2**31 - 1
MAX_OFFSET = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
