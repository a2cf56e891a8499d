"""Helpers shared by the model blocks (not a block): the model library a run reads, the extra's presence, and
the model's identity in the cache key."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from ...errors import BlockError, ModelError, NotFound
from ...models import ModelLibrary, unavailable


def library_for(ctx) -> ModelLibrary:
    """The run's model library: its policy's ``models_dir`` (the run service's data folder), else the data
    folder's (NODELOOM_HOME or the user data folder)."""
    folder = getattr(ctx.policy, "models_dir", "") or ""
    if not folder:
        from ...folders import home

        folder = home() / "models"
    return _library(str(folder))


@functools.lru_cache(maxsize=16)
def _library(folder: str) -> ModelLibrary:
    return ModelLibrary(Path(folder))  # (it holds only its folder: one per folder, not one per picture)


def model_name(inputs: dict[str, Any], config) -> str:
    name = inputs.get("model") or config.model
    if not isinstance(name, str) or not name.strip():
        raise BlockError("no model chosen: pick one of the model library (nodeloom models list)")
    return name.strip()


def need_extra(module: str = "onnxruntime") -> None:
    problem = unavailable(module)
    if problem:
        raise BlockError(problem)


def model_salt(ctx, inputs: dict[str, Any], config) -> str | None:
    """The model file's SHA-256 (a renamed or re-imported file is the same model, a changed one is not) and its
    card; None (do not cache) when it cannot be read — the run then reports why. Worked out once per run and
    model (a loop's items ask it each: no file is looked at again on the event loop)."""
    try:
        library = library_for(ctx)
        name = model_name(inputs, config)
    except BlockError:
        return None
    return ctx.once(("model_salt", str(library.folder), name), lambda: _salt_now(library, name))


def _salt_now(library: ModelLibrary, name: str) -> str | None:
    from ...models.library import current_sha256

    try:
        card = library.get(name)
        fields = {k: v for k, v in card.to_json().items() if k not in ("name", "sha256")}
        return current_sha256(library.path(name)) + ":" + json.dumps(fields, sort_keys=True)
    except (ModelError, NotFound, OSError):
        return None


async def infer(ctx, inputs: dict[str, Any], config, image, task: str, read=None):
    """Run the chosen model on ``image`` off the loop, on the process's model thread, and give ``read(card,
    outputs, fit)`` — the model's answer decoded there too (default: the three as they are). In a ForEach body the picture joins the
    others reaching the same model at the same time (a parallel ForEach: one ``session.run`` for them all, see
    :mod:`engine.models.batch`); elsewhere it is prepared, run and read in one call. Its problems (the decoding's
    too) are the node's error."""
    need_extra()
    from ...models.batch import feed
    from ...models.runtime import on_model_thread

    read = read or _as_is
    try:
        if ctx.loop is None:  # (not in a loop: no other picture to batch with)
            return await on_model_thread(_run_and_read, library_for(ctx), model_name(inputs, config), image, task,
                                         read)
        return await feed(ctx, library_for(ctx), model_name(inputs, config), image, task, read)
    except (ModelError, NotFound) as e:
        raise BlockError(str(e)) from None


def _as_is(card, outputs, fit):
    return card, outputs, fit


def _run_and_read(library: ModelLibrary, name: str, image, task: str, read):
    from ...models.infer import run_model

    return read(*run_model(library, name, image, task))
