"""``/api/v1/workflows/{id}/triggers``: a workflow's schedules, folder watches and webhooks (SPEC §7, §9),
through the run service's :class:`~engine.runs.Triggers` like the editor and the CLI."""

from __future__ import annotations

from fastapi import APIRouter

from ..errors import NotFound
from .errors import HTTPProblem, answers
from .schemas import TriggerBody, TriggerDeleted, TriggerObject, TriggerPatch

__all__ = ["trigger_routes"]

T = "/api/v1/workflows/{workflow_id}/triggers"


def trigger_routes(service) -> APIRouter:
    r = APIRouter(tags=["triggers"])
    store, triggers, blocking = service.store, service.triggers, service.run_blocking

    def shown(t) -> dict:
        upcoming = triggers.upcoming(t.id, 5) if t.kind == "schedule" and t.enabled else []
        return {**t.to_json(), "upcoming": upcoming}

    def mine(workflow_id: str, trigger_id: str):
        wid, _ = store.workflows.latest(workflow_id)
        t = store.triggers.get(trigger_id)
        if t.workflow_id != wid:
            raise NotFound(f"workflow {workflow_id!r} has no trigger {trigger_id!r}")
        return t

    @r.get(T, operation_id="listTriggers", response_model=list[TriggerObject], responses=answers(404))
    async def list_triggers(workflow_id: str):
        """The workflow's triggers, oldest first (a schedule with its next five times)."""
        def read():
            wid, _ = store.workflows.latest(workflow_id)
            return [shown(t) for t in store.triggers.list(wid)]
        return await blocking(read)

    @r.post(T, operation_id="createTrigger", status_code=201, response_model=TriggerObject, responses=answers(404))
    async def create_trigger(workflow_id: str, body: TriggerBody):
        """A new trigger; 422 lists every problem (a bad cron expression, an unknown input, a missing folder…)."""
        def add():
            wid, _ = store.workflows.latest(workflow_id)
            return shown(triggers.add(wid, body.kind, body.config, inputs=body.inputs, priority=body.priority,
                                      catch_up=body.catch_up, enabled=body.enabled))
        return await blocking(add)

    @r.put(T + "/{trigger_id}", operation_id="updateTrigger", response_model=TriggerObject, responses=answers(404))
    async def update_trigger(workflow_id: str, trigger_id: str, body: TriggerPatch):
        """Change a trigger (only the fields given); a schedule switched on or changed is next due from now."""
        changes = body.model_dump(exclude_none=True)
        if not changes:
            raise HTTPProblem(422, "nothing to change: give config, inputs, priority, catch_up or enabled")

        def change():
            mine(workflow_id, trigger_id)
            return shown(triggers.change(trigger_id, **changes))
        return await blocking(change)

    @r.delete(T + "/{trigger_id}", operation_id="deleteTrigger", response_model=TriggerDeleted, responses=answers(404))
    async def delete_trigger(workflow_id: str, trigger_id: str):
        def remove():
            mine(workflow_id, trigger_id)
            triggers.remove(trigger_id)
        await blocking(remove)
        return {"trigger_id": trigger_id, "deleted": True}

    return r
