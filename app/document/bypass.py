"""Bypass from the editor (SPEC §2): switching nodes off for runs and on again, as undoable UpdateNodes — several
nodes at once are one undo step. Ctrl+B and the node's menu toggle the selection (:func:`toggle_bypass`); the
inspector's checkbox sets one node (:func:`set_bypass`). A loop's foreach and collect are never bypassed (the
engine's validation refuses them too): the user is told why."""

from __future__ import annotations

from typing import Callable, Iterable

from .commands import UpdateNode
from .model import EditorDocument

__all__ = ["LOOP_ENDS", "refusal", "set_bypass", "toggle_bypass"]

LOOP_ENDS = ("foreach", "collect")


def refusal(doc: EditorDocument, node_id: str) -> str | None:
    """Why the node cannot be bypassed, or None when it can."""
    cls = doc.block(node_id)
    if cls is not None and cls.role in LOOP_ENDS:
        return f"A loop's {cls.role} cannot be bypassed: bypass the nodes of its body instead"
    return None


def set_bypass(doc: EditorDocument, stack, node_ids: Iterable[str], on: bool) -> list[str]:
    """Bypass (``on``) or un-bypass the nodes, in one undo step; returns the ids that changed."""
    ids = [n for n in node_ids if n in doc.nodes and doc.nodes[n].bypass != on]
    word = "Bypass" if on else "Un-bypass"
    if len(ids) == 1:
        stack.push(UpdateNode(doc, ids[0], f"{word} {doc.title_of(ids[0])}", bypass=on))
    elif ids:
        stack.beginMacro(f"{word} {len(ids)} nodes")
        for nid in ids:
            stack.push(UpdateNode(doc, nid, f"{word} {doc.title_of(nid)}", bypass=on))
        stack.endMacro()
    return ids


def toggle_bypass(doc: EditorDocument, stack, node_ids: Iterable[str], say: Callable[[str], None]) -> bool | None:
    """Ctrl+B on the selection: all bypassed → all on again, else all bypassed. Returns the new state, or None when
    nothing could change (and ``say`` told why)."""
    ids = [n for n in node_ids if n in doc.nodes]
    if doc.read_only:
        say("This version is read-only: nothing bypassed")
        return None
    if not ids:
        say("Select the nodes to bypass first: Ctrl+B switches them off for runs, and on again")
        return None
    refused = {n: why for n in ids if (why := refusal(doc, n)) is not None}
    if refused:
        say(next(iter(refused.values())) + f" ({', '.join(doc.title_of(n) for n in refused)})")
    ids = [n for n in ids if n not in refused]
    if not ids:
        return None
    on = not all(doc.nodes[n].bypass for n in ids)
    set_bypass(doc, stack, ids, on)
    return on
