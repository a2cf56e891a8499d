"""Attempts and callback deliveries (SPEC §9): runs.attempt counts the times a run was started (a queued run
that starts again after its process stopped is attempt 2, its events numbered after attempt 1's); runs.callback
holds the delivery state of its callback_url (attempts, last error, delivered at).

Revision ID: 0005_attempts_and_callbacks
Revises: 0004_triggers
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_attempts_and_callbacks"
down_revision = "0004_triggers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("callback", sa.JSON, nullable=True))
    op.execute("UPDATE runs SET attempt = 1 + requeued WHERE status != 'queued' OR requeued > 0")


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("callback")
        batch.drop_column("attempt")
