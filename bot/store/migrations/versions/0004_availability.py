"""KSeF availability monitor: snapshot, transitions, broadcast deliveries, maintenance opt-out.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "availability_snapshots",
        sa.Column("environment", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("environment", name=op.f("pk_availability_snapshots")),
    )
    op.create_table(
        "availability_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=200), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=False),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_transitions")),
    )
    op.create_index(op.f("ix_availability_transitions_environment"), "availability_transitions",
                    ["environment"])
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
    op.create_table(
        "availability_prefs",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("maintenance_muted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_availability_prefs_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_availability_prefs")),
    )


def downgrade() -> None:
    op.drop_table("availability_prefs")
    op.drop_index(op.f("ix_broadcast_deliveries_status"), table_name="broadcast_deliveries")
    op.drop_index(op.f("ix_broadcast_deliveries_user_id"), table_name="broadcast_deliveries")
    op.drop_index(op.f("ix_broadcast_deliveries_transition_id"), table_name="broadcast_deliveries")
    op.drop_table("broadcast_deliveries")
    op.drop_index(op.f("ix_availability_transitions_environment"), table_name="availability_transitions")
    op.drop_table("availability_transitions")
    op.drop_table("availability_snapshots")
