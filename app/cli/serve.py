"""``nodeloom serve``: the HTTP server (SPEC §9) headless, on the run service, until Ctrl+C or SIGTERM."""

from __future__ import annotations

import asyncio
import sys

from engine.longlived import keep_startup_objects
from engine.runs import RunService

from .common import EXIT_FAILED, EXIT_OK, interrupts, run_settings

__all__ = ["cmd_serve"]


async def _serve(args) -> int:
    from engine.server import ServerSettings, load_token, serve
    from engine.store import Store

    store = Store(args.home)
    try:
        try:
            given = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
            settings = ServerSettings.from_store(store, **given)
        except (ValueError, TypeError) as e:
            print(f"nodeloom serve: {e}", file=sys.stderr)
            return 2
        async with RunService(store, run_settings(store, args), front="server", trigger="http",
                              dispatch=not args.no_dispatch) as service:
            try:
                server = await serve(service, settings, load_token(store.home))
            except OSError as e:
                print(f"nodeloom serve: {e}", file=sys.stderr)
                return EXIT_FAILED
            stop = asyncio.Event()
            interrupts(stop.set)
            keep_startup_objects()
            print(f"Nodeloom serves {server.url}/api/v1 (token in {store.home / 'server-token'})", flush=True)
            print(f"Authorization: Bearer {load_token(store.home)}", flush=True)
            await stop.wait()
            await server.stop()
    finally:
        store.close()
    return EXIT_OK


def cmd_serve(args) -> int:
    return asyncio.run(_serve(args))
