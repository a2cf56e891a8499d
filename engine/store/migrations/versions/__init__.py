"""Schema revisions. HEAD names the newest; the store compares it with the file before importing Alembic."""

HEAD = "0002_queue_and_leases"
