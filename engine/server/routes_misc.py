"""The block catalogue, node tests, validation, and webhooks."""

from __future__ import annotations

import hmac
import json
import re
from typing import Literal

from fastapi import APIRouter, Header, Request
from pydantic import Field, create_model

from ..errors import DocumentError, WorkflowInvalid
from ..graph import validate
from ..model import parse_document
from ..runs.callbacks import sign
from ..values import image_to_json, to_json
from .errors import JSON, HTTPProblem, answers
from .routes_runs import accepted, ended, requester
from .schemas import HookAccepted, NodeTest, NodeTestResult, ValidateBody, Validation

__all__ = ["misc_routes"]

PREVIEW_PX = 256
_DELIVERY = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


def _preview(outputs: dict) -> dict | None:
    from PIL import Image

    for value in outputs.values():
        if isinstance(value, Image.Image):
            thumb = value.copy()
            thumb.thumbnail((PREVIEW_PX, PREVIEW_PX))
            return image_to_json(thumb)
    return None


def misc_routes(service) -> APIRouter:
    r = APIRouter()
    store = service.store
    blocking = service.run_blocking
    registry = service.targets.registry

    @r.get("/api/v1/blocks", operation_id="listBlocks", tags=["blocks"], responses=answers())
    async def list_blocks() -> dict:
        """The block catalogue: each block's ports and its config's JSON schema."""
        return {"blocks": registry.describe()}

    async def test_node(body: NodeTest, request: Request):
        """Run one block on the given inputs and config (images as SPEC §10 JSON): its outputs and a preview."""
        handle = service.launcher.test_node(body.block, body.inputs, body.config, requester=requester(request))
        result = await ended(handle, body.timeout_seconds, "the block")
        node = result.nodes.get("node")
        preview = await blocking(_preview, result.outputs)
        return {"run_id": result.run_id, "status": result.status, "duration_ms": result.duration_ms,
                "outputs": await blocking(to_json, result.outputs), "preview": preview,
                "error": (node.error if node is not None else None) or result.error}

    # the block field names the catalogue's types, so the document says which blocks there are
    kinds = tuple(sorted(b.type for b in registry)) or ("none",)
    test_node.__annotations__["body"] = create_model("NodeTest", __base__=NodeTest, block=(
        Literal[kinds], Field(description="a block type (GET /api/v1/blocks)")))
    r.post("/api/v1/nodes/test", operation_id="testNode", tags=["blocks"], response_model=NodeTestResult,
           responses=answers(408))(test_node)

    @r.post("/api/v1/validate", operation_id="validateWorkflow", tags=["workflows"], response_model=Validation,
            responses=answers())
    async def validate_document(body: ValidateBody):
        """Every problem of a document (each naming its node or edge); an empty list when it can run."""
        def check() -> list[dict]:
            try:
                wf = parse_document(json.dumps(body.document, ensure_ascii=False))
            except DocumentError as e:
                return [{"code": "unreadable", "message": str(e), "node_id": None, "edge_id": None}]
            except WorkflowInvalid as e:
                return [i.to_json() for i in e.issues]
            return [i.to_json() for i in validate(wf, registry)]
        problems = await blocking(check)
        return {"valid": not problems, "problems": problems}

    @r.post("/api/v1/hooks/{workflow_id}", name="webhook", operation_id="webhook", tags=["webhooks"],
            status_code=202, responses=answers(404, _200={"model": HookAccepted, "description": "a repeated delivery"},
                                                _202={"model": HookAccepted, "description": "queued"}))
    async def webhook(workflow_id: str, request: Request,
                      x_nodeloom_signature: str = Header(max_length=200, description="sha256=<hex HMAC of the body>"),
                      x_nodeloom_delivery: str = Header(max_length=200, description="the delivery's id")):
        """Start a run of the workflow with the JSON body as its inputs (as data, never a template). The body
        must be signed with the workflow's hook secret; a delivery id seen in the last 24 hours is not run again.
        A webhook trigger of the workflow (SPEC §7) adds its inputs and priority; switched off, it refuses (403)."""
        raw = await request.body()
        secret = await blocking(store.hooks.secret, workflow_id)
        if not hmac.compare_digest(sign(secret, raw).encode(), x_nodeloom_signature.strip().encode("utf-8", "replace")):
            raise HTTPProblem(401, "the X-Nodeloom-Signature does not match the body (sha256=<hex HMAC-SHA256 of "
                                   "the raw body with the workflow's hook secret>)")
        hooks = await blocking(lambda: store.triggers.list(workflow_id, kind="webhook"))
        on = [t for t in hooks if t.enabled]
        if hooks and not on:
            raise HTTPProblem(403, "the workflow's webhook is switched off (its trigger is off)")
        if not _DELIVERY.match(x_nodeloom_delivery):
            raise HTTPProblem(422, "X-Nodeloom-Delivery must be 1-200 letters, digits or . _ : -")
        try:
            inputs = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError) as e:
            raise HTTPProblem(422, f"the body is not JSON: {e}") from None
        if not isinstance(inputs, dict):
            raise HTTPProblem(422, "the body must be a JSON object of input name: value")
        if not await blocking(store.hooks.first_delivery, workflow_id, x_nodeloom_delivery):
            run_id = await blocking(store.hooks.run_of, workflow_id, x_nodeloom_delivery)
            return JSON({"run_id": run_id, "status": "duplicate"}, status_code=200)
        try:
            run_id = await service.enqueue(workflow_id, {**(on[0].inputs if on else {}), **inputs}, trigger="webhook",
                                           mode="async", priority=on[0].priority if on else 5,
                                           requester=requester(request))
        except Exception:
            await blocking(store.hooks.forget, workflow_id, x_nodeloom_delivery)  # it may be sent again
            raise
        await blocking(store.hooks.delivered, workflow_id, x_nodeloom_delivery, run_id)
        return accepted(request, run_id, "queued")

    return r
