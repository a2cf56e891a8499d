"""Expressions in config fields (SPEC §5a, issue 14), through the real executor, cache and CLI."""

import asyncio
import json
import subprocess
import sys

import pytest
from PIL import Image

from engine import net
from engine.blocks import default_registry
from engine.cache import ResultCache
from engine.executor import Executor
from engine.events import NodeFinished
from engine.graph import validate

from .builder import Flow
from .http_server import Handler, LoopbackServer

pytestmark = pytest.mark.timeout(120)
E = lambda text: {"$expr": text}  # noqa: E731


@pytest.fixture(scope="module")
def server():
    s = LoopbackServer()
    yield s
    s.close()


def run(wf, inputs=None, cache=None):
    async def go():
        ex = Executor(default_registry(), cache=cache)
        sub = ex.subscribe()
        result = await ex.run(wf, inputs)
        ex.close()
        await net.aclose()
        return result, {e.node_id: e.status for e in sub.drain() if isinstance(e, NodeFinished) and not e.iteration}

    return asyncio.run(go())


def test_a_url_built_from_a_node_and_the_loop_item_fetches_each_item_in_a_parallel_foreach(server):
    port = int(server.url.rsplit(":", 1)[1])
    for i in range(5):
        Handler.extra[f"/items/{i}"] = (json.dumps({"n": i * i}).encode(), "application/json")
    wf = (Flow("fetch").node("port", "constant", value=port)
          .node("items", "constant", value=[{"id": i} for i in range(5)])
          .node("each", "foreach", parallel=True, batch_size=3)
          .node("get", "http_request", url=E("http://127.0.0.1:{{nodes.port.value}}/items/{{loop.item.id}}"),
                headers={"X-Token": E("t-{{ loop.index }}")})
          .node("field", "get_field", path="n")
          .node("col", "collect").node("out", "output", name="out")
          .edge("items.value", "each.items").edge("each.item", "get.body")
          .edge("get.body", "field.data").edge("field.value", "col.value").edge("col.items", "out.value").build())
    assert validate(wf) == []
    result, _ = run(wf)
    assert result.status == "succeeded", result.error
    assert result.outputs["out"] == [i * i for i in range(5)]


def test_a_header_inside_headers_resolves_and_a_whole_placeholder_keeps_its_type(server):
    img = Image.new("RGB", (40, 20), "red")
    wf = (Flow("typed").node("tok", "constant", value="secret-7").node("size", "constant", value=10)
          .node("img", "input", name="img", type="image")
          .node("resize", "image_resize", width=E("{{ nodes.size.value }}"), height=E("{{nodes.size.value * 2}}"),
                keep_aspect=False)
          .node("echo", "http_request", url=server.url + "/echo", headers={"X-Token": E("{{nodes.tok.value}}")})
          .node("o1", "output", name="image").node("o2", "output", name="echo")
          .edge("img.value", "resize.image").edge("resize.image", "o1.value").edge("echo.body", "o2.value").build())
    result, _ = run(wf, {"img": img})
    assert result.status == "succeeded", result.error
    assert result.outputs["image"].size == (10, 20)
    assert result.outputs["echo"]["x_token"] == "secret-7"


def test_values_read_are_data_never_templates_again():
    """A run input whose text is ``{{run.id}}`` reaches the output as that text, through a field expression."""
    wf = (Flow("data").node("i", "input", name="text").node("say", "constant", value=E("<{{ run.inputs.text }}>"))
          .node("ghost", "get_field", nope=E("{{ run.id }}"))
          .node("o", "output", name="o").edge("say.value", "o.value").build())
    assert ("ghost", "invalid_config") in [(i.node_id, i.code) for i in validate(wf)]
    wf.nodes[:] = [n for n in wf.nodes if n.id != "ghost"]
    result, _ = run(wf, {"text": "{{run.id}}"})
    assert result.status == "succeeded", result.error
    assert result.outputs["o"] == "<{{run.id}}>"


def test_code_fields_cannot_hold_expressions():
    wf = (Flow("code").node("c", "constant", value=1).node("t", "transform", expression=E("data * {{ in.data }}"))
          .node("p", "template", template=E("{{ nodes.c.value }}")).edge("c.value", "t.data").build())
    issues = validate(wf)
    assert {(i.node_id, i.code) for i in issues} == {("t", "invalid_expression"), ("p", "invalid_expression")}
    assert "is itself code" in str(issues[0])


