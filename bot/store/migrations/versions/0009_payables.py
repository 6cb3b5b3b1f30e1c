"""Paying supplier invoices: what the XML says about paying (split payment, every account, method),
the paid state (amount so far, when and by whom fully paid), the last VAT-list check of the account
and the collective identifier it is paid under; per-member switches for due-date reminders and the
month's summary; an index for listing payables by due date.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("received_invoices") as batch:
        batch.add_column(sa.Column("split_payment", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("bank_accounts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("payment_method", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("paid_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("paid_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("paid_source", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("wl_account", sa.String(length=34), nullable=True))
        batch.add_column(sa.Column("wl_assigned", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("wl_request_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("wl_checked_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("collective_id", sa.String(length=40), nullable=True))
        batch.create_index("ix_received_invoices_due", ["company_id", "due_date"])
    with op.batch_alter_table("inbox_prefs") as batch:
        batch.add_column(sa.Column("payment_reminders", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("month_summary", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("inbox_prefs") as batch:
        batch.drop_column("month_summary")
        batch.drop_column("payment_reminders")
    with op.batch_alter_table("received_invoices") as batch:
        batch.drop_index("ix_received_invoices_due")
        for name in ("collective_id", "wl_checked_on", "wl_request_id", "wl_assigned", "wl_account",
                     "paid_source", "paid_at", "paid_minor", "payment_method", "bank_accounts", "split_payment"):
            batch.drop_column(name)
