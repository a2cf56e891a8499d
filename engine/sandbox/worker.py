"""The process a ``python`` block's code runs in. Standalone on purpose: it imports nothing of Nodeloom.

Started as ``python -I worker.py``; reads jobs on stdin (JSON lines: id, code, data, memory_mb, cwd), caps its
own memory at the first, runs ``main(data)`` with fresh globals and writes one JSON line back per job on the
protocol pipe (the original stdout). The code's own prints (anything written to fd 1 or 2) go to stderr,
which the parent reads as the node's log; a NUL-prefixed mark there ends each job's log. The parent gives a
worker the jobs of one node of one run only (a loop's items), and kills it when one fails or times out.
"""

import base64
import io
import json
import math
import os
import sys
import traceback


def _to_json(value, depth=0):
    if depth > 200:
        raise ValueError("the result is nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bytes, bytearray)):
        return {"$type": "bytes", "base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): _to_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v, depth + 1) for v in value]
    if type(value).__module__.startswith("PIL."):
        buf = io.BytesIO()
        value.save(buf, format="PNG")
        return {"$type": "image", "width": value.width, "height": value.height, "mode": value.mode,
                "png": base64.b64encode(buf.getvalue()).decode("ascii")}
    raise TypeError(f"main() returned a {type(value).__name__}, which is not JSON, bytes or an image")


def _from_json(value):
    if isinstance(value, dict):
        kind = value.get("$type")
        if kind == "image":
            from PIL import Image

            img = Image.open(io.BytesIO(base64.b64decode(value["png"])), formats=["PNG"])
            img.load()
            return img
        if kind == "bytes":
            return base64.b64decode(value["base64"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _limit_memory(mb):
    try:
        import resource
    except ImportError:  # not on this system: the parent's timeout still applies
        return
    limit = int(mb) * 1024 * 1024
    for what in ("RLIMIT_AS", "RLIMIT_DATA"):
        kind = getattr(resource, what, None)
        if kind is not None:
            try:
                resource.setrlimit(kind, (limit, limit))
            except (ValueError, OSError):
                pass


def _die_with_parent():
    """End when Nodeloom does (even if it was killed and could not stop us): poll the parent's pid."""
    import threading
    import time

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _one(job):
    try:
        if job.get("cwd"):
            os.chdir(job["cwd"])
        data = _from_json(job["data"])
        scope = {"__name__": "__nodeloom__", "__builtins__": __builtins__}  # fresh globals for every job
        exec(compile(job["code"], "<python block>", "exec"), scope)  # noqa: S102 - the user's own code, isolated
        fn = scope.get("main")
        if not callable(fn):
            raise NameError("the code must define main(data)")
        return {"ok": True, "result": _to_json(fn(data))}
    except MemoryError:
        return {"ok": False, "error": f"MemoryError: the code needed more than memory_mb = {job['memory_mb']} MB"}
    except BaseException as e:  # noqa: BLE001 - every failure of user code is reported, SystemExit included
        tb = traceback.format_exception(type(e), e, e.__traceback__)
        tb = [t for t in tb if __file__ not in t]  # the user's frames only
        return {"ok": False, "error": f"{type(e).__name__}: {e}", "traceback": "".join(tb)}


def main():
    _die_with_parent()
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the code's prints join its stderr: the node's log
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), encoding="utf-8", line_buffering=True)
    proto.write('{"ready": true}\n')
    proto.flush()
    limited = False
    for line in sys.stdin:  # jobs of one node of one run (a loop's items), until the parent hangs up
        job = json.loads(line)
        if not limited:
            _limit_memory(job["memory_mb"])
            limited = True
        reply = _one(job)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.write(2, f"\x00end {job['id']}\n".encode())  # every log line of this job is before this mark
        try:
            text = json.dumps(reply, ensure_ascii=False, allow_nan=False)
        except (ValueError, TypeError, RecursionError, MemoryError) as e:
            text = json.dumps({"ok": False, "error": f"the result cannot be sent back: {e}"})
        proto.write(text + "\n")
        proto.flush()


if __name__ == "__main__":
    main()
