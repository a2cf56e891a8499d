from __future__ import annotations

from typing import Any

from ..base import Block, BlockConfig, Port
from ..compare import Operator, compare, field_value


class ConditionBlock(Block):
    """Route the value to ``true_output`` or ``false_output``; the other branch is skipped."""

    type = "condition"
    portable = True
    category = "flow"
    keywords = ("if", "else", "branch", "compare", "switch", "test")
    inline = True
    config_inputs = ()  # the ``value`` input is what is tested; ``compare_to`` overrides config ``value``
    inputs = (Port("value", "any"), Port("compare_to", "any", required=False))
    outputs = (Port("true_output", "any"), Port("false_output", "any"), Port("result", "boolean"),
               Port("label", "string"))

    class Config(BlockConfig):
        field: str = ""
        operator: Operator = "eq"
        value: Any = None
        true_value: str = "pass"
        false_value: str = "fail"

    async def run(self, ctx, inputs, config):
        value = inputs.get("value")
        right = inputs["compare_to"] if inputs.get("compare_to") is not None else config.value
        ok = compare(field_value(value, config.field), config.operator, right)
        branch = "true_output" if ok else "false_output"
        return {branch: value, "result": ok, "label": config.true_value if ok else config.false_value}
