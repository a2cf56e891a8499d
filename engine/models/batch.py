"""Batched inference: the pictures of a parallel ForEach that reach the same model at the same time go through it
in one ``session.run`` (issue 29, "Speed").

Each model block prepares its own picture off the loop (:func:`engine.models.infer.prepare`), then hands it to
:func:`feed`. Pictures for the same session, input shape and type wait in a queue; one drain per queue runs them
in ``ctx.run_blocking`` calls, one after another, each taking what has gathered by the time a worker thread
starts it (the pictures that arrived while the previous batch ran, or while the threads were busy), stacking
them along the batch dimension for one ``session.run``, and giving each node its own slice of the outputs.
Each picture is still its own node run: its events, its cache
entry and its error are its own.

A model whose batch dimension is a fixed number gets one call per picture. When a stacked run fails, or its
outputs do not have one row per picture, the batch's pictures are run one by one, so a bad picture fails only
its own node; a model that runs each picture alone but not a stack of them is fed one picture at a time from
then on.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from .infer import Prepared, run_prepared

__all__ = ["Batcher", "batcher", "feed", "MAX_BATCH"]

#: the most pictures stacked in one ``session.run`` (the rest wait for the next)
MAX_BATCH = 64


@dataclass
class _Request:
    prepared: Prepared
    ctx: object
    future: asyncio.Future


class _Queue:
    """The pictures waiting for one session (input shape and type): put on the loop, taken by the worker thread
    that runs them — so a batch is what has gathered when a thread is free to run it."""

    def __init__(self) -> None:
        self._requests: list[_Request] = []
        self._lock = threading.Lock()
        self.taken: list[_Request] = []  # (the batch a thread is running)

    def put(self, request: _Request) -> None:
        with self._lock:
            self._requests.append(request)

    def oldest(self) -> _Request | None:
        with self._lock:
            return self._requests[0] if self._requests else None

    def take(self) -> list[_Request]:
        with self._lock:
            batch = self._requests[:MAX_BATCH]
            del self._requests[:MAX_BATCH]
            self.taken = batch
            return batch

    def run(self, stack: bool) -> tuple[list[_Request], list, int, bool]:
        """Blocking: take a batch and run it (see :func:`_run_batch`)."""
        batch = [r for r in self.take() if not r.future.done()]  # (a cancelled node's picture is left out)
        try:
            return (batch, *_run_batch([r.prepared for r in batch], stack)) if batch else (batch, [], 0, True)
        except Exception as e:  # noqa: BLE001 — (a bug of ours: every node of the batch says so)
            return batch, [e] * len(batch), 0, True


class Batcher:
    """The queues of one event loop. ``calls`` counts the ``session.run`` calls made, ``pictures`` the pictures
    fed through them."""

    def __init__(self) -> None:
        self._queues: dict[tuple, _Queue] = {}
        self._unbatchable: weakref.WeakSet = weakref.WeakSet()  # sessions that run a picture alone, not a stack
        self.calls = 0
        self.pictures = 0

    async def feed(self, ctx, p: Prepared) -> list:
        """The model's outputs for ``p`` (a batch of one), perhaps computed in one run with other pictures."""
        if not p.batchable or p.session in self._unbatchable:
            self.calls += 1
            self.pictures += 1
            return await ctx.run_blocking(run_prepared, p)
        key = (id(p.session), p.input_name, p.tensor.shape, p.tensor.dtype.str)
        loop = asyncio.get_running_loop()
        request = _Request(p, ctx, loop.create_future())
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue()
            loop.create_task(self._drain(key, queue))
        queue.put(request)
        return await request.future

    async def _drain(self, key: tuple, queue: _Queue) -> None:
        try:
            while (oldest := queue.oldest()) is not None:
                try:
                    batch, answers, calls, stackable = await oldest.ctx.run_blocking(
                        queue.run, oldest.prepared.session not in self._unbatchable)
                except Exception as e:  # (it did not run: the run's worker pool is gone, the executor was closed)
                    batch = queue.take()
                    answers, calls, stackable = [e] * len(batch), 0, True
                queue.taken = []
                self.calls += calls
                self.pictures += len(batch)
                if not stackable and batch:
                    self._unbatchable.add(batch[0].prepared.session)
                for r, answer in zip(batch, answers):
                    if not r.future.done():
                        if isinstance(answer, Exception):
                            r.future.set_exception(answer)
                        else:
                            r.future.set_result(answer)
        finally:
            del self._queues[key]
            for r in queue.taken + queue.take():  # (only when the drain itself was cancelled: the loop closes)
                if not r.future.done():
                    r.future.cancel()


def _run_batch(batch: list[Prepared], stack: bool) -> tuple[list, int, bool]:
    """Blocking: (each picture's outputs or its ModelError, the ``session.run`` calls made, whether the model took
    the stack — False when the stack failed or came back in another shape but each picture alone ran)."""
    if len(batch) > 1 and stack:
        first, n = batch[0], len(batch)
        try:
            outputs = first.session.run(None, {first.input_name: np.concatenate([p.tensor for p in batch])},
                                        _quiet())
        except Exception:  # ONNX Runtime's own classes: run them one by one below, to find whose it is
            outputs = None
        if outputs is not None and all(isinstance(o, np.ndarray) and o.ndim and o.shape[0] == n for o in outputs):
            return [[o[i:i + 1].copy() for o in outputs] for i in range(n)], 1, True
        answers, failed = _one_by_one(batch)
        return answers, 1 + n, failed > 0 and outputs is None
    answers, _ = _one_by_one(batch)
    return answers, len(batch), True


def _quiet():
    """Run options that keep ONNX Runtime from logging a failing stack (its pictures are then run alone, and a
    bad one's error is its node's)."""
    import onnxruntime as ort

    options = ort.RunOptions()
    options.log_severity_level = 4
    return options


def _one_by_one(batch: list[Prepared]) -> tuple[list, int]:
    answers, failed = [], 0
    for p in batch:
        try:
            answers.append(run_prepared(p))
        except ModelError as e:
            answers.append(e)
            failed += 1
    return answers, failed


_batchers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batcher]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def batcher(loop: asyncio.AbstractEventLoop | None = None) -> Batcher:
    """The batcher of ``loop`` (the running one by default): the runs of one loop share it, as they share the
    model's session."""
    loop = loop or asyncio.get_running_loop()
    with _lock:
        found = _batchers.get(loop)
        if found is None:
            found = _batchers[loop] = Batcher()
        return found


async def feed(ctx, p: Prepared) -> list:
    """The model's outputs for the prepared picture ``p``, batched with others where the model allows."""
    return await batcher().feed(ctx, p)
