"""Issuing: seller profiles, invoice number counters, contractors, issued invoices.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _company_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                   name=op.f(f"fk_{table}_company_id_companies"), ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "seller_profiles",
        sa.Column("company_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("vat_exempt", sa.Boolean(), nullable=False),
        sa.Column("bank_account", sa.String(length=40), nullable=True),
        sa.Column("default_rate", sa.String(length=8), nullable=False),
        sa.Column("payment_days", sa.Integer(), nullable=False),
        sa.Column("pattern", sa.String(length=100), nullable=False),
        sa.Column("reset", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _company_fk("seller_profiles"),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_seller_profiles")),
    )
    op.create_table(
        "invoice_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        _company_fk("invoice_counters"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_counters")),
        sa.UniqueConstraint("company_id", "series", "period", name="uq_invoice_counters_key"),
    )
    op.create_index(op.f("ix_invoice_counters_company_id"), "invoice_counters", ["company_id"])
    op.create_table(
        "contractors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("nip", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        _company_fk("contractors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contractors")),
        sa.UniqueConstraint("company_id", "nip", name="uq_contractors_company_nip"),
    )
    op.create_index(op.f("ix_contractors_company_id"), "contractors", ["company_id"])
    op.create_table(
        "issued_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("number", sa.String(length=256), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("invoice_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("session_reference", sa.String(length=64), nullable=True),
        sa.Column("invoice_reference", sa.String(length=64), nullable=True),
        sa.Column("ksef_number", sa.String(length=64), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("status_text", sa.String(length=1000), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("legal_deadline", sa.Date(), nullable=True),
        sa.Column("kod2_url", sa.String(length=1000), nullable=True),
        sa.Column("corrected_hash", sa.String(length=64), nullable=True),
        sa.Column("warned_at", sa.DateTime(), nullable=True),
        sa.Column("notified_state", sa.String(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _company_fk("issued_invoices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_invoices")),
        sa.UniqueConstraint("company_id", "number", name="uq_issued_invoices_company_number"),
    )
    op.create_index(op.f("ix_issued_invoices_company_id"), "issued_invoices", ["company_id"])
    op.create_index(op.f("ix_issued_invoices_invoice_hash"), "issued_invoices", ["invoice_hash"])
    op.create_index(op.f("ix_issued_invoices_state"), "issued_invoices", ["state"])


def downgrade() -> None:
    op.drop_table("issued_invoices")
    op.drop_table("contractors")
    op.drop_table("invoice_counters")
    op.drop_table("seller_profiles")
