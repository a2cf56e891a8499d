"""What the server allows: where it listens, which Host and Origin names it answers, its limits."""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass

__all__ = ["ServerSettings", "LOOPBACK", "is_loopback"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")  # the names always answered; every 127.0.0.0/8 address is loopback too


def is_loopback(host: str) -> bool:
    """``localhost``, any address of 127.0.0.0/8, or ``::1`` (in any spelling)."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8765
    #: Host header names answered besides the bound address and localhost (DNS rebinding: all others get 403)
    allowed_hosts: tuple[str, ...] = ()
    #: browser origins allowed (exact match, e.g. "http://localhost:3000"); any other Origin gets 403
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = 32 * 2**20
    requests_per_minute: int = 60
    runs_per_minute: int = 20
    #: events a stream (SSE, WebSocket) may fall behind before its client is dropped
    stream_buffer: int = 10_000
    #: a connection that has not sent a request's complete headers this long after it opened (or after the
    #: answer to its last request) is closed
    header_timeout_s: float = 10.0
    #: a connection whose request body makes no progress this long is closed
    body_timeout_s: float = 30.0
    #: open connections (WebSocket ones included); one more is refused at once (503)
    max_connections: int = 256

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            problems.append(f"port must be from 0 to 65535, not {self.port!r}")
        if not isinstance(self.max_body_bytes, int) or self.max_body_bytes < 1024:
            problems.append(f"max_body_bytes must be at least 1024, not {self.max_body_bytes!r}")
        for name in ("requests_per_minute", "runs_per_minute", "max_connections"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a whole number of at least 1, not {value!r}")
        for name in ("header_timeout_s", "body_timeout_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 3600:
                problems.append(f"{name} must be a number of seconds above 0 and at most 3600, not {value!r}")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def loopback(self) -> bool:
        """Listening on this computer only (127.0.0.0/8, ::1, localhost)."""
        return is_loopback(self.host)

    def hosts(self) -> frozenset[str]:
        """Host header names answered (without ports)."""
        return frozenset({self.host.lower(), "localhost", "127.0.0.1", "::1", *(h.lower() for h in self.allowed_hosts)})

    def replace(self, **changes) -> "ServerSettings":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_store(cls, store, **overrides) -> "ServerSettings":
        """The data folder's server settings (keys ``server.<field>``, written by the settings dialog or
        ``store.set_setting``); ``overrides`` (command-line options) win."""
        kept = {}
        for f in dataclasses.fields(cls):
            value = store.setting(f"server.{f.name}")
            if value is not None:
                kept[f.name] = tuple(value) if isinstance(value, list) else value
        return cls(**{**kept, **overrides})
