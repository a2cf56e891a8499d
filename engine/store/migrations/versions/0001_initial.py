"""The first schema: workflows, versions, runs, node runs, settings.

Revision ID: 0001_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflows",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("is_template", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("deleted_at", sa.Float, nullable=True),
        sa.Column("current_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("source", sa.String(200), nullable=True),
    )
    op.create_index("ix_workflows_name", "workflows", ["name"])
    op.create_index("ix_workflows_updated", "workflows", ["updated_at"])
    op.create_table(
        "workflow_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workflow_id", sa.String(32), sa.ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("semantic_hash", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("tag", sa.String(200), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("workflow_id", "number", name="uq_version_number"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workflow_id", sa.String(32), sa.ForeignKey("workflows.id", ondelete="SET NULL"), nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("workflow_name", sa.String(500), nullable=False, server_default=""),
        sa.Column("document", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False, server_default="sync"),
        sa.Column("priority", sa.Integer, nullable=False, server_default="5"),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("outputs", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float, nullable=True),
        sa.Column("finished_at", sa.Float, nullable=True),
        sa.Column("duration_ms", sa.Float, nullable=True),
        sa.Column("replay_of", sa.String(32), sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
        sa.Column("from_node", sa.String(200), nullable=True),
        sa.Column("parent_run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_runs_workflow", "runs", ["workflow_id", "created_at"])
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_table(
        "node_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("node_id", sa.String(200), nullable=False),
        sa.Column("iteration", sa.String(200), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", sa.Float, nullable=True),
        sa.Column("finished_at", sa.Float, nullable=True),
        sa.Column("duration_ms", sa.Float, nullable=True),
        sa.Column("cached", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("error_type", sa.String(200), nullable=True),
        sa.Column("output_summary", sa.JSON, nullable=True),
        sa.Column("output_ref", sa.String(64), nullable=True),
    )
    op.create_index("ix_node_runs_run", "node_runs", ["run_id", "node_id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.JSON, nullable=True),
    )


def downgrade() -> None:
    for table in ("settings", "node_runs", "runs", "workflow_versions", "workflows"):
        op.drop_table(table)
