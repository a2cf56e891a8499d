"""The workflow document of SPEC §2 as plain pydantic data, with loading, saving and hashing.

Loading is two-phase: :func:`parse_document` turns text into a dict (refusing broken JSON, absurd nesting
and newer schema versions), migrates older versions, and validates into a :class:`Workflow`; building an
executable plan happens later, in :mod:`engine.graph.plan`. Layout (``position``, ``label``, ``meta``) never affects
what runs or the :func:`semantic_hash`; neither do ``annotations`` (groups and notes). A node's ``bypass`` does, like
its config (a document keeps it only when on).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any, Callable, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, Strict, StrictBool, ValidationError,
                      field_validator)

from .errors import DocumentError, Issue, WorkflowInvalid
from .shapes import json_limits_error, shape_problems

__all__ = [
    "SCHEMA_VERSION",
    "FORMAT",
    "RetrySettings",
    "NodeSettings",
    "Node",
    "Edge",
    "Annotation",
    "Workflow",
    "annotation_issues",
    "MIGRATIONS",
    "parse_document",
    "load_workflow",
    "save_workflow",
    "dump_workflow",
    "semantic_hash",
    "canonical_json",
]

FORMAT = "nodeloom.workflow"
SCHEMA_VERSION = 1
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _whole(value):
    """A whole number as JSON says it: 3 or 3.0, never true/false or text ("3")."""
    if isinstance(value, (bool, str)):
        raise ValueError(f"a whole number, not {value!r}")
    return int(value) if isinstance(value, float) and value.is_integer() else value


#: a number is a JSON number (never true/false or text like "1.5", which pydantic's lax mode would take; a whole
#: number where a float is asked for is fine, and 3.0 where a whole number is)
Number = Annotated[float, Strict()]
Whole = Annotated[int, BeforeValidator(_whole)]


class RetrySettings(_Strict):
    max_attempts: Whole = Field(1, ge=1, le=100)
    backoff_s: Number = Field(1.0, ge=0, le=3600)
    factor: Number = Field(2.0, ge=1, le=100)
    max_backoff_s: Number = Field(30.0, ge=0, le=3600)
    jitter: Number = Field(0.1, ge=0, le=1, description="fraction of each delay drawn at random (±)")


class NodeSettings(_Strict):
    retry: RetrySettings | None = None
    timeout_s: Annotated[Number, Field(gt=0, le=86400)] | None = None
    on_error: Literal["fail", "continue"] = "fail"


class Node(_Strict):
    id: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=200)
    label: str | None = None
    position: tuple[Number, Number] = (0.0, 0.0)
    config: dict[str, Any] = Field(default_factory=dict)
    settings: NodeSettings = Field(default_factory=NodeSettings)
    pinned: dict[str, Any] | None = None
    #: switched off for runs: each output carries its first connected input of a compatible type, or nothing
    #: (SPEC §2); written in a document only when on, so documents without it read and hash as they did
    bypass: StrictBool = Field(False, exclude_if=lambda on: not on,
                               description="the node does not run; its outputs carry its inputs (SPEC §2)")


class Edge(_Strict):
    id: str = Field(min_length=1, max_length=200)
    source: str
    source_port: str
    target: str
    target_port: str


Size = Annotated[float, Strict(), Field(gt=0, le=1e6)]


class Annotation(_Strict):
    """A group (a titled, coloured frame around ``nodes``; it moves with them) or a note (text on the canvas).
    Layout only, like ``position``: never in a run, the cache key or the semantic hash."""

    id: str = Field(min_length=1, max_length=200)
    kind: Literal["group", "note"]
    position: tuple[Number, Number] = (0.0, 0.0)
    size: tuple[Size, Size] = (240.0, 120.0)
    title: str = Field("", max_length=200)
    text: str = Field("", max_length=100_000, description="markdown-lite: **bold**, *italic*, `code`, - lists")
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb; none: the kind's own")
    nodes: list[str] = Field(default_factory=list, description="the ids of the nodes a group frames")


class Workflow(_Strict):
    format: Literal["nodeloom.workflow"] = FORMAT
    schema_version: Whole = SCHEMA_VERSION
    name: str = "Untitled"
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    max_concurrency: Whole = Field(8, ge=1, le=1024)
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    annotations: list[Annotation] = Field(default_factory=list, description="groups and notes; layout only")
    meta: dict[str, Any] = Field(default_factory=dict, description="layout and editor state; never semantic")

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v != SCHEMA_VERSION:
            raise ValueError(f"schema_version {v} was not migrated to {SCHEMA_VERSION}")
        return v

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


# Each entry upgrades a document dict from version k to k + 1. Version 1 is the first; none yet.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}


def _migrate(doc: dict) -> dict:
    version = doc.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DocumentError(f"schema_version must be a positive integer, not {version!r}")
    if version > SCHEMA_VERSION:
        raise DocumentError(
            f"this workflow was written by a newer Nodeloom (schema_version {version}); "
            f"this program reads schema_version {SCHEMA_VERSION} and older — please upgrade Nodeloom"
        )
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
        doc["schema_version"] = version
    return doc


def _issues_from_pydantic(err: ValidationError, raw: dict) -> list[Issue]:
    issues = []
    nodes = raw.get("nodes") if isinstance(raw.get("nodes"), list) else []
    edges = raw.get("edges") if isinstance(raw.get("edges"), list) else []
    annotations = raw.get("annotations") if isinstance(raw.get("annotations"), list) else []
    for e in err.errors():
        loc = e["loc"]
        node_id = edge_id = None
        if len(loc) >= 2 and loc[0] == "annotations" and isinstance(loc[1], int):
            item = annotations[loc[1]] if loc[1] < len(annotations) else None
            ident = item.get("id") if isinstance(item, dict) else None
            name = f"annotation {str(ident)!r}" if isinstance(ident, (str, int)) else f"annotation #{loc[1]}"
            field = ".".join(str(p) for p in loc[2:]) or "annotation"
            issues.append(Issue("invalid_annotation", f"{name}: {field}: {e['msg']}"))
            continue
        if len(loc) >= 2 and loc[0] in ("nodes", "edges") and isinstance(loc[1], int):
            items = nodes if loc[0] == "nodes" else edges
            item = items[loc[1]] if loc[1] < len(items) else None
            ident = item.get("id") if isinstance(item, dict) else None
            ident = str(ident) if ident is not None else f"#{loc[1]}"
            node_id, edge_id = (ident, None) if loc[0] == "nodes" else (None, ident)
            field = ".".join(str(p) for p in loc[2:])
        else:
            field = ".".join(str(p) for p in loc)
        issues.append(Issue("invalid_document", f"{field or 'document'}: {e['msg']}", node_id, edge_id))
    return issues


def annotation_issues(annotations: list, node_ids: set[str]) -> list[Issue]:
    """Groups and notes are layout, but a malformed one is still named: a reused id, a group framing a node the
    workflow has not (or one twice), a note that frames nodes. ``annotations`` are :class:`Annotation` objects, or
    the raw dicts of a document whose annotations do not all parse (what cannot be read is skipped here: the
    parse names it)."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for place, note in enumerate(annotations):
        if isinstance(note, Annotation):
            ident, kind, nodes = note.id, note.kind, note.nodes
        elif isinstance(note, dict):
            ident, kind, nodes = note.get("id"), note.get("kind"), note.get("nodes")
            nodes = [n for n in nodes if isinstance(n, str)] if isinstance(nodes, list) else []
        else:
            continue
        where = f"annotation {str(ident)!r}" if isinstance(ident, (str, int)) else f"annotation #{place}"
        if isinstance(ident, str):
            if ident in seen:
                issues.append(Issue("invalid_annotation", f"annotation id {ident!r} is used more than once"))
            seen.add(ident)
        if kind == "note" and nodes:
            issues.append(Issue("invalid_annotation", f"{where}: a note frames no nodes (it names {nodes[0]!r})"))
            continue
        named: set[str] = set()
        for nid in nodes:
            if nid not in node_ids:
                issues.append(Issue("invalid_annotation", f"{where}: a group names missing node {nid!r}"))
            elif nid in named:
                issues.append(Issue("invalid_annotation", f"{where}: names node {nid!r} twice"))
            named.add(nid)
    return issues


