"""Process leases (SPEC §6a): every process that runs workflows holds a row it renews with a heartbeat.

A run records the lease of the process that runs it. The run service recovers the runs of a lease only when it
has expired *and* its process is gone (same host: the pid no longer exists, or belongs to a newer process), so a
machine waking from sleep, whose heartbeats are all late at once, never has its live runs taken. Readers
(:meth:`LeaseRepo.gone`, for :mod:`.reconcile`) need not wait for the expiry when this host can tell: a process
of this host that is gone is gone at once; one of another host (or of another pid namespace on this host, whose
pids mean nothing here) only once its lease expired. One lease at a time is ``dispatching``: its process starts
queued runs and fires triggers; another takes over once it expires.

A lease names its process by host, pid and ``proc_start``: ``TICKS@NS``, when it started (clock ticks since
boot, to tell it from a later process with its pid) and the inode of its pid namespace (either part may be
missing; rows of older versions hold ``TICKS`` only).
"""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from .db import Database
from .models import LeaseRow

__all__ = ["LeaseRepo", "LeaseInfo", "process_identity", "process_alive", "lease_gone"]


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, start) of process ``pid`` (Linux): its state letter and when it started, in clock ticks since boot."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # counted after the command name, which may hold spaces
    return (fields[0], fields[19]) if len(fields) > 19 else None


def _pid_namespace() -> str | None:
    """The inode of this process's pid namespace (``pid:[4026531836]`` → ``4026531836``), where Linux tells."""
    try:
        link = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None
    return link[link.find("[") + 1:-1] or None


def process_identity() -> tuple[str, int, str | None]:
    pid = os.getpid()
    stat, ns = _stat(pid), _pid_namespace()
    start = stat[1] if stat else None
    if ns is None:
        return socket.gethostname(), pid, start
    return socket.gethostname(), pid, f"{start or ''}@{ns}"


def process_alive(host: str, pid: int, proc_start: str | None) -> bool | None:
    """True or False on this host; None when this process cannot tell (``host`` is another machine, or the
    process numbers its pids in another pid namespace): only the lease's expiry tells then."""
    if host != socket.gethostname():
        return None
    if sys.platform == "win32":  # pragma: no cover - os.kill(pid, 0) would terminate it there
        return None
    start, _, ns = (proc_start or "").partition("@")
    if ns and ns != _pid_namespace():
        return None  # a sandbox (flatpak, a container named like this host): its pid is another process here
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    stat = _stat(pid)
    if stat is not None:
        state, now = stat
        if state in ("Z", "X", "x"):
            return False  # it exited; only its parent has not reaped it yet
        if start and now != start:
            return False  # the pid was reused by a newer process
    return True


def lease_gone(host: str, pid: int, proc_start: str | None, expires_at: float, now: float) -> bool:
    """Whether a lease's process is gone, as a reader judges it: on this host at once; elsewhere once expired."""
    alive = process_alive(host, pid, proc_start)
    return alive is False or (alive is None and expires_at < now)


@dataclass(frozen=True)
class LeaseInfo:
    id: str
    front: str
    host: str
    pid: int
    started_at: float
    heartbeat_at: float
    expires_at: float
    dispatching: bool

    @classmethod
    def of(cls, r: LeaseRow) -> "LeaseInfo":
        return cls(r.id, r.front, r.host, r.pid, r.started_at, r.heartbeat_at, r.expires_at, bool(r.dispatching))

    def to_json(self) -> dict:
        return dict(self.__dict__)


class LeaseRepo:
    def __init__(self, db: Database):
        self.db = db

    def acquire(self, front: str, ttl_s: float, lease_id: str | None = None) -> str:
        """A new lease for this process (or ``lease_id`` again, after it was taken for dead)."""
        host, pid, start = process_identity()
        now = time.time()
        lease_id = lease_id or uuid.uuid4().hex
        with self.db.write() as s:
            s.merge(LeaseRow(id=lease_id, front=front, host=host, pid=pid, proc_start=start, started_at=now,
                             heartbeat_at=now, expires_at=now + ttl_s, dispatching=False))
        return lease_id

    def renew(self, lease_id: str, ttl_s: float) -> bool:
        """Move the lease on; False when it is gone (another process took this one for dead)."""
        now = time.time()
        with self.db.write_cursor(synced=False) as cur:  # (plain SQL: every heartbeat; a lost one costs nothing)
            cur.execute("UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE id = ?", (now, now + ttl_s, lease_id))
            return cur.rowcount == 1

    def release(self, lease_id: str) -> None:
        with self.db.write() as s:
            s.execute(delete(LeaseRow).where(LeaseRow.id == lease_id))

    def list(self) -> list[LeaseInfo]:
        with self.db.read() as s:
            return [LeaseInfo.of(r) for r in s.scalars(select(LeaseRow).order_by(LeaseRow.started_at))]

    def dead(self, now: float | None = None) -> list[str]:
        """Leases that expired and whose process is gone (on another host: expired is enough)."""
        now = time.time() if now is None else now
        with self.db.read_cursor() as cur:  # (plain SQL: every heartbeat)
            found = cur.execute("SELECT id, host, pid, proc_start FROM leases WHERE expires_at < ?", (now,)).fetchall()
        return [lid for lid, host, pid, start in found if process_alive(host, pid, start) is not True]

    def gone(self, now: float | None = None) -> list[str]:
        """Leases whose process is gone (:func:`lease_gone`): those of this host at once, expired or not; those
        of another host once expired. One plain-SQL read: readers ask often."""
        now = time.time() if now is None else now
        with self.db.read_cursor() as cur:
            rows = cur.execute("SELECT id, host, pid, proc_start, expires_at FROM leases").fetchall()
        return [lid for lid, host, pid, start, expires in rows if lease_gone(host, pid, start, expires, now)]

    def dispatcher(self) -> LeaseInfo | None:
        """The live lease that dispatches the queue, if any."""
        with self.db.read() as s:
            row = s.scalars(select(LeaseRow).where(LeaseRow.dispatching.is_(True),
                                                   LeaseRow.expires_at >= time.time())).first()
            return LeaseInfo.of(row) if row else None

    def take_dispatch(self, lease_id: str) -> bool:
        """Become the dispatcher unless another live lease is (one transaction). True when this lease is it."""
        now = time.time()
        with self.db.write() as s:
            me = s.get(LeaseRow, lease_id)
            if me is None or me.expires_at < now:
                return False
            other = s.scalars(select(LeaseRow.id).where(LeaseRow.dispatching.is_(True), LeaseRow.id != lease_id,
                                                        LeaseRow.expires_at >= now)).first()
            if other is not None:
                return False
            s.execute(update(LeaseRow).where(LeaseRow.id != lease_id).values(dispatching=False))
            me.dispatching = True
            return True

    def is_dispatcher(self, lease_id: str) -> bool:
        with self.db.read_cursor() as cur:  # (plain SQL: asked every heartbeat)
            row = cur.execute("SELECT dispatching, expires_at FROM leases WHERE id = ?", (lease_id,)).fetchone()
        return bool(row and row[0] and row[1] >= time.time())
