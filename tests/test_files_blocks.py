"""list_files and image_save: real paths, and a chosen folder is a fence."""

import os

from PIL import Image

from .builder import Flow, brief


def listing(run_flow, base, **config):
    wf = (Flow().node("l", "list_files", **config).node("o", "output", name="paths").node("n", "output", name="count")
          .edge("l.paths", "o.value").edge("l.count", "n.value").build())
    return run_flow(wf, base_dir=base)


def make_tree(tmp_path):
    root = tmp_path / "pics"
    (root / "sub").mkdir(parents=True)
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "key.png").write_bytes(b"x")
    for name in ("b10.png", "a.png", "b2.png", "notes.txt", "sub/c.png"):
        (root / name).write_bytes(b"x")
    os.symlink(outside / "key.png", root / "link.png")
    os.symlink(outside, root / "linkdir")
    return root


def test_list_files_in_natural_order_without_leaving_the_folder(tmp_path, run_flow):
    root = make_tree(tmp_path)
    real = os.path.realpath(root)
    result, _ = listing(run_flow, tmp_path, folder="pics", pattern="*.png")
    assert result.outputs == {"paths": [f"{real}/a.png", f"{real}/b2.png", f"{real}/b10.png"], "count": 3}
    result, _ = listing(run_flow, tmp_path, folder=str(root), pattern="*.png", recursive=True)
    assert result.outputs["paths"] == [f"{real}/a.png", f"{real}/b2.png", f"{real}/b10.png", f"{real}/sub/c.png"]
    result, _ = listing(run_flow, tmp_path, folder="pics")
    assert result.outputs["count"] == 4  # every file at the top; not the folders, not the link out


def test_list_files_refusals(tmp_path, run_flow):
    make_tree(tmp_path)
    for config, message in [
        ({"folder": "pics", "pattern": "../*"}, "may not leave the folder"),
        ({"folder": "pics", "pattern": "/etc/*"}, "may not leave the folder"),
        ({"folder": "missing"}, "is not a folder"),
        ({"folder": ""}, "no folder given"),
        ({"folder": "pics", "max_files": 2}, "more than max_files = 2 files match '*'"),
    ]:
        result, _ = listing(run_flow, tmp_path, **config)
        assert result.status == "failed" and message in result.error, (config, result.error)


def test_the_folder_input_overrides_the_config(tmp_path, run_flow):
    root = make_tree(tmp_path)
    wf = (Flow().node("c", "constant", value=str(root / "sub")).node("l", "list_files", folder="elsewhere")
          .node("o", "output", name="n").edge("c.value", "l.folder").edge("l.count", "o.value").build())
    result, _ = run_flow(wf)
    assert result.outputs == {"n": 1}


def save(run_flow, base, **config):
    source = base / "source.png"
    if not source.exists():
        Image.new("RGB", (4, 3), "red").save(source)
    wf = (Flow().node("l", "image_load", source=str(source)).node("s", "image_save", **config)
          .node("o", "output", name="path").edge("l.image", "s.image").edge("s.path", "o.value").build())
    return run_flow(wf, base_dir=base)


def test_image_save_stays_in_its_folder(tmp_path, run_flow):
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(tmp_path, out / "up")
    result, _ = save(run_flow, tmp_path, folder="out", path="day1/a.png")
    assert result.status == "succeeded", result.error
    assert result.outputs["path"] == os.path.realpath(out / "day1" / "a.png")
    with Image.open(out / "day1" / "a.png") as written:
        assert written.size == (4, 3)
    for path in ("../escape.png", str(tmp_path / "abs.png"), "up/through-a-link.png"):
        result, events = save(run_flow, tmp_path, folder="out", path=path)
        assert result.status == "failed" and "leads outside the folder" in result.error, path
    assert not (tmp_path / "escape.png").exists() and not (tmp_path / "through-a-link.png").exists()
    result, _ = save(run_flow, tmp_path, path=str(tmp_path / "anywhere.png"))  # no folder chosen: anywhere
    assert result.status == "succeeded" and (tmp_path / "anywhere.png").exists()
    assert brief(events[-1]) == ("run_finished", "failed")
