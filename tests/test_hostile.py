"""Hostile input, named cases (issue 12): each ends within its limit as a result or a clean error — never a
traceback, a hang or a crash — from the CLI as a user runs it, and leaves the store readable."""

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest

from engine.errors import DocumentError, ExpressionError
from engine.expr import evaluate
from engine.model import parse_document

from .builder import Flow
from .editor_helpers import on_loop
from app.window.loop import EventLoop  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def cli(home, *args, stdin=None):
    env = {**os.environ, "NODELOOM_HOME": str(home)}
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, timeout=60, env=env,
                          input=stdin)
    return done, time.perf_counter() - t0


def doc(flow: Flow) -> dict:
    return flow.build().model_dump(mode="json")


def write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def clean(done) -> None:
    """No traceback; whatever was printed is valid UTF-8."""
    assert b"Traceback" not in done.stderr, done.stderr.decode("utf-8", "replace")[-2000:]
    done.stdout.decode("utf-8")
    done.stderr.decode("utf-8")


# -- expressions that stay small but not cheap --------------------------------------------------------------

WORK_BOMBS = [
    "[[0]*10**4]*10**4",
    "str([[0]*10**4]*10**4)",
    "sorted([[0]*10**4]*10**4)",
    "max([[0]*10**4]*10**4)",
    "[[0]*10**4]*10**4 == [[0]*10**4]*10**4",
    "[1] in [[0]*10**4]*10**4",
    "sum([[1]*1000]*1000, [])",
    "round(1, -10**8)",
]


@pytest.mark.parametrize("expression", WORK_BOMBS)
def test_an_expression_that_would_work_for_ever_ends_with_a_clean_error(expression):
    t0 = time.perf_counter()
    with pytest.raises(ExpressionError) as e:
        evaluate(expression, {"data": None})
    assert time.perf_counter() - t0 < 2.0
    assert "limit" in str(e.value) or "out of range" in str(e.value)


def test_normal_expressions_keep_working():
    assert evaluate("sorted(data)[-1] + sum(data)", {"data": list(range(1000))}) == 999 + 499500
    assert evaluate("str([1, [2, 3]])", {}) == "[1, [2, 3]]"
    assert evaluate("len([[0] * 100] * 100)", {}) == 100
    assert evaluate("round(2.675, 2)", {}) == 2.67


def test_a_work_bomb_from_the_cli_is_a_node_error_within_its_limit(tmp_path):
    path = write(tmp_path, "bomb.json", doc(Flow("bomb").node("t", "transform", expression="str([[0]*10**4]*10**4)")
                                            .node("o", "output", name="o").edge("t.result", "o.value")))
    done, took = cli(tmp_path / "home", "run", path, "--json", "-q")
    clean(done)
    run = json.loads(done.stdout)
    assert done.returncode == 1 and run["status"] == "failed" and "too much work" in run["error"]
    assert took < 15  # (the process starts in a few seconds; the expression itself gives up at once)
    listed, _ = cli(tmp_path / "home", "runs", "--json")
    clean(listed)
    assert json.loads(listed.stdout)[0]["status"] == "failed"


def test_a_busy_expression_runs_off_the_loop_and_its_timeout_ends_it_on_time():
    """The loop keeps ticking while a heavy (but allowed) expression works, and timeout_s ends the node."""
    from engine.blocks import default_registry
    from engine.executor import Executor

    words = [f"{i * 7919 % 100003:07d}-{'x' * 20}" for i in range(400_000)]
    wf = (Flow("busy").node("i", "input", name="words", type="list")
          .node("t", "transform", expression="sorted(data)[0]", settings={"timeout_s": 0.15})
          .node("o", "output", name="o").edge("i.value", "t.data").edge("t.result", "o.value").build())

    async def go():
        ticks: list[float] = []

        async def tick():
            while True:
                await asyncio.sleep(0.005)
                ticks.append(time.time())

        ex = Executor(default_registry())
        sub = ex.subscribe()
        ticker = asyncio.ensure_future(tick())
        t0 = time.perf_counter()
        result = await ex.run(wf, {"words": words})
        took = time.perf_counter() - t0
        ticker.cancel()
        events = sub.drain()
        ex.close()
        started = next(e.ts for e in events if e.kind == "node_started" and e.node_id == "t")
        during = [b - a for a, b in zip(ticks, ticks[1:]) if b > started]  # while the node works
        return result, took, max(during)

    result, took, worst_gap = asyncio.run(go())
    assert result.status == "failed" and "timed out" in (result.error or "").lower()
    assert took < 1.5
    # the work is off the loop, and done in pieces (engine.expr.chunked): no single C call keeps the GIL long
    assert worst_gap < 0.05, worst_gap


