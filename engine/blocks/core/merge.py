from __future__ import annotations

import re
from typing import Literal

from ..base import Block, BlockConfig, Port


def _natural(name: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


class MergeBlock(Block):
    """Join branches: the first input that has a value, or a list of all that have one.

    Inputs a–d are declared; more may be connected under any name (ordered naturally: in2 before in10).
    """

    type = "merge"
    portable = True
    category = "flow"
    keywords = ("join", "combine", "branches", "first", "union")
    inline = True
    dynamic_inputs = True
    inputs = tuple(Port(n, "any", required=False) for n in "abcd")
    outputs = (Port("value", "any"),)

    class Config(BlockConfig):
        mode: Literal["first_live", "list"] = "first_live"

    async def run(self, ctx, inputs, config):
        declared = [p.name for p in self.inputs]
        order = [n for n in declared if n in inputs] + sorted((n for n in inputs if n not in declared), key=_natural)
        live = [inputs[n] for n in order if inputs[n] is not None]
        if config.mode == "list":
            return {"value": live}
        return {"value": live[0] if live else None}
