"""Live preview in the real window (issue 27): with View ▸ Live preview on, what is typed into a field runs as it is
typed — the preview shows the newest value's picture and never an older one after it — an Image Save downstream is
held until F5, a burst of edits starts few runs and shows the last, typing makes one undo step, and live runs are
in no list of runs: not the store's, not ``nodeloom runs``'."""

import asyncio
import json
import os
import subprocess
import sys

import pytest
from PIL import Image, ImageFilter
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDoubleSpinBox, QListWidget

from app.document.commands import UpdateNode
from engine.errors import NotFound
from engine.runs import RunFinished, RunStarted, read_value

from .builder import Flow
from .test_queue_gui import ROOT, on_loop, until


def _photo(path, size=(1600, 1200)):
    """A picture whose blur shows: noise over gradients."""
    noise = Image.effect_noise(size, 60)
    Image.merge("RGB", (noise, Image.linear_gradient("L").resize(size), Image.radial_gradient("L").resize(size))
                ).save(path)
    return path


def _flow(src, out):
    """load → wait (not cached: every live run takes 0.3 s there) → blur → save."""
    return (Flow("Live").node("load", "image_load", source=str(src)).node("wait", "delay", seconds=0.3)
            .node("blur", "image_blur", radius=2).node("save", "image_save", path=str(out))
            .chain("load.image", "wait.value").chain("wait.value", "blur.image", "save.image").build())


def _open(window, tmp_path):
    src, out = _photo(tmp_path / "photo.png"), tmp_path / "out.png"
    wid = window.store.workflows.create(_flow(src, out)).id
    tab = window.workflows.open(wid)
    tab.scene.node_items["blur"].setSelected(True)
    return tab, src, out


def _blurred(src, radius):
    return Image.open(src).convert("RGB").filter(ImageFilter.GaussianBlur(radius))


def _pixmap_bytes(window):
    image = window.preview_panel.image_view.item.pixmap().toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    return bytes(image.constBits())


class LiveRuns:
    """The live runs the window's service starts, and how each ends (from its events)."""

    def __init__(self, service):
        self.service, self.sub = service, service.subscribe()
        self.started, self.ended = [], {}

    def poll(self):
        for ev in self.sub.drain():
            if isinstance(ev, RunStarted) and self.service.origin(ev.run_id).trigger == "live":
                self.started.append(ev.run_id)
            elif isinstance(ev, RunFinished) and ev.run_id in self.started:
                self.ended[ev.run_id] = ev.status
        return self


def pictures_shown(window) -> list:
    """The preview dock's pictures (their bytes), in the order it shows them."""
    shown = []
    window.preview_panel.imageShown.connect(lambda: shown.append(window.preview_panel.image.tobytes()))
    return shown