# -- regexes ----------------------------------------------------------------------------------------------------

def redos(pattern_in_config: bool) -> Flow:
    flow = Flow("redos").node("i", "input", name="text", type="string")
    if pattern_in_config:
        flow.node("c", "condition", operator="matches", value="^(a+)+$")
    else:
        flow.node("p", "constant", value="^(a+)+$").node("c", "condition", operator="matches")
        flow.edge("p.value", "c.compare_to")
    return flow.node("o", "output", name="o").edge("i.value", "c.value").edge("c.result", "o.value")


@pytest.mark.parametrize("in_config", [True, False], ids=["pattern in config", "pattern at run time"])
def test_a_backtracking_pattern_cannot_hang_a_condition(tmp_path, in_config):
    path = write(tmp_path, "redos.json", doc(redos(in_config)))
    done, took = cli(tmp_path / "home", "run", path, "-i", "text=" + "a" * 40 + "!", "--json", "-q")
    clean(done)
    assert done.returncode == 0 and json.loads(done.stdout)["outputs"] == {"o": False}
    assert took < 15


def test_a_pattern_re2_cannot_run_is_a_clear_error(tmp_path):
    flow = (Flow("backref").node("i", "input", name="text", type="string")
            .node("c", "condition", operator="matches", value=r"(a)\1").node("o", "output", name="o")
            .edge("i.value", "c.value").edge("c.result", "o.value"))
    done, _ = cli(tmp_path / "home", "run", write(tmp_path, "b.json", doc(flow)), "-i", "text=aa", "--json", "-q")
    clean(done)
    run = json.loads(done.stdout)
    assert done.returncode == 1 and "invalid regular expression" in run["error"] and "RE2" in run["error"]
    assert b"re2.cc" not in done.stderr  # RE2's own logging stays quiet


# -- text and numbers of every shape ----------------------------------------------------------------------

SURROGATE_DOCS = {
    "name": lambda d: d.update(name="bad \ud800 name"),
    "label": lambda d: d["nodes"][0].update(label="x\udc80y"),
    "config": lambda d: d["nodes"][0]["config"].update(value={"k": "\ud83d"}),
}


@pytest.mark.parametrize("where", list(SURROGATE_DOCS))
def test_a_lone_surrogate_in_a_document_is_refused_alike_by_validate_import_and_run(tmp_path, where):
    data = doc(Flow("s").node("c", "constant", value=1).node("o", "output", name="o").edge("c.value", "o.value"))
    SURROGATE_DOCS[where](data)
    path = write(tmp_path, "s.json", json.dumps(data))  # (escaped as \\ud800 in the file: valid JSON)
    for command in (["validate", path], ["import", path], ["run", path, "--json", "-q"]):
        done, _ = cli(tmp_path / "home", *command)
        clean(done)
        assert done.returncode == 2 and b"lone surrogate" in done.stderr, (command, done.stderr)
    listed, _ = cli(tmp_path / "home", "runs", "--json")
    clean(listed)
    assert listed.returncode == 0


def test_a_lone_surrogate_made_at_run_time_leaves_as_an_escape(tmp_path):
    flow = Flow("made").node("t", "transform", expression="'a\\ud800b'").node("o", "output", name="o") \
        .edge("t.result", "o.value")
    done, _ = cli(tmp_path / "home", "run", write(tmp_path, "m.json", doc(flow)), "--json", "-q")
    clean(done)
    assert json.loads(done.stdout)["outputs"] == {"o": "a\ud800b"}  # written as a \\ud800 escape
    for command in (["runs", "--json"], ["list", "--json"]):
        listed, _ = cli(tmp_path / "home", *command)
        clean(listed)
        assert listed.returncode == 0


def nested(depth: int):
    value = 0
    for _ in range(depth):
        value = [value]
    return value


