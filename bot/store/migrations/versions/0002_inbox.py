"""Purchase-invoice inbox: sync cursors, received invoices, outbox, notification preferences.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_sync",
        sa.Column("company_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("next_poll_at", sa.DateTime(), nullable=False),
        sa.Column("last_poll_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_inbox_sync_company_id_companies"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_inbox_sync")),
    )
    op.create_index(op.f("ix_inbox_sync_next_poll_at"), "inbox_sync", ["next_poll_at"])
    op.create_table(
        "received_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("ksef_number", sa.String(length=64), nullable=False),
        sa.Column("seller_nip", sa.String(length=20), nullable=False),
        sa.Column("seller_name", sa.String(length=512), nullable=False),
        sa.Column("invoice_number", sa.String(length=256), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("gross", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("bank_account", sa.String(length=64), nullable=True),
        sa.Column("stored_at", sa.DateTime(), nullable=True),
        sa.Column("xml", sa.LargeBinary(), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_received_invoices_company_id_companies"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_invoices")),
        sa.UniqueConstraint("company_id", "ksef_number", name="uq_received_invoices_company_ksef"),
    )
    op.create_index(op.f("ix_received_invoices_company_id"), "received_invoices", ["company_id"])
    op.create_index(op.f("ix_received_invoices_found_at"), "received_invoices", ["found_at"])
    op.create_table(
        "inbox_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=True),
        sa.Column("after_message_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_inbox_outbox_company_id_companies"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_inbox_outbox_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_outbox")),
    )
    for column in ("company_id", "user_id", "chat_id", "status"):
        op.create_index(op.f(f"ix_inbox_outbox_{column}"), "inbox_outbox", [column])
    op.create_table(
        "inbox_prefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("quiet_from", sa.Integer(), nullable=True),
        sa.Column("quiet_to", sa.Integer(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_inbox_prefs_company_id_companies"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_inbox_prefs_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_prefs")),
        sa.UniqueConstraint("company_id", "user_id", name="uq_inbox_prefs_company_user"),
    )
    op.create_index(op.f("ix_inbox_prefs_company_id"), "inbox_prefs", ["company_id"])
    op.create_index(op.f("ix_inbox_prefs_user_id"), "inbox_prefs", ["user_id"])
    op.create_table(
        "inbox_chat_cursor",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_message_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_inbox_chat_cursor")),
    )


def downgrade() -> None:
    op.drop_table("inbox_chat_cursor")
    op.drop_table("inbox_prefs")
    op.drop_table("inbox_outbox")
    op.drop_table("received_invoices")
    op.drop_table("inbox_sync")
