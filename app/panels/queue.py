"""The Queue dock (SPEC §8): queued and running runs of every workflow and every front, live.

Running runs come first (with their progress), then queued ones in start order. Drag a queued run up or down
to reorder it (dropping it on a running run puts it at the head of the queue); pause or resume the queue;
"Run next", a priority, Cancel; double-click (or Open) shows the run on the canvas. What the rows show is read
from the database off the GUI thread twice a second, so runs queued by the CLI or another window appear
within a second.
"""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QSpinBox, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ..cli.inputs_list import short_inputs

__all__ = ["QueuePanel", "QueueList", "SHOWN"]

log = logging.getLogger(__name__)
SHOWN = 500  # queued rows shown (the rest are counted)
RUN_ID, STATE = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1
COLUMNS = ["Workflow", "State", "Priority", "Inputs", "Trigger", "Progress", "Since", "Run"]


class QueueList(QTreeWidget):
    """The rows. A queued row can be dragged to a new place: ``moveRequested(run, other, "before"|"after")``."""

    moveRequested = Signal(str, str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("queueList")
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setColumnWidth(0, 180)
        self._press: tuple[str, QPoint] | None = None
        self._dragging = False
        self._indicator = QFrame(self.viewport(), objectName="queueDropIndicator")
        self._indicator.setStyleSheet("background: palette(highlight);")
        self._indicator.hide()

    def _queued(self) -> list[QTreeWidgetItem]:
        return [self.topLevelItem(i) for i in range(self.topLevelItemCount())
                if self.topLevelItem(i).data(0, STATE) == "queued"]

    def drop_target(self, pos: QPoint) -> tuple[str, str, int] | None:
        """(other run, "before"|"after", indicator y) for a drop at viewport point ``pos``."""
        queued = self._queued()
        if not queued:
            return None
        item = self.itemAt(pos)
        if item is None:
            last = queued[-1]
            rect = self.visualItemRect(last)
            return (last.data(0, RUN_ID), "after", rect.bottom()) if pos.y() > rect.bottom() else None
        rect = self.visualItemRect(item)
        if item.data(0, STATE) != "queued":  # a running run: the head of the queue
            first = queued[0]
            return first.data(0, RUN_ID), "before", self.visualItemRect(first).top()
        if pos.y() < rect.center().y():
            return item.data(0, RUN_ID), "before", rect.top()
        return item.data(0, RUN_ID), "after", rect.bottom()

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        item = self.itemAt(event.position().toPoint())
        self._press = None
        if event.button() == Qt.MouseButton.LeftButton and item is not None and item.data(0, STATE) == "queued":
            self._press = (item.data(0, RUN_ID), event.position().toPoint())

    def mouseMoveEvent(self, event) -> None:
        pos = event.position().toPoint()
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            if not self._dragging and (pos - self._press[1]).manhattanLength() < QApplication.startDragDistance():
                return  # not a drag yet (and no drag-selecting either)
            self._dragging = True
            target = self.drop_target(pos)
            if target is None:
                self._indicator.hide()
            else:
                self._indicator.setGeometry(0, max(0, target[2] - 1), self.viewport().width(), 3)
                self._indicator.show()
                self._indicator.raise_()
            self.viewport().setCursor(Qt.CursorShape.DragMoveCursor)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._dragging:
            target = self.drop_target(event.position().toPoint())
            run_id = self._press[0]
            self._end_drag()
            if target is not None and target[0] != run_id:
                self.moveRequested.emit(run_id, target[0], target[1])
            return
        self._end_drag()
        super().mouseReleaseEvent(event)

    def _end_drag(self) -> None:
        self._press = None
        self._dragging = False
        self._indicator.hide()
        self.viewport().unsetCursor()


def _since(ts: float | None) -> str:
    if not ts:
        return ""
    seconds = max(0, time.time() - ts)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    return time.strftime("%H:%M", time.localtime(ts))


class QueuePanel(QWidget):
    """``actions`` is what the buttons call (the main window): ``queue_view()`` (a blocking read, called off
    the GUI thread) and the coroutine ``queue_do(verb, *args)`` with verbs pause, resume, run_next,
    set_priority, move, cancel."""

    openRun = Signal(str)

    def __init__(self, actions, parent=None):
        super().__init__(parent)
        self.actions = actions
        self.list = QueueList()
        self.summary = QLabel("", objectName="queueSummary")
        self.summary.setWordWrap(True)
        self.pause_button = QPushButton("Pause", objectName="queuePause", checkable=True)
        self.pause_button.setToolTip("Hold new starts of queued runs (running ones go on)")
        self.next_button = QPushButton("Run next", objectName="queueRunNext")
        self.priority = QSpinBox(objectName="queuePriority", minimum=1, maximum=10, value=5)
        self.priority.setToolTip("Priority of the selected queued run: 10 starts first")
        self.priority_button = QPushButton("Set priority", objectName="queueSetPriority")
        self.cancel_button = QPushButton("Cancel", objectName="queueCancel")
        self.open_button = QPushButton("Open", objectName="queueOpen")
        self.clear_button = QPushButton("Clear queue…", objectName="queueClear")
        self.clear_button.setToolTip("Cancel every queued run (running ones go on)")
        bar = QHBoxLayout()
        for w in (self.pause_button, self.next_button, self.priority, self.priority_button, self.cancel_button,
                  self.open_button, self.clear_button):
            bar.addWidget(w)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.list)
        self.pause_button.toggled.connect(lambda on: self._do("pause" if on else "resume"))
        self.next_button.clicked.connect(lambda: self._do_selected("run_next"))
        self.priority_button.clicked.connect(lambda: self._do_selected("set_priority", self.priority.value()))
        self.cancel_button.clicked.connect(lambda: self._do_selected("cancel"))
        self.open_button.clicked.connect(self._open)
        self.clear_button.clicked.connect(self._ask_clear)
        self.list.itemDoubleClicked.connect(lambda item, _col: self.openRun.emit(item.data(0, RUN_ID)))
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.moveRequested.connect(lambda run, other, where: self._do("move", run, other, where))
        self.view = None
        self._reading = False
        self.timer = QTimer(self, interval=500)  # runs while the dock is shown
        self.timer.timeout.connect(self.refresh)
        self._buttons()

    # -- reading -------------------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.timer.start()
        self.refresh()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def refresh(self) -> None:
        """Read the queue off the GUI thread and show it (skipped while hidden or while a read is going on)."""
        if self._reading or not self.isVisible():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # Qt events handled while no asyncio loop runs (starting up, closing down)
            return
        self._reading = True
        loop.create_task(self._read(loop))

    async def refreshed(self) -> None:
        """Read and show the queue now, whether visible or not (tests and actions wait on it)."""
        while self._reading:
            await asyncio.sleep(0.01)
        self._reading = True
        await self._read(asyncio.get_running_loop())

    async def _read(self, loop) -> None:
        # the loop is handed in: qasync may step this task while it processes Qt events after a run, with no
        # running loop set (asyncio.to_thread would fail then)
        try:
            view = await loop.run_in_executor(None, self.actions.queue_view)
        except RuntimeError as e:  # the loop that started this read has stopped (the session ended)
            log.debug("queue read given up: %s", e)
            return
        except Exception:  # noqa: BLE001 - a busy database: next time
            log.exception("reading the queue")
            return
        finally:
            self._reading = False
        try:
            self.show_view(view)
        except RuntimeError:  # the window is gone
            pass

    def show_view(self, view) -> None:
        """Show ``view``, updating rows in place: the scroll position and selection stay where they are, and a
        drag under way is not disturbed (the rows wait for it to end)."""
        if self.list._dragging:
            return
        self.view = view
        rows = [*view.running, *view.queued[:SHOWN]]
        wanted = [(run.id, run.status, self._columns(run, view)) for run in rows]
        tree = self.list
        current = [tree.topLevelItem(i).data(0, RUN_ID) for i in range(tree.topLevelItemCount())]
        if current != [rid for rid, _, _ in wanted]:
            selected, scroll = self.selected(), tree.verticalScrollBar().value()
            tree.setUpdatesEnabled(False)
            tree.clear()
            for rid, status, columns in wanted:
                item = QTreeWidgetItem(columns)
                item.setData(0, RUN_ID, rid)
                item.setData(0, STATE, status)
                item.setToolTip(0, f"run {rid}")
                tree.addTopLevelItem(item)
                item.setSelected(rid == selected)
            tree.verticalScrollBar().setValue(scroll)
            tree.setUpdatesEnabled(True)
        for i, (rid, status, columns) in enumerate(wanted):
            item = tree.topLevelItem(i)
            item.setData(0, STATE, status)
            for col, text in enumerate(columns):
                if item.text(col) != text:
                    item.setText(col, text)
        more = view.waiting - SHOWN
        parts = [f"{len(view.running)} running", f"{view.waiting} queued"]
        if view.paused:
            parts.append("paused — queued runs wait")
        if not rows and not view.paused:
            self.summary.setText("The queue is empty. Shift+F5 queues the open workflow; Run ▸ Run over a list of "
                                 "inputs… queues one run per line; so does nodeloom run ID --enqueue.")
        else:
            self.summary.setText(" · ".join(parts) + (f" (first {SHOWN} shown)" if more > 0 else ""))
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(view.paused)
        self.pause_button.setText("Resume" if view.paused else "Pause")
        self.pause_button.blockSignals(False)
        self._buttons()

    @staticmethod
    def _columns(run, view) -> list[str]:
        if run.status == "running":
            done = view.progress.get(run.id, 0)
            progress = f"{done}/{run.node_count}" if run.node_count else "starting"
            since = _since(run.started_at)
        else:
            progress, since = "", _since(run.created_at)
        state = run.status + (" (again)" if run.requeued else "")
        return [run.workflow_name or "(unnamed)", state, str(run.priority), short_inputs(run.inputs), run.trigger,
                progress, since, run.id[:8]]

    def selected(self) -> str | None:
        items = self.list.selectedItems()
        return items[0].data(0, RUN_ID) if items else None

    def order(self) -> list[str]:
        """The queued run ids as shown, in start order."""
        return [i.data(0, RUN_ID) for i in self.list._queued()]

    # -- acting --------------------------------------------------------------------------------------------

    def _buttons(self) -> None:
        items = self.list.selectedItems()
        state = items[0].data(0, STATE) if items else None
        for b in (self.next_button, self.priority_button):
            b.setEnabled(state == "queued")
        self.cancel_button.setEnabled(state in ("queued", "running"))
        self.open_button.setEnabled(state is not None)
        self.clear_button.setEnabled(bool(self.view and self.view.waiting))

    def _selection_changed(self) -> None:
        self._buttons()
        items = self.list.selectedItems()
        if items and items[0].data(0, STATE) == "queued":
            self.priority.setValue(int(items[0].text(2)))

    def _do(self, verb: str, *args) -> None:
        asyncio.ensure_future(self._act(verb, *args))

    async def _act(self, verb: str, *args) -> None:
        await self.actions.queue_do(verb, *args)
        await self.refreshed()
        if verb in ("move", "run_next", "set_priority"):
            self.select(args[0])  # the run just moved stays selected, wherever it went

    def select(self, run_id: str) -> None:
        for i in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(i)
            if item.data(0, RUN_ID) == run_id:
                self.list.setCurrentItem(item)
                self.list.scrollToItem(item)
                return

    def _do_selected(self, verb: str, *args) -> None:
        run_id = self.selected()
        if run_id is not None:
            self._do(verb, run_id, *args)

    def _ask_clear(self) -> None:
        """Asked without blocking the loop (runs go on while the box is open)."""
        waiting = self.view.waiting if self.view else 0
        box = QMessageBox(QMessageBox.Icon.Question, "Clear the queue?",
                          f"Cancel all {waiting} queued run(s)? Running runs go on.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("queueClearConfirm")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda _code: box.clickedButton() is yes and self._do("clear_queue"))
        self.confirm = box
        box.open()

    def _open(self) -> None:
        run_id = self.selected()
        if run_id is not None:
            self.openRun.emit(run_id)
