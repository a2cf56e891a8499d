"""Workflow routes: list, create, read, update (a new version when changed), soft delete, versions, compare,
rollback, and the workflow's webhook secret."""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Query, Request

from ..model import parse_document
from .errors import HTTPProblem, answers
from .schemas import Comparison, Deleted, Hook, Saved, Version, WorkflowBody, WorkflowDetail, WorkflowPage, WorkflowSummary

__all__ = ["workflow_routes"]

W = "/api/v1/workflows"
ID = {"workflow_id": "$response.body#/id"}
_CREATED_LINKS = {
    "getWorkflow": {"operationId": "getWorkflow", "parameters": ID},
    "runWorkflow": {"operationId": "runWorkflow", "parameters": ID},
    "listVersions": {"operationId": "listVersions", "parameters": ID},
    "getHook": {"operationId": "getHook", "parameters": ID},
}


def _document(body: WorkflowBody):
    # through text, so a document from HTTP meets every check a file meets (depth, size, shapes)
    return parse_document(json.dumps(body.document, ensure_ascii=False))


def workflow_routes(service) -> APIRouter:
    r = APIRouter(tags=["workflows"])
    store = service.store
    blocking = service.run_blocking

    def live(read):
        """``read(workflow_id, ...)`` of a workflow not in the trash: one there answers 404, as one never made
        (the store reads its versions so that the editor can restore it)."""
        def call(workflow_id: str, *args):
            store.workflows.get(workflow_id)
            return read(workflow_id, *args)
        return call

    @r.get(W, operation_id="listWorkflows", response_model=WorkflowPage, responses=answers())
    async def list_workflows(search: str | None = Query(None, max_length=200),
                             tag: str | None = Query(None, max_length=100), templates: bool | None = None,
                             sort: Literal["updated", "created", "name"] = "updated",
                             limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)):
        """Stored workflows, newest first (search by name, filter by tag or template, paginated)."""
        page = await blocking(lambda: store.workflows.list(search=search, tag=tag, templates=templates, sort=sort,
                                                           limit=limit, offset=offset))
        return {"total": page.total, "items": [i.to_json() for i in page.items]}

    @r.post(W, operation_id="createWorkflow", status_code=201, response_model=WorkflowSummary,
            responses=answers(_201={"description": "created", "links": _CREATED_LINKS}))
    async def create_workflow(body: WorkflowBody):
        """Store a new workflow (version 1) from a document."""
        wf = _document(body)
        info = await blocking(lambda: store.workflows.create(wf, message=body.message,
                                                             is_template=bool(body.is_template)))
        return info.to_json()

    @r.get(W + "/{workflow_id}", operation_id="getWorkflow", response_model=WorkflowDetail, responses=answers(404))
    async def get_workflow(workflow_id: str):
        """A workflow and its current version's document."""
        def read():
            info = store.workflows.get(workflow_id)
            return {**info.to_json(), "document": store.workflows.document(workflow_id).model_dump(mode="json")}
        return await blocking(read)

    @r.put(W + "/{workflow_id}", operation_id="updateWorkflow", response_model=Saved, responses=answers(404))
    async def update_workflow(workflow_id: str, body: WorkflowBody):
        """Store a document as the workflow's content: a new version only when it changed."""
        wf = _document(body)

        def save():
            saved = store.workflows.save(workflow_id, wf, message=body.message)
            if body.is_template is not None:
                store.workflows.set_template(workflow_id, body.is_template)
            return saved
        saved = await blocking(save)
        return {"workflow_id": saved.workflow_id, "version": saved.version, "created": saved.created}

    @r.delete(W + "/{workflow_id}", operation_id="deleteWorkflow", response_model=Deleted, responses=answers(404))
    async def delete_workflow(workflow_id: str):
        """Move the workflow to the trash (restorable in the editor; its versions and runs are kept)."""
        await blocking(store.workflows.delete, workflow_id)
        return {"workflow_id": workflow_id, "deleted": True}

    @r.get(W + "/{workflow_id}/versions", operation_id="listVersions", response_model=list[Version],
           responses=answers(404))
    async def list_versions(workflow_id: str):
        """The workflow's versions, oldest first."""
        return [v.to_json() for v in await blocking(live(store.workflows.versions), workflow_id)]

    @r.get(W + "/{workflow_id}/versions/compare", operation_id="compareVersions", response_model=Comparison,
           responses=answers(404))
    async def compare_versions(workflow_id: str, a: int = Query(ge=1, le=10**9), b: int = Query(ge=1, le=10**9)):
        """What changed from version ``a`` to version ``b``: nodes added, removed, changed (config old → new),
        moved; links added and removed, each named by its endpoints; properties. The same JSON as
        ``nodeloom diff ID A B --json``."""
        return (await blocking(live(store.workflows.diff), workflow_id, a, b)).report(workflow_id, a, b)

    @r.get(W + "/{workflow_id}/versions/{number}", operation_id="getVersion", responses=answers(404))
    async def get_version(workflow_id: str, number: int) -> dict:
        """One version's document."""
        if not 1 <= number <= 10**9:
            raise HTTPProblem(404, f"workflow {workflow_id!r} has no version {number}")
        return (await blocking(live(store.workflows.document), workflow_id, number)).model_dump(mode="json")

    @r.post(W + "/{workflow_id}/rollback/{number}", operation_id="rollbackWorkflow", response_model=Saved,
            responses=answers(404))
    async def rollback(workflow_id: str, number: int):
        """A new version equal to version ``number`` (history is never rewritten)."""
        if not 1 <= number <= 10**9:
            raise HTTPProblem(404, f"workflow {workflow_id!r} has no version {number}")
        saved = await blocking(store.workflows.rollback, workflow_id, number)
        return {"workflow_id": saved.workflow_id, "version": saved.version, "created": saved.created}

    @r.get(W + "/{workflow_id}/hook", operation_id="getHook", response_model=Hook, responses=answers(404))
    async def get_hook(workflow_id: str, request: Request):
        """The workflow's webhook URL and secret (made on first use)."""
        secret = await blocking(store.hooks.secret, workflow_id)
        return _hook(request, workflow_id, secret)

    @r.post(W + "/{workflow_id}/hook/regenerate", operation_id="regenerateHook", response_model=Hook,
            responses=answers(404))
    async def regenerate_hook(workflow_id: str, request: Request):
        """A new webhook secret: deliveries signed with the old one are refused from now on."""
        secret = await blocking(store.hooks.regenerate, workflow_id)
        return _hook(request, workflow_id, secret)

    return r


def _hook(request: Request, workflow_id: str, secret: str) -> dict:
    return {"workflow_id": workflow_id, "url": str(request.url_for("webhook", workflow_id=workflow_id)),
            "secret": secret}
