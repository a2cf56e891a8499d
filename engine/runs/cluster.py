"""The run service's cluster (SPEC §6b): ``RunSettings.executor`` names it (``local``: none; ``local:N``; a
``dask://HOST:PORT`` scheduler). Dask is imported only when one is named (``nodeloom[dask]``)."""

from __future__ import annotations

import asyncio
import logging

from ..distributed import parse_executor
from .settings import RunSettings

__all__ = ["open_cluster", "close_cluster", "switch_cluster", "describe_cluster"]

log = logging.getLogger(__name__)


async def open_cluster(settings: RunSettings):
    """The backend the settings name, connected (a LocalCluster started), or None to run everything here.
    Raises :class:`engine.errors.ClusterError` with the reason when it cannot be used."""
    kind, _ = parse_executor(settings.executor)
    if kind == "here":
        return None
    from ..distributed import DaskBackend

    backend = await DaskBackend.start(settings.executor)
    log.info("ForEach bodies of portable blocks run on %s (%d workers; dashboard %s)", backend.name,
             backend.workers(), backend.dashboard() or "none")
    return backend


async def close_cluster(backend) -> None:
    if backend is not None:
        try:
            await backend.aclose()
        except Exception:  # noqa: BLE001 - a cluster already gone
            log.warning("closing the cluster %s failed", backend.name, exc_info=True)


async def switch_cluster(service, executor: str) -> None:
    """Runs that start from now on use the cluster ``executor`` names (``local``: none); the data folder keeps
    the choice. Runs under way finish where they are; the cluster they used closes after them. Raises
    :class:`engine.errors.ClusterError` (or ValueError) with the reason, and then nothing changes."""
    settings = service.settings.replace(executor=executor)  # (validates it)
    new = await open_cluster(settings)
    old, service.cluster = service.cluster, new
    if service.executor is not None:
        service.executor.remote = new
    service.configure(executor=executor)
    from ..store import CLUSTER_EXECUTOR

    await asyncio.to_thread(service.store.set_setting, CLUSTER_EXECUTOR, executor)
    if old is not None:
        service.keep(_retire(service, old))


async def _retire(service, backend) -> None:
    while service.executor is not None and any(h.remote is backend for h in service.executor.active.values()):
        await asyncio.sleep(0.5)
    await close_cluster(backend)


async def describe_cluster(service) -> dict | None:
    """The service's cluster now — address, dashboard, workers with their load — or None when runs run here."""
    backend = service.cluster
    if backend is None:
        return None
    return await asyncio.to_thread(backend.describe)
