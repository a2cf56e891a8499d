"""What validation finds out about a workflow (:func:`engine.graph.analyze`): an :class:`Analysis` — the resolved
block class and validated config of every node, its ports and incoming edges, its loop scope, and the
expressions in its config (:class:`NodeExprs`, see :mod:`engine.graph.refs`).

The checks (:mod:`engine.graph.checks`, :mod:`engine.graph.bodies`, :mod:`engine.graph.refs`) fill it in and the
plan (:mod:`engine.graph.plan`) reads it; it imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .digraph import DiGraph

from ..blocks.base import Block, BlockConfig, Port
from ..expr.fields import FieldTemplate, Ref
from ..model import Edge, Workflow

__all__ = ["Analysis", "NodeExprs", "REF"]


@dataclass
class Analysis:
    workflow: Workflow
    blocks: dict[str, type[Block]] = field(default_factory=dict)
    configs: dict[str, BlockConfig] = field(default_factory=dict)
    in_ports: dict[str, dict[str, Port]] = field(default_factory=dict)
    out_ports: dict[str, dict[str, Port]] = field(default_factory=dict)
    incoming: dict[str, dict[str, Edge]] = field(default_factory=dict)
    scopes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    graph: DiGraph = field(default_factory=DiGraph)
    exprs: dict[str, NodeExprs] = field(default_factory=dict)        # nodes with expressions in their config
    refs: dict[str, dict[str, Edge]] = field(default_factory=dict)   # node → hidden port → reference edge


REF = "$"  # hidden ports' names start with it (no block port can: port names are identifiers)


@dataclass(frozen=True, slots=True)
class NodeExprs:
    fields: tuple[tuple[tuple, FieldTemplate], ...]   # (path in the config, template)
    top: frozenset                                    # the top-level fields holding expressions
    refs: frozenset[Ref]
    text_fields: frozenset[str]                       # top-level fields of type str (numbers become text)
    reads_run_id: bool
    ports: tuple[tuple[str, tuple[str, ...]], ...] = ()  # hidden port → ("nodes", id, port) | ("run", name)
    nested: bool = False                              # an expression inside an object or list field
    roots: frozenset[str] = frozenset()               # what the templates read: in, nodes, run, loop
    #: per field, a template that is one plain reference read straight from its port: (port, keys after it),
    #: ("", keys) for loop.*, or None (rendered with every name in scope)
    direct: tuple = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "nested", any(len(path) > 1 for path, _ in self.fields))
        object.__setattr__(self, "roots", frozenset(r.parts[0] for r in self.refs))
        object.__setattr__(self, "direct", tuple(_direct(t) for _, t in self.fields))


def _direct(t: FieldTemplate) -> tuple | None:
    if not t.whole or type(t.pieces[1]) is not tuple:
        return None
    chain = t.pieces[1]
    if chain[0] == "nodes" and len(chain) >= 3:
        return f"{REF}nodes.{chain[1]}.{chain[2]}", chain[3:]
    if chain[0] == "run" and len(chain) >= 3 and chain[1] == "inputs":
        return f"{REF}run.inputs.{chain[2]}", chain[3:]
    if chain[0] == "in_" and len(chain) >= 2 and type(chain[1]) is str:
        return chain[1], chain[2:]
    if chain[0] == "loop":
        return "", chain[1:]
    return None
