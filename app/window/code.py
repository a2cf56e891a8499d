"""User code in the editor: the "Allow Python code blocks" setting of this window's run service, and approval
of python blocks in a workflow that came from a file before its first run here."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QMessageBox

__all__ = ["CodeController"]


class CodeController:
    def __init__(self, window):
        self.w = window
        self.allowed = str(window.settings.value("python/enabled", "true")).lower() == "true"
        self.approval_box: QMessageBox | None = None

    def set_allowed(self, allowed: bool) -> None:
        """On or off for the runs this window's run service starts from now on (no other service's)."""
        w = self.w
        w.settings.setValue("python/enabled", "true" if allowed else "false")
        self.allowed = allowed
        if w.runs.service is not None:
            w.runs.service.configure(allow_python_blocks=allowed)
        if w.actionAllowPython.isChecked() != allowed:
            w.actionAllowPython.setChecked(allowed)

    def _needs_approval(self, tab, wf) -> list[str]:
        """The python nodes of a workflow imported from a file that was not approved here yet."""
        code_nodes = [n.id for n in wf.nodes if n.type == "python"]
        if not code_nodes or not tab.doc.workflow_id:
            return []
        w = self.w
        info = w.store.workflows.get(tab.doc.workflow_id)
        if not (info.source or "").startswith("file:"):
            return []  # made here (or from our own templates)
        if str(w.settings.value(f"python/approved/{tab.doc.workflow_id}", "")) == "true":
            return []
        return code_nodes

    def approved_already(self, tab, wf) -> bool:
        """Whether the workflow's python code may run without asking (live preview never asks: it holds it)."""
        return not self._needs_approval(tab, wf)

    async def approve(self, tab, wf) -> bool:
        """Ask (without blocking the loop) before the first run of imported python code; remembered."""
        nodes = self._needs_approval(tab, wf)
        if not nodes:
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, "Run Python code from a file?",
                          f"“{tab.doc.name}” was imported from a file and runs Python code in "
                          f"{len(nodes)} node(s): {', '.join(nodes)}.\n\nThat code can do anything you can do "
                          "on this computer. Run it only if you trust where the file came from.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.w)
        box.setObjectName("pythonApproval")
        by_id = {n.id: n for n in wf.nodes}
        box.setDetailedText("\n\n".join(f"# node {nid}\n{by_id[nid].config.get('code', '')}" for nid in nodes))
        box.button(QMessageBox.StandardButton.Yes).setText("Run the code")
        box.button(QMessageBox.StandardButton.No).setText("Don’t run")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        answer = asyncio.get_running_loop().create_future()
        box.finished.connect(lambda code: answer.done() or answer.set_result(code))
        self.approval_box = box
        box.open()
        try:
            code = await answer
        finally:
            self.approval_box = None
        approved = code == QMessageBox.StandardButton.Yes or box.clickedButton() is box.button(
            QMessageBox.StandardButton.Yes)
        if approved:
            self.w.settings.setValue(f"python/approved/{tab.doc.workflow_id}", "true")
        return approved
