"""The Server menu: the HTTP server of SPEC §9 started and stopped on the window's loop, over the window's run
service — so a run started over HTTP lights up the open editor and lands in its past runs and the Queue dock."""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtWidgets import QLabel

from engine.server import ServerSettings, load_token, new_token, serve

from ..dialogs.server import ServerDialog, curl_command

__all__ = ["ServerController"]

log = logging.getLogger(__name__)


class ServerController:
    def __init__(self, window):
        self.w = window
        self.server = None
        self.dialog: ServerDialog | None = None
        self.label: QLabel | None = None
        self._busy = False

    @property
    def url(self) -> str | None:
        return self.server.url if self.server is not None else None

    def token(self) -> str:
        return load_token(self.w.home)

    async def start(self) -> bool:
        """Start serving on the data folder's settings (127.0.0.1:8765 unless changed); False, said, when not."""
        if self.server is not None or self._busy:
            return self.server is not None
        self._busy = True
        try:
            service = await self.w.runs.open_service()
            settings = ServerSettings.from_store(self.w.store)
            self.server = await serve(service, settings, self.token())
        except (OSError, ValueError) as e:
            self.w.statusBar().showMessage(f"The server did not start: {e}", 12000)
            self.show_state(note=f"The server did not start: {e}")
            return False
        finally:
            self._busy = False
        self.w.statusBar().showMessage(f"Serving {self.server.url}/api/v1", 6000)
        self.show_state()
        return True

    async def stop(self) -> None:
        """Stop: open event streams end, the port is free when this returns."""
        server, self.server = self.server, None
        if server is not None:
            await server.stop()
            self.w.statusBar().showMessage("The server is stopped", 6000)
        self.show_state()

    def start_soon(self) -> None:
        asyncio.ensure_future(self.start())

    def stop_soon(self) -> None:
        asyncio.ensure_future(self.stop())

    def toggle(self) -> None:
        self.stop_soon() if self.server is not None else self.start_soon()

    def regenerate_token(self) -> str:
        token = new_token(self.w.home)
        if self.server is not None:
            self.server.set_token(token)
        self.w.statusBar().showMessage("A new server token: programs using the old one get 401 now", 8000)
        self.show_state()
        return token

    def curl(self) -> str:
        tab = self.w.current_tab()
        wid = tab.doc.workflow_id if tab is not None else None
        inputs = {}
        if tab is not None:
            for node in tab.doc.workflow().nodes:
                if node.type == "input":
                    inputs[node.config.get("name", node.id)] = node.config.get("default")
        return curl_command(self.url or "http://127.0.0.1:8765", self.token(), wid, inputs)

    def show_dialog(self) -> ServerDialog:
        if self.dialog is None:
            self.dialog = ServerDialog(self.w)
            self.dialog.startStop.connect(self.toggle)
            self.dialog.regenerate.connect(self.regenerate_token)
        self.show_state()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def show_state(self, note: str = "") -> None:
        """Menu items, the status bar's address and the dialog, as the server is now."""
        w = self.w
        running = self.server is not None
        w.actionServerStart.setEnabled(not running)
        w.actionServerStop.setEnabled(running)
        if self.label is None:
            self.label = QLabel(objectName="serverLabel")
            w.statusBar().addPermanentWidget(self.label)
        self.label.setText(f"● serving {self.server.url}" if running else "")
        self.label.setToolTip("Server ▸ Address and token…" if running else "")
        self.label.setVisible(running)
        if self.dialog is not None:
            self.dialog.show_state(self.url, self.token(), self.curl() if running else "", note)

    def hook(self, workflow_id: str) -> tuple[str, str]:
        """The workflow's webhook URL (the running server's, else the default address) and secret."""
        base = self.url or "http://127.0.0.1:8765"
        return f"{base}/api/v1/hooks/{workflow_id}", self.w.store.hooks.secret(workflow_id)
