"""Schemathesis (4.x) over the served OpenAPI document against the live server, with a valid token: every
check but positive_data_acceptance (a document or config that fits the JSON schema may still be refused with
a 422 naming its problems), stateless and stateful phases, at least 500 generated cases. No 5xx, every
response as documented. Set NODELOOM_FUZZ_SEED=random to explore beyond the fixed seed."""

import asyncio
import os
import re
import subprocess
import sys
import threading

import pytest

from engine.store import Store

from .server_helpers import OPEN, started

pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def live(tmp_path):
    """A server on its own loop in a thread (the fuzzer is a subprocess): (url, token, log records)."""
    store = Store(tmp_path / "home")
    ready = threading.Event()
    box = {}

    def run():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def main():
            service, server, token = await started(store, dispatch=True, **OPEN)
            box.update(url=server.url, token=token)
            done = asyncio.Event()
            box["stop"] = lambda: loop.call_soon_threadsafe(done.set)
            ready.set()
            await done.wait()
            await server.stop()
            await service.close()

        loop.run_until_complete(main())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30)
    yield box["url"], box["token"]
    box["stop"]()
    thread.join(30)
    store.close()


def test_schemathesis_finds_no_server_error_and_no_undocumented_response(live, tmp_path, caplog):
    url, token = live
    seed = os.environ.get("NODELOOM_FUZZ_SEED", "20261201")
    cmd = [sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
           "run", f"{url}/api/v1/openapi.json", "-H", f"Authorization: Bearer {token}", "--checks", "all",
           # (ensure_resource_availability, ST302: after a workflow is created, a run naming a fuzzed version (100.0)
           # or a trigger id of another workflow gets a right 404, which that stateful check takes for the created
           # workflow lost — it failed about one CI run in four; routes that lose a created workflow would still
           # answer 404 to GET /workflows/{id}, which test_server's round trips check)
           "--exclude-checks", "positive_data_acceptance,ensure_resource_availability",
           "--max-examples", "5", "--workers", "2",
           "--no-color", *(["--seed", seed] if seed != "random" else [])]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=500, cwd=tmp_path,
                          env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"})
    out = proc.stdout + proc.stderr
    counts = re.search(r"(\d+) generated, (\d+) passed", out)
    assert proc.returncode == 0, out[-6000:]
    assert counts and int(counts.group(1)) >= 500 and counts.group(1) == counts.group(2), out[-3000:]
    assert "✅ Stateful" in out and "✅ Fuzzing" in out, out[-3000:]
    errors = [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]
