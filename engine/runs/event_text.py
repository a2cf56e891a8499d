"""The stored JSON text of the events a loop emits per item (``node_started``, ``node_progress``,
``node_finished``), written out directly: :func:`engine.events.event_to_json` and a JSON encoder cost ~3–6 µs an
event — most of what recording a 100-item loop's ~300 events cost. The text decodes to exactly what
:func:`~engine.events.event_to_json` gives, keys in the same order; strings are ASCII-escaped (as
:func:`engine.values.json_text` writes text holding a lone surrogate). Any other event, or a field of an
unexpected type, returns None: the caller encodes it the general way.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii as _s

from ..events import NodeFinished, NodeProgress, NodeStarted

__all__ = ["event_text", "summary_text"]

_INF = float("inf")


def _num(v) -> str | None:
    t = type(v)
    if t is int or (t is float and -_INF < v < _INF):  # (NaN and infinities are not plain JSON numbers)
        return repr(v)
    return None


def _opt(v) -> str | None:
    return "null" if v is None else _s(v) if type(v) is str else None


def _iteration(it) -> str | None:
    if not it:
        return "[]"
    if any(type(i) is not int for i in it):
        return None
    return "[" + ",".join(map(str, it)) + "]"


def summary_text(summary) -> str | None:
    """An output summary (port → short text) as JSON text; None if it is not one."""
    try:
        return "{" + ",".join(_s(k) + ":" + _s(v) for k, v in summary.items()) + "}"
    except TypeError:  # (a key or value that is not text)
        return None


def event_text(ev, summary: dict | None = None) -> str | None:
    """The JSON text of a per-item node event, or None (encode it the general way). ``summary``: a
    ``node_finished``'s outputs already summarized."""
    t = type(ev)
    if t is not NodeStarted and t is not NodeFinished and t is not NodeProgress:
        return None
    if type(ev.run_id) is not str or type(ev.node_id) is not str:
        return None
    seq, ts, it = _num(ev.seq), _num(ev.ts), _iteration(ev.iteration)
    if seq is None or ts is None or it is None:
        return None
    head = f'{{"run_id":{_s(ev.run_id)},"seq":{seq},"ts":{ts},"node_id":{_s(ev.node_id)},"iteration":{it}'
    if t is NodeStarted:
        return head + ',"kind":"node_started"}'
    if t is NodeProgress:
        fraction = "null" if ev.fraction is None else _num(ev.fraction)
        message, preview = _opt(ev.message), _opt(ev.preview)
        if fraction is None or message is None or preview is None:
            return None
        return head + f',"fraction":{fraction},"message":{message},"preview":{preview},"kind":"node_progress"}}'
    duration = "null" if ev.duration_ms is None else _num(ev.duration_ms)
    attempts = _num(ev.attempts)
    texts = [_opt(ev.status), _opt(ev.error), _opt(ev.error_type), _opt(ev.traceback), _opt(ev.preview),
             _opt(ev.output_ref)]
    outputs = summary_text(ev.summary() if summary is None else summary)
    if duration is None or attempts is None or None in texts or outputs is None or type(ev.pinned) is not bool:
        return None
    status, error, error_type, traceback, preview, output_ref = texts
    return head + (f',"status":{status},"duration_ms":{duration},"attempts":{attempts},"error":{error},'
                   f'"error_type":{error_type},"traceback":{traceback},"outputs":{outputs},"preview":{preview},'
                   f'"pinned":{"true" if ev.pinned else "false"},"output_ref":{output_ref},"kind":"node_finished"}}')
