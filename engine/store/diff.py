"""The difference between two workflow documents, as typed data the GUI can draw.

Nodes are matched by id and edges by id. A node is *changed* when what it computes changed (type, config,
settings, pins) and *moved* when only its layout changed (position, label). An edge whose endpoints changed
under the same id counts as removed and added.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..model import Edge, Node, Workflow

__all__ = ["ConfigChange", "NodeChange", "WorkflowDiff", "diff_workflows"]

_MISSING = "<missing>"


@dataclass(frozen=True)
class ConfigChange:
    key: str
    old: Any
    new: Any


@dataclass(frozen=True)
class NodeChange:
    node_id: str
    config: tuple[ConfigChange, ...] = ()
    type: tuple[str, str] | None = None
    settings: tuple[dict, dict] | None = None
    pinned: tuple[Any, Any] | None = None


@dataclass(frozen=True)
class WorkflowDiff:
    nodes_added: tuple[str, ...] = ()
    nodes_removed: tuple[str, ...] = ()
    nodes_changed: tuple[NodeChange, ...] = ()
    nodes_moved: tuple[str, ...] = ()
    edges_added: tuple[str, ...] = ()
    edges_removed: tuple[str, ...] = ()
    properties: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name, description, tags, …

    @property
    def empty(self) -> bool:
        return not any((self.nodes_added, self.nodes_removed, self.nodes_changed, self.nodes_moved,
                        self.edges_added, self.edges_removed, self.properties))

    def to_json(self) -> dict:
        return asdict(self)


def _config_changes(old: dict, new: dict) -> tuple[ConfigChange, ...]:
    keys = sorted(set(old) | set(new))
    return tuple(ConfigChange(k, old.get(k, _MISSING), new.get(k, _MISSING))
                 for k in keys if old.get(k, _MISSING) != new.get(k, _MISSING))


def _node_change(a: Node, b: Node) -> NodeChange | None:
    sa, sb = a.settings.model_dump(), b.settings.model_dump()
    change = NodeChange(
        node_id=a.id,
        config=_config_changes(a.config, b.config),
        type=(a.type, b.type) if a.type != b.type else None,
        settings=(sa, sb) if sa != sb else None,
        pinned=(a.pinned, b.pinned) if a.pinned != b.pinned else None,
    )
    return change if (change.config or change.type or change.settings or change.pinned is not None) else None


def _ends(e: Edge) -> tuple:
    return e.source, e.source_port, e.target, e.target_port


def diff_workflows(a: Workflow, b: Workflow) -> WorkflowDiff:
    na, nb = {n.id: n for n in a.nodes}, {n.id: n for n in b.nodes}
    ea, eb = {e.id: e for e in a.edges}, {e.id: e for e in b.edges}
    changed, moved = [], []
    for nid in (n for n in nb if n in na):
        change = _node_change(na[nid], nb[nid])
        if change:
            changed.append(change)
        if tuple(na[nid].position) != tuple(nb[nid].position) or na[nid].label != nb[nid].label:
            moved.append(nid)
    edges_removed = [i for i in ea if i not in eb or _ends(ea[i]) != _ends(eb[i])]
    edges_added = [i for i in eb if i not in ea or _ends(ea[i]) != _ends(eb[i])]
    props = {k: (getattr(a, k), getattr(b, k)) for k in ("name", "description", "tags", "max_concurrency")
             if getattr(a, k) != getattr(b, k)}
    return WorkflowDiff(
        nodes_added=tuple(n for n in nb if n not in na),
        nodes_removed=tuple(n for n in na if n not in nb),
        nodes_changed=tuple(changed),
        nodes_moved=tuple(moved),
        edges_added=tuple(edges_added),
        edges_removed=tuple(edges_removed),
        properties=props,
    )
