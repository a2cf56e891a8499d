"""The desktop application's front door (SPEC §8): ``create(home=PATH)`` builds the main window in-process on
the data folder PATH (for tests and scripts); ``main()`` runs the application on the qasync loop.

``main()`` shows a splash (``app.splash``) before the window's modules are imported: this module imports Qt's
widgets and nothing of the editor or the engine at its top, so ``nodeloom`` paints a frame first.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from .cli.syslibs import window_blocker
from .splash import show_splash

if TYPE_CHECKING:
    from .window.shell import MainWindow

__all__ = ["create", "main"]


GUI_SWITCH_INTERVAL = 0.001
DESKTOP_ID = "io.github.nodeloom.Nodeloom"  # packaging/<this>.desktop, .metainfo.xml, the icons' name


def create(home: str | Path | None = None) -> MainWindow:
    """The main window on the data folder ``home`` (default: NODELOOM_HOME or the user data folder)."""
    from .window.shell import MainWindow

    if QApplication.instance() is None:
        QApplication(sys.argv)
    QApplication.setDesktopFileName(DESKTOP_ID)  # the launcher's entry and the window are one app (Wayland app id)
    # Worker threads (Pillow, the cache writer, the run recorder) hand the GIL back to the GUI thread after at
    # most this long, instead of Python's default 5 ms: repaints wait less behind them.
    sys.setswitchinterval(GUI_SWITCH_INTERVAL)
    window = MainWindow(home)
    # What exists now (modules, blocks, the window) lives as long as the app: keep it out of the cyclic
    # collector's full passes, which otherwise walk all of it and stall the GUI for ~100 ms now and then.
    gc.unfreeze()  # (what an earlier window left behind may be garbage by now)
    gc.collect()
    gc.freeze()
    return window


def main(home: str | None = None) -> int:
    blocker = window_blocker()  # (`nodeloom` asked this already, before PySide6 was imported)
    if blocker:
        print(blocker, file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Nodeloom")
    splash = show_splash(app)  # painted now: what follows imports the editor and the engine
    try:
        from .look.icons import app_icon
        from .window.loop import EventLoop

        app.setWindowIcon(app_icon())
        window = create(home)
    except BaseException:
        splash.close()
        raise
    window.help.crash.install()  # a bug in a slot, a task or a thread: logged and shown; the window goes on
    window.show()
    QTimer.singleShot(0, splash.close)  # (once the loop runs: the window's first paint comes first)
    window.activateWindow()  # the keys to the window from the start (Ctrl+N works before any click)
    with asyncio.Runner(loop_factory=EventLoop) as runner:
        # one run_until_complete for the whole session: qasync ends each one by processing pending Qt events
        # with no running loop set, and a task stepped then cannot use asyncio (get_running_loop fails)
        runner.run(_session(app, window))
    return 0


async def _session(app, window: MainWindow) -> None:
    closed = asyncio.Event()
    app.setQuitOnLastWindowClosed(False)  # the session ends the loop, after aclose(), not Qt on its own
    app.lastWindowClosed.connect(closed.set)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(window.help.crash.loop_handler)
    for sig in (signal.SIGTERM, signal.SIGINT):  # logging out, `kill`, Ctrl+C in the terminal: close cleanly
        try:
            loop.add_signal_handler(sig, lambda: (setattr(window, "leaving", "keep"), window.close()))
        except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover - not on this platform
            pass
    try:
        try:
            await window.runs.open_service()  # the queue is dispatched from the start, not from the first run
        except Exception as e:  # noqa: BLE001 - the editor still opens; the first run tries again and says why
            logging.getLogger(__name__).exception("the run service could not start")
            window.statusBar().showMessage(f"Runs are not available yet: {e}", 15000)
        await closed.wait()
    finally:
        await window.aclose()
