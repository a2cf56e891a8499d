"""ONNX Runtime for the model library: whether the optional extra is installed, one session per model file
per process (shared: ``InferenceSession.run`` is thread-safe), the one thread that runs them, and a model's load
failures as clear errors.

Sessions are run from one thread of the process (:func:`on_model_thread`), never from whichever worker thread is
free: ONNX Runtime's own threads work with the thread that calls ``run``, and a caller that changes from call to
call (a pool's two threads taking turns) made a 1.4 ms model take 2.0 ms. The model blocks' work goes there whole
(the model opened, the picture prepared, run and its answer read), off the event loop.

The extra is ``nodeloom[inference]``; without it :func:`unavailable` says what to install and the model blocks
fail with that message instead of an ImportError."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from ..errors import ModelError

__all__ = ["unavailable", "session_for", "load_session", "on_model_thread", "quiet_run", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'nodeloom[inference]'"
T = TypeVar("T")

_sessions: dict[tuple[str, str], object] = {}
_lock = threading.Lock()
_thread: list[ThreadPoolExecutor] = []  # the process's model thread, made when first needed
_found: set[str] = set()  # the optional modules found importable


async def on_model_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on the process's model thread (one thread: see the module's docstring), off the loop."""
    with _lock:
        if not _thread:
            _thread.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="nodeloom-models"))
        runner = _thread[0]
    return await asyncio.wrap_future(runner.submit(fn, *args))


def unavailable(module: str = "onnxruntime") -> str | None:
    """None when ``module`` can be imported, else why a model block cannot run here (a module found once is not
    looked for again: each picture of a loop asks)."""
    if module in _found:
        return None
    if importlib.util.find_spec(module) is None:
        what = "OpenCV (opencv-python-headless)" if module == "cv2" else "ONNX Runtime"
        return f"{what} is not installed: model blocks need the optional extra ({INSTALL_HINT})"
    _found.add(module)
    return None


def _providers(ort) -> list[str]:
    available = ort.get_available_providers()
    preferred = [p for p in ("CUDAExecutionProvider", "DmlExecutionProvider", "CoreMLExecutionProvider")
                 if p in available]
    return preferred + ["CPUExecutionProvider"]


def load_session(path: Path):
    """A new session on ``path``; whatever ONNX Runtime refuses becomes a :class:`ModelError` naming the reason."""
    problem = unavailable()
    if problem:
        raise ModelError(problem)
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4  # (its own log lines, coloured on stderr, say what the exception below says)
    # ONNX Runtime's threads wait for work by spinning, which takes the cores from the event loop, the other
    # nodes' threads and the GUI while a model runs (a parallel ForEach prepares pictures while a batch runs)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=_providers(ort))
    except Exception as e:  # ONNX Runtime raises its own classes (InvalidProtobuf, NotImplemented, Fail, …)
        raise ModelError(f"{Path(path).name} cannot be loaded by ONNX Runtime: {_reason(e)}") from None


def quiet_run():
    """Run options that keep ONNX Runtime from logging a failing run on stderr: the node's error says it (and a
    failing stack's pictures are then run alone, each failing on its own)."""
    import onnxruntime as ort

    options = ort.RunOptions()
    options.log_severity_level = 4
    return options


def _reason(e: Exception) -> str:
    text = " ".join(str(e).split())
    kind = type(e).__name__
    if "InvalidProtobuf" in kind or "Protobuf parsing failed" in text:
        return "the file is not an ONNX model (corrupt or another format)"
    unknown = re.search(r"([\w.]*:?[\w.]+)\(-?\d+\) is not a registered function/op", text)
    if unknown:
        return f"it uses an operator ONNX Runtime does not know: {unknown.group(1)}"
    if "NotImplemented" in kind or "Could not find an implementation" in text:
        return f"an operator it does not implement ({text[-300:]})"
    if "opset" in text.lower():
        return f"unsupported opset ({text[-300:]})"
    return text[-400:] or kind


def session_for(path: Path, sha256: str):
    """The process's session for the model file ``path`` with content ``sha256`` (a changed file: a new one)."""
    key = (str(path), sha256)
    with _lock:
        session = _sessions.get(key)
        if session is None:
            for old in [k for k in _sessions if k[0] == key[0]]:
                del _sessions[old]  # (the file was replaced: its old session is of no more use)
            session = _sessions[key] = load_session(path)
        return session
