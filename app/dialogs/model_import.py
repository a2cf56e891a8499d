"""Models ▸ Import…: an ``.onnx`` file into the data folder's model library (SPEC §4, "Models"). Choosing the file
reads its input and output shapes (ONNX Runtime loads it: a file it cannot use is refused, with the reason);
what they tell — the input's size, layout and whether any batch size goes — is filled in, the rest (the task,
the labels, how the picture is fitted and the answer read) is asked. Reading a model and importing it (copied,
hashed, loaded again) happen on a thread of the dialog's own — a model of hundreds of megabytes takes seconds —
while the dialog says so and its Import button waits. Non-modal; ``imported(name)`` when a model went in."""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)
from shiboken6 import isValid

from engine.errors import ModelError, NotFound
from engine.models import DECODINGS, TASKS, ModelLibrary

__all__ = ["ModelImportDialog", "read_labels"]


def read_labels(text: str) -> list[str]:
    """One label a line (blank lines skipped), or a JSON list."""
    import json

    if text.lstrip().startswith("["):
        try:
            return [str(x) for x in json.loads(text)]
        except ValueError:
            pass
    return [line.strip() for line in text.splitlines() if line.strip()]


def _dims(shape) -> str:
    """A tensor's shape as people write it: 1 × 3 × 224 × 224 (a named dimension by its name: batch × 3 × …)."""
    return html.escape(" × ".join(str(d) if d not in (None, "", -1) else "?" for d in shape))


class _Done(QObject):
    done = Signal(int, object)  # the work's number, what it returned (or the exception it raised): from its thread


