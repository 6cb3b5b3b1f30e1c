"""Invoices of an ordinary month: the profile's pricing method (net or gross) and MF's white list
answers and daily request budget, shared by every process.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-05 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seller_profiles") as batch:
        batch.add_column(sa.Column("prices", sa.String(length=8), server_default="net", nullable=False))
    op.create_table(
        "whitelist_answers",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_whitelist_answers")),
    )
    op.create_index(op.f("ix_whitelist_answers_day"), "whitelist_answers", ["day"])
    op.create_table(
        "whitelist_budget",
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("exhausted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("method", name=op.f("pk_whitelist_budget")),
    )


def downgrade() -> None:
    op.drop_table("whitelist_budget")
    op.drop_index(op.f("ix_whitelist_answers_day"), table_name="whitelist_answers")
    op.drop_table("whitelist_answers")
    with op.batch_alter_table("seller_profiles") as batch:
        batch.drop_column("prices")
