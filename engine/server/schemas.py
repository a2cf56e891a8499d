"""The shapes of request and response bodies, for validation and for the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Problem", "WorkflowSummary", "WorkflowPage", "WorkflowDetail", "WorkflowBody", "Saved", "Version",
           "Link", "ConfigChange", "NodeChange", "Comparison",
           "RunRequest", "RunAccepted", "Run", "RunPage", "QueueState", "RunPatch", "Cancelled",
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
    document: dict[str, Any] = Field(description="a workflow document (SPEC §2)")
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
    summary: str = Field(description='one line, e.g. "2 nodes changed, 1 link removed", or "no change"')
    nodes_added: list[str]
    nodes_removed: list[str]
    nodes_changed: list[NodeChange]
    nodes_moved: list[str] = Field(description="nodes whose position changed")
    nodes_renamed: list[Renamed] = Field(description="nodes whose label changed (layout: they compute the same)")
    edges_added: list[Link]
    edges_removed: list[Link]
    properties: dict[str, tuple[Any, Any]] = Field(description="name, description, tags, max_concurrency: "
                                                               "[old, new]")


class Deleted(BaseModel):
    workflow_id: str
    deleted: bool


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    inputs: dict[str, Any] = Field(default_factory=dict, description="input name → value (images as SPEC §10 JSON)")
    mode: Literal["sync", "async", "background"] = "sync"
    priority: int = Field(5, ge=1, le=10)
    timeout_seconds: float = Field(300.0, gt=0, le=86_400, description="sync: answer 408 (and cancel) after this")
    callback_url: str | None = Field(None, max_length=2000, description="receives the run object when it ends")
    use_cache: bool = True
    use_pins: bool = False
    version: int | None = Field(None, ge=1, le=10**9)


class RunAccepted(BaseModel):
    run_id: str
    status: str
    status_url: str
    events_url: str


class NodeSummary(_Out):
    status: str
    duration_ms: float | None
    attempts: int
    error: str | None


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
    priority: int = Field(ge=1, le=10)


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
    timeout_seconds: float = Field(60.0, gt=0, le=3600)


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


class TriggerBody(BaseModel):
    """A new trigger (SPEC §7): ``config`` by kind — schedule {cron, tz}; folder {path, patterns, recursive, on,
    debounce_s}; webhook {}."""

    model_config = ConfigDict(extra="forbid", strict=True)
    kind: Literal["schedule", "folder", "webhook"]
    config: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, Any] = Field(default_factory=dict, description="inputs of the runs it starts")
    priority: int = Field(5, ge=1, le=10)
    catch_up: Literal["once", "skip"] = "once"
    enabled: bool = True


class TriggerPatch(BaseModel):
    """The fields to change (at least one)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    config: dict[str, Any] | None = None
    inputs: dict[str, Any] | None = None
    priority: int | None = Field(None, ge=1, le=10)
    catch_up: Literal["once", "skip"] | None = None
    enabled: bool | None = None


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
