"""Each run's cache use (SPEC §7, issue 27): runs.cache_hits and runs.cache_misses count its cache look-ups that
found a node's result and those that did not. Runs recorded before have NULL in both: unknown, never made up.

Revision ID: 0007_cache_counts
Revises: 0006_whsec_secrets
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_cache_counts"
down_revision = "0006_whsec_secrets"
branch_labels = None
depends_on = None


COLUMNS = ("cache_hits", "cache_misses")


def upgrade() -> None:
    # (only the columns not there yet: a file marked with an older revision may have them already)
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("runs")}
    missing = [name for name in COLUMNS if name not in have]
    if missing:
        with op.batch_alter_table("runs") as batch:
            for name in missing:
                batch.add_column(sa.Column(name, sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("cache_misses")
        batch.drop_column("cache_hits")
