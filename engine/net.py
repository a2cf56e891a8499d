"""One shared, pooled ``httpx.AsyncClient`` per event loop, closed on shutdown."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .errors import BlockError

if TYPE_CHECKING:  # pragma: no cover
    import httpx

__all__ = ["client", "aclose", "fetch_bytes"]

_clients: dict[asyncio.AbstractEventLoop, "httpx.AsyncClient"] = {}


def client() -> "httpx.AsyncClient":
    import httpx  # imported on first use: it costs a quarter second at start-up

    loop = asyncio.get_running_loop()
    c = _clients.get(loop)
    if c is None or c.is_closed:
        c = _clients[loop] = httpx.AsyncClient(
            timeout=httpx.Timeout(30.0, connect=10.0),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
            headers={"User-Agent": "Nodeloom"},
        )
    return c


async def aclose() -> None:
    loop = asyncio.get_running_loop()
    c = _clients.pop(loop, None)
    if c is not None:
        await c.aclose()


async def fetch_bytes(url: str, max_bytes: int, timeout: float = 30.0) -> bytes:
    """GET ``url``; refuse a response larger than ``max_bytes`` while it streams in."""
    import httpx

    try:
        async with client().stream("GET", url, timeout=timeout) as resp:
            if resp.status_code >= 400:
                raise BlockError(f"GET {url} answered {resp.status_code} {resp.reason_phrase}")
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise BlockError(f"GET {url}: response of {int(declared)} bytes exceeds the limit of {max_bytes}")
            chunks, size = [], 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise BlockError(f"GET {url}: response exceeds the limit of {max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as e:
        raise BlockError(f"GET {url} failed: {type(e).__name__}: {e}") from None
