"""Running a model of the library on a picture, off the event loop (:func:`run_model` is blocking: a block
calls it through ``ctx.run_blocking``). The card is read and the file hashed each time — a replaced file is a
new model, with a new session."""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from .inspect import inspect_session
from .library import ModelCard, ModelLibrary, current_sha256
from .prepare import Fit, to_tensor
from .runtime import session_for

__all__ = ["run_model", "model_identity"]


def model_identity(library: ModelLibrary, name: str) -> tuple[ModelCard, Path, str]:
    """(card, file, the file's SHA-256 now)."""
    card = library.get(name)
    path = library.path(name)
    try:
        return card, path, current_sha256(path)
    except OSError as e:
        raise ModelError(f"model {name!r}: its file cannot be read: {e.strerror or e}") from None


def run_model(library: ModelLibrary, name: str, image, task: str) -> tuple[ModelCard, list, Fit]:
    card, path, sha = model_identity(library, name)
    if card.task != task:
        raise ModelError(f"model {name!r} is a {card.task} model, not a {task} one")
    session = session_for(path, sha)
    shape = inspect_session(session, f"model {name!r}")
    inp = session.get_inputs()[0]
    tensor, fit = to_tensor(image, card, inp.type)
    try:
        outputs = session.run(None, {shape.input_name: tensor})
    except Exception as e:  # ONNX Runtime's own classes: a shape the model refuses, a failing operator
        raise ModelError(f"model {name!r} failed on a {image.width}×{image.height} picture (fed as "
                         f"{tuple(tensor.shape)}): {' '.join(str(e).split())[-300:]}") from None
    return card, outputs, fit
