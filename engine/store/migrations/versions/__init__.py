"""Schema revisions. HEAD names the newest; the store compares it with the file before importing Alembic."""

HEAD = "0007_cache_counts"
