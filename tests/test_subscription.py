"""A subscription's wait for its next events: it ends when an event comes, when the subscription closes, when
woken (the stream's other reason to stop) or at its timeout — whichever is first, with no task of its own."""

import asyncio
import time

from engine.events import NodeStarted
from engine.executor.bus import Subscription


def event(seq):
    return NodeStarted("r", seq, time.time(), "n", ())


def test_a_wait_ends_at_an_event_a_close_a_wake_or_its_timeout():
    async def go():
        loop = asyncio.get_running_loop()
        sub = Subscription(10)
        t0 = time.perf_counter()
        await sub.ready(0.05)  # (nothing: its timeout)
        waited = time.perf_counter() - t0
        loop.call_later(0.01, sub.push, event(1))
        t0 = time.perf_counter()
        await sub.ready(5)
        by_event = time.perf_counter() - t0
        assert [e.seq for e in sub.drain()] == [1]
        loop.call_later(0.01, sub.wake)
        t0 = time.perf_counter()
        await sub.ready(5)
        by_wake = time.perf_counter() - t0
        sub.push(event(2))
        await sub.ready(5)  # (something buffered: at once)
        assert [e.seq for e in sub.drain()] == [2]
        loop.call_later(0.01, sub.close)
        t0 = time.perf_counter()
        await sub.ready(5)
        by_close = time.perf_counter() - t0
        assert sub.closed and sub.drain() == []
        return waited, by_event, by_wake, by_close

    waited, by_event, by_wake, by_close = asyncio.run(go())
    assert 0.04 < waited < 1 and by_event < 1 and by_wake < 1 and by_close < 1


def test_an_event_pushed_during_a_wait_wakes_it_and_a_later_get_still_works():
    async def go():
        sub = Subscription(10)
        waiting = asyncio.ensure_future(sub.ready(5))
        await asyncio.sleep(0)
        sub.push(event(1))
        await asyncio.wait_for(waiting, 1)
        got = await asyncio.wait_for(sub.get(), 1)
        asyncio.get_running_loop().call_later(0.01, sub.push, event(2))
        later = await asyncio.wait_for(sub.get(), 1)
        return got.seq, later.seq

    assert asyncio.run(go()) == (1, 2)
