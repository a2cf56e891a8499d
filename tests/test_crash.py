"""Issue 16: an exception from a slot, from an asyncio task and from a worker thread is logged with its traceback
and shown in the error dialog, and the app keeps running; Help ▸ About says what runs where."""

import asyncio
import gc
import threading

import pytest
from PySide6.QtCore import QTimer

from .builder import Flow
from .test_queue_gui import on_loop, until


@pytest.mark.qt_no_exception_capture  # (pytest-qt's own hook would take the slot's exception)
def test_an_exception_from_a_slot_a_task_and_a_thread_is_logged_shown_and_the_app_goes_on(window):
    crash = window.help.crash
    crash.install()
    wf = Flow("after").node("c", "constant", value=41).node("t", "transform", expression="data + 1") \
        .node("o", "output", name="o").edge("c.value", "t.data").edge("t.result", "o.value").build()
    tab = window.workflows.open(window.store.workflows.create(wf).id)

    def shown() -> int:
        return window.help.errors.count if window.help.errors is not None else 0

    async def go():
        asyncio.get_running_loop().set_exception_handler(crash.loop_handler)
        QTimer.singleShot(0, lambda: 1 / 0)  # a slot
        await until(lambda: shown() == 1, what="the slot's error was shown")

        async def boom():
            raise ValueError("a task went wrong")

        task = asyncio.ensure_future(boom())  # a task nobody awaits
        await asyncio.sleep(0.05)
        del task
        gc.collect()
        await until(lambda: shown() == 2, what="the task's error was shown")

        def worker():
            raise RuntimeError("a thread went wrong")

        threading.Thread(target=worker, name="nodeloom-test-worker").start()
        await until(lambda: shown() == 3, what="the thread's error was shown")
        window.actionRun.trigger()  # and the app goes on
        await until(lambda: tab.scene.node_items["o"].status == "succeeded", what="a run after the errors")

    try:
        on_loop(window, go)
    finally:
        crash.uninstall()
    dialog = window.help.errors
    assert dialog.isVisible() and not dialog.isModal()
    text = dialog.details.toPlainText()
    assert "ZeroDivisionError" in text and "a task went wrong" in text and "a thread went wrong" in text
    assert "nodeloom-test-worker" in dialog.details.toPlainText() or "nodeloom-test-worker" in text
    log = (window.help.folder / "nodeloom.log").read_text(encoding="utf-8")
    for needle in ("ZeroDivisionError", "ValueError: a task went wrong", "RuntimeError: a thread went wrong"):
        assert needle in log
    assert log.count("Traceback (most recent call last)") >= 3
    dialog.copy.click()
    from PySide6.QtGui import QGuiApplication

    assert "ZeroDivisionError" in QGuiApplication.clipboard().text()


def test_about_names_the_versions_and_folders(window):
    window.actionAbout.trigger()
    box = window.help.about_box
    assert box.isVisible() and not box.isModal()
    text = box.text()
    assert "Nodeloom 0.1.0" in text and "Qt 6." in text and "Python 3." in text and str(window.home) in text
    assert str(window.help.folder) in text and window.help.folder.is_relative_to(window.home)


def test_the_log_level_is_chosen_in_the_settings(window):
    import logging

    dialog = window.prefs.open()
    log = window.help.folder / "nodeloom.log"
    dialog.log_level.setCurrentIndex(dialog.log_level.findData("DEBUG"))
    assert window.settings.value("log_level") == "DEBUG"
    logging.getLogger("engine.guide").debug("a debug line")
    dialog.log_level.setCurrentIndex(dialog.log_level.findData("ERROR"))
    logging.getLogger("engine.guide").warning("a warning line")
    logging.getLogger("engine.guide").error("an error line")
    window.help.handler.flush()
    text = log.read_text(encoding="utf-8")
    assert "a debug line" in text and "a warning line" not in text and "an error line" in text
    dialog.close()
