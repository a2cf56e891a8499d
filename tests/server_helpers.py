"""A real server on a loopback port over a real run service, for the HTTP tests."""

from __future__ import annotations

import asyncio

import httpx

from engine.runs import RunService, RunSettings
from engine.server import ServerSettings, load_token, serve

OPEN = {"requests_per_minute": 100_000, "runs_per_minute": 100_000}


async def started(store, *, dispatch=False, run_settings=None, callbacks=None, **settings):
    service = RunService(store, run_settings or RunSettings(), front="server", trigger="http", dispatch=dispatch,
                         callbacks=callbacks)
    await service.open()
    token = load_token(store.home)
    server = await serve(service, ServerSettings(port=0, **settings), token)
    return service, server, token


def with_server(store, check, **kw):
    """``await check(client, token, server)`` with a client that has no token; returns what it returns."""
    async def go():
        service, server, token = await started(store, **kw)
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                return await check(client, token, server)
        finally:
            await server.stop()
            await service.close()

    return asyncio.run(go())


def with_api(store, check, **kw):
    """``await check(client, service, server)`` with a client that sends the token."""
    async def go():
        service, server, token = await started(store, **{**OPEN, **kw})
        try:
            async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30,
                                         headers={"Authorization": f"Bearer {token}"}) as client:
                return await check(client, service, server)
        finally:
            await server.stop()
            await service.close()

    return asyncio.run(go())


def sse_events(text: str) -> list[dict]:
    """Parse an SSE body into [{id, event, data}]."""
    out = []
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if fields:
            out.append(fields)
    return out
