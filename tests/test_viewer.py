"""Issue 26, the image viewer: double-click a preview (or a node's thumbnail) opens it; fit, 1:1, zoom to the cursor,
pan, the pixel under the cursor; a before/after slider between a node's input and its output, and between its
outputs in two past runs; a large image shown from a small level first. Driven by real mouse and key events
and checked on the pixels the viewer draws."""

import asyncio
import time

from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton, QSlider, QWidget

from app.document.commands import UpdateNode
from app.document.model import EditorDocument

from .builder import Flow
from .test_queue_gui import on_loop, until

RED, GRAY = (255, 0, 0), (76, 76, 76)  # a red picture, and what Image Grayscale makes of it (L 76)


def solid(path, color, size=(80, 60)) -> str:
    Image.new("RGB", size, color).save(path)
    return str(path)


def viewer_of(window):
    viewer = window.findChild(QWidget, "imageViewer")
    assert viewer is not None, "no viewer opened"
    return viewer


def parts(viewer):
    return (viewer.findChild(QWidget, "viewerCanvas"), viewer.findChild(QSlider, "viewerSplit"),
            viewer.findChild(QLabel, "viewerPixel"))


def colours_at(canvas, fractions) -> list[tuple[int, int, int]]:
    """The colours the canvas draws (its grab) at fractions (fx, fy) of the picture's rectangle on screen."""
    shot = canvas.grab().toImage()
    rect = canvas.image_rect()
    dpr = shot.devicePixelRatio()
    found = []
    for fx, fy in fractions:
        p = QPointF(rect.left() + fx * rect.width(), rect.top() + fy * rect.height())
        c = QColor(shot.pixel(int(p.x() * dpr), int(p.y() * dpr)))
        found.append((c.red(), c.green(), c.blue()))
    return found


def point_at(canvas, fx, fy) -> QPoint:
    rect = canvas.image_rect()
    return QPoint(round(rect.left() + fx * rect.width()), round(rect.top() + fy * rect.height()))


def slide(slider, key, times=1) -> None:
    slider.setFocus()
    for _ in range(times):
        QTest.keyClick(slider, key)


