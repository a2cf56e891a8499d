"""The run service's cluster (SPEC §6b): ``RunSettings.executor`` names it (``local``: none; ``local:N``; a
``dask://HOST:PORT`` scheduler). Dask is imported only when one is named (``nodeloom[dask]``)."""

from __future__ import annotations

import logging

from ..distributed import parse_executor
from .settings import RunSettings

__all__ = ["open_cluster", "close_cluster"]

log = logging.getLogger(__name__)


async def open_cluster(settings: RunSettings):
    """The backend the settings name, connected (a LocalCluster started), or None to run everything here.
    Raises :class:`engine.distributed.ClusterError` with the reason when it cannot be used."""
    kind, _ = parse_executor(settings.executor)
    if kind == "here":
        return None
    from ..distributed import DaskBackend

    backend = await DaskBackend.start(settings.executor, allow_network=settings.cluster_network)
    log.info("ForEach bodies of portable blocks run on %s (%d workers; dashboard %s)", backend.name,
             backend.workers(), backend.dashboard() or "none")
    return backend


async def close_cluster(backend) -> None:
    if backend is not None:
        try:
            await backend.aclose()
        except Exception:  # noqa: BLE001 - a cluster already gone
            log.warning("closing the cluster %s failed", backend.name, exc_info=True)
