"""Live preview and the cache (issue 27, outside tester 4): a node whose result a live run takes from the cache
shows that result — on its canvas thumbnail after Undo back to an earlier value, and in the preview after its pin
is removed — never the picture of the value before."""

import asyncio

from PIL import Image, ImageFilter
from PySide6.QtGui import QImage

from app.document.commands import UpdateNode

from .builder import Flow
from .test_live_preview import LiveRuns
from .test_queue_gui import on_loop, until


def _open(window, tmp_path):
    src = tmp_path / "photo.png"
    noise = Image.effect_noise((320, 240), 60)
    Image.merge("RGB", (noise, Image.linear_gradient("L").resize((320, 240)), noise)).save(src)
    wf = (Flow("Cached").node("load", "image_load", source=str(src)).node("blur", "image_blur", radius=2)
          .chain("load.image", "blur.image").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)
    tab.scene.node_items["blur"].setSelected(True)
    return tab, src


def _thumb(tab, node_id="blur"):
    pixmap = tab.scene.node_items[node_id].thumbnail
    if pixmap is None:
        return None
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    return bytes(image.constBits())


async def _settled(window, runs, new=True):
    """A live run started after the last one waited for (when ``new``), every one has ended, and what they
    painted is on screen."""
    before = len(runs.started)
    await until(lambda: (len(runs.poll().started) > before or not new) and set(runs.started) <= set(runs.ended)
                and not window.live.by_run, what="the live runs ended", timeout=20)
    await asyncio.sleep(0.3)  # (thumbnails are made off the GUI thread)


def test_undo_back_to_an_earlier_radius_shows_its_cached_picture_on_the_thumbnail(window, tmp_path):
    tab, src = _open(window, tmp_path)

    async def go():
        runs = LiveRuns(await window.runs.open_service())
        window.actionLivePreview.trigger()
        await _settled(window, runs)
        a = _thumb(tab)
        assert a is not None
        tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Set radius", config={"radius": 9}))
        await _settled(window, runs)
        b = _thumb(tab)
        tab.undo_stack.undo()  # back to radius 2: its result is in the cache
        await _settled(window, runs)
        assert tab.doc.nodes["blur"].config["radius"] == 2
        assert window.live.status.text().endswith("from the cache")
        return a, b, _thumb(tab)

    a, b, now = on_loop(window, go)
    assert a != b
    assert now == a, "the thumbnail kept radius 9's picture"



def test_after_unpinning_the_preview_shows_the_nodes_cached_output(window, tmp_path):
    tab, src = _open(window, tmp_path)
    blurred = {r: Image.open(src).convert("RGB").filter(ImageFilter.GaussianBlur(r)).tobytes() for r in (2, 9)}

    async def go():
        runs = LiveRuns(await window.runs.open_service())
        window.actionLivePreview.trigger()
        await _settled(window, runs)
        tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Set radius", config={"radius": 9}))
        await _settled(window, runs)  # radius 9 is in the cache now
        tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Set radius", config={"radius": 2}))
        await _settled(window, runs)
        window.outputs.toggle_pin(tab, "blur")  # pinned: radius 2's picture
        assert tab.doc.nodes["blur"].pinned is not None
        tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Set radius", config={"radius": 9}))
        await _settled(window, runs)
        assert window.preview_panel.image.tobytes() == blurred[2]  # the pin is what shows
        window.outputs.toggle_pin(tab, "blur")  # Unpin: radius 9, from the cache
        assert tab.doc.nodes["blur"].pinned is None
        await _settled(window, runs)
        tab.scene.clearSelection()
        tab.scene.node_items["blur"].setSelected(True)  # (reselected, as the tester did)
        await _settled(window, runs, new=False)
        return window.preview_panel.image.tobytes()

    assert on_loop(window, go) == blurred[9], "the preview kept the pinned picture"
