"""The screen never lies (SPEC §8): a node that failed shows no picture — not the one of another iteration of its
loop, nor the one of an earlier run (an outside tester saw a failed Image Load in a loop over a folder show the
previous photo's thumbnail)."""

from PIL import Image

from .builder import Flow
from .test_live import on_loop, open_flow


def photos_loop(paths):
    return (Flow("photos").node("paths", "constant", value=[str(p) for p in paths])
            .node("each", "foreach", settings={"on_error": "continue"})
            .node("load", "image_load").node("col", "collect")
            .edge("paths.value", "each.items").edge("each.item", "load.source").edge("load.image", "col.value")
            .build())


def test_a_node_whose_last_iteration_failed_shows_no_thumbnail_of_another(window, tmp_path):
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(good)
    bad.write_bytes(b"not a picture")
    tab = open_flow(window, photos_loop([good, bad]))
    result = on_loop(window, lambda: window.runs.run_tab(tab))
    assert result.status == "succeeded", result.error
    load = tab.scene.node_items["load"]
    assert load.status == "failed" and "bad.png" in load.error
    assert load.thumbnail is None
    assert window.outputs.of(tab, "load") is None  # (the preview has nothing of another item to show for it)
    each = tab.scene.node_items["each"]
    assert each.status == "succeeded" and "1 of 2 items failed" in each.toolTip()  # (the loop says so)
    tab.scene.clearSelection()
    load.setSelected(True)  # (what the preview says of it: its failure, not "not run yet")
    info = window.preview_panel.info.text()
    assert "failed" in info and "bad.png" in info and "not run yet" not in info, info


def test_a_node_that_fails_after_a_good_run_no_longer_shows_that_runs_picture(window, tmp_path):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), (30, 200, 30)).save(photo)
    tab = open_flow(window, Flow("one").node("load", "image_load", source=str(photo)).build())
    load = tab.scene.node_items["load"]

    async def go():
        first = await window.runs.run_tab(tab)
        shown = load.thumbnail
        photo.write_bytes(b"broken now")
        return first, shown, await window.runs.run_tab(tab)

    first, shown, second = on_loop(window, go)
    assert first.status == "succeeded" and shown is not None
    assert second.status == "failed"
    assert load.status == "failed" and load.thumbnail is None
