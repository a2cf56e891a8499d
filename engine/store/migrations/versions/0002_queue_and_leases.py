"""The persistent queue and process leases (SPEC §6a, §7).

runs: owner (the lease of the process running it), from_queue, queue_position, requeued (how often it was
queued again after its owner died), cancel_requested (a cancel asked by another process), options (what a
queued run needs to start: use_cache, use_pins, base_dir), draft_id (an editor tab never saved yet) and
node_count. leases: one row per process that runs workflows, renewed by a heartbeat; ``dispatching`` marks
the one that starts queued runs.

Revision ID: 0002_queue_and_leases
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_queue_and_leases"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("owner", sa.String(32), nullable=True))
        batch.add_column(sa.Column("from_queue", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("queue_position", sa.Float, nullable=True))
        batch.add_column(sa.Column("requeued", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("options", sa.JSON, nullable=True))
        batch.add_column(sa.Column("draft_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("node_count", sa.Integer, nullable=True))
    # the claim's order exactly (priority DESC, position, age): the next runs are read off the index, unsorted
    op.create_index("ix_runs_queue", "runs", ["status", sa.text("priority DESC"), "queue_position", "created_at"])
    op.create_index("ix_runs_owner", "runs", ["owner", "status"])
    op.create_index("ix_runs_draft", "runs", ["draft_id"])
    op.create_table(
        "leases",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("front", sa.String(20), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("proc_start", sa.String(40), nullable=True),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("heartbeat_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("dispatching", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_index("ix_runs_draft", "runs")
    op.drop_index("ix_runs_owner", "runs")
    op.drop_index("ix_runs_queue", "runs")
    with op.batch_alter_table("runs") as batch:
        for column in ("node_count", "draft_id", "options", "cancel_requested", "requeued", "queue_position",
                       "from_queue", "owner"):
            batch.drop_column(column)
