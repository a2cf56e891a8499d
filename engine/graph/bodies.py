"""ForEach bodies: which loop each node runs in.

Every node gets a *scope*: the tuple of ``foreach`` node ids whose body it belongs to, outermost first.
Scopes flow along edges in topological order: a ``foreach``'s ``item`` and ``index`` outputs open its scope,
a ``collect`` closes the innermost one, and every other node takes the deepest scope among its inputs —
reading values from outside the loop is fine (their scope is a prefix). Hence nothing in a body can reach the
outside except through ``collect``; the checks here report what cannot be run:

- ``mixed_loops``: a node reads from the bodies of two different loops;
- ``collect_without_foreach`` / ``foreach_without_collect``: an unmatched end;
- ``loop_escape``: an ``output`` inside a body, or a body node that reads a value only known after its own
  loop ends (the loop's ``collect``).
"""

from __future__ import annotations

from .digraph import DiGraph, descendants, topological_sort

from ..blocks.base import ERROR_PORT
from ..errors import Issue
from .analysis import Analysis

__all__ = ["loop_scopes", "home_scope", "out_scope"]


def out_scope(a: Analysis, scopes: dict, node: str, port: str) -> tuple[str, ...]:
    s = scopes.get(node, ())
    role = a.blocks[node].role if node in a.blocks else None
    if role == "foreach" and port != ERROR_PORT:
        return s + (node,)
    if role == "collect":
        return s[:-1]
    return s


def home_scope(role: str | None, scope: tuple[str, ...]) -> tuple[str, ...]:
    """The level a node's results live at: a collect belongs to the level outside the loop it closes."""
    return scope[:-1] if role == "collect" else scope


def loop_scopes(a: Analysis, issues: list[Issue], graph: DiGraph) -> dict[str, tuple[str, ...]]:
    """Scopes of the nodes of the acyclic ``graph`` (the workflow less any nodes on cycles)."""
    scopes: dict[str, tuple[str, ...]] = {}
    for node in topological_sort(graph):
        deepest: tuple[str, ...] = ()
        for edge in a.incoming.get(node, {}).values():
            if edge.source not in graph:
                continue
            s = out_scope(a, scopes, edge.source, edge.source_port)
            if len(s) > len(deepest):
                s, deepest = deepest, s
            if deepest[: len(s)] != s:
                issues.append(Issue("mixed_loops", f"reads from the bodies of two different loops "
                                    f"({' / '.join(s) or 'outside'} and {' / '.join(deepest)})", node))
        scopes[node] = deepest
    closed: set[str] = set()
    for node, cls in a.blocks.items():
        if node not in scopes:
            continue
        if cls.role == "collect":
            if not scopes[node]:
                issues.append(Issue("collect_without_foreach", "collect is not downstream of a foreach", node))
            else:
                closed.add(scopes[node][-1])
        elif cls.type == "output" and scopes[node]:
            issues.append(Issue("loop_escape", f"output inside the loop of {scopes[node][-1]!r}; "
                                "connect it after a collect", node))
    for node, cls in a.blocks.items():
        if cls.role == "foreach" and node in scopes and node not in closed:
            issues.append(Issue("foreach_without_collect", "the loop body has no collect", node))
    for node, cls in a.blocks.items():
        if cls.role != "collect" or not scopes.get(node):
            continue
        loop = scopes[node][-1]
        for later in descendants(graph, node):
            if loop in scopes.get(later, ()):
                issues.append(Issue("loop_escape", f"inside the loop of {loop!r} but reads {node!r}, "
                                    "which only has a value after that loop ends", later))
    return scopes
