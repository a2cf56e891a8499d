"""Webhook secrets in the Standard Webhooks form (SPEC §9): ``whsec_<base64 key>``.

Secrets made before were url-safe text whose bytes were the HMAC key itself. Each becomes ``whsec_`` + the base64
of those very bytes: stored in one form from now on, and the key a sender holds is the same (only the headers a
delivery carries changed). hook_deliveries keeps the ids received lately: a ``webhook-id`` now.

Revision ID: 0006_whsec_secrets
Revises: 0005_attempts_and_callbacks
"""

import base64

import sqlalchemy as sa
from alembic import op

revision = "0006_whsec_secrets"
down_revision = "0005_attempts_and_callbacks"
branch_labels = None
depends_on = None

PREFIX = "whsec_"
hooks = sa.table("hooks", sa.column("workflow_id", sa.String), sa.column("secret", sa.String))


def _rewrite(change) -> None:
    conn = op.get_bind()
    for workflow_id, secret in conn.execute(sa.select(hooks.c.workflow_id, hooks.c.secret)).all():
        new = change(secret)
        if new != secret:
            conn.execute(hooks.update().where(hooks.c.workflow_id == workflow_id).values(secret=new))


def _whsec(secret: str) -> str:
    if secret.startswith(PREFIX):
        return secret
    return PREFIX + base64.b64encode(secret.encode("utf-8")).decode("ascii")


def _plain(secret: str) -> str:
    """Back to the text that is its own key; a key that is not such text (made in the whsec_ form) becomes the
    url-safe base64 text of its bytes — a different key, which its senders must be given again."""
    if not secret.startswith(PREFIX):
        return secret
    key = base64.b64decode(secret[len(PREFIX):] + "==")
    try:
        text = key.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    return text if text and text.isprintable() else base64.urlsafe_b64encode(key).decode("ascii").rstrip("=")


def upgrade() -> None:
    _rewrite(_whsec)


def downgrade() -> None:
    _rewrite(_plain)
