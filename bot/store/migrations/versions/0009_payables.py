"""Paying supplier invoices: what the XML says about paying (split payment, every account, method),
the paid state (amount so far, when and by whom fully paid), the last VAT-list check of the account
and the collective identifier it is paid under; per-member switches for due-date reminders and the
month's summary; an index for listing payables by due date. Invoices stored before it with their XML
get what the XML says about paying (split payment, accounts, method, Zaplacono, a due date computed
from a described term), read in batches.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:00:00
"""

from datetime import UTC, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

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
    _fill_from_xml()


BATCH = 200  # rows read and written per round: the XMLs of a batch are in memory at once
_WARSAW = ZoneInfo("Europe/Warsaw")


def _minor(gross: str) -> int | None:
    try:
        return int((Decimal(gross) * 100).to_integral_value(ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return None


def _fill_from_xml() -> None:
    """What the stored XMLs say about paying, as the sync now stores it for new invoices (keyset batches,
    one executemany per batch: the same on SQLite and PostgreSQL)."""
    from ksef.fa3 import parse
    from ksef.fa3.due import paying_facts

    bind = op.get_bind()
    table = sa.table(
        "received_invoices", sa.column("id", sa.Integer()), sa.column("xml", sa.LargeBinary()),
        sa.column("gross", sa.String()), sa.column("due_date", sa.Date()), sa.column("stored_at", sa.DateTime()),
        sa.column("split_payment", sa.Boolean()), sa.column("bank_accounts", sa.JSON()),
        sa.column("payment_method", sa.String()), sa.column("paid_minor", sa.BigInteger()),
        sa.column("paid_at", sa.DateTime()), sa.column("paid_source", sa.String()))
    write = table.update().where(table.c.id == sa.bindparam("row_id")).values(
        due_date=sa.bindparam("due"), split_payment=sa.bindparam("split"), bank_accounts=sa.bindparam("accounts"),
        payment_method=sa.bindparam("method"), paid_minor=sa.bindparam("minor"), paid_at=sa.bindparam("at"),
        paid_source=sa.bindparam("source"))
    now = datetime.now(UTC).replace(tzinfo=None)
    last = 0
    while True:
        rows = bind.execute(sa.select(table.c.id, table.c.xml, table.c.gross, table.c.due_date, table.c.stored_at)
                            .where(table.c.xml.is_not(None), table.c.id > last)
                            .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        last = rows[-1].id
        params = []
        for row in rows:
            try:
                summary = parse(bytes(row.xml))
            except Exception:  # an unreadable XML leaves the row as it was
                continue
            received = row.stored_at.replace(tzinfo=UTC).astimezone(_WARSAW).date() if row.stored_at else None
            facts = paying_facts(summary, received_on=received)
            gross = _minor(row.gross)
            so_far = _minor(str(facts.paid_so_far)) if facts.paid_so_far is not None else None
            paid = facts.paid or (so_far is not None and gross is not None and 0 < gross <= so_far)
            paid_at = None
            if paid:
                paid_at = datetime.combine(facts.paid_date, time(12), tzinfo=_WARSAW).astimezone(UTC).replace(
                    tzinfo=None) if facts.paid_date else now
            params.append({
                "row_id": row.id, "due": row.due_date or facts.due_date, "split": facts.split_payment,
                "accounts": list(facts.bank_accounts) or None, "method": facts.method,
                "minor": (gross if gross is not None else so_far) if paid else (so_far or None), "at": paid_at,
                "source": "xml" if paid else None})
        if params:
            bind.execute(write, params)


def downgrade() -> None:
    with op.batch_alter_table("inbox_prefs") as batch:
        batch.drop_column("month_summary")
        batch.drop_column("payment_reminders")
    with op.batch_alter_table("received_invoices") as batch:
        batch.drop_index("ix_received_invoices_due")
        for name in ("collective_id", "wl_checked_on", "wl_request_id", "wl_assigned", "wl_account",
                     "paid_source", "paid_at", "paid_minor", "payment_method", "bank_accounts", "split_payment"):
            batch.drop_column(name)
