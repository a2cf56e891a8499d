"""Engine errors as HTTP answers (every one a :class:`Problem`), and the responses each route documents."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import (DocumentError, InputError, NotFound, QueueError, QueueFull, RunsLimited, TriggerError,
                      WorkflowInvalid)
from ..values import json_text
from .schemas import Problem

__all__ = ["install_handlers", "answers", "GUARD_RESPONSES", "HTTPProblem", "JSON", "problem_response"]

log = logging.getLogger(__name__)

_WHAT = {400: "a malformed request", 401: "no valid 'Authorization: Bearer <token>' header",
         403: "a Host not served here, or a cross-site request", 404: "no such workflow, version or run",
         408: "the sync run did not end within timeout_seconds (it is cancelled)",
         409: "the run is not in a state that allows this",
         413: "a body over the limit (server.max_body_bytes), chunked ones too: refused before any route reads it",
         422: "the request, the document or the inputs have problems (each listed); a JSON body holding NaN, "
              "Infinity or a number beyond a 64-bit float",
         429: "too many requests from this client, or the queue is full; see Retry-After",
         503: "the server has as many connections open as it allows (server.max_connections): the connection "
              "is answered at once and closed; see Retry-After"}

#: what the guard (or the connection's protocol) answers before a route sees the request: every route documents it
GUARD_RESPONSES = {code: {"model": Problem, "description": _WHAT[code]} for code in (400, 401, 403, 413, 429, 503)}


def answers(*codes: int, **described: dict) -> dict:
    """A route's ``responses=``: the given error codes (as Problems) plus any described ones."""
    out = {code: {"model": Problem, "description": _WHAT[code]} for code in (*codes, 422)}
    for code, spec in described.items():
        out[int(code.strip("_"))] = spec
    return out


class JSON(JSONResponse):
    """Every JSON answer: valid UTF-8 even when a run made text with a lone surrogate (then escaped)."""

    def render(self, content) -> bytes:
        return json_text(content).encode("utf-8")


class HTTPProblem(Exception):
    def __init__(self, status: int, detail: str, **extra):
        self.status, self.detail, self.extra = status, detail, extra


def _problem(status: int, detail: str, headers: dict | None = None, **extra) -> JSONResponse:
    """An error answer: ``{"detail": …}`` and what ``extra`` adds."""
    body = {"detail": detail, **{k: v for k, v in extra.items() if v is not None}}
    return JSON(body, status_code=status, headers=headers)


problem_response = _problem


def install_handlers(api: FastAPI) -> None:
    @api.exception_handler(NotFound)
    async def not_found(_r: Request, e: NotFound):
        return _problem(404, str(e))

    @api.exception_handler(WorkflowInvalid)
    async def invalid(_r: Request, e: WorkflowInvalid):
        n = len(e.issues)
        return _problem(422, f"the workflow has {n} problem{'s' * (n != 1)}", problems=[i.to_json() for i in e.issues])

    @api.exception_handler(InputError)
    async def bad_inputs(_r: Request, e: InputError):
        return _problem(422, "the inputs do not fit the workflow", problems=list(getattr(e, "problems", [str(e)])))

    @api.exception_handler(DocumentError)
    async def bad_document(_r: Request, e: DocumentError):
        return _problem(422, f"the document cannot be read: {e}")

    @api.exception_handler(RunsLimited)
    async def runs_limited(_r: Request, e: RunsLimited):
        return _problem(429, str(e), headers={"Retry-After": str(max(1, round(e.retry_after)))})

    @api.exception_handler(QueueFull)
    async def full(_r: Request, e: QueueFull):
        return _problem(429, str(e), headers={"Retry-After": "5"})

    @api.exception_handler(QueueError)
    async def queue_error(_r: Request, e: QueueError):
        return _problem(409, str(e))

    @api.exception_handler(TriggerError)
    async def bad_trigger(_r: Request, e: TriggerError):
        return _problem(422, "the trigger has problems: " + "; ".join(e.problems[:3]), problems=list(e.problems))

    @api.exception_handler(HTTPProblem)
    async def problem(_r: Request, e: HTTPProblem):
        return _problem(e.status, e.detail, **e.extra)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, e: HTTPException):
        headers = getattr(e, "headers", None)
        if e.status_code == 405:  # Allow: every method of the path (starlette names only the first route's)
            path = request.url.path
            methods = {m.upper() for template, ops in api.openapi()["paths"].items()
                       if re.fullmatch(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)), path) for m in ops}
            headers = {"Allow": ", ".join(sorted(methods))}
        return _problem(e.status_code, str(e.detail), headers=headers)

    @api.exception_handler(RequestValidationError)
    async def unreadable(_r: Request, e: RequestValidationError):
        problems = []
        for err in e.errors()[:50]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        return _problem(422, "the request has problems: " + "; ".join(problems[:3]), problems=problems)
