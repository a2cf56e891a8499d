"""SPEC §8's stable names, walked the way an automation or accessibility tool does: every widget and action is
found by its objectName, every node by ``item.data(0)``, its status on screen by ``item.data(1)`` — nothing else
of the window's Python attributes is used."""

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QLineEdit, QListWidget, QPushButton, QWidget

from .builder import Flow
from .test_queue_gui import on_loop, until

DOCKS = ("palette", "inspector", "runPanel", "previewDock", "historyDock")
ACTIONS = ("actionRun", "actionStop", "actionSave", "actionRunNode", "actionUndo", "actionRedo", "actionCloseTab")


def _nodes(view: QGraphicsView) -> dict:
    return {item.data(0): item for item in view.scene().items() if item.data(0) is not None}


def _click_node(view: QGraphicsView, item) -> None:
    point = view.mapFromScene(item.mapToScene(item.boundingRect().center().x(), 12))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def test_the_window_walked_by_its_stable_names_only(window, qtbot):
    wf = Flow("Named").node("c", "constant", value=2).node("t", "transform", expression="data * 10") \
        .node("o", "output", name="out").edge("c.value", "t.data", "e1").edge("t.result", "o.value", "e2").build()
    for i, node in enumerate(wf.nodes):
        node.position = (i * 260.0, 0.0)
    wid = window.store.workflows.create(wf).id
    window.workflows.open(wid)

    for name in DOCKS:
        assert window.findChild(QDockWidget, name) is not None, name
    for name in ACTIONS:
        assert window.findChild(QAction, name) is not None, name
    view = window.findChild(QGraphicsView, "canvas")
    nodes = _nodes(view)
    assert set(nodes) == {"c", "t", "o"}
    assert {item.data(1) for item in nodes.values()} == {None}  # nothing has run

    _click_node(view, nodes["c"])
    field = window.findChild(QWidget, "field.value")
    assert field is not None and field.isVisible()
    field.setFocus()
    if isinstance(field, QLineEdit):
        field.selectAll()
    QTest.keyClicks(field, "3")
    QTest.keyClick(field, Qt.Key.Key_Return)
    window.findChild(QAction, "actionSave").trigger()

    async def go():
        window.findChild(QAction, "actionRun").trigger()
        await until(lambda: _nodes(view)["o"].data(1) == "succeeded", what="the run shown by data(1)")
        past = window.findChild(QListWidget, "pastRuns")
        await until(lambda: past.count() == 1, what="the run in pastRuns")
        await asyncio.sleep(0)

    on_loop(window, go)
    assert {item.data(1) for item in _nodes(view).values()} == {"succeeded"}

    history = window.findChild(QListWidget, "historyList")
    assert history.count() == 2
    for row in range(2):
        rect = history.visualItemRect(history.item(row))
        QTest.mouseClick(history.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.ControlModifier if row else Qt.KeyboardModifier.NoModifier,
                         rect.center())
    compare = window.findChild(QPushButton, "compareVersions")
    assert compare.isEnabled()
    QTest.mouseClick(compare, Qt.MouseButton.LeftButton)
    views = [v for v in window.findChildren(QGraphicsView, "canvas") if v.isVisible()]
    assert len(views) == 1 and views[0] is not view  # the compare tab is on show
    assert _nodes(views[0])["c"].data(1) is None     # a compare tab never shows a run

    window.findChild(QAction, "actionCloseTab").trigger()  # closes the compare tab (nothing to ask)
    assert [v for v in window.findChildren(QGraphicsView, "canvas") if v.isVisible()] == [view]
