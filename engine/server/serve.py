"""uvicorn as a task on the running loop, never with its own signal handlers.

``uvicorn.Server.serve()`` replaces SIGINT/SIGTERM handlers while it runs; a front that owns the loop (the
editor, ``nodeloom serve``) installs its own with ``loop.add_signal_handler`` and stops the server itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import uvicorn

from .app import create_app
from .protocol import protocol_for
from .settings import ServerSettings

__all__ = ["Server", "serve"]

log = logging.getLogger(__name__)


class _Uvicorn(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # the front's handlers stay: it stops us
        yield


class Server:
    """A running server: its address, and ``stop()``."""

    def __init__(self, uv: _Uvicorn, task: asyncio.Task, settings: ServerSettings, app):
        self._uv, self._task, self.settings, self._app = uv, task, settings, app

    @property
    def port(self) -> int:
        for server in self._uv.servers:
            for sock in server.sockets:
                return sock.getsockname()[1]
        return self.settings.port

    @property
    def url(self) -> str:
        host = f"[{self.settings.host}]" if ":" in self.settings.host else self.settings.host
        return f"http://{host}:{self.port}"

    async def stop(self, timeout: float = 2.0) -> None:
        """Stop accepting, end open streams and connections, and return within ``timeout`` seconds."""
        self._app.closing.set()
        self._uv.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except asyncio.TimeoutError:
            self._uv.force_exit = True
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def set_token(self, token: str) -> None:
        """Requests need ``token`` from now on (the old one gets 401)."""
        self._app.set_token(token)

    async def wait(self) -> None:
        await asyncio.shield(self._task)


async def serve(service, settings: ServerSettings, token: str) -> Server:
    """Start the server on the running loop; returns once it listens (or raises why it could not)."""
    if not settings.loopback:
        log.warning("the server listens on %s, beyond this computer: anyone who has the token can run workflows",
                    settings.host)
    app = create_app(service, settings, token)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, http=protocol_for(settings),
                            lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=1)
    sock = _bind(settings)  # here, not in uvicorn: it ends the process (SystemExit) when it cannot bind
    uv = _Uvicorn(config)
    task = asyncio.ensure_future(uv.serve(sockets=[sock]))
    while not uv.started:
        if task.done():
            sock.close()
            await task  # (raises what stopped it)
            raise OSError(f"the server stopped while starting on {settings.host}:{settings.port}")
        await asyncio.sleep(0.01)
    return Server(uv, task, settings, app)


def _bind(settings: ServerSettings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    # IPPROTO_TCP named, so asyncio sets TCP_NODELAY on every accepted socket (it looks at sock.proto); the
    # protocol sets it again on each connection, whatever loop runs us
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((settings.host, settings.port))
    except OSError as e:
        sock.close()
        raise OSError(f"the server could not listen on {settings.host}:{settings.port}: {e.strerror or e}") from None
    return sock
