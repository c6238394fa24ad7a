"""The exchange log as it was before migrations existed (one row per exchange).

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchanges",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("match_id", sa.String(200)),
        sa.Column("score", sa.Float),
        sa.Column("best_id", sa.String(200)),
        sa.Column("best_score", sa.Float),
        sa.Column("category", sa.String(40)),
        sa.Column("text", sa.Text),
        sa.Column("session_id", sa.String(64)),
        sa.Column("helpful", sa.Boolean),
    )
    op.create_index("ix_exchanges_created_at", "exchanges", ["created_at"])
    op.create_index("ix_exchanges_answered", "exchanges", ["answered"])


def downgrade() -> None:
    op.drop_table("exchanges")
