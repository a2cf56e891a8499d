"""The run service's policies (SPEC §6a): one immutable object handed to the service, never environment
variables written at run time. A run keeps the settings it started with; :meth:`RunService.configure`
replaces them for the runs that start afterwards."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Mapping

__all__ = ["RunSettings"]

_OFF = ("off", "0", "false", "no")


@dataclass(frozen=True)
class RunSettings:
    #: ``python`` blocks may run (their code runs in a killable subprocess either way)
    allow_python_blocks: bool = True
    #: server callbacks may reach loopback and private networks (SPEC §9); off by default
    allow_private_callbacks: bool = False
    #: queued runs running at once, over every process on the data folder (the editor's own runs beside them)
    max_concurrent_runs: int = 2
    #: queued runs that may wait at once; more are refused (HTTP: 429)
    max_queued_runs: int = 100_000
    #: a process's lease lasts this long past its last heartbeat
    lease_ttl_s: float = 10.0
    #: how often a process renews its lease (and looks for dead processes' runs)
    heartbeat_s: float = 2.0
    #: how often the dispatcher looks for runs other processes queued
    queue_poll_s: float = 0.5
    #: the longest the trigger task sleeps before it looks at the triggers again (other processes' changes)
    trigger_poll_s: float = 60.0
    #: pictures larger than this are refused before they are decoded (decoded RGB: 3 bytes a pixel)
    max_image_megapixels: float = 200
    #: where ForEach bodies of portable blocks run (SPEC §6b): ``local`` (here), ``local:N`` (a LocalCluster of N
    #: worker processes), ``dask://HOST:PORT`` (a running Dask scheduler)
    executor: str = "local"
    #: ``http_request`` blocks may run on the cluster's machines (off: a loop with one runs here)
    cluster_network: bool = False
    #: the model library the model blocks read (SPEC §4): the data folder's ``models/``; "" = NODELOOM_HOME's
    models_dir: str = ""

    def __post_init__(self) -> None:
        from ..distributed import parse_executor
        from ..errors import ClusterError

        problems = []
        try:
            parse_executor(self.executor)
        except (ClusterError, TypeError, AttributeError) as e:
            problems.append(str(e) if isinstance(e, ClusterError) else f"executor must be text, not {self.executor!r}")
        if not isinstance(self.max_concurrent_runs, int) or not 1 <= self.max_concurrent_runs <= 1000:
            problems.append(f"max_concurrent_runs must be from 1 to 1000, not {self.max_concurrent_runs!r}")
        if not isinstance(self.max_queued_runs, int) or self.max_queued_runs < 1:
            problems.append(f"max_queued_runs must be at least 1, not {self.max_queued_runs!r}")
        for name in ("lease_ttl_s", "heartbeat_s", "queue_poll_s", "trigger_poll_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.01 <= value <= 3600:
                problems.append(f"{name} must be from 0.01 to 3600 seconds, not {value!r}")
        mp = self.max_image_megapixels
        if isinstance(mp, bool) or not isinstance(mp, (int, float)) or not 1 <= mp <= 1000:
            problems.append(f"max_image_megapixels must be from 1 to 1000, not {mp!r}")
        if not problems and self.heartbeat_s * 2 > self.lease_ttl_s:
            problems.append(f"heartbeat_s ({self.heartbeat_s:g}) must be at most half of lease_ttl_s "
                            f"({self.lease_ttl_s:g}), or a busy moment would let the lease expire")
        if problems:
            raise ValueError("; ".join(problems))

    def replace(self, **changes) -> "RunSettings":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_store(cls, store, environ: Mapping[str, str] | None = None, **overrides) -> "RunSettings":
        """:meth:`from_environ` with the data folder's own settings (Edit ▸ Settings… writes them): queued runs
        at once, queued runs at most, the largest image, private callbacks, the cluster; ``overrides`` (None
        values left out) win over both."""
        from ..store import (ALLOW_PRIVATE_CALLBACKS, CLUSTER_EXECUTOR, CLUSTER_NETWORK, MAX_CONCURRENT_RUNS,
                             MAX_IMAGE_MEGAPIXELS, MAX_QUEUED_RUNS)

        kept = {"max_concurrent_runs": store.setting(MAX_CONCURRENT_RUNS),
                "max_image_megapixels": store.setting(MAX_IMAGE_MEGAPIXELS),
                "max_queued_runs": store.setting(MAX_QUEUED_RUNS),
                "allow_private_callbacks": store.setting(ALLOW_PRIVATE_CALLBACKS),
                "executor": store.setting(CLUSTER_EXECUTOR), "cluster_network": store.setting(CLUSTER_NETWORK)}
        if getattr(store, "home", None) is not None:
            kept["models_dir"] = str(store.home / "models")
        given = {k: v for k, v in overrides.items() if v is not None}
        return cls.from_environ(environ, **{**{k: v for k, v in kept.items() if v is not None}, **given})

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **overrides) -> "RunSettings":
        """Defaults, with ``NODELOOM_PYTHON_BLOCKS=off`` read once (a deployment switch, never written by us)."""
        environ = os.environ if environ is None else environ
        allowed = environ.get("NODELOOM_PYTHON_BLOCKS", "on").strip().lower() not in _OFF
        return cls(**{"allow_python_blocks": allowed, **overrides})
