"""Help ▸ Open log folder, Open plugins folder and About, and the error dialog that uncaught exceptions land in (app/crash.py)."""

from __future__ import annotations

import logging
import platform
import sys
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox

from engine import __version__
from engine.blocks.registry import plugins_folder

from .crash import CrashReporter, ErrorDialog, log_folder, open_folder, setup_logging

__all__ = ["HelpController"]


class HelpController:
    def __init__(self, window):
        self.w = window
        self.folder = log_folder(window.home)
        self.handler = setup_logging(self.folder, str(window.settings.value("log_level", "INFO")))
        self.crash = CrashReporter(window)
        self.crash.reported.connect(self.show_error)
        self.errors: ErrorDialog | None = None
        self.about_box: QMessageBox | None = None

    def set_level(self, level: str) -> None:
        if self.handler is not None:
            self.handler = setup_logging(self.folder, level)

    def close(self) -> None:
        """The log file is let go (the window's last step)."""
        if self.handler is not None:
            logging.getLogger().removeHandler(self.handler)
            self.handler.close()
            self.handler = None

    def show_error(self, where: str, summary: str, details: str) -> None:
        if self.errors is None:
            self.errors = ErrorDialog(self.folder, self.w)
        self.errors.add(where, summary, details)

    def open_logs(self) -> None:
        if not open_folder(self.folder):
            self.w.statusBar().showMessage(f"The log folder is {self.folder}", 10000)

    def open_plugins(self) -> Path:
        """The data folder's ``plugins/``, where a block plugin goes (read when Nodeloom starts)."""
        folder = plugins_folder(self.w.home)
        if not open_folder(folder):
            self.w.statusBar().showMessage(f"The plugins folder is {folder}", 10000)
        return folder

    def about_text(self) -> str:
        return (f"<b>Nodeloom {__version__}</b><br>A desktop visual workflow builder.<br><br>"
                f"Qt {qVersion()} · PySide6 {pyside_version} · Python {platform.python_version()} "
                f"({sys.platform})<br>Data folder: {self.w.home}<br>Logs: {self.folder}")

    def about(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Information, "About Nodeloom", self.about_text(),
                          QMessageBox.StandardButton.Close, self.w)
        box.setObjectName("aboutBox")
        box.setModal(False)
        box.show()
        self.about_box = box
        return box
