"""File ▸ Workflow properties… (and the name asked for on a workflow's first save): name, description, tags.
Non-modal; the change is one undoable edit."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout

__all__ = ["PropertiesDialog", "parse_tags"]

MAX_NAME = 500


def parse_tags(text: str) -> list[str]:
    """``image, web  ,web`` → ``["image", "web"]``: comma-separated, trimmed, each once, in order."""
    tags: list[str] = []
    for part in text.split(","):
        tag = part.strip()
        if tag and tag not in tags:
            tags.append(tag[:100])
    return tags


class PropertiesDialog(QDialog):
    """``submitted(props)`` with the properties that changed (an empty dict when none did)."""

    submitted = Signal(dict)

    def __init__(self, doc, parent=None, *, first_save: bool = False, extra=None):
        super().__init__(parent)
        self.setObjectName("propertiesDialog")
        self.doc = doc
        self.setWindowTitle("Save workflow" if first_save else "Workflow properties")
        self.name = QLineEdit(doc.name, objectName="workflowName")
        self.name.setMaxLength(MAX_NAME)
        self.name.selectAll()
        self.description = QPlainTextEdit(doc.props.get("description") or "", objectName="workflowDescription")
        self.description.setMaximumHeight(90)
        self.tags = QLineEdit(", ".join(doc.props.get("tags") or []), objectName="workflowTags")
        self.tags.setPlaceholderText("comma-separated, e.g. image, web")
        self.problem = QLabel(objectName="propertiesProblem")
        self.problem.setStyleSheet("color: #d9534f")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Description", self.description)
        form.addRow("Tags", self.tags)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Save" if first_save else "OK")
        layout = QVBoxLayout(self)
        if first_save:
            layout.addWidget(QLabel("Give the workflow a name before its first version is stored."))
        layout.addLayout(form)
        if extra is not None:  # (the webhook box of a stored workflow)
            layout.addWidget(extra)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        name = self.name.text().strip()
        self.problem.setText("" if name else "A workflow needs a name.")
        self.ok.setEnabled(bool(name))

    def changes(self) -> dict:
        wanted = {"name": self.name.text().strip(), "description": self.description.toPlainText().strip(),
                  "tags": parse_tags(self.tags.text())}
        return {k: v for k, v in wanted.items() if v != self.doc.props.get(k)}

    def _submit(self) -> None:
        if not self.name.text().strip():
            return
        self.submitted.emit(self.changes())
        self.accept()
