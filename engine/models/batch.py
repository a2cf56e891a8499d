"""Batched inference: the pictures of a parallel ForEach that reach the same model at the same time go through it
in one ``session.run`` (issue 29, "Speed").

Each model block in a loop hands its picture to :func:`feed`. Pictures for the same model (library, name, task)
wait in a queue; one drain per queue runs them on the process's model thread
(:func:`~.runtime.on_model_thread`), one call after another, each taking what has gathered by the time the thread
starts it (the pictures that arrived while the previous batch ran). In that one call the model is opened once (its card read, its file's hash looked
up), each picture is prepared, and the pictures are stacked along the batch dimension for one ``session.run``;
each node gets its own slice of the outputs. A picture costs its node one trip to the model thread, shared with
the others of its batch. Each picture is still its own node run: its events, its cache entry and its error are
its own.

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

from ..errors import ModelError, NotFound
from .infer import Prepared, open_model, prepare_pictures, run_prepared
from .runtime import on_model_thread, quiet_run

__all__ = ["Batcher", "batcher", "feed", "MAX_BATCH"]

#: the most pictures stacked in one ``session.run`` (the rest wait for the next)
MAX_BATCH = 64


@dataclass
class _Request:
    image: object
    read: object  # (card, outputs, fit) → the node's answer, on the model thread
    ctx: object
    future: asyncio.Future


class _Queue:
    """The pictures waiting for one model: put on the loop, taken by the model thread that runs them — so a batch
    is what has gathered when a thread is free to run it."""

    def __init__(self, library, name: str, task: str, unbatchable: "_Sessions") -> None:
        self.library, self.name, self.task, self.unbatchable = library, name, task, unbatchable
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

    def run(self) -> tuple[list[_Request], list, int, int]:
        """Blocking: take a batch, open the model, prepare the pictures, run them and read each answer: (the
        batch, each request's ``read(card, outputs, fit)`` or its error, the ``session.run`` calls made, the
        pictures fed to them)."""
        batch = [r for r in self.take() if not r.future.done()]  # (a cancelled node's picture is left out)
        if not batch:
            return batch, [], 0, 0
        try:
            model = open_model(self.library, self.name, self.task)
        except (ModelError, NotFound) as e:
            return batch, [e] * len(batch), 0, 0
        answers, tensor = prepare_pictures(model, [r.image for r in batch])
        ready = [a for a in answers if isinstance(a, Prepared)]
        stack = model.batchable and not self.unbatchable.has(model.session)
        outputs, calls, stackable = _run_batch(ready, stack, tensor)
        if not stackable:
            self.unbatchable.add(model.session)
        found = iter(outputs)
        for i, (r, answer) in enumerate(zip(batch, answers)):
            if isinstance(answer, Prepared):
                out = next(found)
                try:
                    answers[i] = out if isinstance(out, Exception) else r.read(answer.card, out, answer.fit)
                except ModelError as e:  # (the decoding's: an output of another size than the card says)
                    answers[i] = e
        return batch, answers, calls, len(ready)


class _Sessions:
    """Sessions that run a picture alone but not a stack of them (read and added on the model thread)."""

    def __init__(self) -> None:
        self._ids: weakref.WeakSet = weakref.WeakSet()
        self._lock = threading.Lock()

    def has(self, session) -> bool:
        with self._lock:
            return session in self._ids

    def add(self, session) -> None:
        with self._lock:
            self._ids.add(session)


class Batcher:
    """The queues of one event loop. ``calls`` counts the ``session.run`` calls made, ``pictures`` the pictures
    fed through them."""

    def __init__(self) -> None:
        self._queues: dict[tuple, _Queue] = {}
        self._unbatchable = _Sessions()
        self.calls = 0
        self.pictures = 0

    async def feed(self, ctx, library, name: str, image, task: str, read) -> object:
        """``read(card, outputs, fit)`` of the model ``name`` on ``image`` (a batch of one), perhaps computed in
        one run with other pictures."""
        key = (str(library.folder), name, task)
        loop = asyncio.get_running_loop()
        request = _Request(image, read, ctx, loop.create_future())
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue(library, name, task, self._unbatchable)
            loop.create_task(self._drain(key, queue))
        queue.put(request)
        return await request.future

    async def _drain(self, key: tuple, queue: _Queue) -> None:
        try:
            while queue.oldest() is not None:
                try:
                    batch, answers, calls, fed = await on_model_thread(queue.run)
                except Exception as e:  # noqa: BLE001 — it did not run (the run's worker pool is gone, the executor
                    batch = queue.take()  # was closed), or a bug of ours: every node of the batch says so
                    answers, calls, fed = [e] * len(batch), 0, 0
                queue.taken = []
                self.calls += calls
                self.pictures += fed
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


def _run_batch(batch: list[Prepared], stack: bool, tensor) -> tuple[list, int, bool]:
    """Blocking: (each picture's outputs or its ModelError, the ``session.run`` calls made, whether the model took
    the stack — False when the stack failed or came back in another shape but each picture alone ran).
    ``tensor``: the batch's pictures stacked (each one's ``tensor`` is its row)."""
    if len(batch) > 1 and stack:
        first, n = batch[0], len(batch)
        try:
            outputs = first.session.run(None, {first.input_name: tensor}, quiet_run())
        except Exception:  # ONNX Runtime's own classes: run them one by one below, to find whose it is
            outputs = None
        if outputs is not None and all(isinstance(o, np.ndarray) and o.ndim and o.shape[0] == n for o in outputs):
            return [[o[i:i + 1].copy() for o in outputs] for i in range(n)], 1, True
        answers, failed = _one_by_one(batch)
        return answers, 1 + n, failed > 0 and outputs is None
    answers, _ = _one_by_one(batch)
    return answers, len(batch), True


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


_BATCHER = ("model_batcher",)


def batcher(loop: asyncio.AbstractEventLoop | None = None) -> Batcher:
    """The batcher of ``loop`` (the running one by default): the runs of one loop share it, as they share the
    model's session."""
    loop = loop or asyncio.get_running_loop()
    with _lock:
        found = _batchers.get(loop)
        if found is None:
            found = _batchers[loop] = Batcher()
        return found


async def feed(ctx, library, name: str, image, task: str, read) -> object:
    """``read(card, outputs, fit)`` of the model ``name`` of ``library`` on ``image``, batched with others where
    the model allows."""
    return await ctx.once(_BATCHER, batcher).feed(ctx, library, name, image, task, read)  # (looked up once a run)
