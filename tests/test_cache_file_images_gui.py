"""In the window: a past run whose Image Load picture's file changed since (or is gone) is shown on the canvas
without an error — its Image Load has no thumbnail (its stored picture is gone, as an evicted one is), the
pictures made from it keep theirs — and a replay from a node after it loads the file again (an outside tester
met an error dialog, "CorruptEntry: … changed since it was stored", and an internal error on replay)."""

import asyncio
import os

import numpy as np
from PIL import Image

from .builder import Flow
from .test_queue_gui import on_loop, until


def noise(path, seed, size):
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels, "RGB").save(path)


def test_a_past_run_whose_picture_file_changed_shows_without_an_error(window, tmp_path):
    picture = tmp_path / "photo.png"
    noise(picture, 1, (120, 80))
    wf = (Flow("Photo").node("load", "image_load", source=str(picture)).node("blur", "image_blur", radius=1)
          .edge("load.image", "blur.image").node("out", "output", name="out").edge("blur.image", "out.value").build())
    wid = window.store.workflows.create(wf).id
    window.workflows.open(wid)
    tab = window.current_tab()
    errors = []

    async def go():
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: errors.append(context))
        await window.runs.open_service()
        first = await window.runs.run_tab(tab)
        assert first.status == "succeeded", first.error
        noise(picture, 2, (60, 40))  # (another picture in the same file)
        window.runs.show_past_run(first.run_id)
        items = tab.scene.node_items
        await until(lambda: items["blur"].thumbnail is not None, timeout=20, what="the blur's thumbnail")
        await asyncio.sleep(0.3)
        load_thumbnail = items["load"].thumbnail
        tab.scene.clearSelection()
        items["blur"].setSelected(True)
        again = await window.runs.replay(first.run_id, "selected")
        os.remove(picture)
        window.runs.show_past_run(first.run_id)
        await asyncio.sleep(0.5)
        return load_thumbnail, again

    load_thumbnail, again = on_loop(window, go)
    assert errors == []
    assert load_thumbnail is None
    assert again.status == "succeeded" and again.outputs["out"].size == (60, 40), again.error