def test_editing_a_referenced_node_reruns_exactly_the_nodes_that_read_it(tmp_path):
    cache = ResultCache(tmp_path / "cache")

    def flow(key):
        return (Flow("edit").node("key", "constant", value=key).node("base", "constant", value={"a": 1, "b": 2})
                .node("reads", "get_field", path=E("{{ nodes.key.value }}"))
                .node("other", "get_field", path="a")
                .node("after", "transform", expression="data * 10")
                .node("o1", "output", name="x").node("o2", "output", name="y")
                .edge("base.value", "reads.data").edge("base.value", "other.data").edge("reads.value", "after.data")
                .edge("after.result", "o1.value").edge("other.value", "o2.value").build())

    try:
        first, _ = run(flow("a"), cache=cache)
        assert first.status == "succeeded", first.error
        assert first.outputs == {"x": 10, "y": 1}
        second, statuses = run(flow("a"), cache=cache)
        assert {statuses[n] for n in ("key", "base", "reads", "other", "after")} == {"cached"}
        third, statuses = run(flow("b"), cache=cache)
        assert third.outputs == {"x": 20, "y": 1}
        ran = {n for n, s in statuses.items() if s != "cached"} - {"o1", "o2"}
        assert ran == {"key", "reads", "after"} and statuses["other"] == statuses["base"] == "cached"
    finally:
        cache.close()


def test_validate_reports_an_unknown_node_a_bad_template_and_a_cycle_through_a_reference(tmp_path):
    wf = (Flow("bad").node("a", "get_field", path=E("{{ nodes.ghost.value }}"))
          .node("b", "get_field", path=E("{{ nodes.a.value + }}"))
          .node("c", "get_field", path=E("{{ nodes.d.value }}"))
          .node("d", "get_field", path="x").edge("c.value", "d.data").build())
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(wf.model_dump(mode="json")))
    done = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(tmp_path / "home"), "validate", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    err = done.stderr
    assert "ghost" in err and "node 'a'" in err
    assert "node 'b'" in err and "expression" in err.lower()
    assert "cycle" in err and "node 'c'" in err and "node 'd'" in err


@pytest.mark.parametrize("template", [
    "{{ in.data.__class__ }}", "{{ __import__('os') }}", "{{ getattr(in, 'data') }}", "{{ '{0.__class__}'.format(1) }}",
    "{{ 'a' * 10**10 }}", "{{ [0] * 10**9 }}", "{{ 9**9**9 }}", "{{ nodes }}", "{{ open('/etc/passwd') }}",
    "{{ in.data.keys() }}", "{{ lambda: 1 }}", "{{ [x for x in in.data] }}",
])
def test_escape_attempts_in_a_field_fail_cleanly(template):
    wf = (Flow("escape").node("c", "constant", value={"data": [1, 2]})
          .node("t", "get_field", path=E(template)).node("o", "output", name="o")
          .edge("c.value", "t.data").edge("t.value", "o.value").build())
    issues = validate(wf)
    if issues:
        assert all(i.node_id == "t" for i in issues) and "expression" in str(issues[0])
        return
    result, statuses = run(wf)
    assert result.status == "failed" and statuses["t"] == "failed"
    assert "config 'path'" in result.error


def test_a_dead_reference_reads_null():
    wf = (Flow("dead").node("c", "constant", value=0).node("cond", "condition", operator="eq", value=1)
          .node("t", "get_field", path="x").node("say", "constant", value=E("<{{ nodes.t.value }}>"))
          .node("whole", "constant", value=E("{{ nodes.t.value }}"))
          .node("o1", "output", name="text").node("o2", "output", name="whole")
          .edge("c.value", "cond.value").edge("cond.true_output", "t.data")
          .edge("say.value", "o1.value").edge("whole.value", "o2.value").build())
    assert validate(wf) == []
    result, statuses = run(wf)
    assert statuses["t"] == "skipped" and statuses["say"] == "succeeded"
    assert result.outputs == {"text": "<>", "whole": None}
