"""One SQLite file, opened the same way everywhere.

The file is readable by its owner only (it holds hook secrets and run inputs): made 0600 before SQLite opens it
(its ``-wal`` and ``-shm`` take the database's mode), and an existing one, or its ``-wal``/``-shm``, loses what
group and others may do when opened (0644 becomes 0600). Every connection sets WAL, ``foreign_keys=ON``, ``busy_timeout`` 10 s and ``synchronous=FULL``. pysqlite's own
transaction handling is switched off so that we emit ``BEGIN`` ourselves: writes use ``BEGIN IMMEDIATE`` (the
write lock is taken up front, so a multi-row write is one transaction that cannot deadlock half-way), reads a
plain ``BEGIN``. The schema belongs to Alembic; :func:`open_database` upgrades it to the newest revision.

Group commit: ``write(synced=False)`` commits with ``synchronous=NORMAL`` — in WAL mode the transaction is in the
``-wal`` file (safe from the process being killed) but not yet fsynced, and the write lock is released at once;
:meth:`Database.sync` then fsyncs the ``-wal`` file, making every transaction committed before it durable, as a
``synchronous=FULL`` commit would have. The run recorder commits batches so and syncs once for all the batches
that committed while the previous sync ran: runs are never serialised behind one another's fsync, and a run is
reported finished only after its sync.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

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


def _owner_only(path: Path) -> None:
    """``path`` (made empty if missing: SQLite takes an empty file as an empty database) and its WAL files
    readable and writable by their owner only. A file we cannot change is left to SQLite, which says why."""
    if os.name != "posix":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as e:
        log.debug("could not make %s: %s", path, e)
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = stat.S_IMODE(os.stat(p).st_mode)
            if mode & 0o077:
                os.chmod(p, mode & 0o600)
        except FileNotFoundError:
            pass
        except OSError as e:
            log.warning("could not make %s readable by its owner only: %s", p, e.strerror or e)


def _synchronous(dbapi_connection, info: dict, synced: bool) -> None:
    """The connection's ``synchronous`` for the write about to begin (set only when it changes: a pragma per
    write costs as much as a small insert)."""
    level = "FULL" if synced else "NORMAL"
    if info.get("nl_synchronous", "FULL") != level:
        dbapi_connection.execute(f"PRAGMA synchronous = {level}")
        info["nl_synchronous"] = level


def _on_begin(conn) -> None:
    options = conn.get_execution_options()
    if options.get("nl_write"):
        pooled = conn.connection
        _synchronous(pooled.driver_connection, pooled.info, not options.get("nl_unsynced"))
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


class Database:
    def __init__(self, path: Path):
        self.path = Path(path)
        _owner_only(self.path)
        self.engine: Engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(self.engine, "connect", _on_connect)
        event.listen(self.engine, "begin", _on_begin)
        self._writer = self.engine.execution_options(nl_write=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._writer, expire_on_commit=False)
        self._write_unsynced = sessionmaker(self.engine.execution_options(nl_write=True, nl_unsynced=True),
                                            expire_on_commit=False)
        self._sync_lock = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self, synced: bool = True) -> Iterator[Session]:
        """One ``BEGIN IMMEDIATE`` transaction: committed whole, or rolled back whole. ``synced=False``: committed
        without waiting for the disk — durable only after the next :meth:`sync` (a kill of the process loses
        nothing; a power cut may lose what was not synced)."""
        with (self._write() if synced else self._write_unsynced()) as session, session.begin():
            yield session

    @contextmanager
    def write_cursor(self, synced: bool = True) -> Iterator[Any]:
        """:meth:`write` without SQLAlchemy: a DBAPI cursor in one ``BEGIN IMMEDIATE`` transaction, for the writes
        that happen for every run (the run recorder's), where building a session and statements cost more than
        the SQL."""
        with self._raw() as (conn, cur):
            _synchronous(conn.driver_connection, conn.info, synced)
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    @contextmanager
    def read_cursor(self) -> Iterator[Any]:
        """A DBAPI cursor for plain-SQL reads, without SQLAlchemy (each statement sees what is committed as it
        runs): for the small reads made every fraction of a second beside every run — a heartbeat, a cancel
        poll — where a session costs ten times the SQL, and holds the interpreter lock while it does."""
        with self._raw() as (_, cur):
            yield cur

    @contextmanager
    def _raw(self) -> Iterator[tuple[Any, Any]]:
        """A pooled DBAPI connection and a cursor of it; both given back after."""
        conn = self.engine.raw_connection()
        try:
            cur = conn.cursor()
            try:
                yield conn, cur
            finally:
                cur.close()
        finally:
            conn.close()  # (back to the pool)

    def sync(self) -> None:
        """Every transaction committed so far durable: the ``-wal`` file fsynced (without SQLite's write lock, so
        writers go on meanwhile). Without a ``-wal`` file everything was checkpointed into the database, which
        SQLite synced. (The file is opened read-only and never locked: SQLite locks the database and ``-shm``
        files, never the ``-wal``, so closing our descriptor cannot release a lock of SQLite's.)"""
        with self._sync_lock:  # (two syncs at once would only fsync twice)
            try:
                fd = os.open(self.path.with_name(self.path.name + "-wal"),
                             os.O_RDWR if os.name == "nt" else os.O_RDONLY)
            except FileNotFoundError:
                return
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

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
