"""The workflow being edited: plain engine data behind Qt signals.

Only undo commands (app.commands) change a :class:`EditorDocument`; the scene and the panels follow its
signals. Connection checks use the engine's own rules (port types, one edge per input, no cycles), so what the
editor refuses is exactly what validation would refuse.
"""

from __future__ import annotations

import copy
from collections import Counter
import uuid
from typing import Any

import networkx as nx
from PySide6.QtCore import QObject, Signal

from engine.blocks import default_registry
from engine.blocks.base import ERROR_PORT
from engine.model import Annotation, Edge, Node, Workflow
from engine.graph import needed_for
from engine.types import can_feed

__all__ = ["EditorDocument", "new_id"]

_STATIC_PORTS: dict = {}
_NAMED = ("input", "output")  # blocks whose config ``name`` names the node


def new_id(prefix: str, taken) -> str:
    i = 1
    while f"{prefix}{i}" in taken:
        i += 1
    return f"{prefix}{i}" if prefix else uuid.uuid4().hex[:8]


class EditorDocument(QObject):
    nodeAdded = Signal(str)
    nodeRemoved = Signal(str)
    nodeChanged = Signal(str)   # config, settings, label, pins or bypass
    nodeEdited = Signal(str)    # config, settings or bypass: what the node computes (its last outputs are stale)
    nodeMoved = Signal(str)
    edgeAdded = Signal(str)
    edgeRemoving = Signal(str)  # still in ``edges`` while this is emitted
    edgeRemoved = Signal(str)
    propertiesChanged = Signal()
    annotationAdded = Signal(str)    # a group or a note (layout only)
    annotationRemoved = Signal(str)
    annotationChanged = Signal(str)  # moved, resized, retitled, its text, colour or nodes

    def __init__(self, workflow: Workflow | None = None, *, workflow_id: str | None = None,
                 version: int | None = None, read_only: bool = False, registry=None):
        super().__init__()
        wf = workflow or Workflow(name="Untitled")
        self.registry = registry or default_registry()
        self.workflow_id = workflow_id
        self.version = version
        self.read_only = read_only
        self.props: dict[str, Any] = {k: copy.deepcopy(getattr(wf, k)) for k in
                                     ("name", "description", "tags", "max_concurrency", "meta")}
        # the document owns what it is given: callers pass a freshly loaded or copied workflow
        self.nodes: dict[str, Node] = {n.id: n for n in wf.nodes}
        self.edges: dict[str, Edge] = {e.id: e for e in wf.edges}
        self.annotations: dict[str, Annotation] = {a.id: a for a in wf.annotations}
        self._configs: dict[str, Any] = {}  # validated config per node, dropped when the node changes
        self._titles: Counter | None = None  # how many nodes go by each title (worked out when asked)
        self._block_titles: dict[str, str] = {}  # block type → its title, as the registry gives it

    # -- reading ------------------------------------------------------------------------------------------

    def workflow(self) -> Workflow:
        return Workflow.model_validate({**copy.deepcopy(self.props),
                                        "nodes": [n.model_dump() for n in self.nodes.values()],
                                        "edges": [e.model_dump() for e in self.edges.values()],
                                        "annotations": [a.model_dump() for a in self.annotations.values()]})

    @property
    def name(self) -> str:
        return self.props["name"]

    def block(self, node_id: str):
        return self.registry.get(self.nodes[node_id].type)

    def title_of(self, node_id: str) -> str:
        """What the editor calls a node (its header on the canvas, the run log, the preview): its label; else an
        input or output by its name ("Input: photo"); else its block's title ("Image Blur"); its id when its
        block is unknown."""
        node = self.nodes[node_id]
        if node.label:
            return node.label
        if node.type not in _NAMED:  # (the common case, quick: a large graph names every node as it opens)
            title = self._block_titles.get(node.type)
            if title is None:
                cls = self.registry.get(node.type)
                if cls is None:
                    return node_id
                title = self._block_titles[node.type] = cls.display_title()
            return title
        return self.default_title(node_id)

    def title_shared(self, node_id: str) -> bool:
        """Whether another node goes by the same title (two unlabelled Transforms): then the log names its id."""
        if self._titles is None:
            self._titles = Counter(self.title_of(n) for n in self.nodes)
        return self._titles[self.title_of(node_id)] > 1

    def default_title(self, node_id: str) -> str:
        """What the editor calls a node that has no label (see :meth:`title_of`)."""
        node = self.nodes[node_id]
        cls = self.registry.get(node.type)
        if cls is None:
            return node_id
        title = cls.display_title()
        name = node.config.get("name") if node.type in _NAMED else None
        return f"{title}: {name}" if isinstance(name, str) and name else title

    def config_model(self, node_id: str):
        if node_id in self._configs:
            return self._configs[node_id]
        cls = self.block(node_id)
        try:
            model = cls.Config.model_validate(self.nodes[node_id].config) if cls else None
        except Exception:  # noqa: BLE001 - an invalid config still shows; the inspector marks the field
            model = None
        self._configs[node_id] = model
        return model

    @staticmethod
    def _static(cls, direction: str):
        """The block's ports in that direction when every node of it has the same (a shared list: do not change
        it), else False (they follow the node's config). Worked out once per class."""
        key = (cls, direction)
        ports = _STATIC_PORTS.get(key)
        if ports is None:
            from engine.blocks import Block

            method = "input_ports" if direction == "in" else "output_ports"
            static = getattr(cls, method).__func__ is getattr(Block, method).__func__
            ports = _STATIC_PORTS[key] = list(getattr(cls, method)(None)) if static else False
        return ports

    def _ports(self, cls, node_id: str, direction: str) -> list:
        ports = self._static(cls, direction)
        if ports is False:
            method = "input_ports" if direction == "in" else "output_ports"
            return list(getattr(cls, method)(self.config_model(node_id)))
        return ports

    def static_ports(self, cls) -> bool:
        """Whether the block's ports are the same for every node of it (not worked out from its config)."""
        return self._static(cls, "in") is not False and self._static(cls, "out") is not False

    def inputs(self, node_id: str, connected: set[str] | None = None) -> list:
        """Input ports; a block with dynamic inputs also lists those its links use (``connected``, when the
        caller already knows them, saves a scan of every edge)."""
        cls = self.block(node_id)
        if cls is None:
            return []
        ports = self._ports(cls, node_id, "in")
        if cls.dynamic_inputs:
            ports = list(ports)
            from engine.blocks import Port

            if connected is None:
                connected = {e.target_port for e in self.edges.values() if e.target == node_id}
            extra = sorted(connected - {p.name for p in ports})
            ports += [Port(name, "any", False) for name in extra]
        return ports

    def outputs(self, node_id: str, error_linked: bool | None = None) -> list:
        """Output ports. The ``error`` port every node has is shown only when it is used: the node's
        ``on_error`` is ``continue``, or a link leaves it (``error_linked``, when the caller knows)."""
        cls = self.block(node_id)
        if cls is None:
            return []
        ports = self._ports(cls, node_id, "out")
        if self.nodes[node_id].settings.on_error == "continue":
            return ports
        if error_linked is None:
            error_linked = any(e.source == node_id and e.source_port == ERROR_PORT for e in self.edges.values())
        return ports if error_linked else [p for p in ports if p.name != ERROR_PORT]

    def dependency_graph(self, refs=()):
        """Nodes and what depends on what: the links and ``refs``, references as (source, port, target) — the
        canvas keeps them (its ``ref_items``)."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from((e.source, e.target) for e in self.edges.values())
        graph.add_edges_from((source, target) for source, _port, target in refs)
        return graph

    def upstream_workflow(self, node_id: str) -> Workflow:
        """The node and everything it depends on, as a workflow of its own (what "run this node" runs); a node of a
        loop body runs with its whole loop (its foreach, the body and its collects)."""
        wf = self.workflow()
        keep = needed_for(wf, [node_id], self.registry)
        return wf.model_copy(update={"nodes": [n for n in wf.nodes if n.id in keep],
                                     "edges": [e for e in wf.edges if e.source in keep and e.target in keep]})

    def edges_of(self, node_id: str) -> list[str]:
        return [i for i, e in self.edges.items() if node_id in (e.source, e.target)]

    def link_into(self, target: str, target_port: str) -> str | None:
        """The id of the link that feeds this input, if one does."""
        return next((i for i, e in self.edges.items() if e.target == target and e.target_port == target_port), None)

    def check_connection(self, source: str, source_port: str, target: str, target_port: str, *,
                         replacing: bool = False) -> str | None:
        """Why this link cannot be made, or None when it can (``replacing``: the input's present link, if any,
        would be removed first)."""
        if source == target:
            return "a node cannot feed itself"
        out = {p.name: p for p in self.outputs(source)}.get(source_port)
        inp = {p.name: p for p in self.inputs(target)}.get(target_port)
        if out is None or inp is None:
            return f"no such port ({source}.{source_port} → {target}.{target_port})"
        if not can_feed(out.type, inp.type):
            return f"type mismatch: {out.type} cannot feed {inp.type}"
        if not replacing and self.link_into(target, target_port) is not None:
            return f"input {target}.{target_port} is already connected"
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from((e.source, e.target) for e in self.edges.values())
        if nx.has_path(graph, target, source):
            return f"this link would make a cycle ({target} already leads to {source})"
        return None

    # -- changing (for undo commands only) --------------------------------------------------------------------

    def add_node(self, node: Node) -> None:
        self._titles = None
        self.nodes[node.id] = node
        self.nodeAdded.emit(node.id)

    def remove_node(self, node_id: str) -> Node:
        self._configs.pop(node_id, None)
        self._titles = None
        node = self.nodes.pop(node_id)
        self.nodeRemoved.emit(node_id)
        return node

    def move_node(self, node_id: str, position: tuple[float, float]) -> None:
        self.nodes[node_id].position = (float(position[0]), float(position[1]))
        self.nodeMoved.emit(node_id)

    def update_node(self, node_id: str, **fields: Any) -> None:
        """Set config, settings, label, pinned or bypass (whole values)."""
        node = self.nodes[node_id]
        for key, value in fields.items():
            setattr(node, key, copy.deepcopy(value))
        self._configs.pop(node_id, None)
        self._titles = None
        self.nodeChanged.emit(node_id)
        if "config" in fields or "settings" in fields or "bypass" in fields:
            self.nodeEdited.emit(node_id)

    def add_edge(self, edge: Edge) -> None:
        self.edges[edge.id] = edge
        self.edgeAdded.emit(edge.id)

    def remove_edge(self, edge_id: str) -> Edge:
        self.edgeRemoving.emit(edge_id)
        edge = self.edges.pop(edge_id)
        self.edgeRemoved.emit(edge_id)
        return edge

    def add_annotation(self, annotation: Annotation) -> None:
        self.annotations[annotation.id] = annotation
        self.annotationAdded.emit(annotation.id)

    def remove_annotation(self, annotation_id: str) -> Annotation:
        annotation = self.annotations.pop(annotation_id)
        self.annotationRemoved.emit(annotation_id)
        return annotation

    def update_annotation(self, annotation_id: str, **fields: Any) -> None:
        """Set position, size, title, text, color or nodes (whole values)."""
        annotation = self.annotations[annotation_id]
        for key, value in fields.items():
            setattr(annotation, key, copy.deepcopy(value))
        self.annotationChanged.emit(annotation_id)

    def groups_of(self, node_ids) -> list[str]:
        """The groups that frame any of these nodes."""
        ids = set(node_ids)
        return [a.id for a in self.annotations.values() if a.kind == "group" and ids.intersection(a.nodes)]

    def set_properties(self, **props: Any) -> None:
        self.props.update(copy.deepcopy(props))
        self.propertiesChanged.emit()
