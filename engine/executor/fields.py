"""Config fields holding expressions (SPEC §5a), at run time: the node's templates rendered with what it
reads — its inputs, the referenced nodes' outputs (arriving on hidden ``$…`` ports), the run, the loop — and
the result checked against the block's config model before the block runs."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import BlockError, ExpressionError
from ..graph.refs import REF

if TYPE_CHECKING:  # pragma: no cover
    from ..graph.plan import NodePlan

__all__ = ["resolved_config", "block_inputs"]


def block_inputs(np: "NodePlan", inputs: dict) -> dict:
    """What the block itself is given: its inputs without the hidden reference ports."""
    if np.exprs is None or not np.exprs.ports:
        return inputs
    return {k: v for k, v in inputs.items() if not k.startswith(REF)}


def _names(np: "NodePlan", inputs: dict, run_id: str, loop_vars: dict | None) -> dict[str, Any]:
    nodes: dict[str, dict] = {}
    run_inputs: dict[str, Any] = {}
    for hidden, target in np.exprs.ports:
        value = inputs.get(hidden)
        if target[0] == "nodes":
            nodes.setdefault(target[1], {})[target[2]] = value
        else:
            run_inputs[target[1]] = value
    own = {k: v for k, v in inputs.items() if not k.startswith(REF)}
    return {"in_": own, "nodes": nodes, "run": {"id": run_id, "inputs": run_inputs}, "loop": loop_vars or {}}


def _set(target: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def resolved_config(np: "NodePlan", inputs: dict, run_id: str, loop_vars: dict | None, overrides: dict):
    """The node's config with every expression resolved (and connected config ports over it), validated."""
    exprs = np.exprs
    names = _names(np, inputs, run_id, loop_vars)
    nested = any(len(path) > 1 for path, _ in exprs.fields)
    data = copy.deepcopy(np.raw_config) if nested else dict(np.raw_config)
    for path, template in exprs.fields:
        where = ".".join(map(str, path))
        try:
            value = template.render(names)
        except ExpressionError as e:
            raise BlockError(f"config {where!r}: {e}") from None
        if len(path) == 1 and path[0] in exprs.text_fields and isinstance(value, (int, float, bool)):
            value = json.dumps(value)  # a number or boolean into a text field: its JSON text
        _set(data, path, value)
    data.update(overrides)
    try:
        return np.cls.Config.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "config"
        raise BlockError(f"config {where!r} resolved to a value the block cannot take: "
                         f"{err['msg'].removeprefix('Value error, ')}") from None
