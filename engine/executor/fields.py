"""Config fields holding expressions (SPEC §5a), at run time: the node's templates rendered with what it
reads — its inputs, the referenced nodes' outputs (arriving on hidden ``$…`` ports), the run, the loop — and
the result checked against the block's config model before the block runs. This runs once per node run:
it is written for speed (a 10,000-node chain with a templated field in every node is benchmarked)."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..errors import BlockError, ExpressionError
from ..expr.fields import walk

if TYPE_CHECKING:  # pragma: no cover
    from ..graph.plan import NodePlan

__all__ = ["resolved_config", "block_inputs"]

MEMO = 1024
_SCALARS = (str, int, float, bool, type(None))
_VALIDATED: dict[tuple, object] = {}  # (config class, resolved items with their types) → the frozen config


def block_inputs(np: "NodePlan", inputs: dict) -> dict:
    """What the block itself is given: its inputs without the hidden reference ports."""
    exprs = np.exprs
    if exprs is None or not exprs.ports:
        return inputs
    given = inputs.copy()
    for hidden, _ in exprs.ports:
        given.pop(hidden, None)
    return given


def _names(exprs, inputs: dict, run_id: str, loop_vars: dict | None) -> dict:
    names: dict = {}
    roots = exprs.roots
    if exprs.ports:
        nodes: dict = {}
        run_inputs: dict = {}
        for hidden, target in exprs.ports:
            if target[0] == "nodes":
                own = nodes.get(target[1])
                if own is None:
                    own = nodes[target[1]] = {}
                own[target[2]] = inputs.get(hidden)
            else:
                run_inputs[target[1]] = inputs.get(hidden)
        names["nodes"] = nodes
        names["run"] = {"id": run_id, "inputs": run_inputs}
    elif "run" in roots:
        names["run"] = {"id": run_id, "inputs": {}}
    if "loop" in roots:
        names["loop"] = loop_vars or {}
    if "in" in roots:
        names["in_"] = {k: v for k, v in inputs.items() if k[:1] != "$"} if exprs.ports else inputs
    return names


def resolved_config(np: "NodePlan", inputs: dict, run_id: str, loop_vars: dict | None, overrides: dict):
    """The node's config with every expression resolved (and connected config ports over it), validated."""
    exprs = np.exprs
    names = None
    data = copy.deepcopy(np.raw_config) if exprs.nested else np.raw_config.copy()
    for (path, template), direct in zip(exprs.fields, exprs.direct):
        try:
            if direct is not None:  # one plain reference: straight from its port (or the loop)
                port, keys = direct
                value = (inputs.get(port) if port else loop_vars or {})
                if keys:
                    value = walk(value, keys)
            else:
                if names is None:
                    names = _names(exprs, inputs, run_id, loop_vars)
                value = template.render(names)
        except ExpressionError as e:
            raise BlockError(f"config {'.'.join(map(str, path))!r}: {e}") from None
        if len(path) == 1:
            if path[0] in exprs.text_fields and type(value) in (int, float, bool):
                value = json.dumps(value)  # a number or boolean into a text field: its JSON text
            data[path[0]] = value
        else:
            target = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
    if overrides:
        data.update(overrides)
    key = None
    if not exprs.nested:
        items = []
        for k, v in data.items():
            if not isinstance(v, _SCALARS):
                break
            items.append((k, type(v), v))
        else:
            key = (np.cls.Config, tuple(items))
            hit = _VALIDATED.get(key)
            if hit is not None:
                return hit
    try:
        cfg = np.cls.Config.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "config"
        raise BlockError(f"config {where!r} resolved to a value the block cannot take: "
                         f"{err['msg'].removeprefix('Value error, ')}") from None
    if key is not None:  # configs are frozen: one resolved the same way again is the same object
        if len(_VALIDATED) >= MEMO:
            _VALIDATED.pop(next(iter(_VALIDATED)))
        _VALIDATED[key] = cfg
    return cfg
