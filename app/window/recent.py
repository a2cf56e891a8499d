"""File ▸ Open recent: the last ten workflows opened or saved in this data folder (remembered in the window's
QSettings "recent", newest first: WorkflowsController.remember keeps them), read when the menu opens; one that
was deleted since is left out."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from engine import NotFound

__all__ = ["RecentController", "MAX_RECENT", "recent_ids"]

MAX_RECENT = 10


def recent_ids(settings) -> list[str]:
    """The remembered ids, newest first (one id alone comes back from an INI file as a bare string: still a list)."""
    return [str(r) for r in settings.value("recent", [], type=list) if r]


class RecentController:
    def __init__(self, window):
        self.w = window
        self.menu: QMenu | None = None

    def attach(self, action: QAction) -> None:
        """``action`` (File ▸ Open recent) opens a submenu filled as it opens."""
        menu = QMenu(self.w)
        menu.setObjectName("recentMenu")
        menu.aboutToShow.connect(self.fill)
        action.setMenu(menu)
        self.menu = menu

    def entries(self) -> list[tuple[str, str]]:
        """(workflow id, name) of the last MAX_RECENT workflows that still exist."""
        found = []
        for workflow_id in recent_ids(self.w.settings):
            try:
                info = self.w.store.workflows.get(workflow_id)
            except NotFound:
                continue
            found.append((workflow_id, info.name))
            if len(found) == MAX_RECENT:
                break
        return found

    def fill(self) -> None:
        menu = self.menu
        menu.clear()
        entries = self.entries()
        for workflow_id, name in entries:
            action = menu.addAction(name)
            action.setObjectName("recentWorkflow")
            action.setData(workflow_id)
            action.setToolTip(f"id: {workflow_id}")
            action.triggered.connect(lambda _=False, wid=workflow_id: self.open(wid))
        if not entries:
            none = menu.addAction("No recent workflows")
            none.setEnabled(False)
            return
        menu.addSeparator()
        clear = menu.addAction("Clear the list")
        clear.setObjectName("recentClear")
        clear.triggered.connect(lambda _=False: self.w.settings.setValue("recent", []))

    def open(self, workflow_id: str) -> None:
        try:
            self.w.workflows.open(workflow_id)
        except NotFound:
            self.w.statusBar().showMessage("That workflow is gone (deleted, or in another data folder)", 6000)
