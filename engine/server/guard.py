"""One pure-ASGI guard in front of every route, in this order (SPEC §9):

1. Host must be the bound address, ``localhost``, a loopback address, or an allowed name — else 403 (DNS
   rebinding);
2. a cross-site request — an ``Origin`` not in the exact allowlist (``Origin: null`` included), or
   ``Sec-Fetch-Site: cross-site`` — gets 403, WebSocket handshakes included; an allowed origin gets CORS
   headers naming it exactly (and its preflights an answer, before the token is asked for);
3. ``Authorization: Bearer <token>`` (the scheme in any case) on every route but ``/api/v1/health`` and a
   webhook delivery (``POST /api/v1/hooks/{workflow_id}``: its Standard Webhooks signature authenticates it, in
   :mod:`engine.runs.webhooks`; the checks before and after this one hold for it too), compared in constant
   time — else 401. A WebSocket may carry the token in its subprotocols instead, as a browser can:
   ``Sec-WebSocket-Protocol: nodeloom.bearer, <token>``; the handshake's answer names ``nodeloom.bearer``
   (never the token), and the app never sees the token among the subprotocols;
4. a token bucket of requests per client — else 429 with ``Retry-After`` (runs a minute are counted by the run
   service's launcher, on every route that starts a run: run, replay, node test, webhook);
5. the body is read whole before the app is called (:mod:`engine.server.body`): over the limit — by its
   declared length at once, a chunked one as it grows — it gets 413 and no route sees it; a JSON body holding
   NaN, Infinity or a number beyond a 64-bit float gets 422.

The connection-level limits (header and body timeouts, the connection cap, TCP_NODELAY) are the protocol's:
:mod:`engine.server.protocol`.
"""

from __future__ import annotations

import hmac
import json
import time

from ..errors import TooLarge
from .body import non_finite, read_body, replaying
from .settings import ServerSettings, is_loopback

__all__ = ["Guard", "HEALTH", "HOOKS", "WS_BEARER"]

HEALTH = "/api/v1/health"
#: POST HOOKS + a workflow id is a webhook delivery: signed, not carrying the token
HOOKS = "/api/v1/hooks/"
#: the WebSocket subprotocol that says the next one is the token
WS_BEARER = "nodeloom.bearer"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8765
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_json(headers: dict) -> bool:
    """A body the app reads as JSON: ``application/json``, ``application/*+json``, or no content type."""
    kind = headers.get("content-type", b"").split(b";")[0].strip().lower()
    return not kind or kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json"))


class _Bucket:
    """``rate`` tokens a minute, up to ``rate`` at once."""

    __slots__ = ("rate", "tokens", "stamp")

    def __init__(self, rate: int):
        self.rate, self.tokens, self.stamp = rate, float(rate), time.monotonic()

    def take(self) -> float:
        """0 when a token was taken, else the seconds until one will be there."""
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate / 60)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) * 60 / self.rate


