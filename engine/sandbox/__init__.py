"""Where ``python`` blocks run user code: separate processes, killable, memory-capped, no secrets.

:class:`Sandbox` keeps one fresh worker process started (Python's start-up is then off the critical path).
A worker serves the jobs of one node of one run — the items of a loop — and nothing else: another node,
another run or another workflow always gets a fresh process, so nothing one job does can reach another
workflow's. Each job runs with fresh globals. A worker that fails, times out, is cancelled or crashes
(``os._exit``, a segfault, out of memory) is killed with its process group and never reused; one left idle
for :data:`IDLE_S` is stopped. The protocol is one JSON line each way; the code's prints arrive on stderr
as its log.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import CodeFailed

__all__ = ["Sandbox", "shared", "CodeFailed", "clean_env", "worker_command", "SANDBOX_FLAG", "MAX_LOG_BYTES",
           "IDLE_S"]

WORKER = Path(__file__).with_name("worker.py")
MAX_LOG_BYTES = 1024 * 1024  # per job
MAX_REPLY_BYTES = 512 * 1024 * 1024
IDLE_S = 5.0
_END = b"\x00end "


def worker_command() -> list[str]:
    """How a worker starts: ``python -I worker.py``; from a bundle (PyInstaller), the bundle's own binary with
    ``--sandbox-worker`` (its launcher runs the same worker, and nothing else, then)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, SANDBOX_FLAG]
    return [sys.executable, "-I", str(WORKER)]


SANDBOX_FLAG = "--sandbox-worker"


def clean_env() -> dict[str, str]:
    """What the worker's environment holds: nothing of ours (no tokens, keys or passwords)."""
    env = {"PATH": os.defpath, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
           "PYTHONDONTWRITEBYTECODE": "1"}
    if sys.platform == "win32":  # pragma: no cover - Windows needs these to start a process at all
        env.update({k: os.environ[k] for k in ("SYSTEMROOT", "TEMP", "TMP") if k in os.environ})
    return env


