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
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

__all__ = ["QueuePanel", "QueueList", "SHOWN"]

log = logging.getLogger(__name__)
SHOWN = 500  # queued rows shown (the rest are counted)
RUN_ID, STATE = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1
COLUMNS = ["Workflow", "State", "Priority", "Trigger", "Progress", "Since", "Run"]


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
        self._indicator = QFrame(self.viewport())
        self._indicator.setFrameShape(QFrame.Shape.HLine)
        self._indicator.setLineWidth(2)
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
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton and (
                self._dragging or (pos - self._press[1]).manhattanLength() >= QApplication.startDragDistance()):
            self._dragging = True
            target = self.drop_target(pos)
            if target is None:
                self._indicator.hide()
            else:
                self._indicator.setGeometry(0, target[2] - 1, self.viewport().width(), 3)
                self._indicator.show()
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
        self.summary = QLabel("The queue is empty", objectName="queueSummary")
        self.pause_button = QPushButton("Pause", objectName="queuePause", checkable=True)
        self.pause_button.setToolTip("Hold new starts of queued runs (running ones go on)")
        self.next_button = QPushButton("Run next", objectName="queueRunNext")
        self.priority = QSpinBox(objectName="queuePriority", minimum=1, maximum=10, value=5)
        self.priority.setToolTip("Priority of the selected queued run: 10 starts first")
        self.priority_button = QPushButton("Set priority", objectName="queueSetPriority")
        self.cancel_button = QPushButton("Cancel", objectName="queueCancel")
        self.open_button = QPushButton("Open", objectName="queueOpen")
        bar = QHBoxLayout()
        for w in (self.pause_button, self.next_button, self.priority, self.priority_button, self.cancel_button,
                  self.open_button):
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
        self.list.itemDoubleClicked.connect(lambda item, _col: self.openRun.emit(item.data(0, RUN_ID)))
        self.list.itemSelectionChanged.connect(self._buttons)
        self.list.moveRequested.connect(lambda run, other, where: self._do("move", run, other, where))
        self.view = None
        self._reading = False
        self.timer = QTimer(self, interval=500)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._buttons()

    # -- reading -------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the queue off the GUI thread and show it (skipped while hidden or while a read is going on)."""
        if self._reading or not self.isVisible():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # Qt events handled while no asyncio loop runs (starting up, closing down)
            return
        self._reading = True
        loop.create_task(self._read())

    async def refreshed(self) -> None:
        """Read and show the queue now, whether visible or not (tests and actions wait on it)."""
        while self._reading:
            await asyncio.sleep(0.01)
        self._reading = True
        await self._read()

    async def _read(self) -> None:
        try:
            view = await asyncio.to_thread(self.actions.queue_view)
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
        self.view = view
        selected = self.selected()
        self.list.setUpdatesEnabled(False)
        self.list.clear()
        rows = [*view.running, *view.queued[:SHOWN]]
        for run in rows:
            if run.status == "running":
                done = view.progress.get(run.id, 0)
                progress = f"{done}/{run.node_count}" if run.node_count else "starting"
                since = _since(run.started_at)
            else:
                progress, since = "", _since(run.created_at)
            state = run.status + (" (again)" if run.requeued else "")
            item = QTreeWidgetItem([run.workflow_name or "(unnamed)", state, str(run.priority), run.trigger,
                                    progress, since, run.id[:8]])
            item.setData(0, RUN_ID, run.id)
            item.setData(0, STATE, run.status)
            item.setToolTip(0, f"run {run.id}")
            self.list.addTopLevelItem(item)
            if run.id == selected:
                item.setSelected(True)
        self.list.setUpdatesEnabled(True)
        more = view.waiting - SHOWN
        parts = [f"{len(view.running)} running", f"{view.waiting} queued"]
        if view.paused:
            parts.append("paused — queued runs wait")
        self.summary.setText(" · ".join(parts) + (f" (first {SHOWN} shown)" if more > 0 else ""))
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(view.paused)
        self.pause_button.setText("Resume" if view.paused else "Pause")
        self.pause_button.blockSignals(False)
        self._buttons()

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
        if state == "queued":
            self.priority.setValue(int(items[0].text(2)))

    def _do(self, verb: str, *args) -> None:
        asyncio.ensure_future(self._act(verb, *args))

    async def _act(self, verb: str, *args) -> None:
        await self.actions.queue_do(verb, *args)
        await self.refreshed()

    def _do_selected(self, verb: str, *args) -> None:
        run_id = self.selected()
        if run_id is not None:
            self._do(verb, run_id, *args)

    def _open(self) -> None:
        run_id = self.selected()
        if run_id is not None:
            self.openRun.emit(run_id)