class ModelImportDialog(QDialog):
    imported = Signal(str)

    def __init__(self, library: ModelLibrary, parent=None, *, path: str = ""):
        super().__init__(parent)
        self.setObjectName("modelImportDialog")
        self.setWindowTitle("Import a model")
        self.library = library
        self.file = QLineEdit(objectName="modelFile", placeholderText="an .onnx file")
        browse = QPushButton("Browse…", objectName="modelBrowse")
        browse.clicked.connect(self._browse)
        pick = QHBoxLayout()
        pick.setContentsMargins(0, 0, 0, 0)
        pick.addWidget(self.file, 1)
        pick.addWidget(browse)
        picker = QWidget()
        picker.setLayout(pick)
        self.found = QLabel(objectName="modelFound", wordWrap=True)
        self.found.setMinimumHeight(self.found.fontMetrics().height() + 4)  # (the rows below do not jump when it fills)
        self.name = QLineEdit(objectName="modelName")
        self.task = QComboBox(objectName="modelTask")
        self.task.addItems(list(TASKS))
        self.decoding = QComboBox(objectName="modelDecoding")
        self.decoding.addItems(list(DECODINGS))
        self.width = QSpinBox(objectName="modelWidth", minimum=0, maximum=16384, specialValueText="—")
        self.height = QSpinBox(objectName="modelHeight", minimum=0, maximum=16384, specialValueText="—")
        size = QHBoxLayout()
        size.setContentsMargins(0, 0, 0, 0)
        size.addWidget(self.width)
        size.addWidget(QLabel("×"))
        size.addWidget(self.height)
        sizes = QWidget()
        sizes.setLayout(size)
        self.layout_box = QComboBox(objectName="modelLayout")
        self.layout_box.addItems(["NCHW", "NHWC"])
        self.resize_box = QComboBox(objectName="modelResize")
        self.resize_box.addItems(["stretch", "letterbox"])
        self.objectness = QCheckBox("rows carry an objectness score (YOLOv5; YOLOv8 does not)",
                                    objectName="modelObjectness")
        self.replace = QCheckBox("Replace a model of this name in the library", objectName="modelReplace")
        self.labels = QPlainTextEdit(objectName="modelLabels", placeholderText="one label a line (or a JSON list)")
        self.labels.setMaximumHeight(110)
        load = QPushButton("Labels from a file…", objectName="modelLabelsFile")
        load.clicked.connect(self._load_labels)
        self.problem = QLabel(objectName="modelProblem", wordWrap=True)
        self.problem.setStyleSheet("color: #f85149;")
        self.problem.hide()
        form = QFormLayout()
        form.addRow("Model file", picker)
        form.addRow("", self.found)
        form.addRow("Name", self.name)
        form.addRow("", self.replace)
        form.addRow("Task", self.task)
        form.addRow("Answer read as", self.decoding)
        form.addRow("Input size", sizes)
        form.addRow("Layout", self.layout_box)
        form.addRow("Picture fitted by", self.resize_box)
        form.addRow("", self.objectness)
        form.addRow("Labels", self.labels)
        form.addRow("", load)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("modelImport")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.task.currentTextChanged.connect(self._task_changed)
        self.task.activated.connect(lambda _i: setattr(self, "_task_chosen", True))  # (by the user: kept)
        self._task_chosen = False
        self.decoding.currentTextChanged.connect(lambda d: self.objectness.setVisible(d == "yolo"))
        self.file.editingFinished.connect(self._file_edited)
        self.name.textEdited.connect(lambda _t: self.name.setProperty("auto", False))
        for changed in (self.name.textEdited, self.labels.textChanged, self.task.currentTextChanged,
                        self.decoding.currentTextChanged, self.width.valueChanged, self.height.valueChanged,
                        self.replace.toggled):
            changed.connect(lambda *_: self.say(""))  # (an old refusal does not outlive the change that answers it)
        self._task_changed(self.task.currentText())
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._done = _Done(self)
        self._done.done.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self._then: dict[int, object] = {}  # work under way: its number → what to do with its answer
        self._works = 0
        self._reading = ""  # the file read last (or being read)
        self.resize(520, 560)
        if path:
            self.read_file(path)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.import_button.setDefault(False)  # (Return does not import: no button looks as if it would)
        self.import_button.setAutoDefault(False)

    def keyPressEvent(self, event) -> None:
        """Return in a field finishes that field (the file is read); it never imports behind the user's back —
        the Import button does (QDialogButtonBox makes it the default button whenever the dialog shows)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(self.focusWidget(), QPushButton):
            event.accept()
            return
        super().keyPressEvent(event)

    def _task_changed(self, task: str) -> None:
        self.decoding.setCurrentText(TASKS.get(task, "softmax"))
        self.resize_box.setCurrentText("letterbox" if task == "detect" else "stretch")
        self.objectness.setVisible(self.decoding.currentText() == "yolo")

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Choose a model", str(Path(self.file.text()).parent if self.file.text()
                                                          else Path.home()), "ONNX models (*.onnx);;All files (*)")
        dialog.setObjectName("modelFileDialog")
        dialog.fileSelected.connect(self.read_file)
        self.file_dialog = dialog
        dialog.open()

    def _load_labels(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Labels", str(Path.home()), "Text or JSON (*.txt *.json);;All (*)")
        if path:
            try:
                self.labels.setPlainText("\n".join(read_labels(Path(path).read_text(encoding="utf-8"))))
            except (OSError, UnicodeDecodeError) as e:
                self.say(f"cannot read the labels file {path}: {e}")

    def say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    @property
    def busy(self) -> bool:
        """A model is being read or imported (the Import button waits)."""
        return bool(self._then)

    def _off_thread(self, work, then) -> None:
        """``work()`` on the dialog's thread; ``then(its result or exception)`` back on the GUI thread."""
        self._works += 1
        number, done = self._works, self._done
        self._then[number] = then

        def run() -> None:
            try:
                value = work()
            except Exception as e:  # noqa: BLE001 - said in the dialog
                value = e
            try:
                done.done.emit(number, value)
            except RuntimeError:  # (the dialog is gone)
                pass

        self.import_button.setEnabled(False)
        self._pool.start(run)

    def _finished(self, number: int, value) -> None:
        then = self._then.pop(number, None)
        self.import_button.setEnabled(not self._then)
        self.import_button.setText("Import")
        if then is not None:
            then(value)

    def _file_edited(self) -> None:
        # (the field loses the focus while the dialog is being deleted, too: then some of its widgets are gone)
        if all(isValid(w) for w in (self.file, self.found, self.problem, self.import_button, self.name)):
            self.read_file(self.file.text())

    def read_file(self, path: str) -> None:
        """Read the model's shapes (off the GUI thread) and fill in what they tell; a file ONNX Runtime cannot use
        is said as soon as it is known."""
        from engine.models.inspect import inspect_model
        from engine.models.library import check_file

        if path and path == self._reading and self.file.text() == path:
            return  # (read already, or being read: Return, then the focus leaving the field)
        self.file.setText(path)
        self.found.clear()
        self.say("")
        self._reading = path
        if not path:
            return
        if not self.name.text() or self.name.property("auto"):
            self.name.setText(re.sub(r"[^A-Za-z0-9_.-]", "_", Path(path).stem)[:64] or "model")
            self.name.setProperty("auto", True)
        self.found.setText(f"<small>Reading {html.escape(Path(path).name)}…</small>")
        self._off_thread(lambda: (check_file(Path(path)), inspect_model(Path(path)))[1],
                         lambda shape: self._file_read(path, shape))

    def _file_read(self, path: str, shape) -> None:
        if path != self.file.text():  # (another file was chosen meanwhile: its own read says what it found)
            return
        if isinstance(shape, Exception):
            self._reading = ""  # (read it again when asked: the file may have been mended)
            self.found.clear()
            self.say(str(shape) if isinstance(shape, (ModelError, OSError)) else f"cannot read {path}: {shape}")
            return
        fields = shape.card_fields()
        likely = shape.likely_task()
        if likely is not None and not self._task_chosen:  # (what its outputs look like, until the user says)
            self.task.setCurrentText(likely[0])
            self.decoding.setCurrentText(likely[1])
        self.width.setValue(fields.get("width", 0))
        self.height.setValue(fields.get("height", 0))
        self.layout_box.setCurrentText(fields.get("layout", "NCHW"))
        outs = ", ".join(f"<b>{html.escape(str(n))}</b> {_dims(s)}" for n, s in shape.outputs)
        self.found.setText(f"<small>Input <b>{html.escape(shape.input_name)}</b> {_dims(shape.input_shape)}"
                           f"{' (any batch size)' if fields.get('batch_dynamic') else ''} · output "
                           f"{outs}</small>")

    def submit(self) -> None:
        """Import with what the dialog says (off the GUI thread); a refusal stays in the dialog, named."""
        path = self.file.text().strip()
        if not path:
            self.say("choose the model's .onnx file first")
            return
        if self.busy:
            return
        labels = read_labels(self.labels.toPlainText())
        fields = {"width": self.width.value() or None, "height": self.height.value() or None,
                  "layout": self.layout_box.currentText(), "resize": self.resize_box.currentText(),
                  "decoding": self.decoding.currentText()}
        if self.decoding.currentText() == "yolo" and self.objectness.isChecked():
            fields["objectness"] = True
        library, task, name = self.library, self.task.currentText(), self.name.text().strip() or None
        replace = self.replace.isChecked()
        self.say("")
        self._off_thread(lambda: library.import_model(path, task, name=name, labels=labels, replace=replace, **fields),
                         self._imported)
        self.import_button.setText("Importing…")

    def reject(self) -> None:
        """Cancel (or Escape, or the window's close button): while a model is being imported it stays open and
        says so — the copy goes on to its end either way, and closing would hide that it did."""
        if self.import_button.text() == "Importing…" and self.busy:
            self.say("Importing… it cannot be stopped half-way: it ends in a moment (remove the model afterwards "
                     "with `nodeloom models remove`, or Open models folder, if you did not want it)")
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.import_button.text() == "Importing…" and self.busy:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def _imported(self, card) -> None:
        if isinstance(card, Exception):
            self.say(str(card) if isinstance(card, (ModelError, NotFound, OSError)) else f"not imported: {card}")
            return
        self.imported.emit(card.name)
        self.accept()
