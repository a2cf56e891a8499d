"""Files dropped on the canvas from a file manager (issue 26): an image makes an Image Load of it, a folder a List
Files of it, where they were dropped (several: one under the other; each nudged clear of the nodes there), one
undo step; one dropped on a node of the kind it would make (an image on an Image Load) is that node's new source
instead, one undoable edit; a workflow (.json) is imported as before (the view's ``filesDropped``). Anything else
is left out, and the status bar says why, file by file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF

from engine.model import Node

from ..document.commands import AddItems, UpdateNode
from ..document.model import new_id
from ..look import HEADER, ROW
from .placement import place_new

__all__ = ["IMAGE_SUFFIXES", "add_for_paths", "drop_paths", "droppable", "left_out", "node_for", "set_on_node"]

#: the files Image Load opens (engine.imaging.ALLOWED_FORMATS: PNG, JPEG, WebP, GIF, BMP, TIFF)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jpe", ".webp", ".gif", ".bmp", ".tif", ".tiff")
GAP = 24.0  # between nodes dropped together


def node_for(path: Path) -> tuple[str, str] | None:
    """The block a dropped path makes and the config field it goes in: (type, key), or None."""
    if path.is_dir():
        return "list_files", "folder"
    if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
        return "image_load", "source"
    return None


def droppable(path: Path) -> bool:
    """Whether the canvas takes this path: a workflow file to import, an image or a folder."""
    return path.suffix.lower() == ".json" or node_for(path) is not None


def left_out(paths: list[Path]) -> str:
    """Why these dropped paths make no node, named: "Not added: notes.txt is neither an image nor a folder;
    missing.png does not exist"."""
    missing = [p.name for p in paths if not p.exists()]
    others = [p.name for p in paths if p.exists()]
    why = []
    if others:
        why.append(f"{', '.join(others)} " + ("is neither an image nor a folder" if len(others) == 1
                                              else "are neither images nor folders"))
    if missing:
        why.append(f"{', '.join(missing)} " + ("does not exist" if len(missing) == 1 else "do not exist"))
    return "Not added: " + "; ".join(why)


def set_on_node(scene, path: Path, node_id: str, say) -> bool:
    """When ``path`` is dropped on the node ``node_id`` of the kind it would make (an image on an Image Load, a
    folder on a List Files): it becomes that node's field (one undoable edit) and True; else False."""
    doc = scene.doc
    found = node_for(path)
    node = doc.nodes.get(node_id)
    if found is None or node is None or node.type != found[0] or doc.read_only:
        return False
    key = found[1]
    scene.undo_stack.push(UpdateNode(doc, node_id, f"Set {key}", config={**node.config, key: str(path)}))
    scene.clearSelection()
    scene.node_items[node_id].setSelected(True)  # (the inspector shows it, with its new value)
    say(f"{doc.title_of(node_id)}: {key} is {path.name} now")
    return True


def drop_paths(view, paths: list[Path], pos: QPointF, say) -> bool:
    """Images and folders dropped on ``view`` at ``pos`` (scene): one on a node of the kind it would make sets that
    node's field, else nodes are made of them. Whether anything was taken; ``say``s what was not and why."""
    scene = view.scene()
    on = scene.node_at(pos)
    if len(paths) == 1 and on is not None and set_on_node(scene, paths[0], on.node_id, say):
        return True
    return bool(add_for_paths(view, paths, pos, say))


def add_for_paths(view, paths: list[Path], pos: QPointF, say) -> list[str]:
    """Nodes for the images and folders among ``paths``, the first with its corner at ``pos`` (scene), the others
    under it, each nudged to the nearest free spot where it would cover a node; one undo step. Returns their ids;
    ``say``s what was left out and why."""
    scene = view.scene()
    doc = scene.doc
    if doc.read_only:
        say("This version is read-only: nothing added")
        return []
    nodes, skipped, taken = [], [], set(doc.nodes)
    y = pos.y()
    for path in paths:
        found = node_for(path)
        cls = doc.registry.get(found[0]) if found else None
        if cls is None:
            skipped.append(path)
            continue
        nid = new_id(f"{cls.type}_", taken)
        taken.add(nid)
        config = {**cls.starter_config(nid), found[1]: str(path)}
        nodes.append(Node(id=nid, type=cls.type, config=config, position=(round(pos.x()), round(y))))
        y += HEADER + ROW * max(len(cls.inputs), len(cls.outputs), 1) + 8 + GAP
    if skipped:
        say(left_out(skipped))
    if not nodes:
        return []
    title = doc.registry.get(nodes[0].type).display_title()
    add = AddItems(doc, nodes, [], f"Add {title}" if len(nodes) == 1 else f"Add {len(nodes)} nodes")
    scene.undo_stack.beginMacro(add.text())
    scene.undo_stack.push(add)
    place_new(view, [n.id for n in nodes])
    scene.undo_stack.endMacro()
    scene.clearSelection()
    for node in nodes:
        scene.node_items[node.id].setSelected(True)
    return [n.id for n in nodes]
