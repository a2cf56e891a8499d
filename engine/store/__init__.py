"""The store (SPEC §7): one SQLite database in the data folder, plus the result cache beside it. Persistence
only: it never runs anything, and opening it (or reading through its repos) never changes a run. A front that
shows runs calls ``store.reconcile()`` first: the runs of processes that are gone are recorded ``interrupted``
(or queued again, once) — :mod:`.reconcile`; the run service recovers them too, from its heartbeat.

    store = Store(home)                 # opens (and migrates) home/nodeloom.db; installs the example
                                        # templates on first start
    store.workflows                     # WorkflowRepo: CRUD, versions, diff, rollback, templates, files
    store.runs                          # RunRepo: run records, drafts' runs, recovery of dead processes' runs
    store.queue                         # QueueRepo: the persistent priority queue
    store.leases                        # LeaseRepo: which processes run workflows, and which dispatches
    store.events                        # EventRepo: each run's events (for late subscribers)
    store.hooks                         # HookRepo: webhook secrets and recent delivery ids
    store.triggers                      # TriggerRepo: schedules, folder watches, webhooks; files seen
    store.cache                         # ResultCache under home/cache
    store.cache_stats()                 # its size, entries, hit rate of the last 7 days, per workflow
    store.clear_cache(workflow_id)      # the entries that workflow's runs wrote (None: all)
    store.reconcile()                   # before showing runs: settle those of processes that are gone
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ..folders import home as data_home
from ..folders import templates_dir
from .cache_stats import CacheStats, WorkflowCacheUse, cache_stats
from .db import Database, open_database
from .diff import AnnotationChange, ConfigChange, Link, NodeChange, WorkflowDiff, diff_workflows
from ..errors import NotFound
from .events import EventRepo
from .hooks import HookRepo
from .leases import LeaseInfo, LeaseRepo
from .queue import DEFAULT_PRIORITY, QueueRepo, QueueView
from .reconcile import Reconciler
from .runs import NodeRunInfo, Recovered, RunInfo, RunRepo, run_json
from .triggers import TRIGGER_KINDS, SeenFile, TriggerInfo, TriggerRepo
from .workflows import Page, SaveResult, VersionInfo, WorkflowInfo, WorkflowRepo

__all__ = ["Store", "Database", "WorkflowRepo", "RunRepo", "QueueRepo", "LeaseRepo", "EventRepo", "HookRepo",
           "TriggerRepo", "TriggerInfo", "SeenFile", "TRIGGER_KINDS",
           "WorkflowInfo", "VersionInfo", "SaveResult", "Page", "RunInfo", "NodeRunInfo", "run_json", "QueueView", "LeaseInfo", "Recovered", "NotFound",
           "CacheStats", "WorkflowCacheUse", "WorkflowDiff", "NodeChange", "ConfigChange", "AnnotationChange", "Link", "diff_workflows", "DEFAULT_PRIORITY", "CACHE_LIMIT_MB",
           "MAX_CONCURRENT_RUNS", "MAX_IMAGE_MEGAPIXELS", "MAX_QUEUED_RUNS", "ALLOW_PRIVATE_CALLBACKS", "CLUSTER_EXECUTOR",
           "CLUSTER_NETWORK"]

DB_NAME = "nodeloom.db"
CACHE_LIMIT_MB = "cache.size_limit_mb"          # data-folder settings (the settings table)
MAX_CONCURRENT_RUNS = "runs.max_concurrent_runs"
MAX_IMAGE_MEGAPIXELS = "images.max_megapixels"
MAX_QUEUED_RUNS = "runs.max_queued_runs"
ALLOW_PRIVATE_CALLBACKS = "server.allow_private_callbacks"
CLUSTER_NETWORK = "cluster.network"  # http_request blocks may run on the cluster's machines
CLUSTER_EXECUTOR = "cluster.executor"  # where ForEach bodies run: local, local:N, dask://HOST:PORT (SPEC §6b)


class Store:
    def __init__(self, home: str | os.PathLike | None = None, *, install_templates: bool = True):
        self.home = data_home(home)
        self.db = open_database(self.home / DB_NAME)
        self.workflows = WorkflowRepo(self.db)
        self.runs = RunRepo(self.db)
        self.queue = QueueRepo(self.db)
        self.leases = LeaseRepo(self.db)
        self.events = EventRepo(self.db)
        self.hooks = HookRepo(self.db)
        self.triggers = TriggerRepo(self.db)
        self._reconcile = Reconciler(self.leases, self.runs)
        if install_templates:
            self.workflows.install_templates(templates_dir())
        self._cache = None
        self._cache_lock = threading.Lock()

    @property
    def cache(self):
        with self._cache_lock:  # the editor opens it on a worker thread
            return self._open_cache()

    def _open_cache(self):
        if self._cache is None:
            from ..cache import ResultCache
            from ..cache.store import DEFAULT_SIZE_LIMIT

            mb = os.environ.get("NODELOOM_CACHE_MB") or self.setting(CACHE_LIMIT_MB)
            self._cache = ResultCache(self.home / "cache", int(mb) * 1024 * 1024 if mb else DEFAULT_SIZE_LIMIT)
        return self._cache

    def cache_stats(self, days: int = 7) -> CacheStats:
        """The result cache's size, entries and limit, how well it served the runs of the last ``days`` days, and
        per workflow (:mod:`.cache_stats`). Reads the disk: off the GUI thread and off the event loop."""
        return cache_stats(self.db, self.cache, days=days)

    def clear_cache(self, workflow_id: str | None = None) -> int:
        """Remove the cache entries written by runs of ``workflow_id``, or every entry (None); how many went."""
        return self.cache.clear() if workflow_id is None else self.cache.evict(workflow_id)

    def reconcile(self) -> Recovered:
        """Record the runs of processes that are gone as the run service would (``interrupted``; from the queue:
        queued again, once), so what is read next is the truth (SPEC §6a). Cheap and throttled: call it before
        every read that shows runs (off the GUI thread and off the event loop: it may write)."""
        return self._reconcile()

    def setting(self, key: str, default=None):
        """A data-folder-wide setting (every process on this folder reads the same), or ``default``."""
        from .models import SettingRow

        with self.db.read() as s:
            row = s.get(SettingRow, key)
            return default if row is None else row.value

    def set_setting(self, key: str, value) -> None:
        from .models import SettingRow

        with self.db.write() as s:
            s.merge(SettingRow(key=key, value=value))

    def unset_setting(self, key: str) -> None:
        """Forget a data-folder setting: its default holds again."""
        from .models import SettingRow

        with self.db.write() as s:
            row = s.get(SettingRow, key)
            if row is not None:
                s.delete(row)

    def base_dir(self, workflow_id: str) -> Path:
        """The folder a stored workflow's relative paths resolve against: where it came from."""
        from sqlalchemy import select

        from .models import WorkflowRow

        seen = set()
        while workflow_id not in seen:
            seen.add(workflow_id)
            with self.db.read() as s:
                source = s.scalar(select(WorkflowRow.source).where(WorkflowRow.id == workflow_id)) or ""
            kind, _, rest = source.partition(":")
            if kind == "resource":
                return templates_dir()
            if kind == "file" and Path(rest).is_absolute():
                return Path(rest).parent
            if kind != "template":
                break
            workflow_id = rest
        return Path.cwd()

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
        self.db.close()
