"""Logs and crash reports (issue 16): the desktop app fails like a desktop app — a bug is logged with its
traceback and shown in a dialog that does not block (copy the details, open the log folder), and the window
keeps running.

- A rotating log file (``nodeloom.log``, 2 MB × 5) in the platform's log folder, or ``logs/`` in a data folder
  that is not the default one; its level comes from the settings (``log_level``).
- Uncaught exceptions from Qt slots (``sys.excepthook``), from asyncio callbacks and tasks (the loop's exception
  handler) and from threads (``threading.excepthook``) all reach :class:`CrashReporter`, which logs them and
  hands them to the GUI thread through a queued signal.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import traceback
from pathlib import Path

import platformdirs
from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

__all__ = ["log_folder", "setup_logging", "CrashReporter", "ErrorDialog", "LOG_NAME"]

log = logging.getLogger("nodeloom")
LOG_NAME = "nodeloom.log"
LOG_BYTES, LOG_FILES = 2 * 2**20, 5
MAX_SHOWN = 20  # reports kept in the dialog (the log keeps all)
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def log_folder(home: Path) -> Path:
    """Where the log files go: the platform's user log folder for the default data folder, else ``logs/`` in the
    data folder in use (one chosen with NODELOOM_HOME, ``--home`` or the settings keeps its logs with it)."""
    default = Path(platformdirs.user_data_dir("nodeloom", "Nodeloom")).expanduser().resolve()
    if Path(home).expanduser().resolve() == default:
        return Path(platformdirs.user_log_dir("nodeloom", "Nodeloom"))
    return Path(home) / "logs"


def setup_logging(folder: Path, level: str = "INFO") -> logging.Handler:
    """A rotating log file in ``folder`` on the root logger (once per folder); returns its handler."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    root = logging.getLogger()
    for h in root.handlers:
        if isinstance(h, logging.handlers.RotatingFileHandler) and Path(h.baseFilename) == path:
            h.setLevel(_level(level))
            if root.level > h.level:
                root.setLevel(h.level)
            return h
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_FILES,
                                                   encoding="utf-8", errors="backslashreplace")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    handler.setLevel(_level(level))
    handler.addFilter(_ours_or_warnings)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > handler.level:
        root.setLevel(handler.level)
    return handler


def _ours_or_warnings(record: logging.LogRecord) -> bool:
    """The file gets Nodeloom's records at the chosen level, other libraries' (an HTTP client's every request)
    from warnings up."""
    return record.levelno >= logging.WARNING or record.name.split(".", 1)[0] in ("engine", "app", "nodeloom")


def _level(name: str) -> int:
    return getattr(logging, str(name).upper(), logging.INFO) if str(name).upper() in LEVELS else logging.INFO


class CrashReporter(QObject):
    """Catches what nothing else caught. ``reported(where, summary, details)`` fires on the GUI thread."""

    reported = Signal(str, str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._previous = None

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = lambda kind, value, tb: self.report("a window action", kind, value, tb)
        threading.excepthook = lambda a: self.report(f"the thread {a.thread.name if a.thread else '?'}",
                                                     a.exc_type, a.exc_value, a.exc_traceback)

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def loop_handler(self, loop, context: dict) -> None:
        """For ``loop.set_exception_handler``: an exception in a callback or a task nobody awaited."""
        error = context.get("exception")
        task = context.get("task") or context.get("future")
        where = f"the task {task.get_name()}" if hasattr(task, "get_name") else "a background step"
        if error is None:
            log.error("%s: %s", where, context.get("message", "?"))
            self.reported.emit(where, str(context.get("message", "?")), str(context.get("message", "")))
            return
        self.report(where, type(error), error, error.__traceback__, note=context.get("message"))

    def report(self, where: str, kind, value, tb, note: str | None = None) -> None:
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            return
        details = "".join(traceback.format_exception(kind, value, tb))
        if note:
            details = f"{note}\n{details}"
        log.error("uncaught error in %s:\n%s", where, details.rstrip())
        summary = f"{getattr(kind, '__name__', kind)}: {value}"
        try:
            self.reported.emit(where, summary, details)  # queued to the GUI thread when this is another one
        except RuntimeError:  # the reporter is gone (the app is closing): the log has it
            pass


class ErrorDialog(QDialog):
    """Non-blocking: what went wrong, the details to copy, the log folder; later reports are added to it."""

    def __init__(self, folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("errorDialog")
        self.setWindowTitle("Something went wrong")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.folder = folder
        self.summary = QLabel(objectName="errorSummary", wordWrap=True)
        self.details = QPlainTextEdit(objectName="errorDetails", readOnly=True)
        self.details.setMaximumBlockCount(5000)
        note = QLabel("Nodeloom keeps running; your work is as it was. The details are in the log too — "
                      "attach them to a bug report.", wordWrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy = QPushButton("Copy details", objectName="errorCopy")
        self.open_logs = QPushButton("Open log folder", objectName="errorOpenLogs")
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_logs, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.hide)
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.details.toPlainText()))
        self.open_logs.clicked.connect(lambda: open_folder(self.folder))
        layout = QVBoxLayout(self)
        for w in (self.summary, self.details, note, buttons):
            layout.addWidget(w)
        self.resize(640, 380)
        self.count = 0

    def add(self, where: str, summary: str, details: str) -> None:
        self.count += 1
        self.summary.setText(f"An error in {where}: {summary}" + (f"  ({self.count} so far)" if self.count > 1
                                                                    else ""))
        if self.count <= MAX_SHOWN:
            self.details.appendPlainText(f"— in {where}\n{details}")
        self.show()
        self.raise_()


def open_folder(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
