"""One outbox for everything the bot sends on its own: ``outbox`` replaces ``inbox_outbox`` and
``broadcast_deliveries``; ``outbox_chat_cursors`` replaces ``inbox_chat_cursor``.

Nothing queued is lost on upgrade: every inbox row is copied with its id, status and message id (the
inbox history is what a returning user's catch-up reads; keeping the ids keeps the delivery probe of a
row left ``sending`` exact), and every availability delivery not yet sent is copied as a pending alert.
The old tables are then dropped rather than kept as views: nothing reads them any more, and one clean
schema is what the models describe. Downgrade recreates the old tables empty (queued rows are not
carried back).

Revision ID: 0006
Revises: 0010
Create Date: 2026-12-02 10:00:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0010"
branch_labels = None
depends_on = None

NOTIFICATION, BULK = 1, 2  # bot.pacing.Priority values
_BATCH = 500


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=True),
        sa.Column("after_message_id", sa.BigInteger(), nullable=True),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_outbox_company_id_companies"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_outbox_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    for column in ("chat_id", "user_id", "company_id"):
        op.create_index(op.f(f"ix_outbox_{column}"), "outbox", [column])
    op.create_index("ix_outbox_status_not_before", "outbox", ["status", "not_before"])
    op.create_table(
        "outbox_chat_cursors",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_message_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_outbox_chat_cursors")),
    )


def _copy(rows: list[dict[str, Any]], target: sa.Table) -> None:
    for start in range(0, len(rows), _BATCH):
        op.get_bind().execute(target.insert(), rows[start:start + _BATCH])


def upgrade() -> None:
    _create_outbox()
    bind = op.get_bind()
    meta = sa.MetaData()
    outbox = sa.Table("outbox", meta, autoload_with=bind)
    cursors = sa.Table("outbox_chat_cursors", meta, autoload_with=bind)
    old_cursor = sa.Table("inbox_chat_cursor", meta, autoload_with=bind)
    inbox = sa.Table("inbox_outbox", meta, autoload_with=bind)
    deliveries = sa.Table("broadcast_deliveries", meta, autoload_with=bind)

    _copy([{"chat_id": r.chat_id, "last_message_id": r.last_message_id}
           for r in bind.execute(sa.select(old_cursor))], cursors)
    copied: list[dict[str, Any]] = []
    for r in bind.execute(sa.select(inbox).order_by(inbox.c.id)):
        kind = "inbox.invoice" if r.kind == "invoice" else "inbox.summary"
        copied.append({
            "id": r.id, "chat_id": r.chat_id, "user_id": r.user_id, "company_id": r.company_id, "kind": kind,
            "priority": NOTIFICATION, "payload": {"invoice_ids": list(r.invoice_ids or [])},
            "status": r.status, "not_before": r.not_before, "after_message_id": r.after_message_id,
            "message_ids": [r.message_id] if r.message_id is not None else [], "attempts": 0,
            "dedupe_key": None, "created_at": r.created_at, "sent_at": r.sent_at})
    _copy(copied, outbox)
    pending = [{
        "chat_id": r.chat_id, "user_id": r.user_id, "company_id": None, "kind": "availability.alert",
        "priority": BULK, "payload": {"transition_id": r.transition_id, "text": r.text},
        # A row left `sending` gets a new id, so its old button cannot be probed: sent again.
        "status": "pending", "not_before": None, "after_message_id": None, "message_ids": [],
        "attempts": 0, "dedupe_key": f"availability:{r.transition_id}:{r.user_id}",
        "created_at": r.created_at, "sent_at": None}
        for r in bind.execute(sa.select(deliveries).where(deliveries.c.status.in_(("pending", "sending")))
                              .order_by(deliveries.c.id))]
    _copy(pending, outbox)
    if bind.dialect.name == "postgresql" and copied:
        # Rows were inserted with explicit ids: move the sequence past them.
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('outbox', 'id'), "
                             "(SELECT max(id) FROM outbox))"))

    op.drop_table("inbox_chat_cursor")
    for column in ("company_id", "user_id", "chat_id", "status"):
        op.drop_index(op.f(f"ix_inbox_outbox_{column}"), table_name="inbox_outbox")
    op.drop_table("inbox_outbox")
    op.drop_index(op.f("ix_broadcast_deliveries_status"), table_name="broadcast_deliveries")
    op.drop_index(op.f("ix_broadcast_deliveries_user_id"), table_name="broadcast_deliveries")
    op.drop_index(op.f("ix_broadcast_deliveries_transition_id"), table_name="broadcast_deliveries")
    op.drop_table("broadcast_deliveries")


def downgrade() -> None:
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
        "inbox_chat_cursor",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_message_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_inbox_chat_cursor")),
    )
    op.create_table(
        "broadcast_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transition_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("after_message_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["transition_id"], ["availability_transitions.id"],
                                name=op.f("fk_broadcast_deliveries_transition_id_availability_transitions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_broadcast_deliveries_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_deliveries")),
        sa.UniqueConstraint("transition_id", "user_id", name="uq_broadcast_deliveries_transition_user"),
    )
    op.create_index(op.f("ix_broadcast_deliveries_transition_id"), "broadcast_deliveries", ["transition_id"])
    op.create_index(op.f("ix_broadcast_deliveries_user_id"), "broadcast_deliveries", ["user_id"])
    op.create_index(op.f("ix_broadcast_deliveries_status"), "broadcast_deliveries", ["status"])
    op.drop_table("outbox_chat_cursors")
    op.drop_index("ix_outbox_status_not_before", table_name="outbox")
    for column in ("chat_id", "user_id", "company_id"):
        op.drop_index(op.f(f"ix_outbox_{column}"), table_name="outbox")
    op.drop_table("outbox")
