"""The shapes of request and response bodies, for validation and for the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ..model import SCHEMA_VERSION, Workflow
from ..runs import NODE_STATUSES, trigger_config_schema



def inline_schema(schema: dict) -> dict:
    """A pydantic JSON schema with its ``$defs`` put in place of their ``$ref``s (the document's parts are not
    recursive), so it can sit inside a property of the OpenAPI document."""
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(dict(defs[node["$ref"].rsplit("/", 1)[-1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


#: a workflow document (SPEC §2) as the OpenAPI document shows it: engine.model.Workflow's own schema. Its shape
#: only — a document of this shape may still have problems (an unknown block, a dangling link, a cycle, a missing
#: config value), answered 422 with every one listed
_DOCUMENT = inline_schema(Workflow.model_json_schema())
_DOCUMENT["properties"]["schema_version"].update({"minimum": 1, "maximum": SCHEMA_VERSION})

__all__ = ["Problem", "WorkflowSummary", "WorkflowPage", "WorkflowDetail", "WorkflowBody", "Saved", "Version",
           "Link", "ConfigChange", "NodeChange", "Comparison",
           "RunRequest", "RunAccepted", "RunCache", "Run", "RunPage", "QueueState", "RunPatch", "Cancelled",
           "Hook", "NodeTest", "NodeTestResult", "ValidateBody", "Validation", "Deleted", "Paused", "HookAccepted",
           "TriggerBody", "TriggerPatch", "TriggerObject", "TriggerDeleted"]

MAX_NAME = 500


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Problem(BaseModel):
    """Every error answer: what is wrong, and each problem when there are several."""

    detail: str
    problems: list[Any] | None = None
    run_id: str | None = None


class WorkflowSummary(_Out):
    id: str
    name: str
    description: str
    tags: list[str]
    is_template: bool
    created_at: float
    updated_at: float
    deleted_at: float | None
    current_version: int
    source: str


class WorkflowPage(BaseModel):
    total: int
    items: list[WorkflowSummary]


class WorkflowDetail(WorkflowSummary):
    document: dict[str, Any] = Field(description="the current version's document (SPEC §2)")


class WorkflowBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    document: Annotated[dict[str, Any], WithJsonSchema(_DOCUMENT)] = Field(
        description="a workflow document (SPEC §2); one of this shape may still have problems (an unknown block, a "
                    "dangling link, a cycle, a missing config value): 422 lists every one")
    message: str | None = Field(None, max_length=2000, description="the version's message")
    is_template: bool | None = None


class Saved(BaseModel):
    workflow_id: str
    version: int
    created: bool = Field(description="false when the document equals the current version (no new version)")


class Version(BaseModel):
    number: int
    created_at: float
    message: str | None
    tag: str | None
    content_hash: str


class Link(BaseModel):
    """A link added or removed, named by its endpoints as they are in the version that has it."""

    id: str = Field(description="its edge id in that version (the other version may use the id for another link)")
    source: str
    source_port: str
    target: str
    target_port: str


class ConfigChange(BaseModel):
    key: str
    old: Any = Field(description='the old value, or "<missing>"')
    new: Any = Field(description='the new value, or "<missing>"')


class NodeChange(BaseModel):
    node_id: str
    config: list[ConfigChange]
    type: tuple[str, str] | None = Field(description="old block type, new block type")
    settings: tuple[dict[str, Any], dict[str, Any]] | None
    pinned: tuple[Any, Any] | None
    bypass: tuple[bool, bool] | None = Field(description="old, new: whether the node was bypassed (SPEC §2)")


class AnnotationChange(BaseModel):
    id: str
    kind: str = Field(description="group or note (in the newer version)")
    changes: list[ConfigChange] = Field(description="each field that changed: title, color, text, nodes, position "
                                                    "(moved), size (resized), kind")


class Renamed(BaseModel):
    node_id: str
    old: str | None
    new: str | None


class Comparison(BaseModel):
    """What changed from version ``a`` to version ``b`` (also what ``nodeloom diff --json`` prints). Links
    are matched by their endpoints: an id reused for another link is a removal plus an addition."""

    workflow_id: str
    a: int
    b: int
    summary: str = Field(description='one line, e.g. "2 nodes changed, 1 link removed · layout: 1 annotation '
                                     'added", or "no change"')
    nodes_added: list[str]
    nodes_removed: list[str]
    nodes_changed: list[NodeChange]
    nodes_moved: list[str] = Field(description="nodes whose position changed")
    nodes_renamed: list[Renamed] = Field(description="nodes whose label changed (layout: they compute the same)")
    edges_added: list[Link]
    edges_removed: list[Link]
    annotations_added: list[str] = Field(description="groups and notes added, by id (layout)")
    annotations_removed: list[str] = Field(description="groups and notes removed, by id (layout)")
    annotations_changed: list[str] = Field(description="groups and notes moved, resized or edited, by id (layout)")
    annotation_changes: list[AnnotationChange] = Field(description="what changed in each of annotations_changed")
    properties: dict[str, tuple[Any, Any]] = Field(description="name, description, tags, max_concurrency: "
                                                               "[old, new]")


class Deleted(BaseModel):
    workflow_id: str
    deleted: bool


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    inputs: dict[str, Any] = Field(default_factory=dict, description="input name → value (images as SPEC §10 JSON): "
                                   "the names the workflow's input nodes take, with values of their types (else 422, "
                                   "every problem listed)")
    mode: Literal["sync", "async", "background"] = "sync"
    priority: int = Field(5, ge=1, le=10, strict=False)
    timeout_seconds: float = Field(300.0, ge=0.1, le=86_400, description="sync: answer 408 (and cancel) after this")
    callback_url: str | None = Field(
        None, max_length=2000, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^/\s?#]+", json_schema_extra={"format": "uri"},
        description="receives the run object when it ends (http or https; an address the settings refuse — "
                    "loopback, private — is answered 422)")
    use_cache: bool = True
    use_pins: bool = False
    version: int | None = Field(None, ge=1, le=10**9, strict=False)


class RunAccepted(BaseModel):
    id: str = Field(description="the run's id, as in the run object (the same as run_id)")
    run_id: str
    status: str
    status_url: str
    events_url: str


class NodeSummary(_Out):
    status: Literal[NODE_STATUSES] = Field(description="bypassed: switched off for runs, its outputs carried its "
                                                      "inputs (SPEC §2)")
    duration_ms: float | None
    attempts: int
    error: str | None


class RunCache(BaseModel):
    hits: int = Field(ge=0, description="nodes (per ForEach iteration) whose result came from the cache")
    misses: int = Field(ge=0, description="cacheable nodes that looked in the cache and had to compute")
    hit_rate: float | None = Field(ge=0, le=1, description="hits / (hits + misses); null when nothing looked")


class Run(_Out):
    """A run — the one shape every front shows (``nodeloom run --json``, ``runs --json``, ``queue list --json``, every
    route, a callback's body): the run object of SPEC §10, ``id`` beside ``run_id``, and where it comes from."""

    id: str
    run_id: str
    status: str
    duration_ms: float | None
    outputs: dict[str, Any] | None
    nodes: dict[str, NodeSummary]
    error: str | None
    workflow_id: str | None
    version: int | None
    workflow_name: str
    mode: str
    priority: int
    trigger: str
    inputs: dict[str, Any]
    created_at: float
    started_at: float | None
    finished_at: float | None
    replay_of: str | None
    from_node: str | None
    parent_run_id: str | None
    queue_position: float | None
    trigger_id: str | None
    draft_id: str | None
    attempt: int = Field(description="times the run was started: 2 when it started again from the queue")
    callback: dict[str, Any] | None = Field(description="its callback_url's delivery (attempts, last error, when)")
    cache: RunCache | None = Field(description="its cache use; null while it runs, or for a run recorded before "
                                               "this was counted")
    node_runs: list[dict[str, Any]] = Field(description="every node run (empty in lists of runs)")


class RunPage(BaseModel):
    items: list[Run]


class QueueState(BaseModel):
    paused: bool
    running: list[Run]
    queued: list[Run]


class Paused(BaseModel):
    paused: bool


class NewPriority(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    priority: int = Field(ge=1, le=10, strict=False)


class MoveBefore(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    before: str = Field(min_length=1, max_length=64, description="put the run just before this queued run")


class MoveAfter(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    after: str = Field(min_length=1, max_length=64, description="put the run just after this queued run")


RunPatch = NewPriority | MoveBefore | MoveAfter


class Cancelled(BaseModel):
    run_id: str
    result: Literal["cancelling", "cancelled", "requested", "finished"]


class Hook(BaseModel):
    """A workflow's webhook: POST the run's inputs to ``url`` signed per Standard Webhooks with ``secret`` (no
    bearer token needed there)."""

    workflow_id: str
    url: str
    secret: str = Field(description="whsec_<base64 key>: the HMAC-SHA256 key of the signatures is the base64 after "
                                    "whsec_, decoded")
    scheme: Literal["standard-webhooks"] = "standard-webhooks"
    headers: list[str] = Field(["webhook-id", "webhook-timestamp", "webhook-signature"],
                               description="what a delivery carries; webhook-signature is v1,<base64 HMAC-SHA256 of "
                                           "\"{webhook-id}.{webhook-timestamp}.{body}\">")


class HookAccepted(BaseModel):
    run_id: str | None
    status: Literal["queued", "duplicate"]
    status_url: str | None = None
    events_url: str | None = None


class NodeTest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    block: str = Field(max_length=200, description="a block type from GET /blocks")
    config: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, Any] = Field(default_factory=dict)
    timeout_seconds: float = Field(60.0, ge=0.1, le=3600, description="answer 408 (and cancel) after this")


class NodeTestResult(BaseModel):
    run_id: str
    status: str
    duration_ms: float
    outputs: dict[str, Any]
    error: str | None
    preview: dict[str, Any] | None = Field(None, description="a thumbnail of the first image output (SPEC §10 image)")


class ValidateBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    document: dict[str, Any]


class Validation(BaseModel):
    valid: bool
    problems: list[dict[str, Any]]


class _NewTrigger(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    inputs: dict[str, Any] = Field(default_factory=dict, description="inputs of the runs it starts (checked against "
                                                                     "the workflow: an unknown one is answered 422)")
    priority: int = Field(5, ge=1, le=10, strict=False)
    catch_up: Literal["once", "skip"] = "once"
    enabled: bool = True


class NewSchedule(_NewTrigger):
    kind: Literal["schedule"]
    config: Annotated[dict[str, Any], WithJsonSchema(trigger_config_schema("schedule"))] = Field(
        description="cron (5 fields or @hourly…) and tz (an IANA zone); a bad expression or zone is answered 422")


class NewFolderWatch(_NewTrigger):
    kind: Literal["folder"]
    config: Annotated[dict[str, Any], WithJsonSchema(trigger_config_schema("folder"))] = Field(
        description="the folder's full path (it must exist: else 422) and what to watch in it")


class NewWebhook(_NewTrigger):
    kind: Literal["webhook"]
    config: Annotated[dict[str, Any], WithJsonSchema(trigger_config_schema("webhook"))] = Field(default_factory=dict)


#: a new trigger (SPEC §7), by its kind; its runs' inputs are checked against the workflow
TriggerBody = Annotated[Union[NewSchedule, NewFolderWatch, NewWebhook], Field(discriminator="kind")]


class TriggerPatch(BaseModel):
    """The fields to change (at least one; a field left out is not changed)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"minProperties": 1})
    config: dict[str, Any] = Field(None, description="the kind's config, whole (as when it was made)")
    inputs: dict[str, Any] = Field(None)
    priority: int = Field(None, ge=1, le=10, strict=False)
    catch_up: Literal["once", "skip"] = Field(None)
    enabled: bool = Field(None)


class TriggerObject(_Out):
    id: str
    workflow_id: str
    kind: str
    enabled: bool
    config: dict[str, Any]
    inputs: dict[str, Any]
    priority: int
    catch_up: str
    last_fired: float | None
    next_due: float | None
    last_error: str | None
    fired: int
    upcoming: list[float] = Field(default_factory=list, description="a schedule's next five times (epoch s)")


class TriggerDeleted(BaseModel):
    trigger_id: str
    deleted: bool
