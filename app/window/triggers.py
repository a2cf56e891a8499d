"""The open workflow's triggers in the editor (SPEC §8, issue 15): the Triggers dock's actions, the schedule and
folder dialogs, and the webhook box — stored through the run service's Triggers like the CLI and the server.
The dock reads the store again every few seconds while it shows (fires made by any process appear)."""

from __future__ import annotations

import json
import logging

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout

from engine import NodeloomError
from engine.runs import Triggers
from engine.runs.targets import Targets

from ..dialogs.server import HookBox
from ..dialogs.trigger import TriggerDialog

__all__ = ["TriggersController"]

log = logging.getLogger(__name__)
REFRESH_MS = 3000


def webhook_curl(url: str, secret: str) -> str:
    """A shell example that signs a body per Standard Webhooks (openssl) and posts it to the webhook: no token."""
    return (f"body='{{}}'  # the runs' inputs, as JSON\n"
            f"secret='{secret}'\n"
            "id=msg_$(openssl rand -hex 12); ts=$(date +%s)\n"
            "key=$(printf %s \"${secret#whsec_}\" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \\n')\n"
            "sig=$(printf %s \"$id.$ts.$body\" | openssl dgst -sha256 -mac HMAC -macopt \"hexkey:$key\" -binary"
            " | openssl base64 -A)\n"
            f"curl -X POST {url} -H \"webhook-id: $id\" -H \"webhook-timestamp: $ts\" \\\n"
            "  -H \"webhook-signature: v1,$sig\" -H 'Content-Type: application/json' --data-binary \"$body\"")


class TriggersController:
    def __init__(self, window):
        self.w = window
        self.triggers = Triggers(window.store, Targets(window.store, window.registry), on_change=self._wake)
        self.dialog: QDialog | None = None
        panel = window.triggers_panel
        panel.addRequested.connect(self.add)
        panel.editRequested.connect(self.edit)
        panel.deleteRequested.connect(self.delete)
        panel.enableRequested.connect(self.enable)
        self.timer = QTimer(panel, interval=REFRESH_MS)
        self.timer.timeout.connect(lambda: panel.isVisible() and self.refresh())
        self.timer.start()

    def _wake(self) -> None:
        service = self.w.runs.service
        if service is not None and service.firer is not None:
            service.firer.wake()

    def workflow(self) -> tuple[str | None, str]:
        tab = self.w.current_tab()
        if tab is None or tab.doc.read_only or not tab.doc.workflow_id:
            return None, tab.doc.name if tab else ""
        return tab.doc.workflow_id, tab.doc.name

    def refresh(self) -> None:
        wid, name = self.workflow()
        try:
            found = self.w.store.triggers.list(wid) if wid else []
        except NodeloomError as e:
            log.warning("reading triggers: %s", e)
            found = []
        tab = self.w.current_tab()
        note = None
        if tab is not None and tab.doc.read_only and tab.doc.workflow_id:  # (saved, but not editable here)
            note = (f"{name} is shown read-only here (a template, a compare or an old version): triggers belong to "
                    "a workflow's own tab" + (" — make a workflow from the template on the welcome page."
                                             if not (tab.diff_of or tab.snapshot) else "."))
        self.w.triggers_panel.show_triggers(wid, name, found, note=note)

    # -- the dock's actions -------------------------------------------------------------------------------------

    def add(self, kind: str) -> None:
        wid, _ = self.workflow()
        if wid is None:
            return
        if kind == "webhook":
            existing = self.w.store.triggers.list(wid, kind="webhook")
            t = existing[0] if existing else self.triggers.add(wid, "webhook", {})
            self.refresh()
            self.show_webhook(t)
            return
        self._open(TriggerDialog(kind, lambda k, c, i, p, cu, e: self.triggers.add(
            wid, k, c, inputs=i, priority=p, catch_up=cu, enabled=e), parent=self.w,
            check_inputs=lambda k, i: self.triggers.inputs_problems(wid, k, i)))

    def edit(self, trigger_id: str) -> None:
        try:
            t = self.w.store.triggers.get(trigger_id)
        except NodeloomError as e:
            self.w.statusBar().showMessage(str(e), 6000)
            return
        if t.kind == "webhook":
            self.show_webhook(t)
            return
        self._open(TriggerDialog(t.kind, lambda _k, c, i, p, cu, e: self.triggers.change(
            trigger_id, config=c, inputs=i, priority=p, catch_up=cu, enabled=e), trigger=t, parent=self.w,
            check_inputs=lambda k, i: self.triggers.inputs_problems(t.workflow_id, k, i)))

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.open()

    def delete(self, trigger_id: str) -> None:
        try:
            t = self.w.store.triggers.get(trigger_id)
            self.triggers.remove(trigger_id)
        except NodeloomError as e:
            self.w.statusBar().showMessage(str(e), 6000)
            return
        self.w.statusBar().showMessage(f"Deleted the {t.kind} trigger", 6000)
        self.refresh()

    def enable(self, trigger_id: str, on: bool) -> None:
        try:
            self.triggers.change(trigger_id, enabled=on)
        except NodeloomError as e:
            self.w.statusBar().showMessage(str(e), 8000)
        self.refresh()

    def show_webhook(self, trigger) -> QDialog:
        """The webhook's URL and whsec_ secret (copy, regenerate) and a curl example that signs its body per
        Standard Webhooks (no token: the signature authenticates it)."""
        wid = trigger.workflow_id
        url, secret = self.w.server.hook(wid)
        dialog = QDialog(self.w, objectName="webhookDialog", windowTitle="Webhook")
        box = HookBox(url, secret, lambda: self.w.store.hooks.regenerate(wid))
        example = QPlainTextEdit(webhook_curl(url, secret), objectName="webhookCurl", readOnly=True)
        box.secret.textChanged.connect(lambda s: example.setPlainText(webhook_curl(url, s)))
        note = QLabel("" if self.w.server.url else "The server is not running: Server ▸ Start serves this URL.",
                      wordWrap=True)
        extra = (f"Runs get these inputs too: {json.dumps(trigger.inputs)}" if trigger.inputs else "")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        for w in (box, QLabel("Example (bash):"), example, note, QLabel(extra), buttons):
            layout.addWidget(w)
        dialog.resize(640, 420)
        self._open(dialog)
        return dialog