def wheel(widget, at: QPoint, steps: int) -> None:
    event = QWheelEvent(QPointF(at), QPointF(widget.mapToGlobal(at)), QPoint(), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def close(a, b, slack=3) -> bool:
    return all(abs(x - y) <= slack for x, y in zip(a, b))


def double_click_thumbnail(window, tab, node_id: str):
    """Double-click the node's thumbnail on the canvas (real mouse events); the viewer that opens."""
    item = tab.scene.node_items[node_id]
    tab.view.centerOn(item)
    at = tab.view.mapFromScene(item.mapToScene(item.thumbnail_rect().center()))
    QTest.mouseDClick(tab.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    return viewer_of(window)


def wipe_tab(window, tmp_path):
    """A tab of a red photo → grayscale, in a window large enough for the viewer."""
    source = solid(tmp_path / "red.png", RED)
    wf = Flow("wipe").node("load", "image_load", source=source).node("gray", "image_grayscale") \
        .edge("load.image", "gray.image").build()
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    window.resize(1400, 900)
    return tab


def test_double_clicking_the_preview_opens_a_viewer_whose_slider_wipes_from_the_input_to_the_output(window, tmp_path):
    tab = wipe_tab(window, tmp_path)

    async def go():
        await window.runs.run_node(tab, "gray")
        preview = window.preview_panel.image_view
        QTest.mouseDClick(preview.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                          preview.viewport().rect().center())
        viewer = viewer_of(window)
        assert viewer.isVisible()
        viewer.resize(900, 700)
        await until(viewer.ready, what="the viewer's pictures")
        canvas, slider, pixel = parts(viewer)
        compare = viewer.findChild(QComboBox, "viewerCompare")
        assert compare.currentData() == "input"  # a filter's input and output, side by side
        info = viewer.findChild(QLabel, "viewerInfo").text()
        assert "80 × 60" in info and "RGB" in info and " L" in info, info

        # the slider: 0 % the input, 100 % the output, 50 % both (output on the left, input on the right)
        slide(slider, Qt.Key.Key_Home)
        assert slider.value() == 0
        assert all(close(c, RED) for c in colours_at(canvas, [(0.1, 0.5), (0.5, 0.5), (0.9, 0.5)]))
        slide(slider, Qt.Key.Key_End)
        assert slider.value() == 100
        assert all(close(c, GRAY) for c in colours_at(canvas, [(0.1, 0.5), (0.5, 0.5), (0.9, 0.5)]))
        slide(slider, Qt.Key.Key_Home)
        slide(slider, Qt.Key.Key_PageUp, 5)
        assert slider.value() == 50
        left, right = colours_at(canvas, [(0.25, 0.5), (0.75, 0.5)])
        assert close(left, GRAY) and close(right, RED), (left, right)

        # the pixel under the cursor, after a real mouse move: its coordinates and value, and whose it is
        QTest.mouseMove(canvas, point_at(canvas, 0.76, 0.51))
        assert "x 60, y 30" in pixel.text() and "R 255 G 0 B 0" in pixel.text() and "input" in pixel.text(), \
            pixel.text()
        QTest.mouseMove(canvas, point_at(canvas, 0.26, 0.51))
        assert "x 20, y 30" in pixel.text() and "L 76" in pixel.text() and "output" in pixel.text(), pixel.text()

        # zoom to the cursor: the picture's point under it stays under it
        at = point_at(canvas, 0.3, 0.3)
        before = canvas.image_point(at)
        fitted = canvas.scale
        wheel(canvas, at, 2)
        assert canvas.scale > fitted * 1.4
        after = canvas.image_point(at)
        assert abs(before.x() - after.x()) < 0.5 and abs(before.y() - after.y()) < 0.5, (before, after)
        # 1:1, then fit again
        QTest.mouseClick(viewer.findChild(QPushButton, "viewerActual"), Qt.MouseButton.LeftButton)
        assert canvas.scale == 1.0
        assert viewer.findChild(QLabel, "viewerZoom").text() == "100 %"
        QTest.mouseClick(viewer.findChild(QPushButton, "viewerFit"), Qt.MouseButton.LeftButton)
        assert canvas.scale == fitted
        # pan: a drag away from the divider moves the picture with the pointer
        rect = canvas.image_rect()
        a = point_at(canvas, 0.75, 0.4)
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        for i in range(1, 5):
            QTest.mouseMove(canvas, a + QPoint(-10 * i, 8 * i))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a + QPoint(-40, 32))
        moved = canvas.image_rect().topLeft() - rect.topLeft()
        assert (round(moved.x()), round(moved.y())) == (-40, 32)
        assert slider.value() == 50  # (a pan is not a move of the divider)

    on_loop(window, go)


def test_a_thumbnails_double_click_opens_the_viewer_and_it_compares_the_nodes_outputs_of_two_runs(window, tmp_path):
    source = solid(tmp_path / "gray.png", (150, 150, 150))
    wf = Flow("two runs").node("load", "image_load", source=source).node("mask", "image_threshold", level=100) \
        .edge("load.image", "mask.image").build()
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    window.resize(1400, 900)

    async def go():
        first = await window.runs.run_tab(tab)           # level 100: the gray is above it, white
        tab.undo_stack.push(UpdateNode(tab.doc, "mask", "Level", config={"level": 200}))
        second = await window.runs.run_tab(tab)          # level 200: black
        assert first.status == second.status == "succeeded"
        assert tab.scene.node_items["mask"].thumbnail is not None
        viewer = double_click_thumbnail(window, tab, "mask")
        assert viewer.isVisible()
        viewer.resize(900, 700)
        await until(viewer.ready, what="the viewer's pictures")
        canvas, slider, pixel = parts(viewer)
        compare = viewer.findChild(QComboBox, "viewerCompare")
        compare.setFocus()
        QTest.keyClick(compare, Qt.Key.Key_End)  # the last choice: two runs
        assert compare.currentData() == "runs"
        run_a, run_b = viewer.findChild(QComboBox, "viewerRunA"), viewer.findChild(QComboBox, "viewerRunB")
        await until(lambda: run_a.count() == 2 and viewer.ready(), what="the past runs listed and read")
        assert (run_a.currentData(), run_b.currentData()) == (first.run_id, second.run_id)  # older, newer
        slide(slider, Qt.Key.Key_Home)
        assert all(close(c, (255, 255, 255)) for c in colours_at(canvas, [(0.1, 0.5), (0.9, 0.5)]))
        slide(slider, Qt.Key.Key_End)
        assert all(close(c, (0, 0, 0)) for c in colours_at(canvas, [(0.1, 0.5), (0.9, 0.5)]))
        QTest.mouseMove(canvas, point_at(canvas, 0.5, 0.5))
        assert "R 0 G 0 B 0" in pixel.text(), pixel.text()
        # the other way round: the newer run picked as A shows on the right
        run_a.setFocus()
        QTest.keyClick(run_a, Qt.Key.Key_Home)
        await until(viewer.ready, what="the run's picture")
        assert run_a.currentData() == second.run_id
        slide(slider, Qt.Key.Key_Home)
        assert all(close(c, (0, 0, 0)) for c in colours_at(canvas, [(0.1, 0.5), (0.9, 0.5)]))

    on_loop(window, go)


def test_a_large_picture_shows_from_a_small_level_first_while_the_loop_keeps_turning(window, tmp_path):
    big = Image.radial_gradient("L").resize((6000, 4000)).convert("RGB")
    source = str(tmp_path / "big.png")
    big.save(source, compress_level=1)
    wf = Flow("big").node("load", "image_load", source=source).node("gray", "image_grayscale") \
        .edge("load.image", "gray.image").build()
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))

    async def go():
        await window.runs.run_node(tab, "gray")
        ticks = []
        from PySide6.QtCore import QTimer

        timer = QTimer(interval=5)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        await asyncio.sleep(0.05)
        preview = window.preview_panel.image_view
        start = time.perf_counter()
        QTest.mouseDClick(preview.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                          preview.viewport().rect().center())
        opened = time.perf_counter() - start
        viewer = viewer_of(window)
        canvas = viewer.findChild(QWidget, "viewerCanvas")
        widths = []
        canvas.levelShown.connect(widths.append)
        await until(viewer.ready, timeout=60, what="the full picture")
        timer.stop()
        assert opened < 0.1, opened  # the double-click returns at once: nothing is decoded on the GUI thread
        assert widths[0] <= 2048 and widths[-1] == 6000, widths  # a small level first, the whole picture last
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        assert len(gaps) > 5 and max(gaps) < 0.5, max(gaps)  # the loop kept turning while it was made

    on_loop(window, go)


