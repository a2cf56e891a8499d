"""Third-party blocks through the ``nodeloom.blocks`` entry point; a broken plugin is reported and skipped."""

import asyncio
import sys
import textwrap

from engine.executor import Executor
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


# -- the plugins folder and the example plugin ---------------------------------------------------------------

import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402

from engine.folders import resources_dir  # noqa: E402

EXAMPLE = resources_dir() / "plugins" / "nodeloom_text_tools"
BROKEN = {
    "broken_syntax.py": "def oops(:\n",
    "needs_lib.py": "import a_library_nobody_installed\n",
    "bad_block.py": "from engine.blocks import Block\n\nclass Nameless(Block):\n    type = 'input'\n",
}


def plugin_home(tmp_path):
    home = tmp_path / "home"
    plugins = home / "plugins"
    plugins.mkdir(parents=True)
    shutil.copytree(EXAMPLE, plugins / EXAMPLE.name)
    for name, code in BROKEN.items():
        (plugins / name).write_text(code)
    return home


def nodeloom(home, *args):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), *args], capture_output=True,
                          text=True, env=env, timeout=60, cwd=str(resources_dir().parent))


def test_the_plugins_folder_broken_plugins_listed_with_their_errors(tmp_path):
    home = plugin_home(tmp_path)
    done = nodeloom(home, "blocks")
    assert done.returncode == 0, done.stderr
    assert "text_words" in done.stdout and "text_case" in done.stdout and "image_blur" in done.stdout
    assert f"plugins folder: {(home / 'plugins').resolve()}" in done.stdout
    assert "plugins/broken_syntax.py: SyntaxError: invalid syntax (broken_syntax.py, line 1)\n" in done.stdout
    assert ("plugins/needs_lib.py: ModuleNotFoundError: No module named 'a_library_nobody_installed' "
            "(needs_lib.py, line 1)\n" in done.stdout)
    assert "plugins/bad_block.py: block type 'input' is already registered" in done.stdout
    listed = json.loads(nodeloom(home, "blocks", "--json").stdout)
    assert {p["source"] for p in listed["problems"]} == {f"plugins/{n}" for n in BROKEN}


def test_the_example_plugin_runs_from_a_workflow(tmp_path):
    home = plugin_home(tmp_path)
    wf = (Flow("words").node("c", "constant", value="the quick brown fox jumps")
          .node("w", "text_words", min_length=4).node("u", "text_case", case="title")
          .node("n", "output", name="count").node("t", "output", name="first")
          .node("f", "get_field", path="[0]")
          .chain("c.value", "w.text").chain("w.count", "n.value").chain("w.words", "f.data")
          .chain("f.value", "u.text").chain("u.text", "t.value").build())
    path = tmp_path / "words.json"
    path.write_text(json.dumps(wf.model_dump(mode="json")))
    done = nodeloom(home, "run", str(path), "--json", "-q")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"] == {"count": 3, "first": "Quick"}


def test_the_palette_lists_a_broken_plugin(tmp_path, qtbot):
    from app.panels.palette import Palette

    reg = BlockRegistry(BUILTIN_BLOCKS)
    reg.load_folder(plugin_home(tmp_path) / "plugins")
    palette = Palette(reg)
    qtbot.addWidget(palette)
    tree = palette.tree
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    warned = {i.text(0): i.toolTip(0) for i in items if i.text(0).startswith("⚠")}
    assert warned["⚠ plugins/needs_lib.py"] == ("ModuleNotFoundError: No module named "
                                                "'a_library_nobody_installed' (needs_lib.py, line 1)")
    assert len(warned) == 3
    texts = [c.text(0) for i in items for c in (i.child(k) for k in range(i.childCount()))]
    assert any("text_words" in t or "Text Words" in t for t in texts)
