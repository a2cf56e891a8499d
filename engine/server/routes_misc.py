"""The block catalogue, node tests, validation, and webhooks."""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Header, Request
from pydantic import Field, ValidationError, create_model

from ..errors import DocumentError, WebhookRefused, WorkflowInvalid
from ..graph import all_issues, validate
from ..model import parse_document
from ..runs import deliver
from ..values import image_to_json, to_json
from .errors import JSON, HTTPProblem, answers
from .routes_runs import accepted, ended, requester
from .schemas import HookAccepted, NodeTest, NodeTestResult, Problem, ValidateBody, Validation

__all__ = ["misc_routes"]

PREVIEW_PX = 256
_REFUSED = {"signature": 401, "off": 403, "body": 422}  # WebhookRefused.why → the answer
_UNSIGNED = ("a Standard Webhooks header is missing (named), the headers do not verify with the workflow's secret (a "
             "wrong or old secret, an id other than the signed one), or the webhook-timestamp is more than 5 minutes "
             "off: the reason in words (no bearer token is asked for here)")
_LIMITED = "too many requests from this client, or more runs a minute than it may start, or the queue is full; " \
           "see Retry-After"
_HOOK_BODY = {"requestBody": {"required": False, "description": "the run's inputs (may be empty); the exact bytes "
                              "are signed", "content": {"application/json": {"schema": {
                                  "type": "object", "additionalProperties": True}}}}}


#: the Standard Webhooks headers: (max length, what it holds). Each is read as optional (one left out is refused as
#: unsigned: 401 naming it, not 422 as a malformed request) and documented as required (a delivery needs all three)
_HOOK_HEADERS = {
    "webhook-id": (200, "the delivery's id, the same on each retry (a repeat within 24 h is not run again)"),
    "webhook-timestamp": (40, "whole seconds since 1970 (UTC) when it was signed; more than 5 minutes off is refused"),
    "webhook-signature": (2000, "v1,<base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.{body}\" keyed with "
                                "the base64-decoded part of the workflow's whsec_ secret>"),
}
_HOOK_PARAMETERS = [{"name": name, "in": "header", "required": True, "description": f"{what} (left out: 401)",
                     "schema": {"type": "string", "maxLength": most, "title": name.replace("-", " ").title()}}
                    for name, (most, what) in _HOOK_HEADERS.items()]


def _hook_header(name: str):
    most, what = _HOOK_HEADERS[name]
    return Header(None, max_length=most, description=what, include_in_schema=False)


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
    blocking = service.run_blocking
    registry = service.targets.registry

    @r.get("/api/v1/blocks", operation_id="listBlocks", tags=["blocks"], responses=answers())
    async def list_blocks() -> dict:
        """The block catalogue: each block's ports and its config's JSON schema."""
        return {"blocks": registry.describe()}

    async def test_node(body: NodeTest, request: Request):
        """Run one block on the given inputs and config (images as SPEC §10 JSON): its outputs and a preview. The
        config is held to the block's JSON schema as written (true is not 1, "5" is not 5: 422); what only a run
        can judge (a file that is not there) is the run's failure, said in ``error``."""
        cls = registry.get(body.block)
        fixed = {k: v for k, v in body.config.items() if not (isinstance(v, dict) and "$expr" in v)}
        try:
            cls.Config.model_validate(fixed, strict=True)
        except ValidationError as e:
            problems = [{"code": "invalid_config", "message": f"config {'.'.join(map(str, err['loc']))!r}: "
                         f"{err['msg'].removeprefix('Value error, ')}", "node_id": "node", "edge_id": None}
                        for err in e.errors()[:50]]
            raise HTTPProblem(422, f"the config does not fit the block: {problems[0]['message']}",
                              problems=problems) from None
        handle = service.launcher.test_node(body.block, body.inputs, body.config, requester=requester(request))
        result = await ended(handle, body.timeout_seconds, "the block")
        node = result.nodes.get("node")
        preview = await blocking(_preview, result.outputs)
        return {"run_id": result.run_id, "status": result.status, "duration_ms": result.duration_ms,
                "outputs": await blocking(to_json, result.outputs), "preview": preview,
                "error": (node.error if node is not None else None) or result.error}

    # the block field names the catalogue's types, so the document says which blocks there are (each block's config
    # and inputs: GET /blocks; one body schema per block made the document too big for the fuzzer's generator)
    kinds = tuple(sorted(b.type for b in registry if b.role is None)) or ("none",)
    test_node.__annotations__["body"] = create_model("NodeTest", __base__=NodeTest, block=(
        Literal[kinds], Field(description="a block type (GET /api/v1/blocks: its config schema and input ports; a "
                                          "config that does not fit, or a required input left out, is answered 422)")))
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
                return [i.to_json() for i in all_issues(e, registry)]
            return [i.to_json() for i in validate(wf, registry)]
        problems = await blocking(check)
        return {"valid": not problems, "problems": problems}

    @r.post("/api/v1/hooks/{workflow_id}", name="webhook", operation_id="webhook", tags=["webhooks"],
            status_code=202, openapi_extra={**_HOOK_BODY, "parameters": _HOOK_PARAMETERS},
            responses=answers(404, _200={"model": HookAccepted, "description": "a repeated webhook-id: not run "
                                                                                      "again; the run it started"},
                              _202={"model": HookAccepted, "description": "queued"},
                              _401={"model": Problem, "description": _UNSIGNED},
                              _403={"model": Problem, "description": "the workflow's webhook trigger is switched "
                                                                     "off; or a Host not served here, or a "
                                                                     "cross-site request"},
                              _429={"model": Problem, "description": _LIMITED}))
    async def webhook(workflow_id: str, request: Request,
                      webhook_id: str | None = _hook_header("webhook-id"),
                      webhook_timestamp: str | None = _hook_header("webhook-timestamp"),
                      webhook_signature: str | None = _hook_header("webhook-signature")):
        """Start a run of the workflow with the JSON body as its inputs (as data, never a template), signed per
        Standard Webhooks with the workflow's whsec_ secret — the signature alone authenticates it: no bearer
        token. A webhook-id seen in the last 24 hours is answered `duplicate` and not run again. A webhook trigger
        of the workflow (SPEC §7) adds its inputs and priority; switched off, it refuses (403). Counts toward the
        runs a minute of the client."""
        # each header optional here: one left out is refused as unsigned (401, naming it), not as a malformed request
        sent = {"webhook-id": webhook_id, "webhook-timestamp": webhook_timestamp,
                "webhook-signature": webhook_signature}
        headers = {name: value for name, value in sent.items() if value is not None}
        try:
            done = await deliver(service, workflow_id, await request.body(), headers, requester=requester(request))
        except WebhookRefused as e:
            raise HTTPProblem(_REFUSED[e.why], str(e)) from None
        if done.status == "duplicate":
            return JSON({"run_id": done.run_id, "status": "duplicate"}, status_code=200)
        return accepted(request, done.run_id, "queued")

    return r
