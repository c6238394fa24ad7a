"""What staff review needs: the reply's language, weak answers, votes that explain themselves
(a comment), and dismissals.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("exchanges", sa.Column("lang", sa.String(8)))
    op.add_column("exchanges", sa.Column("weak", sa.Boolean))
    op.add_column("exchanges", sa.Column("comment", sa.Text))
    op.add_column("exchanges", sa.Column("dismissed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("exchanges") as batch:
        for name in ("dismissed_at", "comment", "weak", "lang"):
            batch.drop_column(name)
