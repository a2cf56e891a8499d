"""A request's body as the guard takes it: read whole before any route runs, up to the limit (a chunked body
too: counted as it comes, so one over the limit is refused before a route sees a byte of it), and a JSON body
with a number JSON has no room for (``NaN``, ``Infinity``, ``-Infinity``, or one beyond a 64-bit float such as
``1e400``) refused with a message naming it — Python's ``json`` would read those as ``nan``/``inf``, which
then leave as ``null`` or break a run.
"""

from __future__ import annotations

import asyncio
import json
import re

from ..errors import TooLarge

__all__ = ["read_body", "non_finite", "replaying"]

# A body that could hold such a number: a constant's name, an exponent of 3 digits, or a long digit run (an
# integer part long enough to overflow with a 2-digit exponent). Only then is it parsed a second time.
_MAYBE = re.compile(rb"NaN|Infinity|\d{16}|[eE]\+?\d{3}")
_OFF_LOOP = 256 * 1024  # bigger bodies are checked in a thread, so the loop goes on answering


class _NonFinite(ValueError):
    pass


async def read_body(receive, limit: int) -> bytes | None:
    """The whole body (``None``: the client left first); TooLarge as soon as it grows past ``limit`` bytes."""
    parts, seen = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            raise TooLarge
        if chunk:
            parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def replaying(body: bytes, receive):
    """A ``receive`` that gives the app ``body`` in one message, then what the connection says (a disconnect)."""
    given = False

    async def replay():
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay


def _constant(name: str):
    raise _NonFinite(f"the body holds {name}, which is not a finite number: JSON has no NaN or Infinity "
                     "(send null or a string)")


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        shown = text if len(text) <= 24 else text[:20] + "…"
        raise _NonFinite(f"the body holds {shown}, a number beyond a 64-bit float (not finite)")
    return value


def _check(body: bytes) -> str | None:
    try:
        json.loads(body, parse_constant=_constant, parse_float=_float)
    except _NonFinite as e:
        return str(e)
    except (ValueError, RecursionError):  # not JSON at all: the route says how
        return None
    return None


async def non_finite(body: bytes) -> str | None:
    """Why a JSON body cannot be taken (it holds a non-finite number), or None."""
    if not _MAYBE.search(body):
        return None
    if len(body) > _OFF_LOOP:
        return await asyncio.get_running_loop().run_in_executor(None, _check, body)
    return _check(body)
