"""The welcome page: new, import, templates and recent workflows, with search by name and tag."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
                               QWidget)

__all__ = ["Browser"]


class Browser(QWidget):
    openRequested = Signal(str)          # workflow id
    newFromTemplate = Signal(str)        # template id
    newRequested = Signal()
    importRequested = Signal()

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.setObjectName("browser")
        self.store = store
        self.search = QLineEdit(placeholderText="Search workflows by name, or tag:NAME", clearButtonEnabled=True)
        self.workflows = QListWidget(objectName="workflowList")
        self.templates = QListWidget(objectName="templates")
        new = QPushButton("New workflow")
        imp = QPushButton("Import…")
        new.clicked.connect(self.newRequested)
        imp.clicked.connect(self.importRequested)
        top = QHBoxLayout()
        top.addWidget(QLabel("<h2>Nodeloom</h2>"))
        top.addStretch(1)
        top.addWidget(new)
        top.addWidget(imp)
        lists = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(QLabel("<b>Workflows</b> (recent first)"))
        left.addWidget(self.workflows)
        right.addWidget(QLabel("<b>Templates</b> — double-click for a new workflow"))
        right.addWidget(self.templates)
        lists.addLayout(left, 3)
        lists.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.search)
        layout.addLayout(lists)
        self.search.textChanged.connect(self.refresh)
        self.workflows.itemActivated.connect(lambda i: self.openRequested.emit(i.data(Qt.ItemDataRole.UserRole)))
        self.templates.itemActivated.connect(lambda i: self.newFromTemplate.emit(i.data(Qt.ItemDataRole.UserRole)))
        self.refresh()

    def refresh(self) -> None:
        text = self.search.text().strip()
        tag = text[4:].strip() if text.startswith("tag:") else None
        search = None if tag is not None else (text or None)
        for widget, templates in ((self.workflows, False), (self.templates, True)):
            widget.clear()
            for info in self.store.workflows.list(search=search, tag=tag, templates=templates, limit=200).items:
                item = QListWidgetItem(f"{info.name}   v{info.current_version}" + (f"   [{', '.join(info.tags)}]" if info.tags else ""))
                item.setData(Qt.ItemDataRole.UserRole, info.id)
                item.setToolTip(info.description)
                widget.addItem(item)
