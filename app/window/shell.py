"""The main window (SPEC §8): a shell that builds the docks and tabs, declares its actions as data
(``actions.py``) and wires the controllers that do the work (this folder): workflows, versions, journal, code,
runs, queue. Actions carry the objectNames SPEC §8 lists. ``app.main_window`` creates it and runs the app.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QUndoGroup
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QScrollArea, QTabWidget

from engine.models import ModelLibrary
from engine.store import Store

from ..document.model import EditorDocument
from .editor_tab import EditorTab
from .models import ModelsController
from ..document.journal import Journal
from ..panels.browser import Browser
from ..panels.history import HistoryPanel
from ..panels.triggers import TriggersPanel
from ..panels.inspector import Inspector
from ..panels.palette import Palette
from ..panels.preview import PreviewPanel
from ..panels.profiler import ProfilerView
from ..panels.queue import QueuePanel
from ..panels.run_panel import RunPanel
from ..look.drops import refuse, take_copy
from ..look.icons import app_icon
from ..panels.popup import AddBlockPopup
from ..look.screen import fit_window
from ..look.theme import apply_theme
from . import arrange
from .actions import build_actions
from .closing import ClosingController
from .code import CodeController
from .help import HelpController
from .journal import JournalController
from .link_drop import LinkDrops
from .live import LiveController
from .menus import ContextMenus
from .outputs import OutputsController
from .queue import QueueController
from .recent import RecentController
from .runs import RunsController
from .runs_watch import RunsWatch
from .server import ServerController
from .settings import SettingsController
from .tab_rename import TabRenamer
from .triggers import TriggersController
from .undo_history import UndoHistory
from .viewing import ViewerController
from .versions import VersionsController
from .workflows import WorkflowsController

__all__ = ["MainWindow"]

TAB_NAME_WIDTH = 240  # px: a longer workflow name is elided on its tab (whole in the tooltip)


class MainWindow(QMainWindow):
    def __init__(self, home: str | Path | None = None):
        super().__init__()
        from engine.blocks import default_registry

        self.store = Store(home)
        self.home = self.store.home
        self.home_overridden = home is not None or bool(os.environ.get("NODELOOM_HOME"))  # not the settings' one
        self.registry = default_registry(home=self.home)
        self.settings = QSettings(str(self.home / "settings.ini"), QSettings.Format.IniFormat)
        self.journal = Journal(self.home)
        self.closing = ClosingController(self)
        self.workflows = WorkflowsController(self)
        self.versions = VersionsController(self)
        self.recovery = JournalController(self)
        self.code = CodeController(self)
        self.runs = RunsController(self)
        self.watch = RunsWatch(self)
        self.outputs = OutputsController(self)
        self.live = LiveController(self)
        self.menus = ContextMenus(self)
        self.link_drops = LinkDrops(self)
        self.queue = QueueController(self)
        self.prefs = SettingsController(self)
        self.server = ServerController(self)
        self.help = HelpController(self)
        self.recent = RecentController(self)
        self.renamer = TabRenamer(self)
        self.undo_history = UndoHistory(self)
        self.viewing = ViewerController(self)
        self.models = ModelsController(self)
        self.setWindowTitle("Nodeloom")
        self.setWindowIcon(app_icon())
        self.undo_group = QUndoGroup(self)
        self._build_docks()
        self.triggers = TriggersController(self)
        self.tabs = QTabWidget(documentMode=True, tabsClosable=True, movable=True)
        self.tabs.setObjectName("tabs")
        self.setCentralWidget(self.tabs)
        self.browser = Browser(self.store, self.registry)
        self.tabs.addTab(self.browser, "Welcome")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.popup = AddBlockPopup(self.registry, self)
        self.popup.chosen.connect(lambda kind, pos: self.current_tab() and self.current_tab().add_block(kind, pos))
        build_actions(self)
        self._connect()
        self.theme = apply_theme(str(self.settings.value("theme", "system")))
        # no minimum yet: the one the layout set while the docks were being tabified was theirs side by side (1618 px
        # wide; the window had grown to it). The layout sets the docks' real one when the window is shown, after
        # the saved geometry and docks are back.
        self.setMinimumSize(0, 0)
        geometry = self.settings.value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 860)
        state = self.settings.value("windowState")
        if state is not None:
            self.restoreState(state)
        else:  # first start: the canvas gets the room; the bottom docks a strip under it
            self.resizeDocks([self.run_dock], [220], Qt.Orientation.Vertical)
            self.resizeDocks([self.palette_dock, self.inspector_dock], [220, 320], Qt.Orientation.Horizontal)
        #: how this window is being left: None (ask about unsaved changes), "keep" (their journals stay, offered at
        #: the next start: logging out, SIGTERM), "saved" or "discarded" (asked and answered)
        self.leaving: str | None = None
        self._fitted = False  # into the screen, on the first show (its frame is known then)
        self._dialog_window = None  # the dialog of this window that has the keys, if one has (see _focus_moved)
        self.statusBar()  # there from the start: appearing with the first message, it shifted the window under a drag
        self.server.show_state()
        self.watch.start()
        self.recovery.offer()

    # -- building ------------------------------------------------------------------------------------------

    def _dock(self, title: str, name: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left, right, bottom = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        self.palette_panel = Palette(self.registry)
        self.inspector = Inspector()
        self.inspector.workflow_names = lambda: [i.name for i in self.store.workflows.list(
            templates=False, sort="name", descending=False, limit=1000).items]
        self.inspector.model_library = lambda: ModelLibrary(self.home / "models")
        self.inspector.outputs_of = lambda nid: self.outputs.of(tab, nid) if (tab := self.current_tab()) else None
        self.inspector.read_value = self.outputs.read
        self.inspector.scene_refs = lambda: tab.scene.ref_items.keys() if (tab := self.current_tab()) else ()
        self.inspector.settings = self.settings
        self.inspector.live_typing = lambda: self.live.is_on(self.current_tab())
        self.inspector.workflow_folder = lambda: ((self.store.base_dir(t.doc.workflow_id) if t.doc.workflow_id
                                                   else Path.cwd()) if (t := self.current_tab()) else None)
        self.inspector.run_inputs = lambda: [n.config.get("name") for n in tab.doc.nodes.values()
                                             if n.type == "input"] if (tab := self.current_tab()) else []
        self.history = HistoryPanel()
        self.run_panel = RunPanel(self.settings)
        self.preview_panel = PreviewPanel()
        self.profiler = ProfilerView()
        profiler_scroll = QScrollArea(widgetResizable=True)
        profiler_scroll.setWidget(self.profiler)
        self.palette_dock = self._dock("Blocks", "palette", self.palette_panel, left)
        self.inspector_dock = self._dock("Inspector", "inspector", self.inspector, right)
        self.history_dock = self._dock("History", "historyDock", self.history, right)
        self.run_dock = self._dock("Run", "runPanel", self.run_panel, bottom)
        self.preview_dock = self._dock("Preview", "previewDock", self.preview_panel, bottom)
        self.profiler_dock = self._dock("Profiler", "profilerDock", profiler_scroll, bottom)
        self.queue_panel = QueuePanel(self.queue)
        self.queue_dock = self._dock("Queue", "queueDock", self.queue_panel, bottom)
        self.triggers_panel = TriggersPanel()
        self.triggers_dock = self._dock("Triggers", "triggersDock", self.triggers_panel, bottom)
        self.tabifyDockWidget(self.inspector_dock, self.history_dock)
        self.inspector_dock.raise_()
        self.tabifyDockWidget(self.run_dock, self.preview_dock)
        self.tabifyDockWidget(self.preview_dock, self.profiler_dock)
        self.tabifyDockWidget(self.profiler_dock, self.queue_dock)
        self.tabifyDockWidget(self.queue_dock, self.triggers_dock)
        self.run_dock.raise_()
        self.docks = (self.palette_dock, self.inspector_dock, self.history_dock, self.run_dock, self.preview_dock,
                      self.profiler_dock, self.queue_dock, self.triggers_dock)

    def _connect(self) -> None:
        self.tabs.currentChanged.connect(self._tab_changed)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.tabBarDoubleClicked.connect(self.renamer.start)
        self.preview_panel.image_view.activated.connect(self.viewing.from_preview)
        self.palette_panel.blockActivated.connect(lambda kind: self.current_tab() and self.current_tab().add_block(kind))
        self.browser.openRequested.connect(self.workflows.open)
        self.browser.newFromTemplate.connect(self.workflows.new_from_template)
        self.browser.newRequested.connect(self.workflows.new)
        self.browser.importRequested.connect(self.workflows.import_dialog)
        self.browser.restoreRequested.connect(self.workflows.restore)
        self.history.openRequested.connect(lambda wid, n: self.workflows.open(wid, version=n, read_only=True))
        self.history.compareRequested.connect(self.versions.compare)
        self.history.restoreRequested.connect(self.versions.restore)
        self.run_panel.nodeClicked.connect(self.select_node)
        self.run_panel.showRun.connect(self.runs.show_past_run)
        self.run_panel.replayRun.connect(lambda rid, node: asyncio.ensure_future(self.runs.replay(rid, node)))
        self.queue_panel.openRun.connect(self.queue.open_run)
        self.setAcceptDrops(True)

    # -- tabs ------------------------------------------------------------------------------------------------

    def current_tab(self) -> EditorTab | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, EditorTab) else None

    def editor_tabs(self) -> list[EditorTab]:
        return [self.tabs.widget(i) for i in range(self.tabs.count()) if isinstance(self.tabs.widget(i), EditorTab)]

    def add_tab(self, doc: EditorDocument, *, journal_key: str | None = None, diff_of: tuple[int, int] | None = None,
                snapshot: bool = False) -> EditorTab:
        """A tab for ``doc``; ``diff_of`` (a compare tab) and ``snapshot`` (an old version read-only) are set
        before the controllers adopt it: they decide whether live runs and live preview show there."""
        tab = EditorTab(doc, journal_key or self.journal.key())
        tab.diff_of, tab.snapshot = diff_of, snapshot
        self.undo_group.addStack(tab.undo_stack)
        index = self.tabs.addTab(tab, "")
        self.retitle(tab)
        tab.titleChanged.connect(lambda t=tab: self.retitle(t))
        tab.undo_stack.indexChanged.connect(lambda _=0, t=tab: self.recovery.changed(t))
        tab.scene.selectionChanged.connect(lambda t=tab: self._selection_changed(t))
        tab.view.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        tab.view.addBlockRequested.connect(lambda pos, t=tab: self.popup.show_at(
            t.view.mapToGlobal(t.view.mapFromScene(pos)), pos))
        tab.view.filesDropped.connect(self.workflows.import_files)
        tab.view.nodeActivated.connect(lambda node_id, t=tab: self.workflows.open_sub_workflow(t, node_id))
        tab.view.thumbnailActivated.connect(lambda node_id, t=tab: self.viewing.open(t, node_id))
        arrange.adopt(self, tab)
        self.outputs.watch(tab)
        self.live.watch(tab)
        self.runs.adopt(tab)
        minimap = tab.view.minimap
        minimap.set_place(str(self.settings.value("minimapCorner", "bottom-right")))
        minimap.set_enabled(self.actionMinimap.isChecked())
        minimap.placeChosen.connect(self.set_minimap_corner)
        minimap.hideRequested.connect(lambda: self.actionMinimap.isChecked() and self.actionMinimap.trigger())
        tab.view.menuRequested.connect(lambda scene_pos, global_pos, t=tab: self.menus.open(t, scene_pos, global_pos))
        tab.view.linkDropped.connect(lambda nid, kind, port, pos, t=tab: self.link_drops.open(t, nid, kind, port, pos))
        self.tabs.setCurrentIndex(index)
        tab.view.frame(selection_only=False)
        return tab

    def retitle(self, tab: EditorTab) -> None:
        """The tab's title, a long workflow name elided in its middle so it leaves the others room; the whole
        title in its tooltip."""
        try:
            i = self.tabs.indexOf(tab)
            if i >= 0:
                metrics = self.tabs.tabBar().fontMetrics()
                self.tabs.setTabText(i, tab.title(
                    lambda name: metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, TAB_NAME_WIDTH)))
                self.tabs.setTabToolTip(i, tab.title())
        except RuntimeError:  # torn down
            pass

    def _tab_changed(self, _index: int) -> None:
        tab = self.current_tab()
        self.undo_group.setActiveStack(tab.undo_stack if tab else None)
        ids = tab.scene.selected_node_ids() if tab is not None else []  # (the tab's selected node, again)
        self.inspector.show_node(tab.doc if tab else None, tab.undo_stack if tab else None,
                                 ids[0] if len(ids) == 1 and not tab.doc.read_only else None)
        self.versions.refresh()
        self.triggers.refresh()
        self.run_panel.show_tab(self.store, tab)
        self.outputs.tab_shown(tab)
        self.live.tab_shown(tab)
        self.runs.stoppable()
        if tab is None:
            self.browser.refresh()

    def _selection_changed(self, tab: EditorTab) -> None:
        try:
            if tab is not self.current_tab():
                return
        except RuntimeError:  # the window is being torn down
            return
        ids = tab.scene.selected_node_ids()
        self.inspector.show_node(tab.doc, tab.undo_stack, ids[0] if len(ids) == 1 and not tab.doc.read_only else None)
        self.outputs.selected(tab, ids)
        self.live.selected(tab)

    def close_tab(self, index: int) -> None:
        """The tab's × (and Ctrl+W, File ▸ Close through close_current_tab): asked first when it is modified."""
        tab = self.tabs.widget(index)
        if isinstance(tab, EditorTab):
            self.closing.request(tab)

    def close_current_tab(self) -> None:
        if self.current_tab() is not None:
            self.close_tab(self.tabs.currentIndex())

    # -- window ------------------------------------------------------------------------------------------------

    def set_theme(self, mode: str) -> None:
        self.settings.setValue("theme", mode)
        self.theme = apply_theme(mode)
        for tab in self.editor_tabs():
            tab.scene.apply_palette()
            tab.view.viewport().update()  # the dots and the canvas colour follow the theme

    def show_minimap(self, on: bool) -> None:
        self.settings.setValue("minimap", on)
        for tab in self.editor_tabs():
            tab.view.minimap.set_enabled(on)

    def set_minimap_corner(self, place: str) -> None:
        """Every tab's minimap to that corner of the canvas ("top-left", …), this session and the next."""
        self.settings.setValue("minimapCorner", place)
        for tab in self.editor_tabs():
            tab.view.minimap.set_place(place)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            fit_window(self)
            QApplication.instance().focusWindowChanged.connect(self._focus_moved)

    def _focus_moved(self, window) -> None:
        """When one of this window's dialogs closes and no window has the keys (no window manager gives them
        back), this window takes them: the next shortcut is not lost. Never when the keys went to another app."""
        if window is not None:
            handle = self.windowHandle()
            self._dialog_window = window if window is not handle and window.transientParent() is handle else None
            return
        dialog, self._dialog_window = self._dialog_window, None
        if dialog is not None and not dialog.isVisible() and self.isVisible():
            QTimer.singleShot(0, self.activateWindow)

    @staticmethod
    def _workflow_files(event) -> list[str]:
        return [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile() and u.toLocalFile().endswith(".json")]

    def dragEnterEvent(self, event) -> None:
        if self._workflow_files(event):
            take_copy(event)  # (a copy: never tell the source its file moved)
        else:
            refuse(event)

    def dropEvent(self, event) -> None:
        files = self._workflow_files(event)
        if files:
            take_copy(event)
            self.workflows.import_files(files)
        else:
            refuse(event)

    def select_node(self, node_id: str) -> None:
        tab = self.current_tab()
        item = tab.scene.node_items.get(node_id) if tab else None
        if item is not None:
            tab.scene.clearSelection()
            item.setSelected(True)
            tab.view.centerOn(item)

    async def aclose(self) -> None:
        self.live.close()
        self.watch.stop()
        self.viewing.close()
        await self.server.stop()
        await self.runs.close()
        self.store.close()
        self.help.close()

    def closeEvent(self, event) -> None:
        if not self.closing.quitting():  # unsaved tabs: asked first (the window closes again once answered)
            event.ignore()
            return
        self.recovery.flush()
        for tab in self.editor_tabs():
            tab.closing = True
            tab.undo_stack.blockSignals(True)
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.sync()
        self.versions.close()  # (its reader thread reads the store)
        super().closeEvent(event)  # aclose() then stops the run service (its runs are cancelled or re-queued)
