"""Run routes: run a workflow (sync, async, background), list and read runs, cancel, replay, reorder queued
runs, the queue, and each run's events over SSE and WebSocket."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from ..errors import Closing, NotFound, Overflow
from ..runs import recorded_run_json, run_json
from ..safenet import AddressPolicy, check_url
from ..store import RunInfo
from .errors import JSON, HTTPProblem, answers
from .schemas import Cancelled, Paused, Problem, QueueState, Run, RunAccepted, RunPage, RunPatch, RunRequest

__all__ = ["run_routes", "accepted", "ended", "requester", "start_sync", "sync_answer"]

R = "/api/v1/runs"
RUN_ID = {"run_id": "$response.body#/run_id"}
_RUN_LINKS = {"getRun": {"operationId": "getRun", "parameters": RUN_ID},
              "runEvents": {"operationId": "runEvents", "parameters": RUN_ID},
              "cancelRun": {"operationId": "cancelRun", "parameters": RUN_ID},
              "reorderRun": {"operationId": "reorderRun", "parameters": RUN_ID},
              "replayRun": {"operationId": "replayRun", "parameters": RUN_ID}}
_ACCEPTED = {"model": RunAccepted, "description": "queued (async, background) or started (replay)",
             "links": _RUN_LINKS}
_SSE = {"description": "Server-Sent Events: `id:` is the event's seq, `event:` its kind, `data:` its JSON; "
                       "ends after run_finished (or with `event: overflow` / `event: closing`)",
        "content": {"text/event-stream": {"schema": {  # (OpenAPI < 3.2: the schema of each event)
            "type": "object", "required": ["event", "data"],
            "properties": {"id": {"type": "string", "pattern": "^[0-9]+$"}, "event": {"type": "string"},
                           "data": {"type": "string", "description": "the event as JSON"}}}}}}


def requester(request: Request) -> str:
    """Who asks, for the runs limit the launcher applies to every route that starts a run: the client's address."""
    return "http:" + (request.client.host if request.client else "?")


async def ended(handle, seconds: float, what: str, recorded: bool = True):
    """The run's result (once recorded, or as it ends), or 408 after ``seconds`` (the run is then cancelled)."""
    try:
        async with asyncio.timeout(seconds):
            return await (handle.result() if recorded else handle.ended())
    except TimeoutError:
        handle.cancel()
        raise HTTPProblem(408, f"{what} did not end within {seconds:g} s: it is cancelled",
                          run_id=handle.run_id) from None


def _run_options(service, body: RunRequest, who: str) -> dict:
    """What a run request asks for besides its inputs; 422 for a callback_url the settings refuse."""
    if body.callback_url is not None:
        why = check_url(body.callback_url, AddressPolicy(allow_private=service.settings.allow_private_callbacks))
        if why:
            raise HTTPProblem(422, f"callback_url refused: {why}")
    return dict(trigger="http", version=body.version, use_cache=body.use_cache, use_pins=body.use_pins,
                priority=body.priority, callback_url=body.callback_url, requester=who)


def start_sync(service, workflow_id: str, body: RunRequest, who: str):
    """A sync run of a stored workflow started (its handle); what stops it from starting is raised before anything
    runs, is recorded or counts toward ``who``'s runs limit."""
    return service.start(workflow_id, body.inputs, mode="sync", events=False, **_run_options(service, body, who))


async def sync_answer(service, handle, timeout_seconds: float, closing: asyncio.Event) -> dict:
    """The run object of a started sync run once it is recorded and on disk; 408 after ``timeout_seconds``; 503
    when the server stops first (``closing``: it is cut short once the server's grace period is over)."""
    try:
        result = await ended(handle, timeout_seconds, "the run", recorded=False)
        return await recorded_run_json(service, result.run_id)  # (read while the disk syncs, sent once on it)
    except asyncio.CancelledError:
        if not closing.is_set():
            raise
        raise HTTPProblem(503, "the server stopped before the run ended: its record says how it ends",
                          run_id=handle.run_id) from None


def accepted(request: Request, run_id: str, status: str) -> JSON:
    url = f"{R}/{run_id}"
    return JSON({"id": run_id, "run_id": run_id, "status": status, "status_url": url, "events_url": url + "/events"},
                        status_code=202, headers={"Location": url})


