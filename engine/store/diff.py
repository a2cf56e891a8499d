"""The difference between two workflow documents, as typed data the GUI can draw.

Nodes are matched by id. A node is *changed* when what it computes changed (type, config, settings, pins, bypass) and
*moved* when its position changed and *renamed* when its label did (both layout only). Links are matched by their endpoints (source,
source_port, target, target_port), never by their ids: an edge id reused for another link is the old link
removed plus the new one added, each carried with its own endpoints, and a link whose id changed on the same
endpoints is no change. Annotations (groups and notes) are layout too: the diff says which were added, removed
or changed, matched by id, and they never count as a change of what runs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ..model import Edge, Node, Workflow

__all__ = ["ConfigChange", "Link", "NodeChange", "Renamed", "WorkflowDiff", "diff_workflows"]

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
    bypass: tuple[bool, bool] | None = None


@dataclass(frozen=True)
class Renamed:
    """A node whose label changed (layout: it computes the same)."""

    node_id: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Link:
    """A link added or removed, as it was in the version that has it: its id there and its endpoints."""

    id: str
    source: str
    source_port: str
    target: str
    target_port: str

    @classmethod
    def of(cls, e: Edge) -> "Link":
        return cls(e.id, e.source, e.source_port, e.target, e.target_port)

    @property
    def ends(self) -> tuple[str, str, str, str]:
        return self.source, self.source_port, self.target, self.target_port


def _count(n: int, what: str, verb: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''} {verb}"


@dataclass(frozen=True)
class WorkflowDiff:
    nodes_added: tuple[str, ...] = ()
    nodes_removed: tuple[str, ...] = ()
    nodes_changed: tuple[NodeChange, ...] = ()
    nodes_moved: tuple[str, ...] = ()
    nodes_renamed: tuple[Renamed, ...] = ()
    edges_added: tuple[Link, ...] = ()
    edges_removed: tuple[Link, ...] = ()
    annotations_added: tuple[str, ...] = ()    # layout: groups and notes, by id
    annotations_removed: tuple[str, ...] = ()
    annotations_changed: tuple[str, ...] = ()
    properties: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name, description, tags, …

    @property
    def empty(self) -> bool:
        return not any((self.nodes_added, self.nodes_removed, self.nodes_changed, self.nodes_moved,
                        self.nodes_renamed, self.edges_added, self.edges_removed, self.annotations_added,
                        self.annotations_removed, self.annotations_changed, self.properties))

    def summary(self) -> str:
        """One line: "2 nodes changed, 1 link removed", or "no change"."""
        parts = [_count(len(items), what, verb) for items, what, verb in (
            (self.nodes_added, "node", "added"), (self.nodes_removed, "node", "removed"),
            (self.nodes_changed, "node", "changed"), (self.nodes_moved, "node", "moved"),
            (self.nodes_renamed, "node", "renamed"),
            (self.edges_added, "link", "added"), (self.edges_removed, "link", "removed"),
            (self.annotations_added, "annotation", "added"), (self.annotations_removed, "annotation", "removed"),
            (self.annotations_changed, "annotation", "changed")) if items]
        if self.properties:
            parts.append(", ".join(self.properties) + " changed")
        return ", ".join(parts) or "no change"

    def to_json(self) -> dict:
        return asdict(self)

    def report(self, workflow_id: str, a: int, b: int) -> dict:
        """The one JSON answer of a comparison, for ``nodeloom diff --json`` and the HTTP compare alike."""
        return {"workflow_id": workflow_id, "a": a, "b": b, "summary": self.summary(), **self.to_json()}


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
        bypass=(a.bypass, b.bypass) if a.bypass != b.bypass else None,
    )
    return change if (change.config or change.type or change.settings or change.pinned is not None
                      or change.bypass) else None


def _links_only_in(edges: list[Edge], other: list[Edge]) -> tuple[Link, ...]:
    """The links of ``edges`` whose endpoints ``other`` has not (counted, should a document join two ports
    twice), in document order."""
    left = Counter(Link.of(e).ends for e in other)
    out = []
    for e in edges:
        link = Link.of(e)
        if left[link.ends]:
            left[link.ends] -= 1
        else:
            out.append(link)
    return tuple(out)


def diff_workflows(a: Workflow, b: Workflow) -> WorkflowDiff:
    na, nb = {n.id: n for n in a.nodes}, {n.id: n for n in b.nodes}
    changed, moved, renamed = [], [], []
    for nid in (n for n in nb if n in na):
        change = _node_change(na[nid], nb[nid])
        if change:
            changed.append(change)
        if tuple(na[nid].position) != tuple(nb[nid].position):
            moved.append(nid)
        if na[nid].label != nb[nid].label:
            renamed.append(Renamed(nid, na[nid].label, nb[nid].label))
    aa, ab = {x.id: x for x in a.annotations}, {x.id: x for x in b.annotations}
    props = {k: (getattr(a, k), getattr(b, k)) for k in ("name", "description", "tags", "max_concurrency")
             if getattr(a, k) != getattr(b, k)}
    return WorkflowDiff(
        nodes_added=tuple(n for n in nb if n not in na),
        nodes_removed=tuple(n for n in na if n not in nb),
        nodes_changed=tuple(changed),
        nodes_moved=tuple(moved),
        nodes_renamed=tuple(renamed),
        edges_added=_links_only_in(b.edges, a.edges),
        edges_removed=_links_only_in(a.edges, b.edges),
        annotations_added=tuple(x for x in ab if x not in aa),
        annotations_removed=tuple(x for x in aa if x not in ab),
        annotations_changed=tuple(x for x in ab if x in aa and ab[x] != aa[x]),
        properties=props,
    )