def _refused(err: ValidationError, raw: dict) -> WorkflowInvalid:
    """Every problem of a document that does not parse: its fields' shapes and, as far as its annotations can be
    read, what :func:`annotation_issues` finds in them. When only annotations are malformed, the error carries the
    rest of the document (without them) for the graph's checks."""
    issues = _issues_from_pydantic(err, raw)
    annotations = raw.get("annotations")
    if isinstance(annotations, list) and annotations:
        nodes = raw.get("nodes") if isinstance(raw.get("nodes"), list) else []
        issues += annotation_issues(annotations, {n.get("id") for n in nodes
                                                  if isinstance(n, dict) and isinstance(n.get("id"), str)})
    rest = None
    if all(e["loc"][:1] == ("annotations",) for e in err.errors()):
        try:
            rest = Workflow.model_validate({**raw, "annotations": []})
        except (ValidationError, RecursionError):
            pass
    return WorkflowInvalid(issues, workflow=rest)


def parse_document(data: str | bytes | dict) -> Workflow:
    """Parse text (or an already decoded dict) into a :class:`Workflow`.

    Raises :class:`DocumentError` when the text cannot be read as a workflow at all, and
    :class:`WorkflowInvalid` when fields have the wrong shape (every problem listed, the annotations' reused ids
    and missing nodes too).
    """
    if isinstance(data, dict):
        raw = data
    else:
        if len(data) > MAX_DOCUMENT_BYTES:
            raise DocumentError(f"document is too large ({len(data)} bytes; limit {MAX_DOCUMENT_BYTES})")
        try:
            raw = json.loads(data)
        except RecursionError:
            raise DocumentError("document is nested too deeply to be a workflow") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise DocumentError(f"not valid JSON: {e}") from None
        except ValueError as e:  # an integer too long for Python to read
            raise DocumentError(f"not a readable document: {json_limits_error(e) or e}") from None
    if not isinstance(raw, dict):
        raise DocumentError(f"a workflow document is a JSON object, not {type(raw).__name__}")
    problems = shape_problems(raw, "document")  # depth, huge integers, lone surrogates: before anything walks it
    if problems:
        raise DocumentError("; ".join(problems))
    if raw.get("format", FORMAT) != FORMAT:
        raise DocumentError(f"not a Nodeloom workflow (format is {raw.get('format')!r}, expected {FORMAT!r})")
    raw = _migrate(dict(raw))
    try:
        return Workflow.model_validate(raw)
    except RecursionError:
        raise DocumentError("document is nested too deeply to be a workflow") from None
    except ValidationError as e:
        raise _refused(e, raw) from None