def run_routes(service, closing: asyncio.Event, stream_buffer: int = 10_000) -> APIRouter:
    r = APIRouter(tags=["runs"])
    store = service.store
    blocking = service.run_blocking

    def fresh(read):
        """``read()`` once the runs of processes that are gone are settled (SPEC §6a; throttled by the store)."""
        store.reconcile()
        return read()

    @r.post("/api/v1/workflows/{workflow_id}/run", operation_id="runWorkflow", tags=["workflows"],
            responses=answers(404, 408, _200={"model": Run, "description": "sync: the ended run"},
                              _503={"model": Problem, "description": "sync: the server stopped before the run "
                                    "ended (with its run_id); or as many connections are open as it allows "
                                    "(server.max_connections), see Retry-After"},
                              _202=_ACCEPTED))
    async def run_workflow(workflow_id: str, body: RunRequest, request: Request):
        """Run a stored workflow. ``sync`` answers with the run object when it ends (408 at ``timeout_seconds``,
        the run then cancelled); ``async`` and ``background`` queue it and answer 202 at once (429 when the
        queue is full)."""
        if body.mode != "sync":
            run_id = await service.enqueue(workflow_id, body.inputs, mode=body.mode, **_run_options(service, body,
                                                                                                   requester(request)))
            return accepted(request, run_id, "queued")
        handle = start_sync(service, workflow_id, body, requester(request))
        return JSON(await sync_answer(service, handle, body.timeout_seconds, closing))

    @r.get(R, operation_id="listRuns", response_model=RunPage, responses=answers())
    async def list_runs(workflow_id: str | None = Query(None, max_length=64),
                        status: str | None = Query(None, pattern="^(queued|running|succeeded|failed|cancelled|interrupted)$"),
                        limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)):
        """Runs, newest first."""
        runs = await blocking(fresh, lambda: store.runs.list(workflow_id, status=status, limit=limit, offset=offset))
        return {"items": [run_json(i) for i in runs]}

    @r.get(R + "/{run_id}", operation_id="getRun", response_model=Run, responses=answers(404))
    async def get_run(run_id: str):
        """One run with its node runs."""
        for _ in range(25):
            try:
                info, nodes = await blocking(fresh, lambda: (store.runs.get(run_id), store.runs.nodes(run_id)))
            except NotFound:
                if service.handle(run_id) is None:
                    raise
                await asyncio.sleep(0.02)  # started a moment ago: its record is being written (within ~20 ms)
                continue
            return run_json(info, nodes)
        origin = service.origin(run_id)  # (a record that long in coming: the run as far as it is known)
        return run_json(RunInfo(run_id, origin.workflow_id, None, "", "running", "sync", 5, origin.trigger or "",
                                {}, None, None, 0.0, None, None, None, None, None, None, draft_id=origin.draft_id),
                        [])

    @r.patch(R + "/{run_id}", operation_id="reorderRun", response_model=Run, responses=answers(404, 409))
    async def patch_run(run_id: str, body: RunPatch):
        """A queued run's priority, or its place: just ``before`` or ``after`` another queued run (taking its
        priority). 409 when the run is not queued."""
        await blocking(store.runs.get, run_id)
        if getattr(body, "priority", None) is not None:
            await blocking(service.set_priority, run_id, body.priority)
        else:
            await blocking(lambda: service.move(run_id, before=getattr(body, "before", None),
                                                after=getattr(body, "after", None)))
        return run_json(await blocking(store.runs.get, run_id))

    @r.post(R + "/{run_id}/cancel", operation_id="cancelRun", response_model=Cancelled, responses=answers(404))
    async def cancel_run(run_id: str):
        """Cancel a run: queued (``cancelled``), running here (``cancelling``: it ends within a second), running
        in another process (``requested``), or already ended (``finished``)."""
        if service.handle(run_id) is not None:
            return {"run_id": run_id, "result": service.cancel(run_id)}
        info = await blocking(store.runs.get, run_id)
        if info.finished:
            return {"run_id": run_id, "result": "finished"}
        try:
            return {"run_id": run_id, "result": await blocking(service.cancel, run_id)}
        except Exception:  # noqa: BLE001 - it ended between the two reads
            return {"run_id": run_id, "result": "finished"}

    @r.post(R + "/{run_id}/replay", operation_id="replayRun", status_code=202, responses=answers(404, _202=_ACCEPTED))
    async def replay_run(run_id: str, request: Request, from_node: str | None = Query(None, max_length=200)):
        """Run a stored run again with its inputs; with ``from_node``, only that node and what follows it run
        (the rest reuse the run's stored outputs)."""
        await blocking(store.runs.get, run_id)
        handle = service.replay(run_id, from_node, events=False, requester=requester(request))
        return accepted(request, handle.run_id, "running")

    @r.get("/api/v1/queue", operation_id="getQueue", tags=["queue"], response_model=QueueState, responses=answers())
    async def get_queue(limit: int = Query(500, ge=1, le=5000)):
        """Running and queued runs in start order, and whether the queue is paused."""
        view = await blocking(fresh, lambda: service.queue(limit))
        return {"paused": view.paused, "running": [run_json(i) for i in view.running],
                "queued": [run_json(i) for i in view.queued]}

    @r.post("/api/v1/queue/pause", operation_id="pauseQueue", tags=["queue"], response_model=Paused,
            responses=answers())
    async def pause_queue():
        """Hold new starts of queued runs (running ones go on), in every process on this data folder."""
        await blocking(service.pause)
        return {"paused": True}

    @r.post("/api/v1/queue/resume", operation_id="resumeQueue", tags=["queue"], response_model=Paused,
            responses=answers())
    async def resume_queue():
        await blocking(service.resume)
        return {"paused": False}

    @r.get(R + "/{run_id}/events", operation_id="runEvents", responses=answers(404, _200=_SSE),
           response_class=StreamingResponse)
    async def events(run_id: str, after: int | None = Query(None, ge=0, le=2**62),
                     last_event_id: str = Header(None, max_length=40, json_schema_extra={
                         "pattern": "^[0-9]{1,19}$", "description": "the seq of the last event the client has"})):
        """The run's events as Server-Sent Events, from the first (or after ``Last-Event-ID`` / ``after``),
        stored ones first, until it ends. ``seq`` never repeats, across a run's attempts too (a run started
        again from the queue begins its attempt with ``run_restarted``); resumed at or past a finished run's end,
        the stream ends at once."""
        start = after or 0
        if last_event_id is not None:
            if not last_event_id.strip().isdigit():
                raise HTTPProblem(422, f"Last-Event-ID must be an event's seq number, not {last_event_id!r}")
            start = int(last_event_id)
        await service.check_run(run_id)
        return StreamingResponse(_sse(service.events(run_id, start, closing, stream_buffer)),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @r.websocket(R + "/{run_id}/ws")
    async def events_ws(websocket: WebSocket, run_id: str, after: int = 0):
        """The same events over a WebSocket: each message is a JSON array of events (those that came together)."""
        try:
            await service.check_run(run_id)
        except NotFound as e:  # accepted first: closed before, the handshake would be a bare 403
            await websocket.accept()
            await websocket.close(code=4404, reason=str(e)[:120])
            return
        await websocket.accept()
        code = 1000
        try:
            async for batch in service.events(run_id, max(0, after), closing, stream_buffer):
                await websocket.send_text("[" + ",".join(text for _, _, text in batch) + "]")
        except Overflow as e:
            code = 1008
            await websocket.send_text(json.dumps([{"kind": "overflow", "detail": str(e)}]))
        except Closing:
            code = 1001
        except WebSocketDisconnect:
            return
        await websocket.close(code=code)

    return r


async def _sse(batches):
    try:
        async for batch in batches:
            yield "".join(f"id: {seq}\nevent: {kind}\ndata: {text}\n\n" for seq, kind, text in batch)
    except Overflow as e:
        yield f"event: overflow\ndata: {json.dumps({'detail': str(e) + '; reconnect with Last-Event-ID'})}\n\n"
    except Closing:
        yield "event: closing\ndata: {}\n\n"
