"""Edit ▸ Settings ▸ Cluster (SPEC §6b): where ForEach bodies of portable blocks run — this computer, a Dask
LocalCluster of N worker processes, or a running Dask scheduler — and that cluster's workers and their load."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton

__all__ = ["ClusterBox"]


class ClusterBox(QGroupBox):
    chosen = Signal(str)  # local | local:N | dask://HOST:PORT
    networkAllowed = Signal(bool)

    def __init__(self, executor: str, network: bool = False, parent=None):
        super().__init__("Cluster", parent)
        self.address = QLineEdit(executor or "local", objectName="settingsCluster")
        self.address.setPlaceholderText("local, local:2 or dask://host:8786")
        self.address.setToolTip("Where the ForEach loops made only of portable blocks (image, data, python) run: "
                                "local (this process), local:N (a Dask cluster of N worker processes here) or "
                                "dask://HOST:PORT (a running `dask scheduler` with its `dask worker`s)")
        self.use = QPushButton("Use", objectName="settingsClusterUse")
        self.network = QCheckBox("Let HTTP requests run on the cluster's machines", objectName="settingsClusterNetwork",
                                 checked=network)
        self.network.setToolTip("Off: a loop with an HTTP Request block runs on this computer, which may reach "
                                "addresses the cluster's machines should not")
        self.status = QLabel("", objectName="settingsClusterStatus")
        self.status.setWordWrap(True)
        self.status.setOpenExternalLinks(True)  # (the Dask dashboard)
        row = QHBoxLayout()
        row.addWidget(self.address)
        row.addWidget(self.use)
        form = QFormLayout(self)
        form.addRow("Run loops on", row)
        form.addRow("", self.network)
        form.addRow("", self.status)
        self.network.toggled.connect(self.networkAllowed)
        self.use.clicked.connect(self._choose)
        self.address.returnPressed.connect(self._choose)

    def _choose(self) -> None:
        self.status.setText("Connecting…")
        self.use.setEnabled(False)
        self.chosen.emit(self.address.text().strip() or "local")

    def show_cluster(self, info: dict | None, error: str | None = None) -> None:
        """What is in use now: ``info`` from describe_cluster (None: this computer), or why a choice failed."""
        self.use.setEnabled(True)
        if error:
            self.status.setText(f"<span style='color:#c0392b'>{escape(error)}</span>")
            return
        if info is None:
            self.status.setText("Loops run on this computer.")
            return
        workers = info["workers"]
        lines = [f"<b>{escape(info['name'])}</b> — scheduler {escape(info['scheduler'])}, "
                 f"{len(workers)} worker{'s' if len(workers) != 1 else ''}"]
        if info.get("dashboard"):
            lines.append(f"<a href='{escape(info['dashboard'], quote=True)}'>Dask dashboard</a>")
        for w in workers:
            lines.append(f"{escape(w['address'])}: {w['threads']} thread{'s' if w['threads'] != 1 else ''}, "
                         f"CPU {w['cpu']:.0f} %, {w['memory_mb']} MB, {w['tasks']} task{'s' if w['tasks'] != 1 else ''}")
        self.status.setText("<br>".join(lines))
        dialog = self.window()
        if dialog is not self and dialog.sizeHint().height() > dialog.height():  # (room for every worker)
            dialog.resize(dialog.width(), dialog.sizeHint().height())
