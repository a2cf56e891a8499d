"""One shared, pooled ``httpx.AsyncClient`` per event loop, closed on shutdown; size-limited requests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import BlockError

if TYPE_CHECKING:  # pragma: no cover
    import httpx

__all__ = ["client", "aclose", "fetch_bytes", "request", "Response"]

_clients: dict[asyncio.AbstractEventLoop, "httpx.AsyncClient"] = {}


def client() -> "httpx.AsyncClient":
    import httpx  # imported on first use: it costs a quarter second at start-up

    loop = asyncio.get_running_loop()
    for gone in [lp for lp in _clients if lp.is_closed()]:  # loops that ended without aclose()
        del _clients[gone]
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


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]
    content_type: str
    encoding: str | None
    body: bytes


async def request(method: str, url: str, *, max_bytes: int, headers: dict | None = None,
                  params: dict | None = None, content: bytes | None = None, connect_s: float = 10.0,
                  read_s: float = 30.0, total_s: float = 30.0, follow_redirects: bool = False,
                  **body: Any) -> Response:
    """One request on the shared client. The body is read while it streams in and refused past ``max_bytes``
    (so a huge response never reaches memory); ``total_s`` bounds the whole exchange."""
    import httpx

    what = f"{method} {url}"
    timeout = httpx.Timeout(connect=connect_s, read=read_s, write=read_s, pool=connect_s)
    try:
        async with asyncio.timeout(total_s):
            async with client().stream(method, url, headers=headers, params=params, content=content,
                                       timeout=timeout, follow_redirects=follow_redirects, **body) as resp:
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise BlockError(f"{what}: the response is {int(declared)} bytes; the limit is {max_bytes}")
                chunks, size = [], 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise BlockError(f"{what}: the response exceeds the limit of {max_bytes} bytes")
                    chunks.append(chunk)
                heads: dict[str, str] = {}
                for k, v in resp.headers.multi_items():
                    heads[k.lower()] = f"{heads[k.lower()]}, {v}" if k.lower() in heads else v
                return Response(resp.status_code, resp.reason_phrase, heads,
                                resp.headers.get("content-type", "").split(";")[0].strip().lower(),
                                resp.charset_encoding, b"".join(chunks))
    except TimeoutError:
        raise BlockError(f"{what}: no complete response within {total_s:g} s") from None
    except httpx.ConnectTimeout:
        raise BlockError(f"{what}: could not connect within {connect_s:g} s") from None
    except httpx.ReadTimeout:
        raise BlockError(f"{what}: the server sent nothing for {read_s:g} s") from None
    except httpx.TooManyRedirects as e:
        raise BlockError(f"{what}: {e}") from None
    except httpx.InvalidURL as e:
        raise BlockError(f"{what}: invalid URL: {e}") from None
    except httpx.UnsupportedProtocol as e:
        raise BlockError(f"{what}: {e}") from None
    except httpx.HTTPError as e:
        raise BlockError(f"{what} failed: {type(e).__name__}: {e}") from None


async def fetch_bytes(url: str, max_bytes: int, timeout: float = 30.0) -> bytes:
    """GET ``url`` (redirects followed); an error status or a response over ``max_bytes`` is a BlockError."""
    resp = await request("GET", url, max_bytes=max_bytes, total_s=timeout, read_s=timeout, follow_redirects=True)
    if resp.status >= 400:
        raise BlockError(f"GET {url} answered {resp.status} {resp.reason}")
    return resp.body
