"""The embedded HTTP server (SPEC §9) on the run service: an app factory and a ``serve()`` that runs uvicorn as
a task on the running loop (the GUI's qasync loop, or plain asyncio for ``nodeloom serve``).

    server = await serve(service, ServerSettings(port=8765), token=load_token(home))
    ...
    await server.stop()

Every request passes one pure-ASGI guard first (:mod:`engine.server.guard`). Imports nothing from ``app``.
"""

from .app import create_app
from .guard import Guard
from .serve import Server, serve
from .settings import ServerSettings
from .token import load_token, new_token

__all__ = ["create_app", "Guard", "Server", "serve", "ServerSettings", "load_token", "new_token"]
