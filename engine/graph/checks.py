"""Validation: every problem of a workflow at once, each naming its node or edge (SPEC §2).

:func:`analyze` checks a parsed :class:`~engine.model.Workflow` against a block registry and returns an
:class:`~engine.graph.analysis.Analysis` — the resolved block class and validated config of every node, port types,
and the loop scope of every node — together with the list of :class:`~engine.errors.Issue`. :func:`validate` returns
just the issues; :func:`check` raises :class:`~engine.errors.WorkflowInvalid` when there are any.
"""

from __future__ import annotations

from ..blocks.base import Port
from ..blocks.registry import BlockRegistry, default_registry
from ..errors import Issue, WorkflowInvalid
from ..model import Workflow, annotation_issues
from ..types import can_feed
from .analysis import Analysis
from .bodies import loop_scopes
from .digraph import strongly_connected_components
from .refs import add_reference_edges, check_reference_scopes, node_exprs, static_config

__all__ = ["analyze", "validate", "check", "all_issues"]


def _config_issues(node_id: str, errors: list) -> list[Issue]:
    out = []
    for e in errors:
        where = ".".join(str(p) for p in e["loc"]) or "config"
        if e["type"] == "missing":
            out.append(Issue("missing_config", f"required config {where!r} is missing", node_id))
        else:
            out.append(Issue("invalid_config", f"config {where!r}: {e['msg'].removeprefix('Value error, ')}", node_id))
    return out


def _check_nodes(wf: Workflow, reg: BlockRegistry, a: Analysis, issues: list[Issue]) -> None:
    seen: set[str] = set()
    for node in wf.nodes:
        if node.id in seen:
            issues.append(Issue("duplicate_id", f"node id {node.id!r} is used more than once", node.id))
            continue
        seen.add(node.id)
        a.graph.add_node(node.id)
        cls = reg.get(node.type)
        if cls is None:
            issues.append(Issue("unknown_block", f"unknown block type {node.type!r}", node.id))
            continue
        a.blocks[node.id] = cls
        missing = cls.unavailable() if cls.requires else None
        if missing:
            issues.append(Issue("block_unavailable", missing, node.id))
        try:
            exprs = node_exprs(node.id, cls, node.config, issues)
            if exprs is not None:
                a.exprs[node.id] = exprs
            cfg, errors = static_config(cls, node.config, exprs)
            if cfg is not None:
                a.configs[node.id] = cfg
            issues.extend(_config_issues(node.id, errors))
        except RecursionError:
            issues.append(Issue("invalid_config", "config is nested too deeply", node.id))
        cfg = a.configs.get(node.id)
        a.in_ports[node.id] = {p.name: p for p in cls.input_ports(cfg)}
        a.out_ports[node.id] = {p.name: p for p in cls.output_ports(cfg)}
        a.incoming[node.id] = {}
        for port in (node.pinned or {}):
            if port not in a.out_ports[node.id]:
                issues.append(Issue("unknown_port", f"pinned value for unknown output {port!r}", node.id))
        if node.bypass and cls.role in ("foreach", "collect"):
            issues.append(Issue("bypass_loop", f"a loop's {cls.role} cannot be bypassed (bypass the nodes of its body "
                                "instead)", node.id))
    _check_names(wf, a, issues)


def _check_names(wf: Workflow, a: Analysis, issues: list[Issue]) -> None:
    """Workflow input and output names must be unique: they are the run's interface."""
    for role in ("input", "output"):
        names: dict[str, str] = {}
        for node in wf.nodes:
            cls = a.blocks.get(node.id)
            cfg = a.configs.get(node.id)
            if cls is None or cls.type != role or cfg is None:
                continue
            name = cfg.name
            if name in names:
                issues.append(Issue(f"duplicate_{role}_name",
                                    f"{role} name {name!r} is also used by node {names[name]!r}", node.id))
            else:
                names[name] = node.id


