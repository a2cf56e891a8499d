"""The little directed graph a workflow's analysis needs, so that checking and compiling a workflow (every run,
``nodeloom run`` included) does not import networkx (~70 ms and ~300 modules of a cold start, for five
algorithms on graphs of tens of nodes).

The orders are networkx's (3.x), so plans and the order of reported problems stay as they were:
``topological_sort`` goes generation by generation, ``lexicographical_topological_sort`` breaks ties by the
key then by insertion order, ``strongly_connected_components`` yields components in Pearce's order.
"""

from __future__ import annotations

import heapq
from typing import Callable, Hashable, Iterable, Iterator

__all__ = ["DiGraph", "ancestors", "descendants", "lexicographical_topological_sort",
           "strongly_connected_components", "topological_sort"]


class _Cyclic(ValueError):
    """The graph has a cycle: it has no topological order."""


class DiGraph:
    """Nodes in insertion order; an edge at most once between two nodes (as ``networkx.DiGraph``)."""

    __slots__ = ("succ", "pred")

    def __init__(self) -> None:
        self.succ: dict[Hashable, dict[Hashable, None]] = {}
        self.pred: dict[Hashable, dict[Hashable, None]] = {}

    def add_node(self, n: Hashable) -> None:
        if n not in self.succ:
            self.succ[n] = {}
            self.pred[n] = {}

    def add_nodes_from(self, nodes: Iterable[Hashable]) -> None:
        for n in nodes:
            self.add_node(n)

    def add_edge(self, u: Hashable, v: Hashable) -> None:
        self.add_node(u)
        self.add_node(v)
        self.succ[u][v] = None
        self.pred[v][u] = None

    def add_edges_from(self, edges: Iterable[tuple[Hashable, Hashable]]) -> None:
        for u, v in edges:
            self.add_edge(u, v)

    def has_edge(self, u: Hashable, v: Hashable) -> bool:
        return v in self.succ.get(u, ())

    def successors(self, n: Hashable) -> Iterator[Hashable]:
        return iter(self.succ[n])

    def predecessors(self, n: Hashable) -> Iterator[Hashable]:
        return iter(self.pred[n])

    def __contains__(self, n: object) -> bool:
        return n in self.succ

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self.succ)

    def __len__(self) -> int:
        return len(self.succ)

    def copy(self) -> "DiGraph":
        g = DiGraph()
        g.succ = {n: dict(s) for n, s in self.succ.items()}
        g.pred = {n: dict(p) for n, p in self.pred.items()}
        return g

    def subgraph(self, nodes: Iterable[Hashable]) -> "DiGraph":
        """A copy of the graph on ``nodes`` (in this graph's order) and the edges between them."""
        keep = set(nodes)
        g = DiGraph()
        g.succ = {n: {m: None for m in s if m in keep} for n, s in self.succ.items() if n in keep}
        g.pred = {n: {m: None for m in p if m in keep} for n, p in self.pred.items() if n in keep}
        return g


def _reach(adj: dict, source: Hashable) -> set:
    seen = {source}
    todo = [source]
    while todo:
        for m in adj[todo.pop()]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
    seen.discard(source)
    return seen


def descendants(g: DiGraph, source: Hashable) -> set:
    """The nodes reachable from ``source`` (not itself)."""
    return _reach(g.succ, source)


def ancestors(g: DiGraph, source: Hashable) -> set:
    """The nodes ``source`` is reachable from (not itself)."""
    return _reach(g.pred, source)


def topological_sort(g: DiGraph) -> Iterator[Hashable]:
    """Generation by generation (the nodes with no predecessors first); a ValueError on a cycle."""
    indegree = {v: len(p) for v, p in g.pred.items() if p}
    zero = [v for v, p in g.pred.items() if not p]
    while zero:
        generation, zero = zero, []
        for node in generation:
            for child in g.succ[node]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    zero.append(child)
                    del indegree[child]
        yield from generation
    if indegree:
        raise _Cyclic("the graph has a cycle")


def lexicographical_topological_sort(g: DiGraph, key: Callable[[Hashable], object] | None = None
                                     ) -> Iterator[Hashable]:
    """A topological order taking, of the nodes free to come next, the one of the smallest ``key`` (then the
    first added); a ValueError on a cycle."""
    key = key or (lambda n: n)
    order = {n: i for i, n in enumerate(g.succ)}
    indegree = {v: len(p) for v, p in g.pred.items() if p}
    free = [(key(v), order[v], v) for v, p in g.pred.items() if not p]
    heapq.heapify(free)
    while free:
        node = heapq.heappop(free)[2]
        for child in g.succ[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(free, (key(child), order[child], child))
                del indegree[child]
        yield node
    if indegree:
        raise _Cyclic("the graph has a cycle")


def strongly_connected_components(g: DiGraph) -> Iterator[set]:
    """Each strongly connected component (a set of nodes), without recursion."""
    adj = g.succ
    preorder: dict = {}
    lowlink: dict = {}
    found: set = set()
    stack: list = []
    counter = 0
    neighbours = {v: iter(adj[v]) for v in adj}
    for source in adj:
        if source in found:
            continue
        queue = [source]
        while queue:
            v = queue[-1]
            if v not in preorder:
                counter += 1
                preorder[v] = counter
            done = True
            for w in neighbours[v]:
                if w not in preorder:
                    queue.append(w)
                    done = False
                    break
            if not done:
                continue
            low = preorder[v]
            for w in adj[v]:
                if w not in found:
                    low = min(low, lowlink[w] if preorder[w] > preorder[v] else preorder[w])
            lowlink[v] = low
            queue.pop()
            if low == preorder[v]:
                component = {v}
                while stack and preorder[stack[-1]] > preorder[v]:
                    component.add(stack.pop())
                found.update(component)
                yield component
            else:
                stack.append(v)
