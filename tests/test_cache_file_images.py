"""A picture Image Load decoded from a file is cached as the file's name, not as a copy of its pixels (a folder of
photos run through a workflow is not copied into the cache); the file changed or gone since is a corrupt entry,
read as a miss. Pictures made from it (a blur, a copy) are stored as pixels."""

import asyncio
import os

import numpy as np
import pytest
from PIL import Image

from engine.cache import ResultCache
from engine.cache.codec import CorruptEntry, decode

from .builder import Flow, run_statuses


def noise(path, seed=1, size=(300, 200)):
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels, "RGB").save(path)
    return path


def flow(path):
    return (Flow().node("load", "image_load", source=str(path)).node("blur", "image_blur", radius=1)
            .edge("load.image", "blur.image").node("a", "output", name="loaded").edge("load.image", "a.value")
            .node("b", "output", name="blurred").edge("blur.image", "b.value").build())


def run(cache, wf):
    result, statuses = run_statuses(cache, wf)
    cache.flush()
    return result, statuses


def entries(cache) -> list[bytes]:
    return [cache._cache.get(k) for k in cache._cache.iterkeys()]


@pytest.fixture
def cache(tmp_path):
    c = ResultCache(tmp_path / "cache")
    yield c
    c.close()


def test_a_loaded_picture_is_stored_as_its_file_and_read_back_exactly(cache, tmp_path):
    picture = noise(tmp_path / "noise.png")
    first, statuses = run(cache, flow(picture))
    assert first.status == "succeeded" and statuses == {"load": "succeeded", "blur": "succeeded", "a": "succeeded",
                                                         "b": "succeeded"}
    stored = sorted(entries(cache), key=len)
    small, large = stored[0], stored[-1]
    assert len(small) < 1000 and str(picture) in small.decode("utf-8", "replace")  # (the file's name, no pixels)
    assert len(large) > 100_000  # (the blurred picture: its pixels)
    assert decode(small)["image"].tobytes() == Image.open(picture).convert("RGB").tobytes()

    again, statuses = run(cache, flow(picture))
    assert set(statuses.values()) == {"cached"}
    assert again.outputs["loaded"].tobytes() == first.outputs["loaded"].tobytes()
    assert again.outputs["blurred"].tobytes() == first.outputs["blurred"].tobytes()


def test_the_file_changed_or_gone_since_is_a_corrupt_entry_and_the_node_runs_again(cache, tmp_path):
    picture = noise(tmp_path / "noise.png")
    run(cache, flow(picture))
    small = min(entries(cache), key=len)
    noise(picture, seed=2)  # (other pixels)
    with pytest.raises(CorruptEntry, match="changed since it was stored"):
        decode(small)
    again, statuses = run(cache, flow(picture))
    assert statuses["load"] == "succeeded" and statuses["blur"] == "succeeded"  # (not the old pictures)
    assert again.outputs["loaded"].tobytes() == Image.open(picture).convert("RGB").tobytes()
    os.remove(picture)
    with pytest.raises(CorruptEntry):
        decode(small)


def test_only_the_very_picture_decoded_from_the_file_is_stored_by_name(tmp_path):
    from engine.blocks.image.load import _open_file
    from engine.cache.codec import encode

    picture = noise(tmp_path / "noise.png", size=(64, 64))
    img = _open_file(picture, 100)
    assert len(encode({"image": img})) < 1000
    for made in (img.copy(), img.convert("L"), img.rotate(90)):
        assert len(encode({"image": made})) > 2000  # (pixels)
    assert len(encode({"image": img}, compress=False)) > 64 * 64 * 3  # (the wire to a cluster's worker: pixels)


def test_a_past_run_whose_picture_file_changed_reads_as_gone_and_replays_from_the_file(tmp_path):
    """A picture stored as its file's name: once the file changed or is gone, the past run's stored output is gone
    (as an evicted one is) — never an error when it is read — and a replay from a node after it loads the file
    again (or fails at Image Load, saying the file is missing)."""
    from engine.runs import RunService, RunSettings
    from engine.store import Store

    picture = noise(tmp_path / "noise.png")
    store = Store(tmp_path / "data", install_templates=False)
    wid = store.workflows.create(flow(picture)).id

    async def go():
        async with RunService(store, RunSettings()) as service:
            first = await service.start(wid).result()
            nodes = {n.node_id: n for n in store.runs.nodes(first.run_id)}
            kept = service.stored_outputs(nodes["load"].output_ref)
            assert kept is not None and service.stored_outputs(nodes["blur"].output_ref) is not None
            noise(picture, seed=3, size=(200, 100))  # (another picture in the same file)
            gone = service.stored_outputs(nodes["load"].output_ref)
            assert gone is None
            assert service.stored_outputs(nodes["blur"].output_ref) is not None  # (its own pixels: kept)
            again = await service.replay(first.run_id, "blur").result()
            statuses = {n.node_id: n.status for n in store.runs.nodes(again.run_id)}
            os.remove(picture)
            missing = await service.replay(first.run_id, "blur").result()
            return again, statuses, missing

    again, statuses, missing = asyncio.run(go())
    store.close()
    assert again.status == "succeeded", again.error
    assert statuses["load"] == "succeeded" and again.outputs["loaded"].size == (200, 100)
    assert missing.status == "failed" and "cannot read" in missing.error and "internal" not in missing.error
