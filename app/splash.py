"""The frame shown while the window's modules load (issue 28): on a cold start the editor's imports (the engine,
SQLAlchemy, the panels) take a second or more, and the user sees this at once instead of nothing. It imports Qt
only — no engine, no editor — and closes once the main window is shown. (A plain frameless label, not a
``QSplashScreen``: Qt's waits up to a second in ``show()`` on a platform that exposes windows late, offscreen.)
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel

__all__ = ["show_splash"]

# engine.folders.resources_dir(), not imported: that would load the engine package (its document model)
ICON = Path(__file__).resolve().parent.parent / "resources" / "icons" / "hicolor" / "128x128" / "apps" / "nodeloom.png"
SIZE = (420, 200)
EXPOSE_WAIT_S = 0.2


def _picture(app: QApplication) -> QPixmap:
    ratio = app.devicePixelRatio()
    pix = QPixmap(round(SIZE[0] * ratio), round(SIZE[1] * ratio))
    pix.setDevicePixelRatio(ratio)
    palette = app.palette()
    pix.fill(palette.window().color())
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    icon = QPixmap(str(ICON))
    if not icon.isNull():
        p.drawPixmap(QRectF(32, 52, 96, 96), icon, QRectF(icon.rect()))
    text = palette.windowText().color()
    font = QFont(app.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    p.setFont(font)
    p.setPen(text)
    p.drawText(QRectF(148, 60, SIZE[0] - 160, 44), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
               "Nodeloom")
    p.setFont(app.font())
    p.setPen(QColor(text.red(), text.green(), text.blue(), 160))
    p.drawText(QRectF(148, 104, SIZE[0] - 160, 30), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
               "Opening the editor…")
    p.setPen(QColor(text.red(), text.green(), text.blue(), 60))
    p.drawRect(QRectF(0.5, 0.5, SIZE[0] - 1, SIZE[1] - 1))
    p.end()
    return pix


def show_splash(app: QApplication) -> QLabel:
    """Show the splash and return once it has painted (or ``EXPOSE_WAIT_S`` passed: a window manager that maps
    it later still gets it painted when it does)."""
    splash = QLabel(None, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    splash.setObjectName("splash")
    splash.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    splash.setPixmap(_picture(app))
    splash.setFixedSize(*SIZE)
    screen = app.primaryScreen()
    if screen is not None:  # (centred: a frameless window is not placed by every window manager)
        area = screen.availableGeometry()
        splash.move(area.center().x() - SIZE[0] // 2, area.center().y() - SIZE[1] // 2)
    splash.show()
    until = time.monotonic() + EXPOSE_WAIT_S
    while time.monotonic() < until:
        app.processEvents()
        handle = splash.windowHandle()
        if handle is not None and handle.isExposed():
            splash.repaint()
            break
    return splash
