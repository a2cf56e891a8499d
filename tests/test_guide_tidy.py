"""The user guide's chapter 11 (docs/guide.md: a photo dropped on the canvas, groups, notes and bypass), performed
through the real main window with real mouse and key events, as tests/test_guide.py performs chapters 1–10 (and
checks every chapter's screenshot is in the guide); a file of its own keeps each under 400 lines."""

from pathlib import Path

from PIL import Image, ImageChops, ImageDraw
from PySide6.QtCore import QEventLoop, QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from engine.cache.lazy import materialize

from .editor_helpers import drag, header_point, port_point
from .test_annotations_gui import double_click, pick, title_point
from .test_canvas_menus import right_click
from .test_guide import SHOTS
from .test_paths import deliver_drop, file_mime
from .test_queue_gui import on_loop, past_runs_done, until

LEFT, CTRL, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.NoModifier
NOTE = ("**Soften** is off while I try a *harder* mask:", "- Threshold level 140?", "- then Ctrl+B: Soften on again")


def photo(path) -> None:
    """A photo of a house in a garden: hard edges, which a blur visibly softens."""
    img = Image.new("RGB", (480, 320), (120, 170, 220))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 220, 480, 320), fill=(70, 140, 60))
    draw.rectangle((150, 130, 300, 240), fill=(200, 180, 150))
    draw.polygon([(135, 135), (225, 70), (315, 135)], fill=(150, 50, 40))
    draw.rectangle((205, 180, 240, 240), fill=(90, 60, 40))
    draw.ellipse((380, 30, 440, 90), fill=(250, 220, 90))
    img.save(path)


def click(tab, node_id: str, modifier=NONE) -> None:
    QTest.mouseClick(tab.view.viewport(), LEFT, modifier, header_point(tab, node_id))


def settle() -> None:
    """Qt's pending window and layout events, the loop's callbacks left to the loop: one run from inside another
    (a task's step inside a task's step) would be refused, and that task would never go on."""
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.X11ExcludeTimers
                               | QEventLoop.ProcessEventsFlag.ExcludeSocketNotifiers)


async def keys_back(window) -> None:
    """What a window manager does when a menu closes: the window has the keys again. (Offscreen, a menu's own
    activation arrives late and leaves the closed menu active, deaf to the window's shortcuts.)"""
    settle()
    window.activateWindow()
    await until(lambda: QApplication.activeWindow() is window, what="the window active")


def same_pixels(a, b) -> bool:
    a, b = materialize(a), materialize(b)  # (a cached output is read from the cache)
    return a.size == b.size and ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


def framed_shot(window, tab, name: str, around: list) -> None:
    """The window with the view framed on ``around`` (scene items, selected for the moment without telling)."""
    if not SHOTS:
        return
    window.resize(1600, 900)  # (wider than the other chapters' pictures: the whole graph, its text legible)
    settle()
    scene = tab.scene
    selected = scene.selectedItems()
    scene.blockSignals(True)
    scene.clearSelection()
    for item in around:
        item.setSelected(True)
    tab.view.frame(selection_only=True)  # (the selection, framed clear of the minimap)
    scene.clearSelection()
    for item in selected:
        item.setSelected(True)
    scene.blockSignals(False)
    settle()
    window.grab().save(str(Path(SHOTS) / f"{name}.png"))


