"""A sync run's request answered without FastAPI's routing and dependency machinery (issue 28: server CPU per run).

``POST /api/v1/workflows/{workflow_id}/run`` with a JSON body asking for a sync run is the request a client
repeats most, and the app's six middleware layers, its router, its dependency solver and its response
serialisation cost more of the server's CPU than the HTTP parsing. Behind the guard (so every check of
:mod:`engine.server.guard` has been made, and the body read whole), :class:`FastRun` takes such a request
when its body is a valid ``RunRequest`` — parsed and validated as FastAPI does, ``json.loads`` then the model —
and answers it with the route's own functions (:func:`~engine.server.routes_runs.start_sync`,
:func:`~engine.server.routes_runs.sync_answer`). Everything else goes to the app unchanged, and so does a
request whose run does not start (bad body, unknown workflow, invalid inputs, runs limit, refused
callback_url: raised before anything runs, is recorded or counted), so the app answers it as it always did: one
set of error answers, and the OpenAPI document still describes the route.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from ..errors import NodeloomError
from .body import replaying
from .errors import JSON, HTTPProblem, problem_response
from .routes_runs import start_sync, sync_answer
from .schemas import RunRequest

__all__ = ["FastRun", "sync_run_target"]

_PREFIX = "/api/v1/workflows/"
_SUFFIX = "/run"


def sync_run_target(scope) -> str | None:
    """The workflow id of a ``POST /api/v1/workflows/{id}/run`` with a JSON content type, else None."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    path = scope["path"]
    if not (path.startswith(_PREFIX) and path.endswith(_SUFFIX)) or len(path) <= len(_PREFIX) + len(_SUFFIX):
        return None
    workflow_id = path[len(_PREFIX):-len(_SUFFIX)]
    if "/" in workflow_id:
        return None
    for name, value in scope["headers"]:
        if name.lower() == b"content-type":
            kind = value.split(b";")[0].strip().lower()
            return workflow_id if kind == b"application/json" else None
    return None


class FastRun:
    def __init__(self, app, service, closing):
        self.app, self.service, self.closing = app, service, closing

    async def __call__(self, scope, receive, send):
        workflow_id = sync_run_target(scope)
        if workflow_id is None:
            return await self.app(scope, receive, send)
        message = await receive()  # (the guard gives the whole body in one message)
        body = message.get("body", b"")
        receive = replaying(body, receive)
        try:
            request = RunRequest.model_validate(json.loads(body))
        except (ValueError, RecursionError, ValidationError):  # (a ValidationError is a ValueError too)
            request = None
        if request is None or request.mode != "sync":
            return await self.app(scope, receive, send)
        client = scope.get("client")
        try:
            handle = start_sync(self.service, workflow_id, request, "http:" + (client[0] if client else "?"))
        except (NodeloomError, HTTPProblem):  # nothing started: the route answers it, the same way as always
            return await self.app(scope, receive, send)
        try:
            answer = JSON(await sync_answer(self.service, handle, request.timeout_seconds, self.closing))
        except HTTPProblem as e:  # (408: the run did not end in time; 503: the server stopped first)
            answer = problem_response(e.status, e.detail, **e.extra)
        await answer(scope, receive, send)
