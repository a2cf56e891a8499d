"""http_request against a real HTTP server on a loopback port."""

import asyncio
import time

import pytest
from PIL import Image

from engine.executor import Executor
from engine.cache import ResultCache
from engine.events import NodeFinished

from .builder import Flow, brief
from .http_server import Handler, LoopbackServer


@pytest.fixture(scope="module")
def server():
    s = LoopbackServer()
    yield s
    s.close()


def call(run_flow, settings=None, **config):
    wf = (Flow().node("h", "http_request", settings=settings, **config)
          .node("status", "output", name="status").node("body", "output", name="body")
          .node("headers", "output", name="headers")
          .chain("h.status", "status.value").edge("h.body", "body.value").edge("h.headers", "headers.value").build())
    return run_flow(wf)


def failure(result, events):
    assert result.status == "failed"
    (fin,) = [e for e in events if brief(e)[:2] == ("failed", "h")]
    assert fin.error in result.error
    return fin.error


@pytest.mark.parametrize("path, response_type, expected", [
    ("/json", "auto", {"a": 1, "b": [1, 2]}),
    ("/json", "text", '{"a": 1, "b": [1, 2]}'),
    ("/text", "auto", "héllo"),
    ("/bytes", "auto", bytes(range(256))),
    ("/bytes", "bytes", bytes(range(256))),
])
def test_response_types(server, run_flow, path, response_type, expected):
    result, _ = call(run_flow, url=server.url + path, response_type=response_type)
    assert result.status == "succeeded", result.error
    assert result.outputs["status"] == 200
    assert result.outputs["body"] == expected


def test_an_image_response_is_an_image(server, run_flow):
    for kind in ("auto", "image"):
        result, _ = call(run_flow, url=server.url + "/image", response_type=kind)
        img = result.outputs["body"]
        assert isinstance(img, Image.Image) and img.size == (30, 20) and img.getpixel((0, 0)) == (200, 40, 40)
        assert result.outputs["headers"]["content-type"] == "image/png"


def test_json_form_and_text_bodies_headers_and_query(server, run_flow):
    result, _ = call(run_flow, method="POST", url=server.url + "/echo", body={"x": [1, "é"]},
                     headers={"X-Token": "t0k"}, query={"q": "a b", "n": 3, "flag": True})
    echo = result.outputs["body"]
    assert echo == {"method": "POST", "query": {"q": "a b", "n": "3", "flag": "true"},
                    "content_type": "application/json", "x_token": "t0k", "body": '{"x": [1, "é"]}'}
    result, _ = call(run_flow, method="PUT", url=server.url + "/echo", body={"k": "v w", "n": 2}, body_type="form")
    assert result.outputs["body"]["body"] == "k=v+w&n=2"
    assert result.outputs["body"]["content_type"] == "application/x-www-form-urlencoded"
    result, _ = call(run_flow, method="PATCH", url=server.url + "/echo", body="plain words", body_type="text")
    assert result.outputs["body"]["body"] == "plain words"
    assert result.outputs["body"]["content_type"].startswith("text/plain")


def test_url_and_body_inputs_override_the_config(server, run_flow):
    wf = (Flow().node("u", "constant", value=server.url + "/echo").node("b", "constant", value={"from": "input"})
          .node("h", "http_request", method="POST", url="http://127.0.0.1:9/never", body={"from": "config"})
          .node("o", "output", name="body")
          .edge("u.value", "h.url").edge("b.value", "h.body").edge("h.body", "o.value").build())
    result, _ = run_flow(wf)
    assert result.status == "succeeded", result.error
    assert result.outputs["body"]["body"] == '{"from": "input"}'


def test_read_and_total_timeouts_fail_the_node_quickly(server, run_flow):
    t0 = time.monotonic()
    result, events = call(run_flow, url=server.url + "/slow?s=3", read_timeout_s=0.3)
    assert "sent nothing for 0.3 s" in failure(result, events)
    result, events = call(run_flow, url=server.url + "/slow?s=3", timeout_s=0.4)
    assert "no complete response within 0.4 s" in failure(result, events)
    assert time.monotonic() - t0 < 2.5


def test_a_refused_connection_is_a_clear_failure(run_flow):
    result, events = call(run_flow, url="http://127.0.0.1:9/nothing-listens-here")
    assert "GET http://127.0.0.1:9/nothing-listens-here failed: ConnectError" in failure(result, events)


def test_an_over_limit_response_never_reaches_memory(server, run_flow):
    t0 = time.monotonic()
    result, events = call(run_flow, url=server.url + "/endless", max_response_mb=1)
    assert f"exceeds the limit of {1024 * 1024} bytes" in failure(result, events)
    result, events = call(run_flow, url=server.url + "/huge-declared", max_response_mb=1)
    assert f"the response is {10 * 1024**3} bytes; the limit is {1024 * 1024}" in failure(result, events)
    assert time.monotonic() - t0 < 5  # 1 MB of a 10 GB stream, not the whole of it


def test_redirects_are_followed_only_when_asked(server, run_flow):
    result, _ = call(run_flow, url=server.url + "/redirect")
    assert result.status == "succeeded"
    assert result.outputs["status"] == 302 and result.outputs["headers"]["location"] == "/json"
    result, _ = call(run_flow, url=server.url + "/redirect", follow_redirects=True)
    assert (result.outputs["status"], result.outputs["body"]) == (200, {"a": 1, "b": [1, 2]})


def test_error_statuses_fail_and_retry_with_backoff(server, run_flow):
    retry = {"retry": {"max_attempts": 3, "backoff_s": 0.05, "factor": 2, "jitter": 0}}
    result, events = call(run_flow, settings=retry, url=server.url + "/flaky/twice/2")
    assert result.status == "succeeded", result.error
    assert result.outputs["body"] == {"attempt": 3}
    assert [brief(e) for e in events if brief(e)[0] == "retrying"] == [("retrying", "h", 1, 0.05), ("retrying", "h", 2, 0.1)]
    result, events = call(run_flow, settings=retry, url=server.url + "/flaky/always/99")
    assert "answered 503 Service Unavailable: busy" in failure(result, events)
    assert len([brief(e) for e in events if brief(e)[0] == "retrying"]) == 2
    result, events = call(run_flow, url=server.url + "/status/404")
    assert "GET " + server.url + "/status/404 answered 404 Not Found: nope" == failure(result, events)
    result, _ = call(run_flow, url=server.url + "/status/404", fail_on_status=False)
    assert (result.status, result.outputs["status"], result.outputs["body"]) == ("succeeded", 404, "nope")


def test_a_get_is_cached_and_a_post_always_runs(server, tmp_path):
    def twice(method):
        wf = (Flow().node("h", "http_request", method=method, url=server.url + f"/flaky/{method}/0")
              .node("o", "output", name="body").edge("h.body", "o.value").build())

        async def go():
            cache = ResultCache(tmp_path / method)
            statuses = []
            for _ in range(2):
                ex = Executor(cache=cache)
                sub = ex.subscribe()
                result = await ex.run(wf)
                statuses.append([e.status for e in sub.drain() if isinstance(e, NodeFinished) and e.node_id == "h"][0])
                ex.close()
            cache.close()
            return statuses, result

        return asyncio.run(go())

    statuses, result = twice("GET")
    assert statuses == ["succeeded", "cached"] and result.outputs["body"] == {"attempt": 1}
    statuses, result = twice("POST")
    assert statuses == ["succeeded", "succeeded"] and result.outputs["body"] == {"attempt": 2}
    assert Handler.counters["GET"] == 1 and Handler.counters["POST"] == 2
