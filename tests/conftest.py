import asyncio
import os
import random
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# every test, and every process a test starts, keeps its data in a throwaway folder, never the user's
os.environ["NODELOOM_HOME"] = tempfile.mkdtemp(prefix="nodeloom-tests-")

from engine import net  # noqa: E402
from engine.blocks import Block, BlockConfig, Port, default_registry  # noqa: E402
from engine.executor import Executor  # noqa: E402

from .builder import brief  # noqa: E402


class FlakyBlock(Block):
    """Fails until its attempt number reaches ``succeed_on`` (a plugin-style block for retry tests)."""

    type = "test_flaky"
    category = "test"
    inputs = (Port("value", "any", required=False),)
    outputs = (Port("value", "any"),)

    class Config(BlockConfig):
        succeed_on: int = 3

    async def run(self, ctx, inputs, config):
        await asyncio.sleep(0)
        if ctx.attempt < config.succeed_on:
            raise RuntimeError(f"flaky failure on attempt {ctx.attempt}")
        return {"value": ctx.attempt}


class BoomBlock(Block):
    """Always fails."""

    type = "test_boom"
    category = "test"
    inline = True
    inputs = (Port("value", "any", required=False),)
    outputs = (Port("value", "any"),)

    async def run(self, ctx, inputs, config):
        raise ValueError("boom")


@pytest.fixture
def registry():
    reg = default_registry().copy()
    reg.register(FlakyBlock, "tests")
    reg.register(BoomBlock, "tests")
    return reg


@pytest.fixture
def run_flow(registry):
    """Run a workflow on a fresh executor; returns (result, [brief events])."""

    def run(wf, inputs=None, *, cancel_after=None, **kw):
        async def go():
            ex = Executor(registry, rng=random.Random(0))
            sub = ex.subscribe()
            handle = ex.start(wf, inputs, **kw)
            seen = []
            if cancel_after is not None:
                async for ev in sub:
                    seen.append(ev)
                    if brief(ev) == cancel_after:
                        handle.cancel()
                        break
            result = await handle
            events = seen + sub.drain()
            ex.close()
            await net.aclose()  # the loop's shared HTTP client
            return result, events

        result, events = asyncio.run(go())
        return result, events

    return run


def leave_unasked(window) -> None:
    """Let ``window`` close without the Save / Discard / Cancel question, its unsaved edits discarded. pytest-qt
    closes the widgets a test added before any fixture's teardown runs: a test that failed halfway through an
    edit would otherwise leave that question open, waiting for an answer nobody gives."""
    window.leaving = "discarded"


@pytest.fixture
def make_window(qtbot):
    """Real main windows on given data folders, shown offscreen; closed afterwards without asking (unsaved
    edits discarded), whether the test passed or failed."""
    from app.main_window import create

    made = []

    def make(home):
        w = create(home=home)
        qtbot.addWidget(w, before_close_func=leave_unasked)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        leave_unasked(w)
        w.close()
        w.store.close()
        w.help.close()


@pytest.fixture
def window(make_window, tmp_path):
    """The real main window on a throwaway data folder, shown offscreen."""
    return make_window(tmp_path)


def pytest_sessionfinish(session, exitstatus):
    import shutil

    shutil.rmtree(os.environ["NODELOOM_HOME"], ignore_errors=True)
