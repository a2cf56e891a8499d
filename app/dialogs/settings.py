"""Edit ▸ Settings… (SPEC §8): non-modal, every change applies as it is made — but the data folder, which takes
effect when Nodeloom starts again (it says so). Two pages: General (look, data folder, runs, cluster) and Cache
(:mod:`.cache_page`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from .cache_page import CachePage
from .cluster_box import ClusterBox

__all__ = ["SettingsDialog"]


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


class SettingsDialog(QDialog):
    themeChosen = Signal(str)
    homeChosen = Signal(str)           # "" = the default folder
    cacheLimitChosen = Signal(int)     # MB
    clearCacheRequested = Signal()
    clearWorkflowRequested = Signal(str)  # workflow id: the cache entries its runs wrote
    cacheShown = Signal()              # the Cache page came into view (its numbers are read again)
    pythonAllowed = Signal(bool)
    runsAtOnceChosen = Signal(int)
    imageLimitChosen = Signal(int)     # megapixels
    logLevelChosen = Signal(str)       # DEBUG, INFO, WARNING, ERROR

    def __init__(self, *, theme: str, home: Path, configured: Path | None, cache_mb: int, python: bool,
                 runs_at_once: int, image_mp: int = 200, home_overridden: bool = False, log_level: str = "INFO",
                 cluster: str = "local", cluster_network: bool = False, parent=None):
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self.theme = QComboBox(objectName="settingsTheme")
        for mode in ("system", "dark", "light"):
            self.theme.addItem(mode.title(), mode)
        self.theme.setCurrentIndex(max(0, self.theme.findData(theme)))
        self.home = QLineEdit(str(configured or ""), objectName="settingsHome")
        self.home.setPlaceholderText("the default folder")
        choose = QPushButton("Choose…")
        note = f"In use: {home}. A new folder takes effect when Nodeloom starts again"
        note += (" — and only when neither --home nor NODELOOM_HOME names one, as now." if home_overridden else ".")
        self.home_note = QLabel(note, objectName="settingsHomeNote")
        self.home_note.setWordWrap(True)
        self.cache = CachePage(cache_mb)
        self.cache_use, self.cache_limit, self.clear_cache = self.cache.use, self.cache.limit, self.cache.clear_all
        self.python = QCheckBox("Allow Python code blocks", objectName="settingsPython", checked=python)
        self.runs_at_once = QSpinBox(objectName="settingsRunsAtOnce", minimum=1, maximum=64, value=runs_at_once)
        self.runs_at_once.setToolTip("Queued runs this window starts at once (your own F5 runs go beside them)")
        self.image_limit = QSpinBox(objectName="settingsImageLimit", minimum=1, maximum=1000, suffix=" MP",
                                    value=image_mp)
        self.image_limit.setToolTip("Larger pictures are refused before they are decoded (decoded, a picture takes "
                                    "3 bytes a pixel: 200 MP is 600 MB)")
        self.log_level = QComboBox(objectName="settingsLogLevel")
        for level in ("DEBUG", "INFO", "WARNING", "ERROR"):
            self.log_level.addItem(level.title(), level)
        self.log_level.setCurrentIndex(max(0, self.log_level.findData(log_level)))
        self.log_level.setToolTip("What Nodeloom writes to its log file (Help ▸ Open log folder); errors always")
        look = QFormLayout()
        look.addRow("Theme", self.theme)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.home)
        folder_row.addWidget(choose)
        look.addRow("Data folder", folder_row)
        look.addRow("", self.home_note)
        look.addRow("Log level", self.log_level)
        runs = QGroupBox("Runs")
        runs_form = QFormLayout(runs)
        runs_form.addRow(self.python)
        runs_form.addRow("Queued runs at once", self.runs_at_once)
        runs_form.addRow("Largest image", self.image_limit)
        self.cluster = ClusterBox(cluster, cluster_network)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        general = QWidget(objectName="settingsGeneralPage")
        general_layout = QVBoxLayout(general)
        general_layout.addLayout(look)
        general_layout.addWidget(runs)
        general_layout.addWidget(self.cluster)
        general_layout.addStretch(1)
        self.pages = QTabWidget(objectName="settingsPages")
        self.pages.addTab(general, "General")
        self.pages.addTab(self.cache, "Cache")
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(buttons)
        self.theme.currentIndexChanged.connect(lambda _i: self.themeChosen.emit(self.theme.currentData()))
        self.home.editingFinished.connect(lambda: self.homeChosen.emit(self.home.text().strip()))
        choose.clicked.connect(self._choose_home)
        self.cache.cacheLimitChosen.connect(self.cacheLimitChosen)
        self.cache.clearCacheRequested.connect(self.clearCacheRequested)
        self.cache.clearWorkflowRequested.connect(self.clearWorkflowRequested)
        self.pages.currentChanged.connect(lambda i: self.cacheShown.emit() if self.pages.widget(i) is self.cache
                                          else None)
        self.python.toggled.connect(self.pythonAllowed)
        self.runs_at_once.valueChanged.connect(self.runsAtOnceChosen)
        self.image_limit.editingFinished.connect(lambda: self.imageLimitChosen.emit(self.image_limit.value()))
        self.log_level.currentIndexChanged.connect(lambda _i: self.logLevelChosen.emit(self.log_level.currentData()))
        buttons.rejected.connect(self.close)
        for button in (choose, self.cluster.use):  # Return in a field only ends its edit
            button.setAutoDefault(False)

    def show_cache_use(self, used: int | None, limit: int) -> None:
        self.cache_use.setText("…" if used is None else f"{_mb(used)} of {_mb(limit)}")

    def show_page(self, name: str) -> None:
        """Bring a page into view: ``general`` or ``cache``."""
        self.pages.setCurrentWidget(self.cache if name == "cache" else self.pages.widget(0))

    def _choose_home(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", self.home.text() or str(Path.home()))
        if folder:
            self.home.setText(folder)
            self.homeChosen.emit(folder)
