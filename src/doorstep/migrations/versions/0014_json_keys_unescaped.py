"""SQLite: attributes stored with non-ASCII characters as themselves, not as "\\u" escapes

JSON columns were written with Python's default ``ensure_ascii``: an attribute named
"区域" was stored as ``{"\\u533a\\u57df": …}``. SQLite before 3.45 compares a JSON path
with the key's raw text, so ``json_extract(attributes, '$."区域"')`` found nothing and
``doorstep nps --by 区域`` put every answer in one group of "—". The application now
writes such text unescaped (doorstep.db.to_json); this rewrites the attributes already
stored by customers, deliveries and answers, on SQLite only (PostgreSQL's json operators
decode escapes: nothing to do there). Rows without an escape are not touched.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 18:30:00
"""
from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('customers', 'deliveries', 'responses')
CHUNK = 5000


def _unescaped(raw: str) -> str | None:
    try:
        text = json.dumps(json.loads(raw), ensure_ascii=False)
        text.encode('utf-8')  # a lone surrogate stays escaped: UTF-8 cannot hold it
    except (ValueError, UnicodeEncodeError):
        return None
    return text if text != raw else None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    for name in TABLES:
        t = sa.table(name, sa.column('id', sa.Integer), sa.column('attributes', sa.Text))
        find = (sa.select(t.c.id, t.c.attributes)
                .where(t.c.id > sa.bindparam('last'), sa.func.instr(t.c.attributes, '\\u') > 0)
                .order_by(t.c.id).limit(CHUNK))
        rewrite = sa.update(t).where(t.c.id == sa.bindparam('_id')).values(attributes=sa.bindparam('a'))
        last = 0
        while rows := bind.execute(find, {'last': last}).all():
            last = rows[-1][0]
            changed = [{'_id': i, 'a': new} for i, raw in rows if (new := _unescaped(raw)) is not None]
            if changed:
                bind.execute(rewrite, changed)


def downgrade() -> None:
    # Escaped or not, the stored JSON means the same: nothing to undo.
    pass