def test_deep_inputs_and_deep_constants_are_refused_with_a_message(tmp_path):
    flow = Flow("deep").node("i", "input", name="x").node("o", "output", name="o").edge("i.value", "o.value")
    path = write(tmp_path, "deep.json", doc(flow))
    inputs = write(tmp_path, "inputs.json", {"x": nested(600)})
    done, _ = cli(tmp_path / "home", "run", path, "--inputs", inputs, "--json", "-q")
    clean(done)
    assert done.returncode == 2 and b"nested deeper than 100 levels" in done.stderr
    data = doc(Flow("deep").node("c", "constant", value=0).node("o", "output", name="o").edge("c.value", "o.value"))
    data["nodes"][0]["config"]["value"] = nested(300)
    path = write(tmp_path, "deepdoc.json", data)
    for command in (["validate", path], ["import", path], ["run", path]):
        done, _ = cli(tmp_path / "home", *command)
        clean(done)
        assert done.returncode == 2 and b"nested deeper than 100 levels" in done.stderr, command


def test_an_integer_too_long_to_print_is_refused_everywhere_alike(tmp_path):
    text = json.dumps(doc(Flow("big").node("c", "constant", value=0).node("o", "output", name="o")
                          .edge("c.value", "o.value"))).replace('"value": 0', '"value": ' + "9" * 5000)
    path = write(tmp_path, "big.json", text)
    for command in (["validate", path], ["import", path], ["run", path]):
        done, _ = cli(tmp_path / "home", *command)
        clean(done)
        assert done.returncode == 2 and b"more than 4,300 digits" in done.stderr, command
    with pytest.raises(DocumentError, match="4,300 digits"):
        parse_document(text)


def test_in_the_editor_each_example_ends_cleanly_while_the_window_keeps_painting(window):
    """The work bombs and a backtracking pattern, run from the real window: each ends at once (a failed node
    naming the limit; the pattern simply does not match), and a 10 ms timer on the window's loop never waits
    long meanwhile."""
    from PySide6.QtCore import QTimer

    from app.document.model import EditorDocument

    flows = [Flow(f"bomb {i}").node("t", "transform", expression=e).node("o", "output", name="o")
             .edge("t.result", "o.value").build() for i, e in enumerate(WORK_BOMBS)]
    flows.append(redos(True).build())

    async def go():
        gaps, last = [], [time.perf_counter()]

        def tick():
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer(interval=10)
        timer.timeout.connect(tick)
        timer.start()
        outcomes = []
        try:
            for wf in flows:
                tab = window.add_tab(EditorDocument(wf, registry=window.registry))
                if "text" in window.run_panel.inputs.fields:
                    window.run_panel.inputs.fields["text"].setText("a" * 40 + "!")
                t0 = time.perf_counter()
                result = await window.runs.run_tab(tab)
                outcomes.append((wf.name, result.status if result else None, time.perf_counter() - t0,
                                 result.error if result else None))
        finally:
            timer.stop()
            await window.aclose()
        return outcomes, max(gaps)

    with asyncio.Runner(loop_factory=EventLoop) as runner:
        outcomes, worst = runner.run(go())
    for name, status, took, error in outcomes:
        assert status == ("succeeded" if name == "redos" else "failed") and took < 2.0, (name, status, took)
        assert name == "redos" or "too much work" in error or "out of range" in error, error
    assert worst < 0.5


def test_in_the_editor_a_hostile_document_is_refused_with_a_message_and_nothing_stored(window, tmp_path):
    before = window.store.workflows.list(limit=1000).total
    for name, mutate in (("surrogate", SURROGATE_DOCS["label"]), ("deep", None), ("bigint", None)):
        data = doc(Flow(name).node("c", "constant", value=0).node("o", "output", name="o").edge("c.value", "o.value"))
        if mutate:
            mutate(data)
        text = json.dumps(data)
        if name == "deep":
            data["nodes"][0]["config"]["value"] = nested(300)
            text = json.dumps(data)
        elif name == "bigint":
            text = text.replace('"value": 0', '"value": ' + "7" * 5000)
        path = tmp_path / f"{name}.json"
        path.write_text(text, encoding="ascii")
        assert window.workflows.import_files([str(path)]) == []
        message = window.workflows.import_refused.text()
        assert {"surrogate": "lone surrogate", "deep": "nested deeper than 100", "bigint": "4,300 digits"}[name] \
            in message
        window.workflows.import_refused.close()
    assert window.store.workflows.list(limit=1000).total == before


