"""One SQLite file, opened the same way everywhere.

Every connection sets WAL, ``foreign_keys=ON``, ``busy_timeout`` 10 s and ``synchronous=FULL``. pysqlite's own
transaction handling is switched off so that we emit ``BEGIN`` ourselves: writes use ``BEGIN IMMEDIATE`` (the
write lock is taken up front, so a multi-row write is one transaction that cannot deadlock half-way), reads a
plain ``BEGIN``. The schema belongs to Alembic; :func:`open_database` upgrades it to the newest revision.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Database", "open_database", "BUSY_TIMEOUT_MS"]

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 10_000
MIGRATIONS = Path(__file__).with_name("migrations")


def _on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


def _on_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("nl_write") else "BEGIN")


class Database:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.engine: Engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(self.engine, "connect", _on_connect)
        event.listen(self.engine, "begin", _on_begin)
        self._writer = self.engine.execution_options(nl_write=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._writer, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One ``BEGIN IMMEDIATE`` transaction: committed whole, or rolled back whole."""
        with self._write() as session, session.begin():
            yield session

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").first()
            if not exists:
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            return row[0] if row else None

    def migrate(self) -> None:
        """Upgrade to the newest schema (a no-op, without importing Alembic, when already there)."""
        from .migrations.versions import HEAD

        if self.revision() == HEAD:
            return
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self._writer.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        log.info("database %s upgraded to %s", self.path, HEAD)

    def close(self) -> None:
        self.engine.dispose()


def open_database(path: Path) -> Database:
    db = Database(path)
    db.migrate()
    return db
