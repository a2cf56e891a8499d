"""Where ``python`` blocks run user code: a separate process per job, killable, memory-capped, no secrets.

:class:`Sandbox` keeps one spare worker process started (Python's start-up is then off the critical path);
each job takes a spare and a new one is started behind it. A worker runs exactly one job and ends, so a job
that is killed (timeout, cancel), crashes (``os._exit``, a segfault) or runs out of memory takes nothing
down with it. The protocol is one JSON line each way; the code's prints arrive on stderr as its log.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable

from ..errors import BlockError

__all__ = ["Sandbox", "shared", "CodeFailed", "clean_env", "MAX_LOG_BYTES"]

WORKER = Path(__file__).with_name("worker.py")
MAX_LOG_BYTES = 1024 * 1024
MAX_REPLY_BYTES = 512 * 1024 * 1024


class CodeFailed(BlockError):
    """The user's code raised, or its process died or was killed."""

    def __init__(self, message: str, traceback: str = ""):
        super().__init__(message)
        self.code_traceback = traceback


def clean_env() -> dict[str, str]:
    """What the worker's environment holds: nothing of ours (no tokens, keys or passwords)."""
    env = {"PATH": os.defpath, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
           "PYTHONDONTWRITEBYTECODE": "1"}
    if sys.platform == "win32":  # pragma: no cover - Windows needs these to start a process at all
        env.update({k: os.environ[k] for k in ("SYSTEMROOT", "TEMP", "TMP") if k in os.environ})
    return env


class _Worker:
    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=clean_env(), cwd=os.path.abspath(os.sep),
            start_new_session=True, close_fds=True)
        self.reply: concurrent.futures.Future = concurrent.futures.Future()
        self.log_lines: list[str] = []
        self.on_log: Callable[[str], None] | None = None
        self._log_size = 0
        threading.Thread(target=self._read_reply, daemon=True, name="sandbox-reply").start()
        threading.Thread(target=self._read_log, daemon=True, name="sandbox-log").start()

    def _read_reply(self) -> None:
        out = self.proc.stdout
        try:
            ready = out.readline()
            line = out.readline(MAX_REPLY_BYTES) if ready else b""
        except (OSError, ValueError):
            line = b""
        if not self.reply.done():
            self.reply.set_result(line)

    def _read_log(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            if self._log_size > MAX_LOG_BYTES:
                continue  # keep draining so the code never blocks on a full pipe
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self._log_size += len(raw)
            self.log_lines.append(text)
            if self.on_log is not None:
                self.on_log(text)
        try:
            self.proc.wait(timeout=10)  # reap it (it has closed its stderr: it is ending)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass

    def send(self, job: dict) -> None:
        try:
            self.proc.stdin.write(json.dumps(job, ensure_ascii=False).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # it died before the job: _read_reply reports that

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
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                w = self._idle.pop()
                if w.proc.poll() is None:
                    break
            else:
                w = None
        if w is None:
            w = _Worker()
        threading.Thread(target=self._refill, daemon=True).start()
        return w

    def _refill(self) -> None:
        with self._lock:
            if self._closed or len(self._idle) >= self.spares:
                return
            self._idle.append(_Worker())

    def warm(self) -> None:
        """Start the spare now (say, when a workflow with python blocks is opened)."""
        self._refill()

    async def run(self, code: str, data: Any, *, timeout_s: float, memory_mb: int, cwd: str | None = None,
                  on_log: Callable[[str], None] | None = None) -> tuple[Any, list[str]]:
        """Run ``main(data)`` of ``code``; returns (result as JSON data, log lines). Raises CodeFailed."""
        w = self._take()
        w.on_log = on_log
        for line in list(w.log_lines):  # anything printed while it started
            if on_log:
                on_log(line)
        try:
            w.send({"code": code, "data": data, "memory_mb": memory_mb, "cwd": cwd})
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
            if not reply.get("ok"):
                raise CodeFailed(reply.get("error") or "the code failed", reply.get("traceback") or "")
            return reply.get("result"), list(w.log_lines)
        finally:
            w.kill()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for w in idle:
            w.kill()


_shared: Sandbox | None = None


def shared() -> Sandbox:
    global _shared
    if _shared is None:
        _shared = Sandbox()
        atexit.register(_shared.close)
    return _shared
