"""engine.graph.digraph (issue 28: the analysis of a workflow without networkx) gives what networkx gives, in the
same order, on random graphs with and without cycles — networkx, still the window's, is the oracle."""

import random

import networkx as nx
import pytest

from engine.graph import digraph as dg


def graphs(seed: int, acyclic: bool):
    rnd = random.Random(seed)
    n = rnd.randint(1, 25)
    names = [f"n{rnd.randint(0, 99)}_{i}" for i in range(n)]
    rnd.shuffle(names)
    ours, theirs = dg.DiGraph(), nx.DiGraph()
    for name in names:
        if rnd.random() < 0.3:
            ours.add_node(name)
            theirs.add_node(name)
    for _ in range(rnd.randint(0, 3 * n)):
        i, j = rnd.randrange(n), rnd.randrange(n)
        if acyclic and i >= j:
            continue
        ours.add_edge(names[i], names[j])
        theirs.add_edge(names[i], names[j])
    return rnd, ours, theirs


@pytest.mark.parametrize("seed", range(200))
def test_orders_and_reaches_are_networkx_s(seed):
    rnd, ours, theirs = graphs(seed, acyclic=seed % 2 == 0)
    assert list(ours) == list(theirs)
    assert list(dg.strongly_connected_components(ours)) == list(nx.strongly_connected_components(theirs))
    for node in theirs:
        assert dg.descendants(ours, node) == nx.descendants(theirs, node)
        assert dg.ancestors(ours, node) == nx.ancestors(theirs, node)
        assert all(ours.has_edge(node, m) for m in theirs.successors(node))
    key = {n: rnd.randint(0, 3) for n in theirs}.__getitem__
    if nx.is_directed_acyclic_graph(theirs):
        assert list(dg.topological_sort(ours)) == list(nx.topological_sort(theirs))
        assert (list(dg.lexicographical_topological_sort(ours, key=key))
                == list(nx.lexicographical_topological_sort(theirs, key=key)))
    else:
        with pytest.raises(ValueError):
            list(dg.topological_sort(ours))
        with pytest.raises(ValueError):
            list(dg.lexicographical_topological_sort(ours, key=key))
    keep = [n for n in theirs if rnd.random() < 0.7]
    sub = ours.subgraph(keep)
    assert list(sub) == [n for n in theirs if n in set(keep)]
    assert {(u, v) for u in sub for v in sub.successors(u)} == set(theirs.subgraph(keep).edges)
    copied = ours.copy()
    copied.add_edge("new", "other")
    assert "new" not in ours and "new" in copied
