"""The workflow's inputs in the run panel: one field per ``input`` node, following the document as it changes.

A field shows the input's type and default (or that it is required); what is typed is read as JSON where it
parses, else as text, and remembered per workflow — per draft for a tab never saved (the draft id is the tab's
journal key, so a tab restored after a crash finds its inputs again; the first save moves them to the
workflow). A required input left empty is marked and asked for instead of running. A bypassed input carries no
value (SPEC §2): its field is greyed with "bypassed" in it and never asked for; what was typed in it is kept for
when it is switched on again.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit

from engine.values import loads_finite

__all__ = ["InputsBar"]

MARK = "QLineEdit { border: 2px solid #d9534f; }"


def _spec(node) -> tuple:
    c = node.config
    return (c.get("name"), str(c.get("type", "any")), bool(c.get("required")),
            json.dumps(c.get("default"), default=str), str(c.get("description") or ""), bool(node.bypass))


class InputsBar(QGroupBox):
    changed = Signal()  # the set of inputs changed (a node added, removed or renamed)

    def __init__(self, settings, parent=None):
        super().__init__("Inputs", parent)
        self.setObjectName("inputsBar")
        self.settings = settings
        self.form = QFormLayout(self)
        self.fields: dict[str, QLineEdit] = {}
        self.specs: dict[str, tuple] = {}
        self.tab = None
        self.setVisible(False)

    # -- following a tab's document ---------------------------------------------------------------------

    def show_tab(self, tab) -> None:
        if self.tab is not None:
            self._remember()
            try:
                for signal in (self.tab.doc.nodeAdded, self.tab.doc.nodeRemoved, self.tab.doc.nodeChanged):
                    signal.disconnect(self._doc_changed)
            except (RuntimeError, TypeError):  # the tab (and its document) is gone
                pass
        self.tab = tab
        self.specs = {}
        if tab is not None:
            for signal in (tab.doc.nodeAdded, tab.doc.nodeRemoved, tab.doc.nodeChanged):
                signal.connect(self._doc_changed)
        self._rebuild()

    def _doc_changed(self, _node_id: str = "") -> None:
        if self.tab is not None and self._wanted() != self.specs:
            self._rebuild()

    def _wanted(self) -> dict[str, tuple]:
        found = {}
        for node in self.tab.doc.nodes.values():
            name = node.config.get("name") if node.type == "input" else None
            if name and isinstance(name, str):  # (a name that is not text is the validator's to report)
                found[name] = _spec(node)
        return found

    def _rebuild(self) -> None:
        typed = self._typed()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        self.specs = self._wanted() if self.tab is not None else {}
        saved = {**(self.settings.value(self.key()) or {}), **typed} if self.tab is not None else {}
        for name, (_, kind, required, default, description, bypassed) in self.specs.items():
            field = QLineEdit(str(saved.get(name, "")))
            field.setObjectName(f"input_{name}")
            field.setPlaceholderText("required" if required and default == "null" else
                                     (f"default {default}" if default != "null" else f"{kind}, optional"))
            field.setToolTip(f"{name}: {kind}" + (" (required)" if required else "") +
                             (f" — {description}" if description else "") +
                             "\nJSON where it parses (3, true, [1, 2], {\"a\": 1}), else text")
            if bypassed:  # greyed and empty; what was typed comes back when it is on again
                field.setProperty("kept", field.text())
                field.clear()
                field.setEnabled(False)
                field.setPlaceholderText("bypassed")
                field.setToolTip(f"{name} is bypassed: it carries no value, so what needs it is skipped "
                                 "(Ctrl+B on its node switches it on again)")
            field.editingFinished.connect(self._remember)
            field.textEdited.connect(lambda _text, f=field: f.setStyleSheet(""))
            self.fields[name] = field
            self.form.addRow(name, field)
        self.setVisible(bool(self.fields))
        self.changed.emit()

    # -- values --------------------------------------------------------------------------------------------

    def key(self, tab=None) -> str:
        tab = tab or self.tab
        return f"inputs/{tab.doc.workflow_id}" if tab.doc.workflow_id else f"inputs/draft-{tab.journal_key}"

    def _typed(self) -> dict[str, str]:
        """What each field holds (a bypassed one: what it held before)."""
        return {k: f.property("kept") if self._bypassed(k) else f.text() for k, f in self.fields.items()}

    def _bypassed(self, name: str) -> bool:
        return bool(self.specs.get(name, (None,) * 6)[5])

    def _remember(self) -> None:
        if self.tab is not None and self.fields:
            try:
                self.settings.setValue(self.key(), self._typed())
            except RuntimeError:  # the tab is gone
                pass

    def values(self) -> dict:
        """What is typed, read as JSON where it parses, else as text; empty fields (and bypassed inputs) are left
        out."""
        found = {}
        for name, field in self.fields.items():
            text = field.text().strip() if not self._bypassed(name) else ""
            if text:
                try:
                    found[name] = loads_finite(text)  # (1e999 is text then: no silent "inf")
                except (ValueError, RecursionError):
                    found[name] = text
        self._remember()
        return found

    def missing(self, among: set[str] | None = None) -> list[str]:
        """Required inputs (of ``among``, else all) with no value and no default: marked, the first focused."""
        names = [n for n, (_, _, required, default, _, bypassed) in self.specs.items()
                 if required and default == "null" and not bypassed and not self.fields[n].text().strip()
                 and (among is None or n in among)]
        self.mark(names)
        return names

    def mark(self, names: list[str]) -> None:
        for name, field in self.fields.items():
            field.setStyleSheet(MARK if name in names else "")
        if names:
            self.fields[names[0]].setFocus()

    def adopt(self, tab, previous: str | None = None) -> None:
        """A draft was saved (or the tab of a workflow deleted elsewhere, ``previous``, saved as a new one): its
        inputs become the new workflow's."""
        before = f"inputs/{previous}" if previous else f"inputs/draft-{tab.journal_key}"
        values = self.settings.value(before)
        if values and tab.doc.workflow_id:
            self.settings.setValue(f"inputs/{tab.doc.workflow_id}", values)
            if previous is None:  # (a deleted workflow keeps its own: it may come back from the trash)
                self.settings.remove(before)
