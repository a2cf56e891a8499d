"""The profiler: one bar per node attempt on a time axis (like a Gantt chart) for a run."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..look import STATUS_COLORS
from .run_panel import cache_said

__all__ = ["ProfilerView"]

ROW_H = 18
LABEL_W = 150


class ProfilerView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("profiler")
        self.rows: list[tuple[str, float, float, str]] = []   # label, start, end (s since run start), status
        self.total = 0.0
        self.title = "Run a workflow to see where its time goes"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_run(self, run, node_runs) -> None:
        t0 = run.started_at or run.created_at
        rows = []
        for nr in node_runs:
            if nr.started_at is None or nr.finished_at is None:
                continue
            label = nr.node_id + "".join(f"[{i}]" for i in nr.iteration)
            rows.append((label, nr.started_at - t0, nr.finished_at - t0, nr.status))
        self.rows = sorted(rows, key=lambda r: (r[1], r[0]))
        self.total = max([r[2] for r in self.rows] + [(run.duration_ms or 0) / 1000, 1e-6])
        cache = cache_said(run.cache_hits, run.cache_misses)
        self.title = (f"{run.workflow_name}: {run.status} in {run.duration_ms or 0:.0f} ms — {len(self.rows)} node "
                      "attempts" + (f" — {cache}" if cache else ""))
        self.setMinimumHeight(30 + ROW_H * len(self.rows))
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(self.foregroundRole())
        p.setPen(text)
        p.drawText(QRectF(6, 2, self.width() - 12, 20), Qt.AlignmentFlag.AlignVCenter, self.title)
        width = max(10.0, self.width() - LABEL_W - 16)
        for k in range(5):  # time grid
            x = LABEL_W + width * k / 4
            p.setPen(QPen(QColor(128, 128, 128, 70), 1))
            p.drawLine(int(x), 24, int(x), self.height())
            p.setPen(text)
            p.drawText(QRectF(x + 2, 24, 80, 14), Qt.AlignmentFlag.AlignLeft, f"{self.total * 1000 * k / 4:.0f} ms")
        for i, (label, start, end, status) in enumerate(self.rows):
            y = 40 + i * ROW_H
            p.setPen(text)
            p.drawText(QRectF(6, y, LABEL_W - 10, ROW_H), Qt.AlignmentFlag.AlignVCenter, label)
            x0 = LABEL_W + width * start / self.total
            w = max(2.0, width * (end - start) / self.total)
            p.fillRect(QRectF(x0, y + 3, w, ROW_H - 6), STATUS_COLORS.get(status, QColor("#888")))