def load_workflow(path: str | os.PathLike) -> Workflow:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise DocumentError(f"cannot read {p}: {e.strerror or e}") from None
    return parse_document(data)


def dump_workflow(wf: Workflow) -> str:
    return json.dumps(wf.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _umask() -> int:
    """The process's umask, read without changing it (Linux: /proc; elsewhere the usual 022)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def give_usual_mode(tmp: str | os.PathLike, target: Path) -> None:
    """A temp file about to replace ``target`` gets the mode the user expects of a file they saved: the old
    file's, or what the umask leaves of rw-rw-rw- (mkstemp makes it private)."""
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    os.chmod(tmp, mode)


def save_workflow(wf: Workflow, path: str | os.PathLike) -> None:
    """Write atomically: a temp file in the same folder, fsync, then rename over the target."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dump_workflow(wf))
            f.flush()
            os.fsync(f.fileno())
        give_usual_mode(tmp, p)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def semantic_hash(wf: Workflow) -> str:
    """SHA-256 of what a run computes: nodes and edges sorted by id, without position, label, annotations or
    meta."""
    doc = wf.model_dump(mode="json", exclude={"meta", "annotations"})
    doc["nodes"] = sorted(
        ({k: v for k, v in n.items() if k not in ("position", "label")} for n in doc["nodes"]),
        key=lambda n: n["id"],
    )
    doc["edges"] = sorted(doc["edges"], key=lambda e: e["id"])
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()
