"""The main window's runs: F5 runs the tab's workflow on the qasync loop and logs it in the run panel."""

from __future__ import annotations

import asyncio
from pathlib import Path

from .editor_tab import EditorTab

__all__ = ["RunsMixin"]


class RunsMixin:
    def run_current(self) -> None:
        tab = self.current_tab()
        if tab is not None:
            asyncio.ensure_future(self.run_tab(tab))

    async def run_tab(self, tab: EditorTab):
        from engine.store.launch import Launcher

        if self.launcher is None:
            self.launcher = Launcher(self.store, self.registry, trigger="editor")
        sub = self.launcher.executor.subscribe()
        self.run_log.appendPlainText(f"▶ {tab.doc.name}")
        self.actionStop.setEnabled(True)
        base = self.store.base_dir(tab.doc.workflow_id) if tab.doc.workflow_id else Path.cwd()
        job = asyncio.ensure_future(self.launcher.run_document(tab.doc.workflow(), base_dir=base, use_pins=True))

        async def follow():
            async for ev in sub:
                if ev.kind == "node_finished":
                    where = "".join(f"[{i}]" for i in ev.iteration)
                    line = f"  {ev.node_id}{where}: {ev.status} ({ev.duration_ms:.1f} ms)"
                    self.run_log.appendPlainText(line + (f" — {ev.error}" if ev.error else ""))
        follower = asyncio.ensure_future(follow())
        try:
            result = await job
        except Exception as e:  # noqa: BLE001 - an invalid graph is reported, not raised into Qt
            self.run_log.appendPlainText(f"■ not run: {e}")
            result = None
        sub.close()
        await follower
        self.actionStop.setEnabled(False)
        if result is not None:
            from engine.values import summarize

            outs = ", ".join(f"{k} = {summarize(v)}" for k, v in result.outputs.items())
            self.run_log.appendPlainText(f"■ {result.status} in {result.duration_ms:.0f} ms — {outs}")
        return result

    def stop_run(self) -> None:
        handle = getattr(self.launcher, "handle", None)
        if handle is not None:
            handle.cancel()

