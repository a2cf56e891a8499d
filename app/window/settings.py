"""Edit ▸ Settings…: the dialog's choices applied where they belong — the theme and "allow Python" to this window,
the cache limit and queued runs at once to the data folder (every process on it reads them), the data folder to
the user's config file (for the next start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QTimer

from engine.errors import NotFound
from engine.folders import config_file, configure_home, configured_home
from engine.runs import ClusterError, describe_cluster, switch_cluster
from engine.store import CACHE_LIMIT_MB, CLUSTER_EXECUTOR, CLUSTER_NETWORK, MAX_CONCURRENT_RUNS, MAX_IMAGE_MEGAPIXELS

from ..dialogs.settings import SettingsDialog

__all__ = ["SettingsController"]


class SettingsController:
    def __init__(self, window, config: Path | None = None):
        self.w = window
        self.config = config or config_file()  # where the data folder choice is written (tests pass their own)
        self.dialog: SettingsDialog | None = None
        self.cluster_timer = QTimer(window, interval=2000)  # the cluster's workers and load, while the dialog shows
        self.cluster_timer.timeout.connect(lambda: self._soon(self.show_cluster()))

    def open(self) -> SettingsDialog:
        w = self.w
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        limit = w.store.cache.size_limit // 2**20
        dialog = SettingsDialog(theme=str(w.settings.value("theme", "system")), home=w.home,
                                configured=configured_home(self.config), cache_mb=limit, python=w.code.allowed,
                                runs_at_once=self._runs_at_once(), image_mp=self._image_limit(),
                                home_overridden=w.home_overridden,
                                log_level=str(w.settings.value("log_level", "INFO")),
                                cluster=self._executor(), cluster_network=bool(w.store.setting(CLUSTER_NETWORK)),
                                parent=w)
        dialog.themeChosen.connect(self.set_theme)
        dialog.homeChosen.connect(self.set_home)
        dialog.cacheLimitChosen.connect(self.set_cache_limit)
        dialog.clearCacheRequested.connect(lambda: asyncio.ensure_future(self.clear_cache()))
        dialog.clearWorkflowRequested.connect(lambda wid: self._soon(self.clear_workflow_cache(wid)))
        dialog.cacheShown.connect(lambda: self._soon(self.show_cache_use()))
        dialog.pythonAllowed.connect(w.code.set_allowed)
        dialog.runsAtOnceChosen.connect(self.set_runs_at_once)
        dialog.imageLimitChosen.connect(self.set_image_limit)
        dialog.logLevelChosen.connect(self.set_log_level)
        dialog.cluster.chosen.connect(lambda spec: self._soon(self.set_cluster(spec)))
        dialog.cluster.networkAllowed.connect(self.set_cluster_network)
        self.cluster_timer.start()
        self.dialog = dialog
        dialog.show()
        self._soon(self.show_cache_use())
        self._soon(self.show_cluster())
        return dialog

    @staticmethod
    def _soon(coro) -> None:
        """Run ``coro`` on the window's loop (none runs in a script or a test between its runs: then skip it)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return
        asyncio.ensure_future(coro)

    def _image_limit(self) -> int:
        return int(self.w.store.setting(MAX_IMAGE_MEGAPIXELS) or 200)

    def _runs_at_once(self) -> int:
        service = self.w.runs.service
        if service is not None:
            return service.settings.max_concurrent_runs
        return int(self.w.store.setting(MAX_CONCURRENT_RUNS) or 2)

    def set_theme(self, mode: str) -> None:
        w = self.w
        w.set_theme(mode)
        getattr(w, f"actionTheme{mode.title()}").setChecked(True)

    def set_log_level(self, level: str) -> None:
        """What the log file takes from now on (and at the next start)."""
        self.w.settings.setValue("log_level", level)
        self.w.help.set_level(level)

    def set_home(self, folder: str) -> None:
        configure_home(folder or None, self.config)
        where = folder or "the default folder"
        self.w.statusBar().showMessage(f"Data folder: {where} — when Nodeloom starts again", 8000)

    def set_cache_limit(self, mb: int) -> None:
        w = self.w
        w.store.set_setting(CACHE_LIMIT_MB, mb)
        w.store.cache.set_size_limit(mb * 2**20)
        self._soon(self.show_cache_use())

    def set_image_limit(self, megapixels: int) -> None:
        w = self.w
        w.store.set_setting(MAX_IMAGE_MEGAPIXELS, megapixels)
        if w.runs.service is not None:
            w.runs.service.configure(max_image_megapixels=megapixels)

    def set_runs_at_once(self, n: int) -> None:
        w = self.w
        w.store.set_setting(MAX_CONCURRENT_RUNS, n)
        if w.runs.service is not None:
            w.runs.service.configure(max_concurrent_runs=n)

    def _executor(self) -> str:
        service = self.w.runs.service
        if service is not None:
            return service.settings.executor
        return str(self.w.store.setting(CLUSTER_EXECUTOR) or "local")

    def set_cluster_network(self, allowed: bool) -> None:
        w = self.w
        w.store.set_setting(CLUSTER_NETWORK, allowed)
        if w.runs.service is not None:
            w.runs.service.configure(cluster_network=allowed)

    async def set_cluster(self, spec: str) -> None:
        """Loops run on ``spec`` from the next run on (a LocalCluster starts, a scheduler is joined), or the
        dialog says why not and nothing changes."""
        try:
            service = await self.w.runs.open_service()
            await switch_cluster(service, spec)
        except (ClusterError, ValueError) as e:
            if self.dialog is not None:
                self.dialog.cluster.show_cluster(None, str(e))
            return
        self.w.statusBar().showMessage(f"Loops of portable blocks run on {spec} from the next run", 8000)
        if self.dialog is not None:
            self.dialog.cluster.use.setEnabled(True)
        await self.show_cluster()

    async def show_cluster(self) -> None:
        dialog = self.dialog
        if dialog is None or not dialog.isVisible():
            self.cluster_timer.stop()
            return
        service = self.w.runs.service
        try:
            info = await describe_cluster(service) if service is not None else None
        except Exception as e:  # noqa: BLE001 - a cluster gone away: said in the box
            info, error = None, f"the cluster does not answer: {e}"
        else:
            error = None
        try:
            if dialog.cluster.use.isEnabled():  # (not while a new choice connects)
                dialog.cluster.show_cluster(info, error)
        except RuntimeError:  # closed meanwhile
            pass

    async def clear_cache(self) -> None:
        cache = self.w.store.cache
        await asyncio.get_running_loop().run_in_executor(None, cache.clear)
        self.w.statusBar().showMessage("The result cache is empty: the next runs compute every node", 6000)
        await self.show_cache_use()

    async def clear_workflow_cache(self, workflow_id: str) -> None:
        """Edit ▸ Settings ▸ Cache ▸ Clear for this workflow: the entries its runs wrote go, the others stay."""
        store = self.w.store

        def clear() -> tuple[int, str]:
            try:
                name = store.workflows.get(workflow_id, include_deleted=True).name
            except NotFound:  # (gone meanwhile)
                name = workflow_id
            return store.clear_cache(workflow_id), name

        removed, name = await asyncio.get_running_loop().run_in_executor(None, clear)
        self.w.statusBar().showMessage(f"Removed {removed} cached result{'s' if removed != 1 else ''} of {name}: "
                                       "its next run computes them again", 6000)
        await self.show_cache_use()

    async def show_cache_use(self) -> None:
        """The Cache page's numbers (size, entries, hit rate, per workflow), read off the GUI thread."""
        dialog = self.dialog
        if dialog is None:
            return
        store = self.w.store
        dialog.show_cache_use(None, store.cache.size_limit)
        stats = await asyncio.get_running_loop().run_in_executor(None, store.cache_stats)
        try:
            dialog.show_cache_use(stats.size_bytes, stats.size_limit_bytes)
            dialog.cache.show_stats(stats)
        except RuntimeError:  # closed meanwhile
            pass
