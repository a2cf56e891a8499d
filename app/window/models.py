"""Models ▸ Import… and Open models folder: the data folder's model library (SPEC §4, "Models"). A model imported
shows at once in the inspector of a model block (its model field lists the library)."""

from __future__ import annotations

from pathlib import Path

from engine.models import ModelLibrary, unavailable

from ..dialogs.model_import import ModelImportDialog
from .crash import open_folder

__all__ = ["ModelsController"]


class ModelsController:
    def __init__(self, window):
        self.w = window
        self.dialog: ModelImportDialog | None = None

    @property
    def library(self) -> ModelLibrary:
        return ModelLibrary(self.w.home / "models")

    def import_dialog(self, path: str = "") -> ModelImportDialog:
        """The import dialog (one at a time; a second Import… raises it)."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        self.dialog = ModelImportDialog(self.library, self.w, path=path)
        self.dialog.imported.connect(self.imported)
        problem = unavailable()
        if problem:
            self.dialog.say(problem)
        self.dialog.show()
        return self.dialog

    def imported(self, name: str) -> None:
        self.w.statusBar().showMessage(f"Model {name} imported into {self.library.folder}", 8000)
        inspector = self.w.inspector
        if inspector.doc is not None and inspector.node_id is not None:  # (its model field lists the library again)
            inspector.show_node(inspector.doc, inspector.stack, inspector.node_id)

    def open_folder(self) -> Path:
        folder = self.library.folder
        folder.mkdir(parents=True, exist_ok=True)
        if not open_folder(folder):
            self.w.statusBar().showMessage(f"The models folder is {folder}", 10000)
        return folder