def test_typing_58_into_the_blur_radius_shows_radius_58_and_never_5_after_it(window, qtbot, tmp_path):
    tab, src, out = _open(window, tmp_path)
    shown = pictures_shown(window)

    async def go():
        runs = LiveRuns(await window.runs.open_service())
        window.actionLivePreview.trigger()
        assert window.actionLivePreview.isChecked() and window.live.is_on(tab)
        r2 = _blurred(src, 2).tobytes()
        await until(lambda: shown and shown[-1] == r2, what="the preview showed radius 2", timeout=20)
        assert tab.scene.node_items["save"].data(1) == "held"
        field = window.inspector.findChild(QDoubleSpinBox, "field.radius")
        field.setFocus()
        field.selectAll()
        qtbot.keyClick(field, Qt.Key.Key_5)
        await until(lambda: runs.poll().started and tab.scene.node_items["wait"].data(1) == "running",
                    what="the live run for 5 ran")
        five = runs.started[-1]
        qtbot.keyClick(field, Qt.Key.Key_8)
        after = len(shown)
        r58 = _blurred(src, 58)
        await until(lambda: len(shown) > after and shown[-1] == r58.tobytes(), what="the preview showed 58",
                    timeout=20)
        await until(lambda: not window.live.by_run, what="the live runs ended")
        await asyncio.sleep(0.3)  # (anything late would show by now)
        runs.poll()
        assert runs.ended[five] == "cancelled"
        assert shown[after:] and all(s == r58.tobytes() for s in shown[after:]), "radius 5 showed after 58"
        direct = read_value((await (await window.runs.open_service()).start(
            Flow().node("load", "image_load", source=str(src)).node("blur", "image_blur", radius=58)
            .node("o", "output", name="image").chain("load.image", "blur.image", "o.value").build()).result()
        ).outputs["image"])
        assert window.preview_panel.image.tobytes() == direct.tobytes()
        rgba = direct.convert("RGBA")
        assert _pixmap_bytes(window) == rgba.tobytes()  # the pixels on screen
        assert tab.doc.nodes["blur"].config["radius"] == 58
        assert tab.undo_stack.count() == 1 and tab.undo_stack.undoText() == "Set radius"  # one step for "58"
        assert not out.exists(), "the held Image Save wrote its file"
        qtbot.keyClick(tab.view, Qt.Key.Key_F5)  # a real run: the held node runs
        await until(out.exists, what="F5 wrote the file", timeout=20)
        await until(lambda: tab.scene.node_items["save"].data(1) == "succeeded", what="F5 ended")
        return runs.started

    live_ids = on_loop(window, go)
    runs = window.store.runs.list(limit=100)
    assert [r.trigger for r in runs] == ["editor", "editor"]  # F5's and the direct run's, no live one
    for run_id in live_ids:
        with pytest.raises(NotFound):
            window.store.runs.get(run_id)
        assert window.store.events.after(run_id) == []
    listed = subprocess.run([sys.executable, "-m", "app.cli", "runs", "--json"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, env={**os.environ, "NODELOOM_HOME": str(window.home)})
    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == [r.id for r in runs]
    assert not set(live_ids) & {r["id"] for r in json.loads(listed.stdout)}
    assert window.findChild(QListWidget, "pastRuns").count() == 1  # (the direct run is of no stored workflow)


def test_a_burst_of_twenty_edits_starts_at_most_three_runs_and_shows_the_last(window, tmp_path):
    tab, src, out = _open(window, tmp_path)
    shown = pictures_shown(window)

    async def go():
        runs = LiveRuns(await window.runs.open_service())
        window.actionLivePreview.trigger()
        await until(lambda: runs.poll().ended, what="the first live run", timeout=20)
        runs.started.clear()
        tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Set radius", typing="radius", config={"radius": 3}))
        await until(lambda: runs.poll().started, what="a live run started")
        for radius in range(4, 24):  # 20 edits, 30 ms apart, as the inspector pushes them
            tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Set radius", typing="radius",
                                           config={"radius": radius}))
            await asyncio.sleep(0.03)
        last = _blurred(src, 23).tobytes()
        await until(lambda: shown and shown[-1] == last, what="the last value showed", timeout=20)
        await until(lambda: not window.live.by_run and set(runs.poll().started) <= set(runs.ended),
                    what="the live runs ended")
        return runs

    runs = on_loop(window, go)
    assert 1 <= len(runs.started) <= 3, runs.started
    assert [runs.ended[r] for r in runs.started] == ["cancelled"] * (len(runs.started) - 1) + ["succeeded"]
    assert tab.undo_stack.count() == 1 and tab.doc.nodes["blur"].config["radius"] == 23
    assert window.store.runs.list() == [] and not out.exists()


def test_layout_edits_start_no_run_and_live_preview_is_remembered_per_workflow(window, make_window, tmp_path):
    tab, src, out = _open(window, tmp_path)

    async def go():
        runs = LiveRuns(await window.runs.open_service())
        window.actionLivePreview.trigger()
        await until(lambda: runs.poll().ended, what="the first live run", timeout=20)
        count = len(runs.started)
        tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Rename", label="Soft"))
        tab.scene.node_items["load"].setPos(500, 500)
        tab.add_note()
        await asyncio.sleep(0.5)
        assert len(runs.poll().started) == count  # moves, labels and notes change nothing a run computes
        tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Bypass", bypass=True))
        await until(lambda: len(runs.poll().started) > count, what="a bypass started a live run")

    on_loop(window, go)
    again = make_window(window.home)
    wid = tab.doc.workflow_id
    reopened = again.workflows.open(wid)
    assert again.live.is_on(reopened) and again.actionLivePreview.isChecked()
    again.actionLivePreview.trigger()
    assert not again.live.is_on(reopened)
    assert str(again.settings.value(f"live/on/{wid}")) == "false"


