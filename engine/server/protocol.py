"""uvicorn's h11 protocol with the connection limits uvicorn lacks (SPEC §9), so idle or slow sockets cannot
starve the server:

- every served socket gets ``TCP_NODELAY`` (an answer is written as head then body: without it the body waits
  for the client's delayed ACK, ~40 ms, on every request of a kept-alive connection);
- one connection over ``max_connections`` (WebSocket ones included) is answered 503 and closed at once;
- a connection that has not sent a request's complete headers ``header_timeout_s`` after it opened — or after
  the answer to its previous request — is closed, however many bytes of headers it keeps dribbling;
- a request body that makes no progress for ``body_timeout_s`` is closed (while uvicorn has stopped reading,
  waiting for the app, the client is not blamed);
- the unread rest of a body the server answered without reading (a 413) is read and dropped for at most
  ``body_timeout_s`` (so the client, still sending, gets to read the answer: closing at once would reset the
  connection under it); then the connection is closed.

Served over h11 always (uvicorn's ``auto`` would pick httptools when installed: these hooks are h11's).
"""

from __future__ import annotations

import functools
import json
import logging
import socket

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .settings import ServerSettings

__all__ = ["LimitedH11", "protocol_for"]

log = logging.getLogger(__name__)


def protocol_for(settings: ServerSettings):
    """The ``http=`` of a ``uvicorn.Config``: our protocol with these limits."""
    return functools.partial(LimitedH11, limits=settings)


def _refusal(limit: int) -> bytes:
    body = json.dumps({"detail": f"the server has {limit} connections open, its most: try again soon"}).encode()
    return (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"retry-after: 1\r\nconnection: close\r\n\r\n%s" % (len(body), body))


def set_nodelay(transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # (closed already)
            pass


class LimitedH11(H11Protocol):
    def __init__(self, *args, limits: ServerSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = limits
        self._header_timer = None
        self._body_timer = None
        self._draining_since: float | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        set_nodelay(transport)
        if len(self.connections) > self.limits.max_connections:
            log.info("refused a connection from %s: %d connections are open, the most allowed",
                        self.client and self.client[0], self.limits.max_connections)
            transport.write(_refusal(self.limits.max_connections))
            transport.close()
            return
        self._watch()

    def data_received(self, data: bytes) -> None:
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.SEND_BODY:
            now = self.loop.time()  # the rest of a body answered without being read (a 413): dropped
            if self._draining_since is None:
                self._draining_since = now
            elif now - self._draining_since > self.limits.body_timeout_s:
                self._close(f"the rest of a refused body went on for over {self.limits.body_timeout_s:g} s")
                return
        super().data_received(data)
        if self.transport.get_protocol() is self:  # (not upgraded to a WebSocket)
            self._watch(progress=True)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def handle_websocket_upgrade(self, event) -> None:
        self._stop_timers()  # (a WebSocket keeps its connection; its pings find dead peers)
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc) -> None:
        self._stop_timers()
        super().connection_lost(exc)

    # -- the timers ------------------------------------------------------------------------------------------

    def _watch(self, progress: bool = False) -> None:
        """Arm or stop the timers for where the client is: sending headers, or a body, or waiting."""
        if self.transport is None or self.transport.is_closing():
            return self._stop_timers()
        state = self.conn.their_state
        if state is h11.IDLE:  # (the rest of) a request's headers are due: counted from the start, not reset
            self._draining_since = None
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(self.limits.header_timeout_s, self._headers_late)
        elif self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        if state is h11.SEND_BODY:
            if progress or self._body_timer is None:
                if self._body_timer is not None:
                    self._body_timer.cancel()
                self._body_timer = self.loop.call_later(self.limits.body_timeout_s, self._body_stalled)
        elif self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _stop_timers(self) -> None:
        for timer in (self._header_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._header_timer = self._body_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE:
            self._close(f"no complete request headers within {self.limits.header_timeout_s:g} s")

    def _body_stalled(self) -> None:
        self._body_timer = None
        if self.conn.their_state is not h11.SEND_BODY:
            return
        if self.flow is not None and self.flow.read_paused:  # we are not reading: not the client's fault
            self._body_timer = self.loop.call_later(self.limits.body_timeout_s, self._body_stalled)
            return
        self._close(f"no progress of its request body for {self.limits.body_timeout_s:g} s")

    def _close(self, why: str) -> None:
        log.info("closed the connection from %s: %s", self.client and self.client[0], why)
        self._stop_timers()
        if not self.transport.is_closing():
            self.transport.close()
