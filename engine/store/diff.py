"""The difference between two workflow documents, as typed data the GUI can draw.

Nodes are matched by id. A node is *changed* when what it computes changed (type, config, settings, pins, bypass) and
*moved* when its position changed and *renamed* when its label did (both layout only). Links are matched by their endpoints (source,
source_port, target, target_port), never by their ids: an edge id reused for another link is the old link
removed plus the new one added, each carried with its own endpoints, and a link whose id changed on the same
endpoints is no change. Annotations (groups and notes) are layout too: the diff says which were added, removed
or changed (and what changed in each: title, colour, text, nodes, moved, resized), matched by id, and they never
count as a change of what runs — the summary says them after "layout:", with moved and renamed nodes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping

from ..model import Annotation, Edge, Node, Workflow

__all__ = ["AnnotationChange", "ConfigChange", "Link", "NodeChange", "Renamed", "WorkflowDiff", "diff_workflows",
           "MISSING"]

MISSING = "<missing>"  # a config key one version does not set (in JSON too)


@dataclass(frozen=True)
class ConfigChange:
    key: str
    old: Any
    new: Any

    def said(self, defaults: Mapping[str, Any] | None = None, show: Callable[[Any], str] = repr) -> str:
        """ "radius: 2.0 → 4.0"; a side that does not set the key says the block's default when ``defaults``
        (the node's block's config defaults) has one: "radius: default 2.0 → 4.0", else "not set"."""
        def side(value) -> str:
            if value != MISSING:
                return show(value)
            return f"default {show(defaults[self.key])}" if defaults and self.key in defaults else "not set"
        return f"{self.key}: {side(self.old)} → {side(self.new)}"


#: what an annotation's fields are called when they change, in the order they are said ("moved", not position)
_ANNOTATION_FIELDS = ("title", "color", "text", "nodes", "position", "size", "kind")


@dataclass(frozen=True)
class AnnotationChange:
    """A group or note in both versions whose fields changed (layout): each as key, old, new."""

    id: str
    kind: str
    changes: tuple[ConfigChange, ...]

    def said(self, show: Callable[[Any], str] = repr) -> str:
        """ "title 'Maths' → 'Sums', color #3a6ea5 → #aa0000, nodes +c −b, moved, resized"."""
        parts = []
        for c in self.changes:
            if c.key == "position":
                parts.append("moved")
            elif c.key == "size":
                parts.append("resized")
            elif c.key == "text":
                parts.append("text edited")
            elif c.key == "color":
                parts.append(f"color {c.old or 'none'} → {c.new or 'none'}")
            elif c.key == "nodes":
                framed = [f"+{n}" for n in c.new if n not in c.old] + [f"−{n}" for n in c.old if n not in c.new]
                parts.append("nodes " + " ".join(framed) if framed else "nodes reordered")
            else:
                parts.append(f"{c.key} {show(c.old)} → {show(c.new)}")
        return ", ".join(parts)


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


def _counts(items, *, repeat_nouns: bool = True) -> list[str]:
    """ "1 node added", … for each (items, noun, verb) with items; without ``repeat_nouns`` a noun said just
    before is left out: "1 annotation added, 2 changed"."""
    parts, last = [], None
    for found, what, verb in items:
        if found:
            parts.append(_count(len(found), what, verb) if repeat_nouns or what != last else f"{len(found)} {verb}")
            last = what
    return parts


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
    annotation_changes: tuple[AnnotationChange, ...] = ()  # what changed in each of annotations_changed
    properties: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name, description, tags, …

    @property
    def empty(self) -> bool:
        return not any((self.nodes_added, self.nodes_removed, self.nodes_changed, self.nodes_moved,
                        self.nodes_renamed, self.edges_added, self.edges_removed, self.annotations_added,
                        self.annotations_removed, self.annotations_changed, self.properties))

    def summary(self) -> str:
        """One line: "2 nodes changed, 1 link removed · layout: 1 node moved, 1 annotation added, 1 changed", or
        "no change". What is layout (positions, labels, groups and notes) comes after "layout:"."""
        parts = _counts((
            (self.nodes_added, "node", "added"), (self.nodes_removed, "node", "removed"),
            (self.nodes_changed, "node", "changed"),
            (self.edges_added, "link", "added"), (self.edges_removed, "link", "removed")))
        if self.properties:
            parts.append(", ".join(self.properties) + " changed")
        layout = _counts((
            (self.nodes_moved, "node", "moved"), (self.nodes_renamed, "node", "renamed"),
            (self.annotations_added, "annotation", "added"), (self.annotations_removed, "annotation", "removed"),
            (self.annotations_changed, "annotation", "changed")), repeat_nouns=False)
        said = [", ".join(parts)] if parts else []
        if layout:
            said.append("layout: " + ", ".join(layout))
        return " · ".join(said) or "no change"

    def to_json(self) -> dict:
        return asdict(self)

    def report(self, workflow_id: str, a: int, b: int) -> dict:
        """The one JSON answer of a comparison, for ``nodeloom diff --json`` and the HTTP compare alike."""
        return {"workflow_id": workflow_id, "a": a, "b": b, "summary": self.summary(), **self.to_json()}


def _config_changes(old: dict, new: dict) -> tuple[ConfigChange, ...]:
    keys = sorted(set(old) | set(new))
    return tuple(ConfigChange(k, old.get(k, MISSING), new.get(k, MISSING))
                 for k in keys if old.get(k, MISSING) != new.get(k, MISSING))


def _annotation_change(a: Annotation, b: Annotation) -> AnnotationChange:
    return AnnotationChange(b.id, b.kind, tuple(ConfigChange(k, getattr(a, k), getattr(b, k))
                                                for k in _ANNOTATION_FIELDS if getattr(a, k) != getattr(b, k)))


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
        annotation_changes=tuple(_annotation_change(aa[x], ab[x]) for x in ab if x in aa and ab[x] != aa[x]),
        properties=props,
    )
