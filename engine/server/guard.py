"""One pure-ASGI guard in front of every route, in this order (SPEC §9):

1. Host must be the bound address, ``localhost``, loopback, or an allowed name — else 403 (DNS rebinding);
2. a cross-site request — an ``Origin`` not in the exact allowlist (``Origin: null`` included), or
   ``Sec-Fetch-Site: cross-site`` — gets 403, WebSocket handshakes included; an allowed origin gets CORS
   headers naming it exactly (and its preflights an answer, before the token is asked for);
3. ``Authorization: Bearer <token>`` on every route but ``/api/v1/health``, compared in constant time — else 401;
4. a token bucket of requests per client — else 429 with ``Retry-After`` (runs a minute are counted by the run
   service's launcher, on every route that starts a run: run, replay, node test, webhook);
5. a body over the limit gets 413 before it is buffered: by its declared length, or as a chunked body grows.
"""

from __future__ import annotations

import hmac
import json
import time

from .settings import ServerSettings

__all__ = ["Guard", "HEALTH"]

HEALTH = "/api/v1/health"


class _TooLarge(Exception):
    pass


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8765
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


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
        self._token = ("Bearer " + token).encode("ascii")

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
            return await self.app(scope, receive, send)
        if origin is not None:  # (allowed: the refusal above saw it) the exact origin, never *
            send = _with_cors(send, origin)
        declared = headers.get("content-length")
        limit = self.settings.max_body_bytes
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _deny(scope, send, 413, f"the body is larger than {limit} bytes")
        seen, started = 0, False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _TooLarge:
            if not started:
                await _deny(scope, send, 413, f"the body is larger than {limit} bytes")

    def _host_ok(self, headers: dict) -> bool:
        return _hostname(headers.get("host", b"").decode("latin-1")) in self._hosts

    def _refusal(self, scope, headers: dict) -> tuple | None:
        host = headers.get("host", b"").decode("latin-1")
        if not self._host_ok(headers):
            return 403, f"host {host!r} is not served here"
        origin = headers.get("origin")
        if origin is not None and origin.decode("latin-1") not in self._origins:
            return 403, "cross-origin requests are not allowed"
        if headers.get("sec-fetch-site", b"").lower() == b"cross-site":
            return 403, "cross-site requests are not allowed"
        if scope["path"] != HEALTH:
            given = headers.get("authorization", b"")
            if not hmac.compare_digest(given, self._token):
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
