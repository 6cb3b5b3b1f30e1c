"""Polling: when a company last received an invoice (its poll interval follows it), the times of its
on-demand KSeF queries within the last hour (the budget "check now" and back-fill share), and the
``X-System-Warning`` codes KSeF gave an issued invoice (e.g. xml-002, shown to the user).

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_sync") as batch:
        batch.add_column(sa.Column("last_found_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("on_demand", sa.JSON(), nullable=True))
    # Existing companies keep the activity they had: the newest invoice found for each.
    op.execute("UPDATE inbox_sync SET last_found_at = (SELECT max(r.found_at) FROM received_invoices r "
               "WHERE r.company_id = inbox_sync.company_id)")
    with op.batch_alter_table("issued_invoices") as batch:
        batch.add_column(sa.Column("system_warnings", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issued_invoices") as batch:
        batch.drop_column("system_warnings")
    with op.batch_alter_table("inbox_sync") as batch:
        batch.drop_column("on_demand")
        batch.drop_column("last_found_at")
