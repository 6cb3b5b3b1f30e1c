"""Sales register: documents listed, searched and paid without parsing XML; corrections chained to the
invoice they correct; the correction numbering series; customers' payments.

Existing invoices get their register columns from their stored XML here (number, buyer, amounts, due
date), so the register shows them at once.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""

import re
import unicodedata
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

_NEW_COLUMNS = ("kind", "corrects_id", "original_id", "buyer_name", "buyer_nip", "search_text", "currency",
                "net_minor", "vat_minor", "gross_minor", "due_date", "overdue_told_at", "upo")


def upgrade() -> None:
    with op.batch_alter_table("seller_profiles") as batch:
        batch.add_column(sa.Column("correction_pattern", sa.String(length=100), nullable=False,
                                   server_default="KOR/{n}/{YYYY}"))
    with op.batch_alter_table("issued_invoices") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=8), nullable=False, server_default="VAT"))
        batch.add_column(sa.Column("corrects_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("original_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("buyer_name", sa.String(length=512), nullable=False, server_default=""))
        batch.add_column(sa.Column("buyer_nip", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("search_text", sa.String(length=1400), nullable=False, server_default=""))
        batch.add_column(sa.Column("currency", sa.String(length=3), nullable=False, server_default="PLN"))
        for name in ("net_minor", "vat_minor", "gross_minor"):
            batch.add_column(sa.Column(name, sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("overdue_told_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("upo", sa.LargeBinary(), nullable=True))
        batch.create_foreign_key(op.f("fk_issued_invoices_corrects_id_issued_invoices"), "issued_invoices",
                                 ["corrects_id"], ["id"], ondelete="CASCADE")
        batch.create_foreign_key(op.f("fk_issued_invoices_original_id_issued_invoices"), "issued_invoices",
                                 ["original_id"], ["id"], ondelete="CASCADE")
        batch.create_index(op.f("ix_issued_invoices_corrects_id"), ["corrects_id"])
        batch.create_index(op.f("ix_issued_invoices_original_id"), ["original_id"])
        batch.create_index("ix_issued_invoices_register", ["company_id", "issue_date", "id"])
        batch.create_index("ix_issued_invoices_overdue", ["overdue_told_at", "due_date"])
    op.create_table(
        "sales_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["issued_invoices.id"],
                                name=op.f("fk_sales_payments_invoice_id_issued_invoices"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_payments")),
    )
    op.create_index(op.f("ix_sales_payments_invoice_id"), "sales_payments", ["invoice_id"])
    _fill_existing()


# A copy, as of this revision, of what bot.services.issuing.columns computes (a migration must not change
# when the application's code does later).
def _fold(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain).strip().casefold()


def _minor(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _fill_existing() -> None:
    from ksef.fa3 import parse

    bind = op.get_bind()
    table = sa.table("issued_invoices", sa.column("id", sa.Integer()), sa.column("number", sa.String()),
                     sa.column("xml", sa.LargeBinary()),
                     *(sa.column(name) for name in _NEW_COLUMNS))
    for row_id, number, xml in bind.execute(sa.select(table.c.id, table.c.number, table.c.xml)).all():
        try:
            summary = parse(bytes(xml))
        except Exception:  # noqa: BLE001 -- an unreadable row keeps the defaults; the register still lists it
            continue
        buyer = summary.buyer
        nip = buyer.nip or buyer.eu_vat or buyer.other_id
        due = min(summary.payment.due_dates) if summary.payment and summary.payment.due_dates else None
        name = (buyer.name or "")[:512]
        bind.execute(table.update().where(table.c.id == row_id).values(
            kind=summary.invoice_type, buyer_name=name, buyer_nip=nip[:20] if nip else None,
            search_text=_fold(f"{number} {name} {nip or ''}")[:1400], currency=summary.currency,
            net_minor=_minor(summary.net_total), vat_minor=_minor(summary.vat_total),
            gross_minor=_minor(summary.gross_total), due_date=due))


def downgrade() -> None:
    op.drop_index(op.f("ix_sales_payments_invoice_id"), table_name="sales_payments")
    op.drop_table("sales_payments")
    with op.batch_alter_table("issued_invoices") as batch:
        batch.drop_index("ix_issued_invoices_overdue")
        batch.drop_index("ix_issued_invoices_register")
        batch.drop_index(op.f("ix_issued_invoices_original_id"))
        batch.drop_index(op.f("ix_issued_invoices_corrects_id"))
        batch.drop_constraint(op.f("fk_issued_invoices_original_id_issued_invoices"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_issued_invoices_corrects_id_issued_invoices"), type_="foreignkey")
        for name in reversed(_NEW_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("seller_profiles") as batch:
        batch.drop_column("correction_pattern")
