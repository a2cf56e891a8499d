"""Triggers (SPEC §7): schedules, folder watches and webhooks that start a workflow's runs by themselves.

triggers: one row per trigger — its kind, config (JSON), the inputs and priority of the runs it queues,
catch_up (once | skip), enabled, and when it last fired, is next due and last failed. trigger_files: the files
a folder trigger has seen (path, inode, size, mtime), so a file fires once, a rename does not fire again, and
files that arrived while no process watched are known on start. runs.trigger_id: the trigger that queued a run.

Revision ID: 0004_triggers
Revises: 0003_events_and_hooks
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_triggers"
down_revision = "0003_events_and_hooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triggers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workflow_id", sa.String(32), sa.ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False, server_default="5"),
        sa.Column("catch_up", sa.String(10), nullable=False, server_default="once"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("last_fired", sa.Float, nullable=True),
        sa.Column("next_due", sa.Float, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("fired", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_triggers_workflow", "triggers", ["workflow_id"])
    op.create_table(
        "trigger_files",
        sa.Column("trigger_id", sa.String(32), sa.ForeignKey("triggers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("inode", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("mtime_ns", sa.Integer, nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
    )
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("trigger_id", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("trigger_id")
    op.drop_table("trigger_files")
    op.drop_index("ix_triggers_workflow", "triggers")
    op.drop_table("triggers")
