"""Config fields holding expressions (SPEC §5a), at validation time.

A node whose config holds ``{"$expr": …}`` values gets a :class:`~engine.graph.analysis.NodeExprs`: its compiled
templates and what they read. Every ``nodes.<id>.<port>`` (and ``run.inputs.<name>``: the output of that input node)
becomes a *reference edge* into a hidden, optional input port ``$nodes.<id>.<port>`` — so the plan waits for the
value, a dead one reads ``null``, and the cache key includes the value's key, exactly as for a link. Reference edges
count for cycles; for loop scopes they must read from the node's own scope or outside it (only a ``collect`` leaves
a loop body).
"""

from __future__ import annotations

from pydantic import ValidationError

from ..blocks.base import Block, BlockConfig, Port
from ..errors import ExpressionError, Issue
from ..expr.fields import Ref, compile_template, find_exprs
from ..model import Edge
from .analysis import REF, Analysis, NodeExprs
from .bodies import out_scope

__all__ = ["node_exprs", "takes_expressions", "static_config", "add_reference_edges", "check_reference_scopes"]

def _where(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def takes_expressions(cls: type[Block]) -> bool:
    """Whether a block's config fields may hold expressions: not a loop's ends, an input or an output (their
    fields shape the run itself)."""
    return not (cls.role in ("foreach", "collect") or cls.type in ("input", "output"))


def node_exprs(node_id: str, cls: type[Block], config: dict, issues: list[Issue]) -> NodeExprs | None:
    """The node's compiled field templates, or None when it has none (problems go to ``issues``)."""
    found = list(find_exprs(config))
    if not found:
        return None
    if not takes_expressions(cls):
        issues.append(Issue("invalid_expression", f"a {cls.type}'s config cannot hold expressions (its fields "
                            "shape the run itself)", node_id))
        return None
    fields, refs = [], set()
    for path, source in found:
        if path[0] in cls.code_fields:
            issues.append(Issue("invalid_expression", f"config {path[0]!r} is itself code: it cannot hold a $expr "
                                "(a value read into it would run); read other values through the block's inputs",
                                node_id))
            continue
        try:
            t = compile_template(source)
        except ExpressionError as e:
            issues.append(Issue("invalid_expression", f"config {_where(path)!r}: {e}", node_id))
            continue
        fields.append((path, t))
        refs |= t.refs
    text = frozenset(name for name, f in cls.Config.model_fields.items() if f.annotation is str)
    top = frozenset(path[0] for path, _ in found)
    return NodeExprs(tuple(fields), top, frozenset(refs), text, Ref(("run", "id")) in refs)


def static_config(cls: type[Block], config: dict, exprs: NodeExprs | None) -> tuple[BlockConfig | None, list]:
    """The config as far as it is known before a run, and pydantic's errors about it: a field holding an
    expression is checked when it is resolved (its errors here are dropped)."""
    top = exprs.top if exprs is not None else frozenset()
    rest = {k: v for k, v in config.items() if k not in top} if top else config
    unknown = [{"type": "extra_forbidden", "loc": (k,), "msg": "Extra inputs are not permitted"}
               for k in sorted(top, key=str) if k not in cls.Config.model_fields]
    if unknown and cls.Config.model_config.get("extra") == "forbid":
        return None, unknown
    try:
        return cls.Config.model_validate(rest), []
    except ValidationError as e:
        left = [err for err in e.errors() if not err["loc"] or err["loc"][0] not in top]
        if left or not top:
            return None, left
    return cls.Config.model_construct(**{**rest, **{k: config[k] for k in top}}), []


def add_reference_edges(a: Analysis, issues: list[Issue]) -> None:
    """Hidden ports and reference edges for every ``nodes.*`` and ``run.inputs.*`` a template reads; unknown
    nodes, ports, inputs and self-references are reported, naming the node."""
    inputs = {a.configs[n].name: n for n, cls in a.blocks.items() if cls.type == "input" and n in a.configs}
    for node_id, exprs in list(a.exprs.items()):
        ports = []
        for ref in sorted(exprs.refs, key=str):
            kind = ref.parts[0]
            if kind == "nodes":
                _, source, port = ref.parts
                if source not in a.graph:
                    issues.append(Issue("unknown_reference", f"a config expression reads {ref}: there is no node "
                                        f"{source!r}", node_id))
                    continue
                if source == node_id:
                    issues.append(Issue("cycle", f"a config expression reads {ref}: a node cannot read its own "
                                        "output", node_id))
                    continue
                if source in a.out_ports and port not in a.out_ports[source]:
                    issues.append(Issue("unknown_reference", f"a config expression reads {ref}: node {source!r} "
                                        f"has no output {port!r}", node_id))
                    continue
            elif kind == "run" and ref.parts[1] == "inputs":
                name = ref.parts[2]
                if name not in inputs:
                    issues.append(Issue("unknown_reference", f"a config expression reads {ref}: the workflow has "
                                        f"no input named {name!r}", node_id))
                    continue
                source, port = inputs[name], "value"
            elif kind == "in":
                if node_id in a.in_ports and ref.parts[1] not in a.in_ports[node_id]:
                    issues.append(Issue("unknown_reference", f"a config expression reads {ref}: this block has no "
                                        f"input {ref.parts[1]!r}", node_id))
                continue
            else:
                continue
            hidden = f"{REF}{ref}"
            a.in_ports[node_id][hidden] = Port(hidden, "any", False)
            a.refs.setdefault(node_id, {})[hidden] = Edge(id=f"{REF}{node_id}:{ref}"[:200], source=source,
                                                          source_port=port, target=node_id, target_port=hidden)
            a.graph.add_edge(source, node_id)
            ports.append((hidden, ref.parts if kind == "nodes" else ("run", ref.parts[2])))
        a.exprs[node_id] = NodeExprs(exprs.fields, exprs.top, exprs.refs, exprs.text_fields, exprs.reads_run_id,
                                     tuple(ports))


def check_reference_scopes(a: Analysis, issues: list[Issue], cyclic: set[str]) -> None:
    """A reference reads from the node's own loop body or from outside it; ``loop.*`` needs a body."""
    for node_id, edges in a.refs.items():
        if node_id in cyclic or node_id not in a.scopes:
            continue
        mine = a.scopes[node_id]
        for edge in edges.values():
            if edge.source in cyclic or edge.source not in a.scopes:
                continue
            theirs = out_scope(a, a.scopes, edge.source, edge.source_port)
            if mine[: len(theirs)] != theirs:
                issues.append(Issue("loop_escape", f"a config expression reads {edge.target_port[1:]} from inside "
                                    f"the loop of {theirs[-1]!r}; only a collect leaves a loop body", node_id))
    for node_id, exprs in a.exprs.items():
        if any(r.parts[0] == "loop" for r in exprs.refs) and not a.scopes.get(node_id, ("?",)):
            issues.append(Issue("loop_outside", "a config expression reads loop.*, but the node is not in a "
                                "ForEach body", node_id))

