"""Run ▸ Run over a list of inputs…: one queued run per set of inputs (or N copies of each), non-modal.

The inputs are JSON Lines (one object per line) or one JSON array of objects, typed or loaded from a file;
what they would queue — or what is wrong, with its line — shows as you type.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout)

from ..cli.inputs_list import parse_inputs_list

__all__ = ["BatchDialog"]

MAX_FILE = 16 * 1024 * 1024  # what the text box takes from a file (the CLI's --inputs-list takes more)

class BatchDialog(QDialog):
    """``submitted(items, copies, priority)`` when the user queues the runs."""

    submitted = Signal(list, int, int)

    def __init__(self, workflow_name: str, input_names: list[str], parent=None):
        super().__init__(parent)
        self.setObjectName("batchDialog")
        self.setWindowTitle(f"Run “{workflow_name}” over a list of inputs")
        example = "{" + ", ".join(f'"{n}": …' for n in input_names) + "}" if input_names else "{}"
        self.text = QPlainTextEdit(objectName="batchInputs")
        self.text.setPlaceholderText(f"One run per line, each a JSON object of inputs:\n{example}\n{example}\n"
                                     "(or one JSON array of such objects)")
        self.text.setFont(QFont("monospace"))
        self.copies = QSpinBox(objectName="batchCopies", minimum=1, maximum=10_000, value=1)
        self.priority = QSpinBox(objectName="batchPriority", minimum=1, maximum=10, value=5)
        self.status = QLabel(objectName="batchStatus")
        self.status.setWordWrap(True)
        load = QPushButton("Load file…")
        load.clicked.connect(self._load)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.queue_button = self.buttons.addButton("Queue runs", QDialogButtonBox.ButtonRole.AcceptRole)
        self.queue_button.setObjectName("batchQueue")
        form = QFormLayout()
        form.addRow("Copies of each", self.copies)
        form.addRow("Priority (10 first)", self.priority)
        top = QHBoxLayout()
        top.addWidget(QLabel(f"Inputs of {', '.join(input_names) or 'this workflow (it has none)'}:"))
        top.addStretch(1)
        top.addWidget(load)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.text)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(560, 420)
        self.text.textChanged.connect(self._check)
        self.copies.valueChanged.connect(self._check)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.items: list[dict] = []
        self._check()

    def _check(self) -> None:
        try:
            self.items = parse_inputs_list(self.text.toPlainText())
        except ValueError as e:
            self.items = []
            self.status.setText(str(e))
            self.queue_button.setEnabled(False)
            return
        runs = len(self.items) * self.copies.value()
        self.status.setText(f"{runs} run{'s' if runs != 1 else ''} will be queued")
        self.queue_button.setEnabled(runs > 0)

    def _load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Inputs list", str(Path.home()),
                                              "JSON Lines or JSON (*.jsonl *.json *.txt);;All files (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        try:
            if Path(path).stat().st_size > MAX_FILE:
                raise ValueError(f"larger than {MAX_FILE // 2**20} MB (nodeloom run --enqueue --inputs-list "
                                 "takes larger lists)")
            self.text.setPlainText(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            self.status.setText(f"{Path(path).name} could not be read: {e}")

    def _submit(self) -> None:
        if self.items:
            self.submitted.emit(self.items, self.copies.value(), self.priority.value())
            self.accept()
