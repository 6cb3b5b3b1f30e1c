"""Inbox: when a member's notifications were paused (he blocked the bot), so that on his return the
invoices found since then can be caught up on even when nothing had been parked yet.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_prefs") as batch:
        batch.add_column(sa.Column("paused_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox_prefs") as batch:
        batch.drop_column("paused_at")
