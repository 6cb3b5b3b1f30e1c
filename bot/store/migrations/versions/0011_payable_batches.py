"""Overdue supplier invoices marked paid in one go: the batch (proposed, applied, undone) with each
invoice's paid amount before and after, so one undo restores exactly those rows.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payable_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cutoff", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_payable_batches_company_id", "payable_batches", ["company_id"])


def downgrade() -> None:
    op.drop_index("ix_payable_batches_company_id", table_name="payable_batches")
    op.drop_table("payable_batches")
