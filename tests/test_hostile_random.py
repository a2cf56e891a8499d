"""Random documents, inputs and expressions of every shape — lone surrogates, huge integers, deep nesting — run
through the ``nodeloom`` command's own entry point (issue 12). For each: ``validate`` accepts exactly when
``import`` does; ``run --json`` exits 0, 1 or 2 with valid UTF-8 JSON on stdout (or nothing, on a refusal);
afterwards ``runs --json`` and ``export`` still work."""

import contextlib
import io
import json
import sys

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.cli import main

from .test_random_documents import JSON_VALUES, documents

HOSTILE_TEXT = st.sampled_from(["\ud800", "a\udfffb", "\udc80", "e\u0301", "\u202e", "\x00", "\ufeff", "😀", ""])
HOSTILE_LEAVES = (HOSTILE_TEXT | st.sampled_from([10 ** 4400, -(10 ** 5000), 2 ** 63, 1e308, -0.0])
                  | st.integers(90, 140).map(lambda depth: _nested(depth)))
EXPRESSIONS = st.sampled_from(["[[0]*10**4]*10**4", "str([[0]*10**3]*10**3)", "round(1, -10**8)",
                               "sum([[1]*300]*300, [])", "sorted(data)", "'\\ud800' + str(data)", "9**9**9",
                               "data == data", "str(data)", "max([1], [2])"])


def _nested(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


def cli(*argv) -> tuple[int, bytes, bytes]:
    """``nodeloom ARGV`` in this process, with byte streams behind stdout and stderr as a terminal has."""
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="strict", write_through=True)
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse
            code = e.code if isinstance(e.code, int) else 2
    stdout.flush()
    stderr.flush()
    return code, out.getvalue(), err.getvalue()


@st.composite
def hostile_documents(draw):
    doc = draw(documents())
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(["name", "label", "config", "expression"]))
        node = draw(st.sampled_from(doc["nodes"]))
        if where == "name":
            doc["name"] = "w" + draw(HOSTILE_TEXT)
        elif where == "label":
            node["label"] = draw(HOSTILE_TEXT)
        elif where == "expression":
            node.update(type="transform", config={"expression": draw(EXPRESSIONS)})
        else:
            node.setdefault("config", {})[draw(st.sampled_from(["value", "expression", "name"]))] = draw(HOSTILE_LEAVES)
    return doc


def dumps(value) -> str:
    """JSON as another tool would send it: ASCII with \\u escapes (a lone surrogate written as JSON allows),
    integers of any length (Python's own limit on printing them is lifted just for this)."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return json.dumps(value)
    finally:
        sys.set_int_max_str_digits(limit)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(hostile_documents(), st.dictionaries(st.sampled_from(["a", "b", "c"]), JSON_VALUES | HOSTILE_LEAVES, max_size=2))
def test_every_command_ends_cleanly_and_leaves_the_store_readable(tmp_path, doc, inputs):
    home = str(tmp_path / "home")
    path = tmp_path / "doc.json"
    path.write_text(dumps(doc), encoding="ascii")
    inputs_path = tmp_path / "inputs.json"
    inputs_path.write_text(dumps(inputs), encoding="ascii")

    valid, _, verr = cli("--home", home, "validate", str(path), "--json")
    imported, iout, ierr = cli("--home", home, "import", str(path))
    assert (valid == 0) == (imported == 0), (valid, imported, verr[-500:], ierr[-500:])
    for err in (verr, ierr):
        assert b"Traceback" not in err
    event("valid" if valid == 0 else "refused")

    code, out, err = cli("--home", home, "run", str(path), "--inputs", str(inputs_path), "--json", "-q")
    assert code in (0, 1, 2), (code, err[-1000:])
    assert b"Traceback" not in err, err[-2000:]
    text = out.decode("utf-8")  # valid UTF-8, whatever the run held
    if text.strip():
        run = json.loads(text)
        assert run["status"] in ("succeeded", "failed", "cancelled")
    event(f"run exit {code}")

    code, out, err = cli("--home", home, "runs", "--json")
    assert code == 0 and b"Traceback" not in err
    json.loads(out.decode("utf-8"))
    if imported == 0:
        workflow_id = iout.decode("utf-8").strip()
        code, _, err = cli("--home", home, "export", workflow_id, str(tmp_path / "out.json"))
        assert code == 0, err[-1000:]
        json.loads((tmp_path / "out.json").read_text("utf-8"))


def test_the_entry_point_writes_escapes_not_errors_for_a_lone_surrogate(tmp_path):
    doc = {"format": "nodeloom.workflow", "schema_version": 1, "name": "s",
           "nodes": [{"id": "t", "type": "transform", "config": {"expression": "'\\ud800'"}},
                     {"id": "o", "type": "output", "config": {"name": "o"}}],
           "edges": [{"id": "e", "source": "t", "source_port": "result", "target": "o", "target_port": "value"}]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc), encoding="ascii")
    code, out, err = cli("--home", str(tmp_path / "home"), "run", str(path), "--json", "-q")
    assert code == 0 and json.loads(out.decode("utf-8"))["outputs"] == {"o": "\ud800"}
    assert sys.getdefaultencoding() == "utf-8"
