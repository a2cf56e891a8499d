"""The image viewer: a window of its own around an :class:`ImageCanvas` — what to show (a node's output; its
input beside its output; its outputs in two past runs, picked from lists), Fit and 1:1, the zoom, a slider for
the divider between the two pictures, their sizes and modes, and the pixel under the cursor.

It shows what it is given; the window's viewer controller (app/window/viewing.py) finds the pictures and reads
them off the GUI thread, and follows what is chosen here (``compareChanged``, ``runsChosen``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from .image_canvas import ImageCanvas

__all__ = ["ImageViewer", "MODES"]

#: what the viewer compares: (its data, its name in the list, the slider's left word, its right word)
MODES = (("output", "Output", "", ""), ("input", "Input ◂▸ output", "input", "output"),
         ("runs", "Two runs", "run A", "run B"))


class ImageViewer(QWidget):
    compareChanged = Signal(str)     # "output" | "input" | "runs", chosen in the list
    runsChosen = Signal(str, str)    # run A's id, run B's id, chosen in their lists

    def __init__(self, blocking, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("imageViewer")
        self.setWindowTitle("Viewer")
        self.canvas = ImageCanvas(blocking)
        self.compare = QComboBox(objectName="viewerCompare")
        for data, name, _, _ in MODES:
            self.compare.addItem(name, data)
        self.compare.setToolTip("What to show: the node's output, its input beside it, or its output in two runs")
        self.run_a, self.run_b = QComboBox(objectName="viewerRunA"), QComboBox(objectName="viewerRunB")
        self.run_a.setToolTip("Run A: shown right of the divider (the slider at 0 % shows it alone)")
        self.run_b.setToolTip("Run B: shown left of the divider (the slider at 100 % shows it alone)")
        self.runs_label = QLabel("A")
        self.runs_label_b = QLabel("B")
        self.fit_button = QPushButton("Fit", objectName="viewerFit")
        self.fit_button.setToolTip("The whole picture in the window (F, or double-click it)")
        self.actual_button = QPushButton("1:1", objectName="viewerActual")
        self.actual_button.setToolTip("One screen pixel per picture pixel (1)")
        self.zoom = QLabel(objectName="viewerZoom")
        self.split = QSlider(Qt.Orientation.Horizontal, objectName="viewerSplit")
        self.split.setRange(0, 100)
        self.split.setPageStep(10)
        self.split.setValue(50)
        self.split.setToolTip("Where the divider is: 0 % the right-hand picture alone, 100 % the left-hand one")
        self.left_word, self.right_word = QLabel(), QLabel()
        self.info = QLabel(objectName="viewerInfo")
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pixel = QLabel(objectName="viewerPixel")
        self.pixel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = False  # the controller is finding or reading pictures to show
        self._layout()
        self.compare.currentIndexChanged.connect(lambda _i: self._mode_chosen())
        self.run_a.activated.connect(lambda _i: self._runs_chosen())
        self.run_b.activated.connect(lambda _i: self._runs_chosen())
        self.fit_button.clicked.connect(self.canvas.fit)
        self.actual_button.clicked.connect(self.canvas.actual)
        self.split.valueChanged.connect(lambda v: self.canvas.set_split(v / 100))
        self.canvas.splitMoved.connect(self._split_dragged)
        self.canvas.hovered.connect(self.pixel.setText)
        self.canvas.zoomChanged.connect(lambda scale: self.zoom.setText(f"{scale * 100:.0f} %"))
        self.canvas.set_split(0.5)
        self.set_mode("output")
        self.resize(1000, 720)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.compare)
        for label, box in ((self.runs_label, self.run_a), (self.runs_label_b, self.run_b)):
            top.addWidget(label)
            top.addWidget(box, 1)
        top.addStretch()
        top.addWidget(self.fit_button)
        top.addWidget(self.actual_button)
        top.addWidget(self.zoom)
        slider = QHBoxLayout()
        slider.addWidget(self.right_word)  # (the slider's low end shows the right-hand picture alone)
        slider.addWidget(self.split, 1)
        slider.addWidget(self.left_word)
        bottom = QHBoxLayout()
        bottom.addWidget(self.info, 1)
        bottom.addWidget(self.pixel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(slider)
        layout.addLayout(bottom)

    # -- what it shows ---------------------------------------------------------------------------------------

    def mode(self) -> str:
        return self.compare.currentData()

    def set_mode(self, mode: str) -> None:
        """Show ``mode``'s controls (without saying it was chosen)."""
        self.compare.blockSignals(True)
        self.compare.setCurrentIndex(self.compare.findData(mode))
        self.compare.blockSignals(False)
        self._controls()

    def _controls(self) -> None:
        mode = self.mode()
        _, _, low, high = next(m for m in MODES if m[0] == mode)
        for widget in (self.runs_label, self.run_a, self.runs_label_b, self.run_b):
            widget.setVisible(mode == "runs")
        for widget in (self.split, self.left_word, self.right_word):
            widget.setVisible(mode != "output")
        self.right_word.setText(low)
        self.left_word.setText(high)

    def _mode_chosen(self) -> None:
        self._controls()
        self.compareChanged.emit(self.mode())

    def set_runs(self, runs: list[tuple[str, str]], a: str | None, b: str | None) -> None:
        """The past runs to pick from — (run id, how it is named), newest first — with A and B chosen."""
        for box, chosen in ((self.run_a, a), (self.run_b, b)):
            box.blockSignals(True)
            box.clear()
            for run_id, name in runs:
                box.addItem(name, run_id)
            index = box.findData(chosen)
            box.setCurrentIndex(index if index >= 0 else 0)
            box.blockSignals(False)

    def chosen_runs(self) -> tuple[str | None, str | None]:
        return self.run_a.currentData(), self.run_b.currentData()

    def _runs_chosen(self) -> None:
        a, b = self.chosen_runs()
        if a and b:
            self.runsChosen.emit(a, b)

    def _split_dragged(self, fraction: float) -> None:
        self.split.blockSignals(True)
        self.split.setValue(round(fraction * 100))
        self.split.blockSignals(False)

    def say(self, text: str) -> None:
        """A line under the picture: the pictures' sizes and modes, or why there is nothing to show."""
        self.info.setText(text)

    def ready(self) -> bool:
        """The pictures asked for are shown whole (tests and scripts wait for it)."""
        return not self.busy and self.canvas.ready()

    def closeEvent(self, event) -> None:
        """Closed: its pictures (and their levels: a large one's take hundreds of MB) are let go."""
        self.canvas.clear()
        self.pixel.clear()
        super().closeEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)
