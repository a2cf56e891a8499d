"""Driving the real editor offscreen the way a person does: drops from the palette, drags on the view."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from app.window.loop import EventLoop  # noqa: E402


def drop_block(window, tab, block_type: str, at: QPoint) -> str:
    """Drag ``block_type`` out of the palette and drop it on the canvas at viewport point ``at``.

    QDrag.exec() runs a nested loop waiting for a real pointer, which an offscreen test has not got; so the
    test takes the very mime data the palette's drag carries and delivers the drag-enter, drag-move and drop
    events to the canvas viewport, as Qt would."""
    mime = window.palette_panel.mime_for(block_type)
    viewport = tab.view.viewport()
    before = set(tab.doc.nodes)
    actions = Qt.DropAction.CopyAction
    for cls in (QDragEnterEvent, QDragMoveEvent):
        QApplication.sendEvent(viewport, cls(at, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    QApplication.sendEvent(viewport, QDropEvent(QPointF(at), actions, mime, Qt.MouseButton.LeftButton,
                                               Qt.KeyboardModifier.NoModifier))
    [new] = set(tab.doc.nodes) - before
    return new


def port_point(tab, node_id: str, kind: str, port: str) -> QPoint:
    item = tab.scene.node_items[node_id]
    return tab.view.mapFromScene(item.port_scene_pos(kind, port))


def drag(viewport, a: QPoint, b: QPoint, steps: int = 6) -> None:
    """Press at a, move in steps with the left button held, release at b."""
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        p = a + (b - a) * (i / steps)
        QTest.mouseMove(viewport, p)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def header_point(tab, node_id: str) -> QPoint:
    item = tab.scene.node_items[node_id]
    return tab.view.mapFromScene(item.mapToScene(QPointF(60, 12)))


def on_loop(window, coro_fn):
    """Run ``coro_fn()`` on a qasync loop, as the app does, and close the window's run service afterwards."""
    import asyncio


    async def session():
        try:
            return await coro_fn()
        finally:
            await window.aclose()

    with asyncio.Runner(loop_factory=EventLoop) as runner:
        return runner.run(session())
