"""The executable plan: a validated workflow compiled once into flat structures the scheduler walks.

The graph is cut into *levels*, one per loop scope. A level holds *units*: a plain node, or a whole loop (a
``foreach``, its body — a child level — and the ``collect`` nodes that close it). Inside a level, finishing a
node pushes each output value straight into the input slots of the units that consume it (``consumers``) and
counts down their ``pending`` edges; values from outside the level are copied in at its start (``prefill``).
A loop unit's slots are keyed by ``(source, port)``: each iteration receives them as its outer values, plus the
foreach's ``item`` and ``index``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..blocks.base import ERROR_PORT, Block, BlockConfig
from ..blocks.registry import BlockRegistry
from .bodies import home_scope
from ..model import Node, NodeSettings, Workflow, canonical_json
from ..types import can_feed
from .analysis import Analysis, NodeExprs
from .checks import check
from .digraph import lexicographical_topological_sort

__all__ = ["NodePlan", "Level", "Plan", "compile_plan", "carried_inputs", "SINK"]

SINK = "\x00sink"  # consumer unit id meaning "the collect of this loop", keyed by the collect's id


@dataclass(slots=True, eq=False)
class NodePlan:
    id: str
    cls: type[Block]
    block: Block
    config: BlockConfig
    settings: NodeSettings
    scope: tuple[str, ...]
    inputs: dict[str, tuple[str, str]]          # target port → (source node, source port)
    required: frozenset[str]                     # connected ports whose missing value skips the node
    config_ports: frozenset[str]                 # connected ports that override a config field
    pinned: dict[str, Any] | None
    fast: bool                                   # inline-safe block with no retry and no timeout
    is_loop: bool = False                        # a foreach: the unit is the whole loop
    config_json: str = ""                        # canonical config, for cache keys
    collects: list[str] = field(default_factory=list)   # for a foreach: the collects that close it
    child: "Level | None" = None                          # for a foreach: its body
    exprs: NodeExprs | None = None                        # config fields holding expressions (SPEC §5a)
    raw_config: dict | None = None                        # the config as written, when it has expressions
    bypass: tuple[tuple[str, str | None], ...] | None = None  # bypassed: (output, the input it carries or None)


@dataclass(slots=True, eq=False)
class Level:
    scope: tuple[str, ...]
    units: list[str] = field(default_factory=list)                # topological order; loop units by foreach id
    pending: dict[str, int] = field(default_factory=dict)
    consumers: dict[str, list[tuple[str, str, Any]]] = field(default_factory=dict)  # node → (port, unit, key)
    prefill: list[tuple[str, Any, tuple[str, str]]] = field(default_factory=list)   # (unit, key, source key)
    sink_prefill: list[tuple[str, tuple[str, str]]] = field(default_factory=list)   # (collect, source key)


@dataclass(slots=True, eq=False)
class Plan:
    workflow: Workflow
    nodes: dict[str, NodePlan]
    root: Level
    inputs: dict[str, str]        # workflow input name → node id
    outputs: dict[str, str]       # workflow output name → node id
    topo: list[str]


def _unit_at(np: NodePlan, level: tuple[str, ...]) -> str | None:
    """The unit of ``level`` that contains node ``np``, or None when the node is not under that level."""
    home = home_scope(np.cls.role, np.scope)
    if home[: len(level)] != level:
        return None
    if len(home) > len(level):
        return home[len(level)]
    if np.cls.role == "collect":
        return np.scope[-1]
    return np.id


def _build_level(scope: tuple[str, ...], plan_nodes: dict[str, NodePlan], topo: list[str],
                 edges: list[tuple[str, str, str, str]]) -> Level:
    lvl = Level(scope)
    for nid in topo:
        np = plan_nodes[nid]
        if _unit_at(np, scope) == nid:
            lvl.units.append(nid)
            lvl.pending[nid] = 0
            if np.cls.role == "foreach":
                np.child = _build_level(scope + (nid,), plan_nodes, topo, edges)
    seen: set[tuple[str, Any]] = set()
    for src, sp, tgt, tp in edges:
        s_np, t_np = plan_nodes[src], plan_nodes[tgt]
        t_unit = _unit_at(t_np, scope)
        s_unit = _unit_at(s_np, scope)
        if scope and t_np.cls.role == "collect" and t_np.scope == scope:
            # the edge into a collect that closes this level's loop: the iteration's result
            if s_unit is not None:
                lvl.consumers.setdefault(src, []).append((sp, SINK, tgt))
            else:
                lvl.sink_prefill.append((tgt, (src, sp)))
            continue
        if t_unit is None or t_unit == s_unit:
            continue  # not this level's edge, or internal to a loop unit (its child level handles it)
        loop_unit = plan_nodes[t_unit].cls.role == "foreach"
        key: Any = (src, sp) if loop_unit else tp
        if (t_unit, key) in seen:
            continue
        seen.add((t_unit, key))
        if s_unit is None:
            lvl.prefill.append((t_unit, key, (src, sp)))
        else:
            lvl.consumers.setdefault(src, []).append((sp, t_unit, key))
            lvl.pending[t_unit] += 1
    return lvl


def _keyed(cls, config: dict) -> dict:
    """The config as the cache key holds it: without the fields the block's cache salt stands for."""
    left_out = getattr(cls, "cache_stands_for", ())
    return {k: v for k, v in config.items() if k not in left_out} if left_out else config


