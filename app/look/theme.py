"""Fusion with a dark and a light palette; "system" follows the platform's colour scheme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["apply_theme", "system_is_dark"]


def system_is_dark() -> bool:
    try:
        return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # Qt before 6.5
        return QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def _palette(colors: dict) -> QPalette:
    p = QPalette()
    for role, color in colors.items():
        p.setColor(role, QColor(color))
    return p


def _dark() -> QPalette:
    colors = {
        QPalette.ColorRole.Window: "#2b2d31", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22", QPalette.ColorRole.AlternateBase: "#2b2d31",
        QPalette.ColorRole.ToolTipBase: "#1e1f22", QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#35373c",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Highlight: "#3d7bd9", QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#6aa9ff", QPalette.ColorRole.PlaceholderText: "#8b8d92",
    }
    p = _palette(colors)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f7176"))
    return p


def _light() -> QPalette:
    colors = {
        QPalette.ColorRole.Window: "#f3f3f3", QPalette.ColorRole.WindowText: "#1f1f1f",
        QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.AlternateBase: "#f0f0f0",
        QPalette.ColorRole.ToolTipBase: "#ffffdc", QPalette.ColorRole.ToolTipText: "#1f1f1f",
        QPalette.ColorRole.Text: "#1f1f1f", QPalette.ColorRole.Button: "#e8e8e8",
        QPalette.ColorRole.ButtonText: "#1f1f1f", QPalette.ColorRole.BrightText: "#c00000",
        QPalette.ColorRole.Highlight: "#2f6fd0", QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#1a5fb4", QPalette.ColorRole.PlaceholderText: "#8a8a8a",
    }
    p = _palette(colors)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#a3a3a3"))  # disabled actions look disabled
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor("#efefef"))
    return p


def apply_theme(mode: str = "system") -> str:
    """Apply "dark", "light" or "system"; returns the one applied."""
    app = QApplication.instance()
    app.setStyle("Fusion")
    dark = system_is_dark() if mode == "system" else mode == "dark"
    app.setPalette(_dark() if dark else _light())
    return "dark" if dark else "light"
