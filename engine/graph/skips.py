"""Which outputs a run left without a value because of a bypass (SPEC §2): an output of a bypassed node with no
input to carry carries nothing, and what needs it is skipped. Fronts use this to say why an output is missing
("Output: doubled skipped (Input: x is bypassed)") instead of leaving a bare "succeeded"."""

from __future__ import annotations

from typing import Mapping

from ..blocks.registry import BlockRegistry
from ..model import Workflow
from .checks import check
from .plan import carried_inputs

__all__ = ["bypass_skips"]


def bypass_skips(wf: Workflow, statuses: Mapping[str, str],
                 registry: BlockRegistry | None = None) -> dict[str, list[str]]:
    """Output node id → the bypassed nodes (ids, in document order) whose empty outputs it waited on, for each
    output node the run skipped because of a bypass. ``statuses`` are the run's node statuses; a skip with
    another cause (an untaken branch) is not listed."""
    bypassed = [n for n in wf.nodes if statuses.get(n.id) == "bypassed"]
    skipped_outputs = [n.id for n in wf.nodes if n.type == "output" and statuses.get(n.id) == "skipped"]
    if not bypassed or not skipped_outputs:
        return {}
    a = check(wf, registry)
    carried = {n.id: dict(carried_inputs(a, n)) for n in bypassed}
    order = {n.id: i for i, n in enumerate(wf.nodes)}

    def links_into(node_id: str, port: str | None = None):
        """The (source, source port) feeding ``node_id`` (only its input ``port`` when given)."""
        edges = {**a.incoming[node_id], **a.refs.get(node_id, {})}
        return [(e.source, e.source_port) for p, e in edges.items() if port is None or p == port]

    found: dict[str, list[str]] = {}
    for out in skipped_outputs:
        causes: set[str] = set()
        seen: set[tuple[str, str | None]] = set()
        todo = links_into(out)
        while todo:
            source, port = todo.pop()
            if (source, port) in seen:
                continue
            seen.add((source, port))
            status = statuses.get(source)
            if status == "bypassed":
                via = carried[source].get(port)
                if via is None:  # this output of the bypassed node carries nothing
                    causes.add(source)
                else:            # it carries an input that was empty itself: look further up
                    todo += links_into(source, via)
            elif status == "skipped":
                todo += links_into(source)
        if causes:
            found[out] = sorted(causes, key=order.__getitem__)
    return found