def compile_plan(wf: Workflow, registry: BlockRegistry | None = None, analysis: Analysis | None = None) -> Plan:
    """Validate ``wf`` (raising :class:`~engine.errors.WorkflowInvalid`) and compile it for the executor."""
    a = analysis or check(wf, registry)
    topo = list(lexicographical_topological_sort(a.graph, key=_order_key(wf)))
    nodes: dict[str, NodePlan] = {}
    for node in wf.nodes:
        cls = a.blocks[node.id]
        cfg = a.configs[node.id]
        incoming = {port: (e.source, e.source_port) for port, e in a.incoming[node.id].items()}
        for port, e in a.refs.get(node.id, {}).items():  # reference edges: hidden, optional ports
            incoming[port] = (e.source, e.source_port)
        ports = a.in_ports[node.id]
        s = node.settings
        nodes[node.id] = NodePlan(
            id=node.id, cls=cls, block=cls(), config=cfg, settings=s, scope=a.scopes[node.id],
            inputs=incoming,
            required=frozenset(p for p in incoming if ports[p].required),
            config_ports=frozenset(p for p in incoming if p in cls.overriding_inputs()),
            pinned=node.pinned,
            fast=cls.inline and s.timeout_s is None and (s.retry is None or s.retry.max_attempts == 1),
            is_loop=cls.role == "foreach",
            config_json=canonical_json(_keyed(cls, node.config if node.id in a.exprs else cfg.model_dump(mode="json"))),
            exprs=a.exprs.get(node.id), raw_config=node.config if node.id in a.exprs else None,
            bypass=carried_inputs(a, node) if node.bypass else None,
        )
    for np in nodes.values():
        if np.cls.role == "collect":
            nodes[np.scope[-1]].collects.append(np.id)
    edges = [(e.source, e.source_port, e.target, e.target_port)
             for nid in topo for e in (*a.incoming[nid].values(), *a.refs.get(nid, {}).values())]
    root = _build_level((), nodes, topo, edges)
    by_role = lambda t: {a.configs[n.id].name: n.id for n in wf.nodes if a.blocks[n.id].type == t}  # noqa: E731
    return Plan(workflow=wf, nodes=nodes, root=root, inputs=by_role("input"), outputs=by_role("output"), topo=topo)


def carried_inputs(a: Analysis, node: Node) -> tuple[tuple[str, str | None], ...]:
    """What each output of a bypassed node carries (SPEC §2): its first linked input, in port order, whose type
    can feed the output's; None when no linked input fits (the output has no value)."""
    linked = [p for p in a.in_ports[node.id].values() if p.name in a.incoming[node.id]]
    return tuple((out.name, next((p.name for p in linked if can_feed(p.type, out.type)), None))
                 for out in a.out_ports[node.id].values() if out.name != ERROR_PORT)


def _order_key(wf: Workflow):
    index = {n.id: i for i, n in enumerate(wf.nodes)}
    return lambda nid: f"{index[nid]:09d}"