def test_a_result_on_its_way_when_a_newer_edit_comes_never_shows(window, tmp_path):
    """The newer edit lands just as the older value's result arrives (its event seen, its picture being made):
    that picture never reaches the preview, ten times over."""
    src = _photo(tmp_path / "photo.png", (1200, 900))
    wf = (Flow("Fast").node("load", "image_load", source=str(src)).node("blur", "image_blur", radius=2)
          .chain("load.image", "blur.image").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)
    tab.scene.node_items["blur"].setSelected(True)
    shown = pictures_shown(window)

    async def go():
        service = await window.runs.open_service()
        sub = service.subscribe()
        window.actionLivePreview.trigger()
        await until(lambda: shown, what="the first picture", timeout=20)
        late = []
        for i in range(10):
            old, new = 3 + 2 * i, 4 + 2 * i
            sub.drain()
            tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Set radius", config={"radius": old}))
            async for ev in sub:  # the older value's result is out
                if getattr(ev, "node_id", None) == "blur" and getattr(ev, "status", None) == "succeeded":
                    break
            await asyncio.sleep(0.003 * (i % 5))  # (while its picture is being made, or just before)
            tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Set radius", config={"radius": new}))
            seen = len(shown)
            want = _blurred(src, new).tobytes()
            await until(lambda: shown[-1] == want, what=f"radius {new} showed", timeout=20)
            stale = _blurred(src, old).tobytes()
            late += [i for s in shown[seen:] if s == stale]
        return late

    assert on_loop(window, go) == []


def test_typing_commits_as_typed_only_while_live_and_return_ends_the_undo_step(window, qtbot, tmp_path):
    tab, src, out = _open(window, tmp_path)
    field = window.inspector.findChild(QDoubleSpinBox, "field.radius")
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "12")
    assert tab.doc.nodes["blur"].config["radius"] == 2  # live off: applied when the edit ends
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert tab.doc.nodes["blur"].config["radius"] == 12 and tab.undo_stack.count() == 1

    async def go():
        window.actionLivePreview.trigger()
        for text in ("5", "7"):
            field = window.inspector.findChild(QDoubleSpinBox, "field.radius")
            field.selectAll()
            qtbot.keyClicks(field, text)
            assert tab.doc.nodes["blur"].config["radius"] == float(text)  # as typed
            qtbot.keyClick(field, Qt.Key.Key_Return)  # the step ends
        field.selectAll()
        qtbot.keyClicks(field, "34")
        field.selectAll()
        qtbot.keyClicks(field, "7")  # back where this step started: no step at all
        window.window().setFocus()
        return [tab.undo_stack.text(i) for i in range(tab.undo_stack.count())]

    assert on_loop(window, go) == ["Set radius"] * 3
    assert tab.doc.nodes["blur"].config["radius"] == 7
    tab.undo_stack.undo()
    assert tab.doc.nodes["blur"].config["radius"] == 5


def test_while_typing_live_the_journal_follows_at_most_twice_a_second_and_is_whole_on_closing(window, qtbot,
                                                                                                tmp_path):
    from app.window.journal import LIVE_JOURNAL_MS

    tab, src, out = _open(window, tmp_path)

    def journaled():
        entries = [e for e in window.journal.entries() if e.path.stem == tab.journal_key]
        return entries[0].document.nodes[2].config["radius"] if entries else None

    async def go():
        window.actionLivePreview.trigger()
        field = window.inspector.findChild(QDoubleSpinBox, "field.radius")
        field.selectAll()
        qtbot.keyClicks(field, "1")
        assert journaled() is None  # (not at each keystroke: the disk waits)
        qtbot.keyClicks(field, "7")
        await asyncio.sleep(LIVE_JOURNAL_MS / 1000 + 0.3)
        assert journaled() == 17  # the last state, written
        field.selectAll()
        qtbot.keyClicks(field, "9")

    on_loop(window, go)
    window.leaving = "keep"
    window.close()  # (the session ends: what it keeps is the last state)
    assert journaled() == 9
