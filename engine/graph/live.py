"""What a live preview run runs (issue 27): the part of a workflow that may run as the user edits.

A node whose block acts on the world (``Block.acts_on_world``, asked through ``Block.live_safe`` with the node's
config: an Image Save, an HTTP POST, a python block unless the user lets code run live, a sub-workflow) is *held*,
and so is everything that depends on it (by links and by config references): live preview leaves them out, and
they run on a real run as ever. A held node inside a ForEach body holds its whole loop (a body cannot lose its
collect). A bypassed node does not run, nor a pinned one when pins are used: neither is held for itself.

With ``targets`` (the selected node, say), only what they need runs: their upstream closure, whole loops kept
whole. Reads only the document and the block classes: nothing runs, nothing is stored.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from .digraph import ancestors, descendants

from ..blocks.registry import BlockRegistry
from ..model import Workflow
from .checks import analyze

__all__ = ["LivePart", "live_part", "needed_for"]


class LivePart(NamedTuple):
    workflow: Workflow          # what runs live: the workflow without its held nodes (and, with targets, its rest)
    held: dict[str, str]        # held node → the node that acts on the world it depends on (itself, for that one)


def live_part(wf: Workflow, registry: BlockRegistry | None = None, *, targets: Iterable[str] | None = None,
              user_code: bool = False, use_pins: bool = True) -> LivePart:
    """The workflow live preview runs for ``wf`` (with ``targets``: for those nodes only) and the nodes it holds.
    ``user_code``: the user lets python blocks run live."""
    a, _issues = analyze(wf, registry)  # (an invalid workflow is reported by the run that compiles what is left)
    graph = a.graph
    scopes = a.scopes
    held: dict[str, str] = {}
    for node in wf.nodes:
        cls = a.blocks.get(node.id)
        if cls is None or node.bypass or (use_pins and node.pinned is not None):
            continue
        if not cls.live_safe(node.config, user_code=user_code):
            root = scopes.get(node.id, ())[:1]  # a node in a loop body holds the loop from its foreach on
            for nid in (node.id, *root):
                for below in {nid} | (descendants(graph, nid) if nid in graph else set()):
                    held.setdefault(below, node.id)
    keep = {n.id for n in wf.nodes} - set(held)
    if targets is not None:
        keep &= _closure(graph, scopes, {t for t in targets if t in keep})
    if keep == {n.id for n in wf.nodes}:
        return LivePart(wf, held)
    part = wf.model_copy(update={"nodes": [n for n in wf.nodes if n.id in keep],
                                 "edges": [e for e in wf.edges if e.source in keep and e.target in keep],
                                 "annotations": []})
    return LivePart(part, held)


def needed_for(wf: Workflow, targets: Iterable[str], registry: BlockRegistry | None = None) -> set[str]:
    """The nodes that run when only ``targets`` are wanted ("run this node"): the targets and what they depend on
    (links and field references), a loop whole — a node of a loop body brings its foreach, the body and the
    collects (a loop does not run without them), and what those depend on."""
    a, _issues = analyze(wf, registry)
    return _closure(a.graph, a.scopes, set(targets))


def _closure(graph, scopes: dict, wanted: set[str]) -> set[str]:
    closure: set[str] = set()
    while wanted - closure:
        closure |= wanted
        for nid in list(wanted):
            if nid in graph:
                closure |= ancestors(graph, nid)
        # a loop runs whole: its body and its collects come along with its foreach
        wanted = closure | {n for n, scope in scopes.items() if closure.intersection(scope)}
    return closure
