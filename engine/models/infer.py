"""Running a model of the library on a picture (blocking: a block calls these through ``ctx.run_blocking``). The
card is read and the file's hash looked up each time (remembered per size and mtime) — a replaced file is a new
model, with a new session.

:func:`open_model` opens the model (once for a batch of pictures), :func:`prepare_picture` is the per-picture half
(the picture as a batch of one; :func:`prepare_pictures` prepares a batch's pictures in one stack); :func:`run_prepared` feeds it alone, and :mod:`engine.models.batch` feeds several in
one ``session.run`` when the model's batch dimension is dynamic. :func:`run_model` is all in one call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .inspect import inspect_session
from .library import ModelCard, ModelLibrary, current_sha256
from .prepare import Fit, from_pixels, picture_pixels, to_tensor
from .runtime import quiet_run, session_for

__all__ = ["run_model", "model_identity", "Model", "open_model", "Prepared", "prepare_picture", "prepare_pictures",
           "run_prepared", "run_failed"]


def model_identity(library: ModelLibrary, name: str) -> tuple[ModelCard, Path, str]:
    """(card, file, the file's SHA-256 now)."""
    card = library.get(name)
    path = library.path(name)
    try:
        return card, path, current_sha256(path)
    except OSError as e:
        raise ModelError(f"model {name!r}: its file cannot be read: {e.strerror or e}") from None


@dataclass(frozen=True)
class Model:
    """A model of the library opened for a task: its card, the process's session and what its input takes."""

    name: str
    card: ModelCard
    session: object
    input_name: str
    input_type: str
    #: the model's batch dimension is not a fixed number: several pictures can go in one ``session.run``
    batchable: bool


@dataclass(frozen=True)
class Prepared:
    """One picture ready for its model: ``tensor`` is a batch of one for ``session``'s input ``input_name``."""

    name: str
    card: ModelCard
    session: object
    input_name: str
    tensor: np.ndarray
    fit: Fit
    size: tuple[int, int]  # the picture's width, height (for error messages)
    batchable: bool


def open_model(library: ModelLibrary, name: str, task: str) -> Model:
    """The model ``name`` as its file is now (a replaced file: a new session); a ModelError when it is not a
    ``task`` model or its shapes are not a picture's."""
    card, path, sha = model_identity(library, name)
    if card.task != task:
        raise ModelError(f"model {name!r} is a {card.task} model, not a {task} one")
    session = session_for(path, sha)
    shape = inspect_session(session, f"model {name!r}")
    batch = shape.input_shape[0]
    return Model(name, card, session, shape.input_name, session.get_inputs()[0].type,
                 not (isinstance(batch, int) and batch > 0))


def prepare_picture(model: Model, image) -> Prepared:
    tensor, fit = to_tensor(image, model.card, model.input_type)
    return Prepared(model.name, model.card, model.session, model.input_name, tensor, fit, (image.width, image.height),
                    model.batchable)


def prepare_pictures(model: Model, images: list) -> tuple[list, np.ndarray | None]:
    """Each picture ready for the model — its :class:`Prepared`, whose tensor is its row of one stack (resized one
    by one, scaled in one pass over the stack) — or the ModelError that says why it cannot be fed; and that stack
    of the pictures that are ready, in order (None when none is)."""
    answers: list = []
    pixels = []
    for image in images:
        try:
            px, fit = picture_pixels(image, model.card)
        except (ModelError, OSError, ValueError) as e:  # (a picture Pillow cannot read or convert: its own error)
            answers.append(e if isinstance(e, ModelError) else
                           ModelError(f"model {model.name!r}: the picture cannot be prepared: {e}"))
            continue
        answers.append(fit)
        pixels.append(px)
    if not pixels:
        return answers, None
    stack = from_pixels(np.stack(pixels), model.card, model.input_type)
    row = 0
    for i, (image, fit) in enumerate(zip(images, answers)):
        if isinstance(fit, Fit):
            answers[i] = Prepared(model.name, model.card, model.session, model.input_name, stack[row:row + 1], fit,
                                  (image.width, image.height), model.batchable)
            row += 1
    return answers, stack


def run_failed(p: Prepared, e: Exception, fed: tuple | None = None) -> ModelError:
    """ONNX Runtime's own exception (a shape the model refuses, a failing operator) as the node's error."""
    return ModelError(f"model {p.name!r} failed on a {p.size[0]}×{p.size[1]} picture (fed as "
                      f"{tuple(fed or p.tensor.shape)}): {' '.join(str(e).split())[-300:]}")


def run_prepared(p: Prepared) -> list:
    """The model's outputs for one prepared picture (one ``session.run``)."""
    try:
        return p.session.run(None, {p.input_name: p.tensor}, quiet_run())
    except Exception as e:  # ONNX Runtime's own classes
        raise run_failed(p, e) from None


def run_model(library: ModelLibrary, name: str, image, task: str) -> tuple[ModelCard, list, Fit]:
    p = prepare_picture(open_model(library, name, task), image)
    return p.card, run_prepared(p), p.fit