class Guard:
    def __init__(self, app, settings: ServerSettings, token: str):
        self.app, self.settings = app, settings
        self.set_token(token)
        self._hosts = settings.hosts()
        self._origins = frozenset(settings.allowed_origins)
        self._buckets: dict[str, _Bucket] = {}

    def set_token(self, token: str) -> None:
        if len(token) < 22:  # 128 bits in url-safe base64
            raise ValueError("a server token must hold at least 128 bits")
        self._token = token.encode("ascii")

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers", ())}
        origin = headers.get("origin")
        if (origin is not None and scope["type"] == "http" and scope["method"] == "OPTIONS"
                and "access-control-request-method" in headers and self._host_ok(headers)
                and origin.decode("latin-1") in self._origins):  # a preflight from an allowed origin
            return await _preflight(send, origin)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            return await _deny(scope, send, *refusal)
        if scope["type"] == "websocket":
            if WS_BEARER in scope.get("subprotocols", ()):
                scope, send = _without_token(scope, send)
            return await self.app(scope, receive, send)
        if origin is not None:  # (allowed: the refusal above saw it) the exact origin, never *
            send = _with_cors(send, origin)
        declared = headers.get("content-length")
        limit = self.settings.max_body_bytes
        too_large = f"the body is larger than {limit} bytes"
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _deny(scope, send, 413, too_large)
        try:
            body = await read_body(receive, limit)
        except TooLarge:
            return await _deny(scope, send, 413, too_large)
        if body is None:  # the client left before its body ended: no one to answer
            return None
        if body and scope["method"] in _BODY_METHODS and _is_json(headers):
            why = await non_finite(body)
            if why is not None:
                return await _deny(scope, send, 422, why)
        await self.app(scope, replaying(body, receive), send)

    def _host_ok(self, headers: dict) -> bool:
        name = _hostname(headers.get("host", b"").decode("latin-1"))
        return name in self._hosts or is_loopback(name)  # (an address, never a name a DNS answer could move)

    def _refusal(self, scope, headers: dict) -> tuple | None:
        host = headers.get("host", b"").decode("latin-1")
        if not self._host_ok(headers):
            return 403, f"host {host!r} is not served here"
        origin = headers.get("origin")
        if origin is not None and origin.decode("latin-1") not in self._origins:
            return 403, "cross-origin requests are not allowed"
        if headers.get("sec-fetch-site", b"").lower() == b"cross-site":
            return 403, "cross-site requests are not allowed"
        if scope["path"] != HEALTH and not _webhook(scope):
            if not hmac.compare_digest(_presented(scope, headers), self._token):
                return 401, "a valid 'Authorization: Bearer <token>' header is needed", {"www-authenticate": "Bearer"}
        client = (scope.get("client") or ("?", 0))[0]
        bucket = self._buckets.get(client)  # (runs a minute: the launcher counts them, on every route that starts one)
        if bucket is None:
            if len(self._buckets) > 10_000:
                self._buckets.clear()
            bucket = self._buckets[client] = _Bucket(self.settings.requests_per_minute)
        wait = bucket.take()
        if wait:
            return (429, f"too many requests: at most {self.settings.requests_per_minute} a minute",
                    {"retry-after": str(max(1, round(wait)))})
        return None


def _webhook(scope) -> bool:
    """A webhook delivery: ``POST /api/v1/hooks/{workflow_id}`` exactly (nothing else on or under that path)."""
    path = scope["path"]
    return (scope["type"] == "http" and scope["method"] == "POST" and path.startswith(HOOKS)
            and len(path) > len(HOOKS) and "/" not in path[len(HOOKS):])


def _presented(scope, headers: dict) -> bytes:
    """The token the request carries: ``Authorization: Bearer <token>`` (RFC 7235: the scheme in any case, one
    or more spaces), or for a WebSocket without that header the subprotocol after ``nodeloom.bearer``."""
    given = headers.get("authorization")
    if given is not None:
        scheme, _, token = given.partition(b" ")
        return token.lstrip(b" ") if scheme.lower() == b"bearer" else b""
    if scope["type"] == "websocket":
        offered = list(scope.get("subprotocols", ()))
        if WS_BEARER in offered[:-1]:
            return offered[offered.index(WS_BEARER) + 1].encode("latin-1", "replace")
    return b""


def _without_token(scope, send):
    """The scope without the token among its subprotocols (nor in its headers), and a send whose accept names
    ``nodeloom.bearer`` (a browser closes a socket whose answer names none of the subprotocols it offered)."""
    offered = list(scope["subprotocols"])
    token = offered[offered.index(WS_BEARER) + 1] if offered[-1] != WS_BEARER else None
    kept = [p for p in offered if p != token]
    headers = [(k, v) for k, v in scope.get("headers", ()) if k.lower() != b"sec-websocket-protocol"]
    headers.append((b"sec-websocket-protocol", ", ".join(kept).encode("latin-1", "replace")))

    async def naming_send(message):
        if message["type"] == "websocket.accept" and not message.get("subprotocol"):
            message = {**message, "subprotocol": WS_BEARER}
        await send(message)
    return {**scope, "subprotocols": kept, "headers": headers}, naming_send


def _with_cors(send, origin: bytes):
    async def cors_send(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), (b"access-control-allow-origin", origin),
                                               (b"vary", b"Origin")]}
        await send(message)
    return cors_send


async def _preflight(send, origin: bytes) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": [
        (b"access-control-allow-origin", origin), (b"vary", b"Origin"),
        (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE"),
        (b"access-control-allow-headers", b"Authorization, Content-Type, Last-Event-ID"),
        (b"access-control-max-age", b"600")]})
    await send({"type": "http.response.body", "body": b""})


async def _deny(scope, send, status: int, message: str, extra: dict | None = None) -> None:
    if scope["type"] == "websocket":  # closing before accepting: the handshake is answered 403
        await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
        return
    body = json.dumps({"detail": message}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
