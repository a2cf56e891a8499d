"""The run log draws no boxes (issue "The screen never lies", item 3): every symbol it writes — a run started,
ended, queued — is a glyph of the font the log is drawn in, here with this machine's fonts (the check a missing
glyph fails: QFontMetrics.inFontUcs4)."""

import asyncio

from PySide6.QtGui import QFontMetrics

from app.panels.run_panel import MARKS

from .test_queue_gui import on_loop, template, until


def not_in_font(widget, text: str) -> list[str]:
    metrics = QFontMetrics(widget.font())
    return sorted({f"{c} U+{ord(c):04X}" for c in text if ord(c) > 127 and not metrics.inFontUcs4(ord(c))})


def test_every_symbol_a_run_and_a_queued_run_write_in_the_log_is_in_its_font(window):
    tab = window.workflows.open(template(window, "Big or small").id)

    async def go():
        service = await window.runs.open_service()
        window.actionRun.trigger()  # F5
        await until(lambda: "■ succeeded" in window.run_panel.text(), what="the run's end logged")
        await asyncio.to_thread(service.pause)
        window.actionEnqueue.trigger()  # Shift+F5
        await until(lambda: "queued run" in window.run_panel.text(), what="the queued run logged")
        await asyncio.to_thread(service.resume)

    on_loop(window, go)
    log = window.run_panel.text()
    assert tab.doc.name in log and any(ord(c) > 127 for c in log)
    assert not_in_font(window.run_panel.events, log) == [], log


def test_the_marks_the_run_log_starts_its_lines_with_are_in_its_font(window):
    assert set(MARKS) >= {"started", "ended", "queued"}
    assert not_in_font(window.run_panel.events, "".join(MARKS.values())) == [], MARKS