def test_the_viewer_follows_the_nodes_next_run_and_says_when_what_it_shows_is_stale(window, tmp_path):
    red, blue = solid(tmp_path / "red.png", RED), solid(tmp_path / "blue.png", (0, 0, 255))
    wf = Flow("follow").node("load", "image_load", source=red).node("gray", "image_grayscale") \
        .edge("load.image", "gray.image").build()
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))

    async def go():
        await window.runs.run_node(tab, "gray")
        viewer = double_click_thumbnail(window, tab, "gray")
        await until(viewer.ready, what="the viewer's pictures")
        canvas, slider, _ = parts(viewer)
        slide(slider, Qt.Key.Key_Home)
        assert close(colours_at(canvas, [(0.5, 0.5)])[0], RED)
        tab.undo_stack.push(UpdateNode(tab.doc, "load", "Source", config={"source": blue}))
        info = viewer.findChild(QLabel, "viewerInfo")
        assert "stale" in info.text()  # what it shows is from before the edit
        await window.runs.run_node(tab, "gray")
        await until(lambda: viewer.ready() and close(colours_at(canvas, [(0.5, 0.5)])[0], (0, 0, 255)),
                    what="the new input shown")
        assert "stale" not in info.text()
        slide(slider, Qt.Key.Key_End)
        assert close(colours_at(canvas, [(0.5, 0.5)])[0], (29, 29, 29))  # blue in gray: L 29

    on_loop(window, go)


def test_a_node_with_no_picture_feeding_it_shows_its_output_alone_and_esc_closes_the_viewer(window, tmp_path):
    source = solid(tmp_path / "red.png", RED)
    wf = Flow("alone").node("load", "image_load", source=source).build()
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))

    async def go():
        await window.runs.run_tab(tab)
        viewer = double_click_thumbnail(window, tab, "load")
        await until(viewer.ready, what="the viewer's picture")
        canvas, slider, _ = parts(viewer)
        assert viewer.mode() == "output" and not slider.isVisible()
        assert all(close(c, RED) for c in colours_at(canvas, [(0.1, 0.1), (0.9, 0.9)]))
        QTest.keyClick(canvas, Qt.Key.Key_Escape)
        assert not viewer.isVisible() and canvas.after is None  # its pictures let go

    on_loop(window, go)


def test_the_divider_splits_the_picture_at_the_sliders_share_of_its_width_at_any_zoom_and_pan(window, tmp_path):
    tab = wipe_tab(window, tmp_path)

    async def go():
        await window.runs.run_node(tab, "gray")
        window.viewing.open(tab, "gray")
        viewer = viewer_of(window)
        viewer.resize(900, 700)
        await until(viewer.ready, what="the viewer's pictures")
        canvas, slider, _ = parts(viewer)
        QTest.mouseClick(viewer.findChild(QPushButton, "viewerActual"), Qt.MouseButton.LeftButton)
        assert canvas.scale == 1.0 and canvas.image_rect().width() < canvas.width() / 4  # smaller than the view
        for pan in (QPoint(0, 0), QPoint(-150, 40)):
            canvas.origin += QPointF(pan)
            for value, split in ((0, 0.0), (30, 0.3), (50, 0.5), (100, 1.0)):
                slider.setValue(value)
                # (clear of the divider's line and grip, 5 px either side of it: the picture is 80 px wide)
                shares = [s for s in (0.1, 0.9, split - 0.12, split + 0.12) if 0 < s < 1 and abs(s - split) >= 0.1]
                for share, colour in zip(shares, colours_at(canvas, [(s, 0.5) for s in shares])):
                    want = GRAY if share < split else RED  # the output left of the divider, the input right
                    assert close(colour, want), (pan, value, share, colour)
        # the divider dragged to a point of the picture: the slider says that share of it
        slider.setValue(50)
        grip = point_at(canvas, 0.5, 0.5)
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, grip)
        QTest.mouseMove(canvas, point_at(canvas, 0.8, 0.5))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point_at(canvas, 0.8, 0.5))
        assert abs(slider.value() - 80) <= 2, slider.value()

    on_loop(window, go)
