"""Nodeloom on a Dask cluster (SPEC §6b; ``pip install 'nodeloom[dask]'``).

:class:`DaskBackend` is the executor's :class:`~engine.executor.remote.RemoteBackend` on Dask distributed:
``dask://HOST:PORT`` (or ``tcp://…``) joins a running scheduler (``dask scheduler``, ``dask worker …``);
``local:N`` starts a LocalCluster of N worker processes for this process's lifetime.

The Dask client keeps to its own thread and event loop: nothing of Dask runs on the caller's loop (a Qt
loop cannot hold Dask's infinite timers), and every blocking call (connecting, scattering, fetching a result,
raising a stop flag) is made from a thread of the backend's own; answers are handed to the caller's loop.
Nothing else in Nodeloom imports Dask.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import ClusterError

__all__ = ["DaskBackend", "parse_executor", "ClusterError"]

log = logging.getLogger(__name__)
_ADDRESS = re.compile(r"^(?:dask|tcp)://([A-Za-z0-9.\-\[\]:]+):(\d{1,5})$")


def parse_executor(spec: str) -> tuple[str, Any]:
    """``local`` → ("here", None); ``local:N`` → ("local", N); ``dask://HOST:PORT`` → ("dask", "tcp://HOST:PORT")."""
    text = (spec or "").strip()
    shown = repr(text if len(text) <= 80 else text[:77] + "...")
    if text in ("", "local", "here"):
        return "here", None
    if text.startswith("local:"):
        count = text[6:]
        if not count.isdigit() or not 1 <= int(count) <= 64:
            raise ClusterError(f"--executor {shown}: local:N wants N worker processes, 1 to 64")
        return "local", int(count)
    m = _ADDRESS.match(text)
    if m is None or not 0 < int(m.group(2)) < 65536:
        raise ClusterError(f"--executor {shown}: use local, local:N (N worker processes here) or "
                           "dask://HOST:PORT (a running Dask scheduler)")
    return "dask", f"tcp://{m.group(1)}:{m.group(2)}"


def _task(shared: bytes, batch: bytes, stop: str) -> bytes:
    """What a Dask worker runs: a batch of loop iterations, stopped when the loop's flag is raised."""
    from distributed import Event, get_client

    from engine.executor.remote import run_batch

    flag = Event(stop, client=get_client())  # (the client given: the flag is read from another thread)
    return run_batch(shared, batch, lambda: flag.is_set())


class DaskBackend:
    def __init__(self, client, cluster=None, *, name: str):
        self.client, self.cluster, self.name = client, cluster, name
        self._threads = ThreadPoolExecutor(max_workers=8, thread_name_prefix="nodeloom-dask")
        self._count, self._counted = 0, 0.0
        self._lock = threading.Lock()
        self._refresh()

    @classmethod
    def open(cls, spec: str, *, timeout: float = 10) -> "DaskBackend":
        """Connect (blocking; call it from a thread when a loop is running)."""
        kind, arg = parse_executor(spec)
        if kind == "here":
            raise ClusterError("no cluster: the executor runs everything here")
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ClusterError("Dask is not installed: pip install 'nodeloom[dask]'") from None
        cluster = None
        try:
            if kind == "local":
                cluster = LocalCluster(n_workers=arg, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
                # data straight between this process and the workers: the scheduler (in this process too) only
                # hears where it is, instead of passing every picture on itself
                client = Client(cluster, set_as_default=False, timeout=timeout, direct_to_workers=True)
            else:
                client = Client(arg, set_as_default=False, timeout=timeout)
        except Exception as e:  # noqa: BLE001 - an unreachable scheduler, a port taken: said in words
            if cluster is not None:
                cluster.close()
            raise ClusterError(f"cannot use the cluster {spec!r}: {type(e).__name__}: {e}") from None
        return cls(client, cluster, name=spec)

    @classmethod
    async def start(cls, spec: str, **kw: Any) -> "DaskBackend":
        return await asyncio.get_running_loop().run_in_executor(None, lambda: cls.open(spec, **kw))

    # -- RemoteBackend ----------------------------------------------------------------------------------

    def workers(self) -> int:
        if time.monotonic() - self._counted > 2:
            self._counted = time.monotonic()
            self._threads.submit(self._refresh)
        return self._count

    def _refresh(self) -> None:
        try:
            self._count = len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        except Exception:  # noqa: BLE001 - the count is a hint for batch sizes
            pass
        self._counted = time.monotonic()

    async def share(self, data: bytes) -> Any:
        return await asyncio.get_running_loop().run_in_executor(
            self._threads, lambda: self.client.scatter(data, hash=False))

    async def submit(self, shared: Any, batch: bytes, stop: str) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        answer = _Answer(loop=loop)

        def send():
            data = self.client.scatter(batch, hash=False)
            return self.client.submit(_task, shared, data, stop, pure=False)

        future = await loop.run_in_executor(self._threads, send)

        def done(f) -> None:  # (on a thread of Dask's)
            try:
                result, error = f.result(), None
            except BaseException as e:  # noqa: BLE001 - handed to the loop
                result, error = None, e
            try:
                loop.call_soon_threadsafe(_settle, answer, result, error)
            except RuntimeError:  # the loop is closed: nobody waits for this answer any more
                pass

        future.add_done_callback(done)
        answer.dask_future = future
        return answer

    def stop(self, name: str, futures: list) -> None:
        dask_futures = [f.dask_future for f in futures if hasattr(f, "dask_future")]

        def stop_them() -> None:
            from distributed import Event

            try:
                Event(name, client=self.client).set()  # (first: batches running see it within a second)
                self.client.cancel(dask_futures)
            except Exception:  # noqa: BLE001 - a cluster gone takes its batches with it
                log.warning("could not stop the batches of %s", name, exc_info=True)

        self._threads.submit(stop_them)

    def release(self, shared: Any) -> None:
        self._threads.submit(shared.release)

    # -- for the settings and the CLI -------------------------------------------------------------------

    def describe(self) -> dict:
        """The cluster now (blocking): its address, dashboard and workers with their load."""
        info = self.client.scheduler_info(n_workers=-1)
        workers = []
        for address, w in sorted(info.get("workers", {}).items()):
            metrics = w.get("metrics", {})
            counts = metrics.get("task_counts") or {}
            workers.append({"address": address, "threads": w.get("nthreads", 0),
                            "memory_mb": round(metrics.get("memory", 0) / 2**20),
                            "cpu": round(float(metrics.get("cpu", 0.0)), 1),
                            "tasks": int(counts.get("executing", 0)) + int(counts.get("ready", 0))})
        return {"name": self.name, "scheduler": info.get("address", ""), "dashboard": self.dashboard(),
                "workers": workers}

    def dashboard(self) -> str | None:
        try:
            return self.client.dashboard_link
        except Exception:  # noqa: BLE001 - no dashboard (bokeh missing, or switched off)
            return None

    def close(self) -> None:
        """Disconnect (blocking); a LocalCluster of ours stops with it."""
        try:
            self.client.close(timeout=10)
        finally:
            if self.cluster is not None:
                self.cluster.close(timeout=10)
            self._threads.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)


class _Answer(asyncio.Future):
    """A batch's answer on the caller's loop, knowing its Dask future (to cancel it)."""

    dask_future: Any = None


def _settle(answer: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if answer.done():
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(result)
