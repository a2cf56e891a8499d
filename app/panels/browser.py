"""The welcome page: new, import, templates and recent workflows, with search by name and tag, and the trash
(deleted workflows, restored with a double-click)."""

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
    restoreRequested = Signal(str)       # a deleted workflow's id

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.setObjectName("browser")
        self.store = store
        self.search = QLineEdit(placeholderText="Search workflows by name, or tag:NAME", clearButtonEnabled=True)
        self.workflows = QListWidget(objectName="workflowList")
        self.templates = QListWidget(objectName="templates")
        new = QPushButton("New workflow")
        imp = QPushButton("Import…")
        self.trash = QPushButton("Trash", objectName="showTrash", checkable=True)
        self.trash.setToolTip("Deleted workflows: double-click one to restore it")
        self.workflows_caption = QLabel()
        new.clicked.connect(self.newRequested)
        imp.clicked.connect(self.importRequested)
        top = QHBoxLayout()
        top.addWidget(QLabel("<h2>Nodeloom</h2>"))
        top.addStretch(1)
        top.addWidget(new)
        top.addWidget(imp)
        top.addWidget(self.trash)
        lists = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.workflows_caption)
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
        self.trash.toggled.connect(self.refresh)
        self.workflows.itemActivated.connect(lambda i: (self.restoreRequested if self.trash.isChecked()
                                                        else self.openRequested).emit(i.data(Qt.ItemDataRole.UserRole)))
        self.templates.itemActivated.connect(lambda i: self.newFromTemplate.emit(i.data(Qt.ItemDataRole.UserRole)))
        self.refresh()

    def refresh(self) -> None:
        text = self.search.text().strip()
        tag = text[4:].strip() if text.startswith("tag:") else None
        search = None if tag is not None else (text or None)
        deleted = self.trash.isChecked()
        self.workflows_caption.setText("<b>Trash</b> — double-click to restore" if deleted
                                       else "<b>Workflows</b> (recent first)")
        for widget, templates in ((self.workflows, None if deleted else False), (self.templates, True)):
            widget.clear()
            for info in self.store.workflows.list(search=search, tag=tag, templates=templates,
                                                  deleted=deleted and widget is self.workflows, limit=200).items:
                tags = f"   [{', '.join(info.tags)}]" if info.tags else ""
                item = QListWidgetItem(f"{info.name}   v{info.current_version}{tags}")
                item.setData(Qt.ItemDataRole.UserRole, info.id)
                item.setToolTip(info.description)
                widget.addItem(item)
