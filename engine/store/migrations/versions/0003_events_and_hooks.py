"""Run events and webhooks (SPEC §9).

run_events: every event a run emitted, in ``seq`` order, as its JSON form — what an SSE or WebSocket client
that subscribes late (or reconnects with ``Last-Event-ID``) is sent first, whichever process ran the run.
hooks: a workflow's webhook secret. hook_deliveries: the ``X-Nodeloom-Delivery`` ids received in the last
24 hours (a repeated one is not run again). ix_runs_waiting: the queued runs' places, for accepting runs.

run_events has no foreign key on purpose: the recorder writes a run's events in the batch that inserts the run,
and a constraint failing there would lose the batch's node records too.

Revision ID: 0003_events_and_hooks
Revises: 0002_queue_and_leases
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_events_and_hooks"
down_revision = "0002_queue_and_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_events",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "hooks",
        sa.Column("workflow_id", sa.String(32), sa.ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "hook_deliveries",
        sa.Column("workflow_id", sa.String(32), sa.ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("delivery", sa.String(200), primary_key=True),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
    )
    op.create_index("ix_hook_deliveries_time", "hook_deliveries", ["received_at"])
    # accepting a run reads how many wait and the last place: from this small index, not the runs table
    op.create_index("ix_runs_waiting", "runs", ["queue_position"],
                    sqlite_where=sa.text("status = 'queued' AND from_queue = 1"))


def downgrade() -> None:
    op.drop_index("ix_runs_waiting", "runs")
    op.drop_index("ix_hook_deliveries_time", "hook_deliveries")
    op.drop_table("hook_deliveries")
    op.drop_table("hooks")
    op.drop_table("run_events")