def test_from_the_cli_timeout_ends_a_busy_transform_and_a_90_megapixel_photo_loads(tmp_path):
    from PIL import Image

    words = [f"{i * 7919 % 100003:07d}-{'x' * 20}" for i in range(400_000)]
    busy = (Flow("busy").node("i", "input", name="words", type="list")
            .node("t", "transform", expression="sorted(data)[0]", settings={"timeout_s": 0.2})
            .node("o", "output", name="o").edge("i.value", "t.data").edge("t.result", "o.value"))
    done, took = cli(tmp_path / "home", "run", write(tmp_path, "busy.json", doc(busy)),
                     "--inputs", write(tmp_path, "words.json", {"words": words}), "--json", "-q")
    clean(done)
    run = json.loads(done.stdout)
    assert done.returncode == 1 and "timed out after 0.2 s" in run["error"]
    Image.new("L", (10_000, 9_000), 200).save(tmp_path / "big.png")
    photo = (Flow("photo").node("load", "image_load", source=str(tmp_path / "big.png")).node("info", "image_info")
             .node("o", "output", name="o").edge("load.image", "info.image").edge("info.height", "o.value"))
    done, _ = cli(tmp_path / "home", "run", write(tmp_path, "photo.json", doc(photo)), "--json", "-q")
    clean(done)
    assert done.returncode == 0 and json.loads(done.stdout)["outputs"] == {"o": 9_000}


def test_in_the_editor_timeouts_stop_and_big_or_odd_values_behave(window, tmp_path):
    """A busy transform ends at its timeout and Stop ends another at once, the window ticking meanwhile; a deep
    input is refused at its field; a lone surrogate made by a block shows in the log; a 90 MP photo loads."""
    from PIL import Image

    from app.document.model import EditorDocument

    words = [f"{i * 7919 % 100003:07d}-{'x' * 20}" for i in range(400_000)]
    Image.new("L", (10_000, 9_000), 90).save(tmp_path / "big.png")

    def busy(timeout):
        settings = {"timeout_s": timeout} if timeout else {}
        return (Flow("busy").node("c", "constant", value=words)
                .node("t", "transform", expression="sorted(data)[0]", settings=settings)
                .node("d", "transform", expression="sorted(data)[-1]").node("o", "output", name="o")
                .edge("c.value", "t.data").edge("c.value", "d.data").edge("t.result", "o.value").build())

    deep = Flow("deep").node("i", "input", name="x").node("o", "output", name="o").edge("i.value", "o.value").build()
    odd = Flow("odd").node("t", "transform", expression="'a\\ud800b'").node("o", "output", name="o") \
        .edge("t.result", "o.value").build()
    photo = (Flow("photo").node("load", "image_load", source=str(tmp_path / "big.png")).node("info", "image_info")
             .node("o", "output", name="o").edge("load.image", "info.image").edge("info.width", "o.value").build())

    async def go():
        out = {}
        t0 = time.perf_counter()
        out["timeout"] = (await window.runs.run_tab(window.add_tab(EditorDocument(busy(0.2), registry=window.registry))),
                          time.perf_counter() - t0)
        tab = window.add_tab(EditorDocument(busy(None), registry=window.registry))
        task = asyncio.ensure_future(window.runs.run_tab(tab))
        while window.runs.running_on(window.current_tab()) is None:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        t0 = time.perf_counter()
        window.actionStop.trigger()
        out["stop"] = (await task, time.perf_counter() - t0)
        tab = window.add_tab(EditorDocument(deep, registry=window.registry))
        window.run_panel.inputs.fields["x"].setText(json.dumps(nested(600)))
        out["deep"] = (await window.runs.run_tab(tab), window.run_panel.text())
        tab = window.add_tab(EditorDocument(odd, registry=window.registry))
        out["odd"] = (await window.runs.run_tab(tab), window.run_panel.text())
        tab = window.add_tab(EditorDocument(photo, registry=window.registry))
        out["photo"] = (await window.runs.run_tab(tab), None)
        return out

    out = on_loop(window, go)
    result, took = out["timeout"]
    assert result.status == "failed" and "timed out after 0.2 s" in result.error
    assert result.nodes["t"].duration_ms < 1200  # (the run as a whole also stores a 400,000-word document)
    result, took = out["stop"]
    assert result.status == "cancelled" and took < 1.5
    result, log = out["deep"]
    assert result is None and "nested deeper than 100 levels" in log
    result, log = out["odd"]
    assert result.status == "succeeded" and "succeeded" in log
    assert out["photo"][0].status == "succeeded" and out["photo"][0].outputs == {"o": 10_000}
