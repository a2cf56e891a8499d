"""The desktop window, driven offscreen on the real qasync loop."""

import asyncio

import qasync

from app.main_window import create
from engine.blocks import default_registry


def test_window_lists_blocks_and_runs_a_template(qtbot, tmp_path):
    window = create(home=tmp_path)
    qtbot.addWidget(window)
    window.show()
    assert window.palette_list.count() == len(default_registry())
    assert window.templates.count() >= 3
    names = [window.templates.item(i).text() for i in range(window.templates.count())]
    assert "Image pipeline" in names
    item = window.templates.item(names.index("Image pipeline"))
    from PySide6.QtCore import Qt

    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        result = runner.run(window.run_stored(item.data(Qt.ItemDataRole.UserRole)))
        again = runner.run(window.run_stored(item.data(Qt.ItemDataRole.UserRole)))
        runner.run(window.aclose())
    assert result.status == again.status == "succeeded"
    log = window.log.toPlainText()
    assert "resize: succeeded" in log and "resize: cached" in log and "■ succeeded" in log
    from engine.store import Store

    store = Store(tmp_path)
    assert [r.trigger for r in store.runs.list()] == ["editor", "editor"]
    store.close()
    window.grab().save(str(tmp_path / "window.png"))
    assert (tmp_path / "window.png").stat().st_size > 1000
    window.close()
