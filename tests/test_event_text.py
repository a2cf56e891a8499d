"""The recorder's direct JSON text of per-item node events decodes to what event_to_json gives, keys in order."""

import json

import pytest
from PIL import Image

from engine.events import NodeFinished, NodeProgress, NodeRetrying, NodeStarted, RunStarted, event_to_json
from engine.runs.event_text import event_text

RID = "0123456789abcdef0123456789abcdef"


def finished(**kw):
    fields = dict(run_id=RID, seq=7, ts=1796613092.3460665, node_id="sq", iteration=(3,), status="succeeded",
                  duration_ms=0.06372999996528961, attempts=1, error=None, error_type=None, traceback=None,
                  outputs={"result": 9}, preview=None, pinned=False, output_ref="a8074d37b2f4")
    fields.update(kw)
    return NodeFinished(**fields)


EVENTS = [
    NodeStarted(RID, 3, 1796613092.3460665, "in", ()),
    NodeStarted(RID, 4, 1.0, "nödé \"q\" \\ \n", (1, 2, 30)),
    NodeStarted(RID, 5, 2.5, "lone \ud800 surrogate", (0,)),
    NodeProgress(RID, 8, 3.25, "each", (), 0.01, "1/100", None),
    NodeProgress(RID, 9, 3.5, "each", (4,), None, "ünï \udfff", "prev-key"),
    finished(),
    finished(status="failed", error="boom ✗ \ud83d", error_type="BlockError", traceback="Trace\n  line",
             outputs={}, preview="p1", pinned=True, output_ref=None, iteration=(), attempts=3),
    finished(status="cached", outputs={"image": Image.new("RGB", (4, 3)), "é": [1, 2], "b": b"xy"},
             duration_ms=0),
]


@pytest.mark.parametrize("ev", EVENTS, ids=range(len(EVENTS)))
def test_decodes_to_event_to_json_in_key_order(ev):
    text = event_text(ev)
    assert text is not None and text.isascii()
    assert list(json.loads(text).items()) == list(event_to_json(ev).items())


def test_given_summary_is_used():
    ev = finished()
    assert json.loads(event_text(ev, summary={"result": "given"}))["outputs"] == {"result": "given"}


@pytest.mark.parametrize("ev", [
    RunStarted(RID, 2, 1.0, 5),
    NodeRetrying(RID, 5, 1.0, "n", (), 1, 0.5, "err"),
    NodeProgress(RID, 8, 3.25, "each", (), float("nan"), "x", None),  # (not a plain JSON number)
    finished(duration_ms=float("inf")),
    finished(attempts=True),
    NodeStarted(RID, 3, 1.0, "n", ("a",)),
])
def test_others_are_left_to_the_general_encoder(ev):
    assert event_text(ev) is None
