"""Random documents — random DAGs, configs and edges — either validate and run, or fail validation with
typed errors. Never an unhandled exception."""

import asyncio

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from engine import DocumentError, InputError, Issue, WorkflowInvalid, parse_document
from engine.blocks import default_registry
from engine.executor import Executor
from engine.graph import validate

REG = default_registry()
# network and long sleeps are left out: the point is the engine's handling, not waiting
TYPES = sorted(b.type for b in REG if b.type not in ("delay",)) + ["unknown_kind"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.floats(-10, 10, allow_nan=False)
    | st.sampled_from(["", "a", "data", "data + 1", "x.png", "{{a}}", "^a", "number", "any", "list", "eq", "gt",
                       "__class__", "9**9**9"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "left"]), inner, max_size=2),
    max_leaves=6)


@st.composite
def configs(draw, kind):
    cls = REG.get(kind)
    fields = list(cls.Config.model_fields) if cls else ["x"]
    keys = draw(st.lists(st.sampled_from(fields + ["bogus"]), max_size=4, unique=True))
    config = {k: draw(JSON_VALUES) for k in keys}
    if kind in ("input", "output") and draw(st.booleans()):
        config["name"] = draw(st.sampled_from(["a", "b", "c"]))
    if kind == "image_load" and isinstance(config.get("source"), str) and "//" in config["source"]:
        config["source"] = "x.png"
    return config


def ports(kind, direction):
    cls = REG.get(kind)
    if cls is None:
        return ["value"]
    names = [p.name for p in (cls.input_ports() if direction == "in" else cls.output_ports())]
    return names + ["nope"] if names else ["nope"]


@st.composite
def documents(draw):
    n = draw(st.integers(1, 8))
    kinds = [draw(st.sampled_from(TYPES)) for _ in range(n)]
    nodes = [{"id": f"n{i}", "type": k, "config": draw(configs(k))} for i, k in enumerate(kinds)]
    if draw(st.booleans()) and n > 1:
        nodes[-1]["id"] = nodes[0]["id"]  # sometimes a duplicate id
    edges = []
    for j in range(draw(st.integers(0, 12))):
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(0, n - 1))
        if draw(st.integers(0, 9)) > 0 and a >= b:  # mostly forward edges (a DAG), sometimes a back edge
            a, b = min(a, b), max(a, b)
            if a == b:
                continue
        target = f"n{b}" if draw(st.integers(0, 9)) else "ghost"
        edges.append({"id": f"e{j}", "source": f"n{a}", "source_port": draw(st.sampled_from(ports(kinds[a], "out"))),
                      "target": target, "target_port": draw(st.sampled_from(ports(kinds[b], "in")))})
    return {"format": "nodeloom.workflow", "schema_version": 1, "name": "random", "nodes": nodes, "edges": edges}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.dictionaries(st.sampled_from(["a", "b", "c"]), JSON_VALUES, max_size=2))
def test_random_documents_validate_and_run_or_fail_typed(tmp_path_factory, doc, inputs):
    try:
        wf = parse_document(doc)
    except WorkflowInvalid as e:
        event("invalid document")
        assert e.issues and all(isinstance(i, Issue) and (i.node_id or i.edge_id or i.code) for i in e.issues)
        return
    except DocumentError:
        return
    issues = validate(wf)
    if issues:
        event("validation issues")
        assert all(isinstance(i, Issue) and i.code and i.message for i in issues)
        return

    async def go():
        ex = Executor()
        try:
            return await asyncio.wait_for(ex.run(wf, inputs, base_dir=tmp_path_factory.getbasetemp()), 20)
        except InputError as e:
            assert e.problems
            return None
        finally:
            ex.close()

    result = asyncio.run(go())
    event(f"ran: {result.status if result else 'input error'}")
    if result is not None:
        assert result.status in ("succeeded", "failed")
        if result.status == "failed":
            assert result.error and "internal error" not in result.error


EXPRESSIONS = ["data", "len(str(data))", "data if data else 0", "[data, data]", "data + 1", "{'v': data}",
               "loop.index if loop else 0", "str(data) + 'x'"]
FACTORIES = {
    "constant": lambda d: {"value": d(JSON_VALUES)},
    "transform": lambda d: {"expression": d(st.sampled_from(EXPRESSIONS))},
    "template": lambda d: {"template": d(st.sampled_from(["{{a}}", "x {{data}} y", "{{loop.index}}", "plain"]))},
    "get_field": lambda d: {"path": d(st.sampled_from(["", "a", "a.b", "left[0]"]))},
    "merge": lambda d: {"mode": d(st.sampled_from(["first_live", "list"]))},
    "condition": lambda d: {"operator": d(st.sampled_from(["eq", "gt", "in", "contains", "exists", "empty", "matches"])),
                            "value": d(JSON_VALUES)},
    "filter_list": lambda d: {"operator": d(st.sampled_from(["eq", "gt", "exists"])), "value": d(JSON_VALUES)},
    "json_parse": lambda d: {},
    "foreach": lambda d: {"parallel": d(st.booleans()), "batch_size": d(st.integers(1, 3))},
    "collect": lambda d: {"flatten": d(st.booleans()), "unique": d(st.booleans())},
    "image_info": lambda d: {},
    "image_grayscale": lambda d: {},
    "output": lambda d: {},
}


@st.composite
def dags(draw):
    """Mostly well-formed DAGs: real ports, forward edges, required inputs connected."""
    from engine.types import can_feed

    n = draw(st.integers(1, 10))
    nodes, edges, outputs = [], [], []  # outputs: (node id, port, type) available so far
    for i in range(n):
        kind = draw(st.sampled_from(sorted(FACTORIES)))
        config = FACTORIES[kind](draw)
        if kind == "output":
            config["name"] = f"out{i}"
        nid = f"n{i}"
        cls = REG.get(kind)
        for port in cls.input_ports():
            choices = [o for o in outputs if can_feed(o[2], port.type)]
            if choices and (port.required or draw(st.booleans())):
                src, sp, _ = draw(st.sampled_from(choices))
                edges.append({"id": f"e{len(edges)}", "source": src, "source_port": sp, "target": nid,
                              "target_port": port.name})
        if any(p.required and not any(e["target"] == nid and e["target_port"] == p.name for e in edges)
               for p in cls.input_ports()):
            kind, config = "constant", {"value": draw(JSON_VALUES)}
            edges = [e for e in edges if e["target"] != nid]
            cls = REG.get(kind)
        nodes.append({"id": nid, "type": kind, "config": config})
        outputs += [(nid, p.name, p.type) for p in cls.output_ports()]
    return {"format": "nodeloom.workflow", "schema_version": 1, "name": "dag", "nodes": nodes, "edges": edges}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_random_dags_run_or_fail_validation_typed(tmp_path_factory, doc):
    test_random_documents_validate_and_run_or_fail_typed.hypothesis.inner_test(tmp_path_factory, doc, {})
