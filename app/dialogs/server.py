"""Server ▸ Address and token… (the running server's address, its token — copy, regenerate — and a ready-made
curl command for the open workflow, its token masked like the token field until Show reveals both; Copy copies
the real command), and the webhook box of a workflow's properties (its URL and secret)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

__all__ = ["ServerDialog", "HookBox", "curl_command", "MASK"]

MASK = "●" * 8  # the token in the shown curl command while it is hidden (of any length: it tells nothing)


def curl_command(url: str, token: str, workflow_id: str | None, inputs: dict | None = None) -> str:
    """A curl command that runs ``workflow_id`` (sync) on the server at ``url``."""
    import json

    if not workflow_id:
        return f"curl -H 'Authorization: Bearer {token}' {url}/api/v1/workflows"
    body = json.dumps({"inputs": inputs or {}, "mode": "sync"}, ensure_ascii=False).replace("'", "'\\''")
    return (f"curl -X POST {url}/api/v1/workflows/{workflow_id}/run \\\n"
            f"  -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\\n"
            f"  -d '{body}'")


def _secret_row(field: QLineEdit, regenerate_text: str) -> tuple[QWidget, QPushButton, QPushButton]:
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    field.setReadOnly(True)
    field.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
    copy = QPushButton("Copy")
    regen = QPushButton(regenerate_text)
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(field.text()))
    for w in (field, copy, regen):
        lay.addWidget(w)
    return row, copy, regen


class ServerDialog(QDialog):
    """Non-modal. ``startStop`` asks the window to start or stop the server; ``regenerate`` for a new token."""

    startStop = Signal()
    regenerate = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("serverDialog")
        self.setWindowTitle("Server")
        self.status = QLabel(objectName="serverStatus")
        self.status.setWordWrap(True)
        self.address = QLineEdit(objectName="serverAddress", readOnly=True)
        self.token = QLineEdit(objectName="serverToken")
        token_row, self.copy_token, self.regenerate_button = _secret_row(self.token, "Regenerate")
        self.show_token = QPushButton("Show", objectName="serverShowToken", checkable=True)
        self.show_token.setToolTip("Show the token, here and in the curl command")
        self.show_token.toggled.connect(self._reveal)
        token_row.layout().insertWidget(1, self.show_token)
        self._command = ""  # the curl command as it is copied, with the real token
        self.regenerate_button.setToolTip("A new token: programs using the old one get 401 from now on")
        self.regenerate_button.clicked.connect(self.regenerate)
        self.curl = QPlainTextEdit(objectName="serverCurl", readOnly=True)
        self.curl.setMaximumHeight(90)
        copy_curl = QPushButton("Copy command", objectName="copyCurl")
        copy_curl.clicked.connect(lambda: QGuiApplication.clipboard().setText(self._command))
        form = QFormLayout()
        form.addRow("Address", self.address)
        form.addRow("Token", token_row)
        form.addRow("Try it", self.curl)
        form.addRow("", copy_curl)
        self.start_stop = QPushButton(objectName="serverStartStop")
        self.start_stop.clicked.connect(self.startStop)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        buttons.addButton(self.start_stop, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(620, 300)

    def show_state(self, url: str | None, token: str, curl: str, note: str = "") -> None:
        running = url is not None
        self.status.setText(note or (f"Serving at {url} — other programs on this computer can run, queue and watch "
                                     "workflows with the token." if running else
                                     "The server is stopped. Start it to run workflows from curl, scripts or n8n."))
        self.address.setText(f"{url}/api/v1" if running else "")
        self.token.setText(token)
        self._command = curl if running else ""
        self._reveal(self.show_token.isChecked())
        self.start_stop.setText("Stop server" if running else "Start server")

    def _reveal(self, shown: bool) -> None:
        """The token in clear, in its field and the command, or masked in both."""
        self.show_token.setText("Hide" if shown else "Show")
        self.token.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.PasswordEchoOnEdit)
        token = self.token.text()
        self.curl.setPlainText(self._command if shown or not token else self._command.replace(token, MASK))


class HookBox(QGroupBox):
    """A workflow's webhook: its URL (when the server runs) and secret, with Copy and Regenerate."""

    def __init__(self, url: str, secret: str, regenerate: Callable[[], str], parent=None):
        super().__init__("Webhook", parent)
        self.setObjectName("hookBox")
        self.url = QLineEdit(url, objectName="hookUrl", readOnly=True)
        self.secret = QLineEdit(secret, objectName="hookSecret")
        row, self.copy, self.regenerate_button = _secret_row(self.secret, "Regenerate")
        self.regenerate_button.setToolTip("A new secret: deliveries signed with the old one are refused from now on")
        self.regenerate_button.clicked.connect(lambda: self.secret.setText(regenerate()))
        form = QFormLayout(self)
        form.addRow("URL", self.url)
        form.addRow("Secret", row)
        note = QLabel("POST JSON inputs to the URL signed per Standard Webhooks with this secret (no token needed): "
                      "webhook-id: &lt;an id&gt;, webhook-timestamp: &lt;seconds since 1970&gt;, webhook-signature: "
                      "v1,&lt;base64 HMAC-SHA256 of “id.timestamp.body”, keyed with the base64 after whsec_&gt;.")
        note.setWordWrap(True)
        form.addRow(note)
