"""Windows on their screen: never wider or taller than the screen's available area (the screen less its panels) —
the main window, whether it opens at its first-start size or at a geometry saved on a bigger monitor, and a
dialog that grows as its content does."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

__all__ = ["fit_into", "fit_window"]


def fit_into(rect: QRect, available: QRect) -> QRect:
    """``rect`` shrunk to at most ``available``'s size, then moved (as little as it takes) to lie inside it."""
    width, height = min(rect.width(), available.width()), min(rect.height(), available.height())
    x = min(max(rect.x(), available.x()), available.x() + available.width() - width)
    y = min(max(rect.y(), available.y()), available.y() + available.height() - height)
    return QRect(x, y, width, height)


def fit_window(window: QWidget) -> None:
    """Shrink and move ``window`` so that its frame (title bar and borders, where known) lies in the available
    area of the screen it is on (the one under its centre, else its own). A maximized or full-screen window is
    the screen's already."""
    if window.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
        return
    frame, inner = window.frameGeometry(), window.geometry()
    screen = QGuiApplication.screenAt(frame.center()) or window.screen()
    if screen is None:
        return
    fitted = fit_into(frame, screen.availableGeometry())
    if fitted != frame:
        window.setGeometry(fitted.adjusted(inner.left() - frame.left(), inner.top() - frame.top(),
                                           inner.right() - frame.right(), inner.bottom() - frame.bottom()))