def _check_edges(wf: Workflow, a: Analysis, issues: list[Issue]) -> None:
    seen: set[str] = set()
    for e in wf.edges:
        if e.id in seen:
            issues.append(Issue("duplicate_id", f"edge id {e.id!r} is used more than once", edge_id=e.id))
            continue
        seen.add(e.id)
        missing = [end for end in (e.source, e.target) if end not in a.graph]
        if missing:
            issues.append(Issue("dangling_edge", f"edge refers to missing node {missing[0]!r}", edge_id=e.id))
            continue
        if e.source not in a.blocks or e.target not in a.blocks:
            continue  # the unknown block is already reported on its node
        src = a.out_ports[e.source].get(e.source_port)
        tgt = a.in_ports[e.target].get(e.target_port)
        if src is None:
            issues.append(Issue("unknown_port", f"node {e.source!r} has no output {e.source_port!r}", edge_id=e.id))
            continue
        if tgt is None and a.blocks[e.target].dynamic_inputs and e.target_port != "error":
            tgt = a.in_ports[e.target][e.target_port] = Port(e.target_port, "any", False)
        if tgt is None:
            issues.append(Issue("unknown_port", f"node {e.target!r} has no input {e.target_port!r}", edge_id=e.id))
            continue
        if not can_feed(src.type, tgt.type):
            issues.append(Issue("type_mismatch", f"{e.source}.{e.source_port} ({src.type}) cannot feed "
                                f"{e.target}.{e.target_port} ({tgt.type})", edge_id=e.id))
            continue
        taken = a.incoming[e.target].get(e.target_port)
        if taken is not None:
            issues.append(Issue("input_already_connected", f"input {e.target}.{e.target_port} is already "
                                f"connected by edge {taken.id!r}", edge_id=e.id))
            continue
        a.incoming[e.target][e.target_port] = e
        a.graph.add_edge(e.source, e.target)


def _check_required_inputs(a: Analysis, issues: list[Issue]) -> None:
    for node_id, ports in a.in_ports.items():
        for port in ports.values():
            if port.required and port.name not in a.incoming[node_id]:
                issues.append(Issue("input_not_connected", f"required input {port.name!r} is not connected", node_id))


def _check_cycles(a: Analysis, issues: list[Issue]) -> set[str]:
    """Report every cycle; returns the nodes on cycles."""
    cyclic: set[str] = set()
    for comp in strongly_connected_components(a.graph):
        if len(comp) > 1 or any(a.graph.has_edge(n, n) for n in comp):
            cyclic |= comp
            members = sorted(comp)
            for n in members:
                issues.append(Issue("cycle", f"part of a cycle: {' → '.join(members)}", n))
    return cyclic


def analyze(wf: Workflow, registry: BlockRegistry | None = None) -> tuple[Analysis, list[Issue]]:
    reg = registry or default_registry()
    a = Analysis(workflow=wf)
    issues: list[Issue] = []
    _check_nodes(wf, reg, a, issues)
    _check_edges(wf, a, issues)
    _check_required_inputs(a, issues)
    if wf.annotations:
        issues.extend(annotation_issues(wf.annotations, {n.id for n in wf.nodes}))
    links = a.graph.copy() if a.exprs else a.graph
    add_reference_edges(a, issues)
    cyclic = _check_cycles(a, issues)
    a.scopes = loop_scopes(a, issues, links.subgraph(set(links) - cyclic) if cyclic else links)
    if a.exprs:
        check_reference_scopes(a, issues, cyclic)
    return a, issues


def validate(wf: Workflow, registry: BlockRegistry | None = None) -> list[Issue]:
    return analyze(wf, registry)[1]


def check(wf: Workflow, registry: BlockRegistry | None = None) -> Analysis:
    a, issues = analyze(wf, registry)
    if issues:
        raise WorkflowInvalid(issues)
    return a


def all_issues(refused: WorkflowInvalid, registry: BlockRegistry | None = None) -> list[Issue]:
    """Every problem of a document :func:`~engine.model.parse_document` refused: its own and, when only its
    annotations were malformed, those of its graph too (unknown blocks, dangling links, …)."""
    if refused.workflow is None:
        return list(refused.issues)
    return [*refused.issues, *validate(refused.workflow, registry)]
