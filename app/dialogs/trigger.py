"""Adding or editing a schedule or a folder watch (SPEC §7, issue 15). A schedule shows its next five times in
local time as the expression is typed, and a bad expression or zone is marked at its field with the reason; a
folder shows the files it would pick up now, and a folder that is not there, a pattern that would leave it or
inputs that are not a JSON object are marked at their field with the reason as they are typed (OK is off while
any is). Labels wrap and the dialog is never smaller than its text. Nothing is stored until OK, and then only
what the run service accepts (its refusal is shown, every problem at once)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QCompleter, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from engine.runs import Schedule, ScheduleError, TriggerError
from engine.runs.folders import matches
from engine.runs.schedule import system_zone
from engine.runs.triggers import check_config

from ..look.screen import fit_window

__all__ = ["TriggerDialog", "PREVIEW_FILES", "MIN_WIDTH"]

_BAD = "border: 2px solid #f85149;"
PREVIEW_FILES = 12
FILE_LINES = 5         # the listing's height in lines (it scrolls): the dialog keeps its size whatever is there
MIN_WIDTH = 440        # narrower, every wrapped label is a tall column


def _problems(kind: str, config: dict) -> list[tuple[str, str]]:
    """The run service's own check of a trigger's config: (the field, or "" for the whole, and the problem)."""
    try:
        check_config(kind, config)
    except TriggerError as e:
        found = []
        for p in e.problems:
            where, _, said = p.partition(": ")
            field = where.split(".")[0]
            found.append((field, said) if said and field in config else ("", p))
        return found
    return []


def _zones() -> list[str]:
    from zoneinfo import available_timezones

    return sorted(available_timezones())


class TriggerDialog(QDialog):
    """``save(kind, config, inputs, priority, catch_up, enabled)`` stores it (raising TriggerError);
    ``check_inputs(kind, inputs)`` says what is wrong with the inputs for the workflow, as they are typed."""

    def __init__(self, kind: str, save: Callable[..., object], trigger=None, parent=None,
                 check_inputs: Callable[[str, dict], list[str]] | None = None):
        super().__init__(parent)
        self.kind, self._save, self.saved, self._check_inputs = kind, save, None, check_inputs
        self.setObjectName("triggerDialog")
        self.setWindowTitle(("Edit " if trigger else "New ") + ("schedule" if kind == "schedule" else "folder watch"))
        config = trigger.config if trigger else {}
        form = QFormLayout()
        if kind == "schedule":
            self.cron = QLineEdit(config.get("cron", "0 9 * * 1-5"), objectName="triggerCron")
            self.cron.setPlaceholderText("minute hour day month weekday, e.g. */15 * * * *, or @hourly, @daily")
            self.tz = QComboBox(objectName="triggerTz", editable=True)
            self.tz.addItems(_zones())
            self.tz.setCurrentText(config.get("tz") or system_zone())
            self.tz.completer().setFilterMode(Qt.MatchFlag.MatchContains)
            self.tz.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            self.upcoming = QLabel(objectName="triggerUpcoming", wordWrap=True)
            form.addRow("Cron", self.cron)
            form.addRow("Time zone", self.tz)
            form.addRow("Next", self.upcoming)
            self.cron.textChanged.connect(self._preview)
            self.tz.currentTextChanged.connect(self._preview)
        else:
            self.folder = QLineEdit(config.get("path", ""), objectName="triggerFolder")
            browse = QPushButton("Browse…")
            browse.clicked.connect(self._browse)
            row = QWidget()
            lay = QHBoxLayout(row)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(self.folder, 1)
            lay.addWidget(browse)
            self.patterns = QLineEdit(", ".join(config.get("patterns") or ["*.png", "*.jpg", "*.jpeg"]),
                                      objectName="triggerPatterns")
            self.recursive = QCheckBox("and its subfolders", objectName="triggerRecursive")
            self.recursive.setChecked(bool(config.get("recursive")))
            self.on = QComboBox(objectName="triggerOn")
            self.on.addItems(["created", "modified", "both"])
            self.on.setCurrentText(config.get("on", "created"))
            self.files = QPlainTextEdit(objectName="triggerFiles", readOnly=True, placeholderText="(choose a folder)",
                                        lineWrapMode=QPlainTextEdit.LineWrapMode.NoWrap)
            self.files.setFixedHeight(self.files.fontMetrics().lineSpacing() * FILE_LINES
                                      + 2 * (self.files.frameWidth() + int(self.files.document().documentMargin())))
            files_note = QLabel("Files there now are not run: only those that arrive from now on.", wordWrap=True)
            form.addRow("Folder", row)
            form.addRow("Files", self.patterns)
            form.addRow("", self.recursive)
            form.addRow("Run on", self.on)
            form.addRow("There now", self.files)
            form.addRow("", files_note)
            self._note(form, self.folder, after=row)
            self._note(form, self.patterns)
            for w in (self.folder, self.patterns):
                w.textChanged.connect(self._preview)
            self.recursive.toggled.connect(self._preview)
        self.inputs = QLineEdit(json.dumps(trigger.inputs) if trigger and trigger.inputs else "",
                                objectName="triggerInputs",
                                placeholderText='the runs\' inputs as JSON, e.g. {"out": "/home/you/thumbs"}')
        self.priority = QSpinBox(objectName="triggerPriority", minimum=1, maximum=10)
        self.priority.setValue(trigger.priority if trigger else 5)
        self.catch_up = QComboBox(objectName="triggerCatchUp")
        self.catch_up.addItems(["once", "skip"])
        self.catch_up.setCurrentText(trigger.catch_up if trigger else "once")
        self.catch_up.setToolTip("What was missed while no Nodeloom process ran: one run (once), or nothing (skip)")
        self.enabled = QCheckBox("On", objectName="triggerEnabled")
        self.enabled.setChecked(trigger.enabled if trigger else True)
        form.addRow("Inputs", self.inputs)
        self._note(form, self.inputs)
        self.inputs.textChanged.connect(self._check)
        form.addRow("Priority", self.priority)
        form.addRow("Missed", self.catch_up)
        form.addRow("", self.enabled)
        self.problem = QLabel(objectName="triggerProblem", wordWrap=True)
        self.problem.setStyleSheet("color: #f85149;")
        self.problem.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addStretch(1)  # (room to spare goes under the form, not between its rows)
        layout.addWidget(buttons)
        self._timer = QTimer(self, singleShot=True, interval=150)  # a folder listing waits for typing to pause
        self._timer.timeout.connect(self._list_files)
        self._preview()
        self.resize(max(560, self.minimumWidth()), max(self.minimumHeight(), self.sizeHint().height()))

    def _note(self, form: QFormLayout, field: QWidget, after: QWidget | None = None) -> None:
        """A line under ``field`` (or its row ``after``) that says what is wrong with it, hidden while nothing is."""
        note = QLabel(objectName=field.objectName() + "Problem", wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        note.setStyleSheet("color: #f85149;")
        row, _role = form.getWidgetPosition(after or field)
        form.insertRow(row + 1, "", note)
        form.setRowVisible(note, False)  # (the whole row: no gap where there is nothing to say)
        self._notes = getattr(self, "_notes", {})
        self._notes[field] = note
        self._form = form

    def _mark(self, field: QWidget, problem: str) -> None:
        note = self._notes[field]
        field.setStyleSheet(_BAD if problem else "")
        field.setToolTip(problem)
        note.setText(problem)
        self._form.setRowVisible(note, bool(problem))

    def _fit(self) -> None:
        """Never smaller than its text: wrapped labels need more height the narrower the dialog, so the minimum
        height is the one the layout needs at the minimum width (Qt's own minimum ignores wrapping)."""
        layout = self.layout()
        layout.invalidate()
        layout.activate()
        width = max(MIN_WIDTH, layout.totalMinimumSize().width())
        self.setMinimumSize(width, max(layout.totalHeightForWidth(width), layout.totalMinimumSize().height()))
        if self.isVisible():  # grown (a reason shown): still all on the screen
            fit_window(self)

    # -- what it would do ------------------------------------------------------------------------------------

    def _preview(self) -> None:
        if self.kind == "schedule":
            self._schedule_preview()
        else:
            self._timer.start()
        self._check()

    def _check(self) -> None:
        """Each field's problem at the field; OK only when there is none (the schedule says its own)."""
        bad = False
        if self.kind == "folder":
            path = self.folder.text().strip()
            folder = [p for _f, p in _problems("folder", {"path": os.path.expanduser(path)})] if path else []
            self._mark(self.folder, "\n".join(folder))
            patterns = [p for f, p in _problems("folder", {"path": path, "patterns": self.patterns_list()})
                        if f == "patterns"]
            self._mark(self.patterns, "\n".join(patterns))
            bad = not path or bool(folder or patterns)
        else:
            bad = "border" in self.cron.styleSheet() + self.tz.styleSheet()
        inputs = self._inputs_problem()
        self._mark(self.inputs, inputs)
        self.ok.setEnabled(not (bad or inputs))
        self._fit()

    def _inputs_problem(self) -> str:
        text = self.inputs.text().strip()
        value: object = {}
        if text:
            try:
                value = json.loads(text)
            except ValueError as e:
                return f"not JSON: {e}"
            if not isinstance(value, dict):
                return (f"the inputs are a JSON object of input names and values, like {{\"out\": \"/tmp\"}}, "
                        f"not {type(value).__name__ if value is not None else 'null'}")
        if self._check_inputs is not None:  # against the workflow itself, as its runs will be queued
            try:
                problems = self._check_inputs(self.kind, value)
            except Exception as e:  # noqa: BLE001 - the workflow could not be read (deleted meanwhile)
                problems = [str(e)]
            if problems:
                return "; ".join(problems[:3])
        return ""

    def _schedule_preview(self) -> None:
        self.cron.setStyleSheet("")
        self.tz.setStyleSheet("")
        try:
            schedule = Schedule(self.cron.text(), self.tz.currentText())
        except ScheduleError as e:
            bad = self.tz if "time zone" in str(e) else self.cron
            bad.setStyleSheet(_BAD)
            bad.setToolTip(str(e))
            self.upcoming.setText(f"⚠ {e}")
            return
        self.cron.setToolTip("")
        times = schedule.upcoming(time.time(), 5)
        self.upcoming.setText("\n".join(time.strftime("%a %Y-%m-%d %H:%M %Z", time.localtime(t)) for t in times)
                              + ("\n(your local time)" if schedule.tz_name != system_zone() else ""))

    def patterns_list(self) -> list[str]:
        return [p.strip() for p in self.patterns.text().split(",") if p.strip()] or ["*"]

    def _list_files(self) -> None:
        folder = Path(os.path.expanduser(self.folder.text().strip() or "."))
        if not self.folder.text().strip() or not folder.is_dir():
            self.files.setPlainText("")  # (the folder's field says why)
            return
        root = Path(os.path.realpath(folder))
        found, more = [], 0
        walker = root.rglob("*") if self.recursive.isChecked() else root.glob("*")
        for n, p in enumerate(walker):
            if n > 5000:
                more = -1
                break
            if p.is_file() and matches(root, p, self.patterns_list(), self.recursive.isChecked()):
                if len(found) < PREVIEW_FILES:
                    found.append(str(p.relative_to(root)))
                else:
                    more += 1
        text = "\n".join(found) if found else "no files match now"
        if more:
            text += f"\n… and {'more' if more < 0 else more} more"
        self.files.setPlainText(text)

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Folder to watch", self.folder.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.fileSelected.connect(self.folder.setText)
        self.browse_dialog = dialog
        dialog.open()

    # -- storing -----------------------------------------------------------------------------------------------

    def config(self) -> dict:
        if self.kind == "schedule":
            return {"cron": self.cron.text().strip(), "tz": self.tz.currentText().strip()}
        return {"path": os.path.expanduser(self.folder.text().strip()), "patterns": self.patterns_list(),
                "recursive": self.recursive.isChecked(), "on": self.on.currentText()}

    def accept(self) -> None:
        self._check()
        if not self.ok.isEnabled():
            return
        inputs = json.loads(self.inputs.text()) if self.inputs.text().strip() else {}
        try:
            self.saved = self._save(self.kind, self.config(), inputs, self.priority.value(),
                                    self.catch_up.currentText(), self.enabled.isChecked())
        except TriggerError as e:
            self._say(e.problems)
            return
        super().accept()

    def _say(self, problems: list[str]) -> None:
        self.problem.setText("\n".join(f"• {p}" for p in problems))
        self.problem.show()
        self._fit()
