"""Third-party blocks through the ``nodeloom.blocks`` entry point; a broken plugin is reported and skipped."""

import asyncio
import sys
import textwrap

from engine import Executor
from engine.blocks import BlockRegistry
from engine.blocks.builtin import BUILTIN_BLOCKS

from .builder import Flow


def _install(tmp_path, entry_points: str, modules: dict[str, str]):
    dist = tmp_path / "nodeloom_test_plugins-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: nodeloom-test-plugins\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[nodeloom.blocks]\n" + entry_points)
    for name, code in modules.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(code))
    sys.path.insert(0, str(tmp_path))


def test_entry_point_plugins(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    _install(tmp_path, "shout = nl_good_plugin:Shout\nbroken = nl_broken_plugin\nmissing = nl_nowhere:Thing\n", {
        "nl_good_plugin": """
            from engine.blocks import Block, BlockConfig, Port

            class Shout(Block):
                type = "shout"
                category = "text"
                inline = True
                inputs = (Port("text", "string"),)
                outputs = (Port("text", "string"),)

                class Config(BlockConfig):
                    marks: int = 1

                async def run(self, ctx, inputs, config):
                    return {"text": inputs["text"].upper() + "!" * config.marks}
        """,
        "nl_broken_plugin": "raise ImportError('this plugin needs a library that is not installed')\n",
    })
    reg = BlockRegistry(BUILTIN_BLOCKS)
    reg.load_entry_points()
    assert "shout" in reg
    problems = {p.source.split(" ")[0]: p.message for p in reg.problems}
    assert problems == {"broken": "ImportError: this plugin needs a library that is not installed",
                        "missing": "ModuleNotFoundError: No module named 'nl_nowhere'"}
    wf = (Flow().node("c", "constant", value="hi").node("s", "shout", marks=3).node("o", "output", name="o")
          .edge("c.value", "s.text").edge("s.text", "o.value").build())
    result = asyncio.run(Executor(reg).run(wf))
    assert result.outputs == {"o": "HI!!!"}