class _Worker:
    _ids = itertools.count(1)

    def __init__(self):
        self.proc = subprocess.Popen(
            worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=clean_env(), cwd=os.path.abspath(os.sep),
            start_new_session=True, close_fds=True)
        self.reply: concurrent.futures.Future = concurrent.futures.Future()
        self.logged: concurrent.futures.Future = concurrent.futures.Future()
        self.job_id = 0
        self.log_lines: list[str] = []
        self.on_log: Callable[[str], None] | None = None
        self._log_size = 0
        self.idle_since = 0.0
        self.key: tuple | None = None
        threading.Thread(target=self._read_replies, daemon=True, name="sandbox-reply").start()
        threading.Thread(target=self._read_log, daemon=True, name="sandbox-log").start()

    def _read_replies(self) -> None:
        out = self.proc.stdout
        try:
            if out.readline():  # "ready"
                while True:
                    line = out.readline(MAX_REPLY_BYTES)
                    self._settle(self.reply, line)
                    if not line.endswith(b"\n"):
                        break
        except (OSError, ValueError):
            pass
        finally:
            self._settle(self.reply, b"")
            out.close()

    def _read_log(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            if raw.startswith(_END):
                if raw[len(_END):].strip() == str(self.job_id).encode():
                    self._settle(self.logged, True)
                continue
            if self._log_size > MAX_LOG_BYTES:
                continue  # keep draining so the code never blocks on a full pipe
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self._log_size += len(raw)
            self.log_lines.append(text)
            if self.on_log is not None:
                self.on_log(text)
        self._settle(self.logged, False)
        self.proc.stderr.close()
        try:
            self.proc.wait(timeout=10)  # reap it (it has closed its stderr: it is ending)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass

    @staticmethod
    def _settle(fut: concurrent.futures.Future, value) -> None:
        try:
            fut.set_result(value)
        except concurrent.futures.InvalidStateError:
            pass

    def send(self, job: dict, on_log) -> int:
        """Start a job; its reply arrives in ``self.reply``, the end of its log in ``self.logged``."""
        self.job_id = next(self._ids)
        self.reply, self.logged = concurrent.futures.Future(), concurrent.futures.Future()
        self.log_lines, self._log_size, self.on_log = [], 0, on_log
        try:
            self.proc.stdin.write(json.dumps({**job, "id": self.job_id}, ensure_ascii=False).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # it died before the job: the reply reader reports that
        return self.job_id

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL its whole process group (anything it started too); the log reader reaps it."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, AttributeError):
                self.proc.kill()
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def death(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "its process stopped answering"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"its process was killed by {name}"
        return f"its process ended with exit code {code} before returning"


class Sandbox:
    def __init__(self, spares: int = 1):
        self.spares = spares
        self._fresh: list[_Worker] = []           # started, never used
        self._warm: dict[tuple, list[_Worker]] = {}  # (run, node, limits) → idle workers that served it
        self._lock = threading.Lock()
        self._closed = False

    def _stale(self) -> list[_Worker]:
        """Take out the warm workers left idle too long (call with the lock held)."""
        now, stale = time.monotonic(), []
        for k, idle in list(self._warm.items()):
            keep = [x for x in idle if now - x.idle_since < IDLE_S and x.alive()]
            stale += [x for x in idle if x not in keep]
            if keep:
                self._warm[k] = keep
            else:
                del self._warm[k]
        return stale

    def purge(self) -> None:
        """Stop the workers left idle longer than IDLE_S."""
        with self._lock:
            stale = self._stale()
        for x in stale:
            x.kill()

    def _take(self, key: tuple) -> _Worker:
        w = None
        with self._lock:
            stale = self._stale()
            if self._warm.get(key):
                w = self._warm[key].pop()
            while w is None and self._fresh:
                candidate = self._fresh.pop()
                if candidate.alive():
                    w = candidate
                else:
                    stale.append(candidate)
        for x in stale:
            x.kill()
        if w is None:
            w = _Worker()
        if w.key is None:
            w.key = key
            threading.Thread(target=self._refill, daemon=True).start()
        return w

    def _give_back(self, w: _Worker) -> None:
        w.idle_since = time.monotonic()
        with self._lock:
            if not self._closed:
                self._warm.setdefault(w.key, []).append(w)
                return
        w.kill()

    def _refill(self) -> None:
        with self._lock:
            if self._closed or len(self._fresh) >= self.spares:
                return
        w = _Worker()  # outside the lock: starting a process takes a few ms
        with self._lock:
            if not self._closed and len(self._fresh) < self.spares:
                self._fresh.append(w)
                return
        w.kill()

    async def run(self, code: str, data: Any, *, timeout_s: float, memory_mb: int, cwd: str | None = None,
                  on_log: Callable[[str], None] | None = None, key: tuple = ()) -> Any:
        """Run ``main(data)`` of ``code``; returns its result as JSON data (its prints go to ``on_log``).
        Raises CodeFailed.
        Jobs with the same ``key`` (one node of one run) may share a worker; others never do."""
        w = self._take((*key, memory_mb, cwd))
        healthy = False
        try:
            w.send({"code": code, "data": data, "memory_mb": memory_mb, "cwd": cwd}, on_log)
            try:
                async with asyncio.timeout(timeout_s):
                    line = await asyncio.wrap_future(w.reply)
            except TimeoutError:
                raise CodeFailed(f"the code ran longer than timeout_s = {timeout_s:g} s and was stopped") from None
            if not line.endswith(b"\n"):
                tail = "\n".join(w.log_lines[-5:])
                raise CodeFailed(f"the code failed: {await asyncio.to_thread(w.death)}"
                                 + (f"\n{tail}" if tail else ""))
            try:
                reply = json.loads(line)
            except ValueError:
                raise CodeFailed("the code's process sent back something unreadable") from None
            try:  # its last prints are read before the job counts as done
                async with asyncio.timeout(2):
                    await asyncio.wrap_future(w.logged)
            except TimeoutError:
                pass
            if not reply.get("ok"):
                raise CodeFailed(reply.get("error") or "the code failed", reply.get("traceback") or "")
            healthy = True
            return reply.get("result")
        finally:
            w.on_log = None
            if healthy and w.alive():
                self._give_back(w)
                asyncio.get_running_loop().call_later(IDLE_S + 0.05, self.purge)
            else:
                w.kill()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = self._fresh + [w for ws in self._warm.values() for w in ws]
            self._fresh, self._warm = [], {}
        for w in idle:
            w.kill()


_shared: Sandbox | None = None


def shared() -> Sandbox:
    global _shared
    if _shared is None:
        _shared = Sandbox()
        atexit.register(_shared.close)
    return _shared
