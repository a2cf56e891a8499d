"""Validation reports every problem at once, each naming its node or edge."""

from engine.graph import validate

from .builder import Flow


def codes(wf, registry=None):
    return sorted((i.code, i.node_id or i.edge_id) for i in validate(wf, registry))


def test_every_problem_at_once():
    wf = (Flow().node("a", "constant", value=1).node("a", "constant")
          .node("u", "no_such_block")
          .node("r", "image_resize", width=-1)
          .node("t", "transform")
          .node("s", "image_info")
          .node("c1", "transform", expression="data").node("c2", "transform", expression="data")
          .node("txt", "template", template="x")
          .node("m", "merge").node("m2", "merge")
          .node("fe", "foreach")
          .edge("a.value", "ghost.x", "dangling")
          .edge("c1.result", "c2.data", "cyc1").edge("c2.result", "c1.data", "cyc2")
          .edge("txt.text", "s.image", "mismatch")
          .edge("a.value", "m.a", "first").edge("txt.text", "m.a", "second")
          .edge("a.value", "fe.items", "items")
          .build())
    assert codes(wf) == [
        ("cycle", "c1"), ("cycle", "c2"),
        ("dangling_edge", "dangling"),
        ("duplicate_id", "a"),
        ("foreach_without_collect", "fe"),
        ("input_already_connected", "second"),
        ("input_not_connected", "r"),
        ("input_not_connected", "s"),
        ("invalid_config", "r"),
        ("missing_config", "t"),
        ("type_mismatch", "mismatch"),
        ("unknown_block", "u"),
    ]


def test_unknown_ports_and_duplicate_names():
    wf = (Flow().node("i1", "input", name="x").node("i2", "input", name="x")
          .node("o", "output", name="y").node("o2", "output", name="y")
          .edge("i1.nope", "o.value", "e1").edge("i2.value", "o.zzz", "e2").edge("i2.value", "o2.value", "e3")
          .build())
    assert codes(wf) == [("duplicate_input_name", "i2"), ("duplicate_output_name", "o2"),
                         ("input_not_connected", "o"), ("unknown_port", "e1"), ("unknown_port", "e2")]


def test_integer_feeds_number_and_any_feeds_everything():
    wf = (Flow().node("img", "image_load", source="x.png").node("c", "constant", value=1)
          .node("crop", "image_crop").node("r", "image_resize")
          .edge("img.width", "crop.box", "int_to_object")
          .edge("c.value", "crop.image").edge("crop.image", "r.image").build())
    assert codes(wf) == [("type_mismatch", "int_to_object")]


def test_loop_rules():
    base = (Flow().node("items", "constant", value=[1, 2]).node("fe", "foreach")
            .node("body", "transform", expression="data").node("col", "collect")
            .edge("items.value", "fe.items").edge("fe.item", "body.data").edge("body.result", "col.value"))
    assert codes(base.build()) == []
    escape = (Flow().node("items", "constant", value=[1, 2]).node("fe", "foreach")
              .node("body", "transform", expression="data").node("col", "collect")
              .node("out", "output", name="leak").node("late", "merge")
              .edge("items.value", "fe.items").edge("fe.item", "body.data").edge("body.result", "col.value")
              .edge("body.result", "out.value").edge("col.items", "late.a").edge("body.result", "late.b").build())
    assert codes(escape) == [("loop_escape", "late"), ("loop_escape", "out")]
    stray = Flow().node("c", "constant", value=1).node("col", "collect").edge("c.value", "col.value").build()
    assert codes(stray) == [("collect_without_foreach", "col")]
    mixed = (Flow().node("items", "constant", value=[1]).node("f1", "foreach").node("f2", "foreach")
             .node("m", "merge").node("c1", "collect").node("c2", "collect")
             .edge("items.value", "f1.items").edge("items.value", "f2.items")
             .edge("f1.item", "m.a").edge("f2.item", "m.b").edge("m.value", "c1.value").edge("f2.item", "c2.value")
             .build())
    assert ("mixed_loops", "m") in codes(mixed)


def test_unsafe_expression_is_a_config_problem():
    wf = Flow().node("t", "transform", expression="().__class__.__mro__").build()
    [issue] = validate(wf)
    assert issue.code == "invalid_config" and issue.node_id == "t" and "__mro__" in issue.message and "Value error" not in issue.message
