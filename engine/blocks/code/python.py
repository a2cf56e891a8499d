from __future__ import annotations

from typing import Any

from pydantic import Field

from ...errors import BlockError
from ...sandbox import shared
from ...values import from_json, to_json
from ..base import Block, BlockConfig, Port

EXAMPLE = "def main(data):\n    return data\n"


class PythonBlock(Block):
    """Run your own Python: ``def main(data): ...`` in a separate, killable process (JSON in and out)."""

    type = "python"
    portable = True
    code_fields = ("code",)
    category = "code"
    keywords = ("script", "code", "program", "function", "custom")
    deterministic = False  # user code may read the clock, files or the network
    acts_on_world = True  # ... or write them: in live preview only when the user lets code run live

    @classmethod
    def live_safe(cls, config, *, user_code=False):
        return user_code
    inputs = (Port("data", "any", required=False),)
    outputs = (Port("result", "any"),)

    class Config(BlockConfig):
        code: str = Field(EXAMPLE, description="defines def main(data): ... returning JSON data, bytes or an image",
                          json_schema_extra={"format": "python"})
        timeout_s: float = Field(10.0, gt=0, le=3600, title="Timeout (s)", description="the process is killed after this long")
        memory_mb: int = Field(512, ge=64, le=65536, title="Memory (MB)", description="the most memory the process may take")

    async def run(self, ctx, inputs, config):
        if not ctx.policy.allow_python_blocks:
            raise BlockError("python blocks are turned off in the settings")
        data: Any = await ctx.run_blocking(to_json, inputs.get("data"))

        def on_log(line: str) -> None:
            ctx.log(line)
            ctx.progress(None, line[:200])

        result = await shared().run(config.code, data, timeout_s=config.timeout_s, memory_mb=config.memory_mb,
                                    cwd=str(ctx.base_dir), on_log=on_log, key=(ctx.run_id, ctx.node_id, config.code))
        return {"result": await ctx.run_blocking(from_json, result)}