def test_chapter_11_tidy_and_switch_off_groups_notes_and_bypass(window, tmp_path):
    photo(tmp_path / "garden.jpg")
    template = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(template.id)
    window.resize(1400, 860)
    view, viewport, items = tab.view, tab.view.viewport(), tab.scene.node_items

    # 1. Load sample deleted, the photo dropped from the file manager where it was, wired to Thumbnail
    spot = view.mapFromScene(items["load"].mapToScene(QPointF(0, 0)))
    click(tab, "load")
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert "load" not in tab.doc.nodes
    assert deliver_drop(viewport, spot, file_mime(tmp_path / "garden.jpg"))
    [mine] = [n for n in tab.doc.nodes.values() if n.type == "image_load"]
    assert mine.config["source"] == str(tmp_path / "garden.jpg")
    drag(viewport, port_point(tab, mine.id, "out", "image"), port_point(tab, "resize", "in", "image"))
    assert any(e.source == mine.id and e.target == "resize" for e in tab.doc.edges.values())

    async def run(count: int) -> None:
        QTest.keyClick(view, Qt.Key.Key_F5)
        await until(lambda: past_runs_done(window, count), what=f"run {count} in past runs")

    async def go():
        await window.runs.open_service()
        await keys_back(window)
        await run(1)
        assert items["out_mask"].data(1) == "succeeded"
        assert not same_pixels(window.outputs.of(tab, "gray")["image"], window.outputs.of(tab, "blur")["image"])

        # 2. the mask's three nodes grouped (Ctrl+G), renamed, coloured, dragged up with the frame
        click(tab, "gray")
        click(tab, "blur", CTRL)
        click(tab, "mask", CTRL)
        QTest.keyClick(view, Qt.Key.Key_G, CTRL)
        [gid] = tab.doc.annotations
        group = tab.scene.annotation_items[gid]
        assert sorted(tab.doc.annotations[gid].nodes) == ["blur", "gray", "mask"]
        assert tab.doc.annotations[gid].title == "Group"
        double_click(viewport, title_point(tab, gid))
        QTest.keyClicks(view, "Make the mask")
        QTest.keyClick(view, Qt.Key.Key_Return)
        assert tab.doc.annotations[gid].title == "Make the mask"
        menu = right_click(tab, title_point(tab, gid))
        colours = menu.findChild(QMenu, "menuColour")
        QTest.mouseClick(menu, LEFT, NONE, menu.actionGeometry(colours.menuAction()).center())  # ▸ Colour
        await until(colours.isVisible, what="the colours")
        pick(colours, "colourGreen")  # ▸ Green
        await keys_back(window)
        assert tab.doc.annotations[gid].color == "#3f8f56"
        before = {n: tuple(tab.doc.nodes[n].position) for n in ("gray", "blur", "mask")}
        start, steps = title_point(tab, gid), tab.undo_stack.count()
        drag(viewport, start, start + QPoint(0, round(-70 * view.transform().m11())))
        assert tab.undo_stack.count() == steps + 1
        moved = {n: tuple(tab.doc.nodes[n].position) for n in before}
        dy = moved["gray"][1] - before["gray"][1]
        assert dy < 0 and all(moved[n] == (before[n][0], before[n][1] + dy) for n in before)
        for n in before:
            assert group.sceneBoundingRect().contains(items[n].sceneBoundingRect())

        # 3. a note, from the canvas's menu, in markdown
        menu = right_click(tab, view.mapFromScene(QPointF(0, -200)))
        settle()  # (the menu is open a moment, as a person's is, before its entry is clicked)
        pick(menu, "menuAddNote")
        await keys_back(window)
        [nid] = [a for a in tab.doc.annotations if a != gid]
        for i, line in enumerate(NOTE):
            if i:
                QTest.keyClick(view, Qt.Key.Key_Return)  # (a new line; Escape, Ctrl+Enter or a click ends the note)
            QTest.keyClicks(view, line)
        QTest.keyClick(view, Qt.Key.Key_Escape)
        note = tab.scene.annotation_items[nid]
        assert tab.doc.annotations[nid].text == "\n".join(NOTE)
        assert note.shown_text() == ("Soften is off while I try a harder mask:\nThreshold level 140?\n"
                                     "then Ctrl+B: Soften on again")  # drawn in bold, italic, a list

        # 4. Soften bypassed (Ctrl+B): run, Threshold gets Grayscale's picture as it was; on again: cached
        click(tab, "blur")
        QTest.keyClick(view, Qt.Key.Key_B, CTRL)
        assert tab.doc.nodes["blur"].bypass and items["blur"].bypassed  # dimmed, with its badge
        await run(2)
        assert items["blur"].data(1) == "bypassed" and items["out_mask"].data(1) == "succeeded"
        assert "Soften: bypassed" in window.run_panel.text()
        assert same_pixels(window.outputs.of(tab, "blur")["image"], window.outputs.of(tab, "gray")["image"])
        framed_shot(window, tab, "11-groups", [group, note, items[mine.id], items["out_width"], items["draw"]])
        QTest.keyClick(view, Qt.Key.Key_B, CTRL)
        assert not tab.doc.nodes["blur"].bypass and not items["blur"].bypassed
        await run(3)
        assert items["blur"].data(1) == "cached" and items["mask"].data(1) == "cached"

        # 5. saved, closed, reopened from the welcome page: the group and the note are there
        QTest.keyClick(view, Qt.Key.Key_S, CTRL)
        wid, saved = tab.doc.workflow_id, tab.doc.workflow().annotations
        assert window.store.workflows.document(wid).annotations == saved
        QTest.keyClick(view, Qt.Key.Key_W, CTRL)
        assert window.current_tab() is None  # the welcome page
        cards = window.browser.workflows
        [card] = cards.findItems("Image pipeline", Qt.MatchFlag.MatchStartsWith)
        double_click(cards.viewport(), cards.visualItemRect(card).center())
        reopened = window.current_tab()
        assert reopened is not None and reopened.doc.workflow_id == wid
        assert reopened.doc.workflow().annotations == saved
        assert {gid, nid} <= set(reopened.scene.annotation_items)

    on_loop(window, go)
