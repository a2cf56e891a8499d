"""The three versions of the "screen never lies" issue: load → blur → save (v1); v2 drops the blur → save
link; v3 adds a grayscale node and a blur → grayscale link that reuses the id ``e3`` of v1's blur → save."""

from __future__ import annotations

from engine.model import Workflow

from .builder import Flow


def _base() -> Flow:
    return (Flow("Blur pipeline").node("load", "image_load", source="in.png").node("blur", "image_blur", radius=2)
            .node("save", "image_save", path="out.png"))


def version(n: int) -> Workflow:
    f = _base().edge("load.image", "blur.image", "e1")
    if n == 1:
        f = f.edge("blur.image", "save.image", "e3")
    if n >= 3:
        f = f.node("gray", "image_grayscale").edge("blur.image", "gray.image", "e3")
    wf = f.build()
    positions = {"load": (0, 0), "blur": (300, 0), "save": (600, -120), "gray": (600, 160)}
    for node in wf.nodes:
        node.position = positions[node.id]
    return wf


def three_versions(workflows) -> str:
    """Store the three versions through ``workflows`` (a store's WorkflowRepo); the workflow's id."""
    info = workflows.create(version(1), message="load, blur, save")
    assert workflows.save(info.id, version(2), message="no saving").version == 2
    assert workflows.save(info.id, version(3), message="gray instead").version == 3
    return info.id
