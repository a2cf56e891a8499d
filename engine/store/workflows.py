"""Workflows and their versions (SPEC §7).

Saving a document whose content changed creates an immutable, numbered version; saving an unchanged one
creates none. Rollback creates a new version equal to an old one: history is never rewritten. Every multi-row
write is one ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import func, or_, select

from ..errors import DocumentError, NotFound, WorkflowInvalid
from ..model import Workflow, canonical_json, load_workflow, parse_document, save_workflow, semantic_hash
from .db import Database
from .diff import WorkflowDiff, diff_workflows
from .models import SettingRow, VersionRow, WorkflowRow

__all__ = ["WorkflowRepo", "WorkflowInfo", "VersionInfo", "SaveResult", "Page", "NotFound", "document_hash"]


def _dump(wf: Workflow) -> str:
    return canonical_json(wf.model_dump(mode="json"))


def document_hash(document_text: str) -> str:
    """The hash a version row stores: of its document text, so a torn write can never match."""
    return hashlib.sha256(document_text.encode("utf-8")).hexdigest()


def _content_key(wf: Workflow) -> str:
    """What "changed" means for saving: everything but editor state (``meta``)."""
    return document_hash(canonical_json(wf.model_dump(mode="json", exclude={"meta"})))


@dataclass(frozen=True)
class WorkflowInfo:
    id: str
    name: str
    description: str
    tags: list[str]
    is_template: bool
    created_at: float
    updated_at: float
    deleted_at: float | None
    current_version: int
    source: str = ""  # where it came from: "file:PATH", "template:ID", "resource:NAME", or "" (made here)

    @classmethod
    def of(cls, row: WorkflowRow) -> "WorkflowInfo":
        return cls(row.id, row.name, row.description, list(row.tags or []), row.is_template, row.created_at,
                   row.updated_at, row.deleted_at, row.current_version, row.source or "")

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class VersionInfo:
    number: int
    created_at: float
    message: str | None
    tag: str | None
    content_hash: str

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SaveResult:
    workflow_id: str
    version: int
    created: bool


@dataclass(frozen=True)
class Page:
    items: list[WorkflowInfo]
    total: int
    limit: int
    offset: int


class WorkflowRepo:
    def __init__(self, db: Database):
        self.db = db

    # -- create, read, update, delete -------------------------------------------------------------------

    def create(self, wf: Workflow, *, message: str | None = None, tag: str | None = None,
               is_template: bool = False, source: str | None = None) -> WorkflowInfo:
        now = time.time()
        row = WorkflowRow(id=uuid.uuid4().hex, name=wf.name, description=wf.description, tags=list(wf.tags),
                          is_template=is_template, created_at=now, updated_at=now, current_version=1, source=source)
        with self.db.write() as s:
            s.add(row)
            s.flush()
            s.add(self._version_row(row.id, 1, wf, message, tag, now))
        return WorkflowInfo.of(row)

    @staticmethod
    def _version_row(workflow_id: str, number: int, wf: Workflow, message, tag, now) -> VersionRow:
        text = _dump(wf)
        return VersionRow(workflow_id=workflow_id, number=number, document=text, content_hash=document_hash(text),
                          semantic_hash=semantic_hash(wf), message=message, tag=tag, created_at=now)

    def _row(self, s, workflow_id: str, include_deleted: bool = False) -> WorkflowRow:
        row = s.get(WorkflowRow, workflow_id)
        if row is None or (row.deleted_at is not None and not include_deleted):
            raise NotFound(f"no workflow with id {workflow_id!r}")
        return row

    def get(self, workflow_id: str, include_deleted: bool = False) -> WorkflowInfo:
        with self.db.read() as s:
            return WorkflowInfo.of(self._row(s, workflow_id, include_deleted))

    def resolve(self, ref: str) -> WorkflowInfo:
        """A workflow by id, or by exact name when that name is unique."""
        with self.db.read() as s:
            row = s.get(WorkflowRow, ref)
            if row is not None and row.deleted_at is None:
                return WorkflowInfo.of(row)
            rows = s.scalars(select(WorkflowRow).where(WorkflowRow.name == ref, WorkflowRow.deleted_at.is_(None))).all()
        if len(rows) > 1 and len([r for r in rows if not r.is_template]) == 1:
            rows = [r for r in rows if not r.is_template]  # the user's own copy wins over the template it came from
        if len(rows) == 1:
            return WorkflowInfo.of(rows[0])
        if len(rows) > 1:
            raise NotFound(f"{len(rows)} workflows are named {ref!r}; use the id ({', '.join(r.id for r in rows)})")
        raise NotFound(f"no workflow with id or name {ref!r}")

    def signature(self) -> tuple:
        """What changes whenever a workflow is created, saved, renamed, deleted or restored (by any process): the
        welcome page lists them again when it changes."""
        conn = self.db.engine.raw_connection()
        try:
            return tuple(conn.execute("SELECT count(*), max(updated_at), max(deleted_at), sum(deleted_at IS NULL) "
                                      "FROM workflows").fetchone())
        finally:
            conn.close()

    def latest(self, ref: str) -> tuple[str, int]:
        """(id, current version) of a workflow by id or unique name: the cheap lookup of every queued run."""
        with self.db.read_cursor() as cur:  # one indexed SELECT: plain sqlite3 (no ORM, ~20x cheaper)
            row = cur.execute("SELECT id, current_version FROM workflows WHERE id = ? AND deleted_at IS NULL",
                              (ref,)).fetchone()
        if row is not None:
            return row[0], row[1]
        info = self.resolve(ref)
        return info.id, info.current_version

    def document(self, workflow_id: str, version: int | None = None) -> Workflow:
        with self.db.read() as s:
            row = self._row(s, workflow_id, include_deleted=True)
            number = version if version is not None else row.current_version
            v = s.scalars(select(VersionRow).where(VersionRow.workflow_id == workflow_id,
                                                   VersionRow.number == number)).first()
            if v is None:
                raise NotFound(f"workflow {workflow_id!r} has no version {number}")
            text = v.document
        return parse_document(text)

    def save(self, workflow_id: str, wf: Workflow, *, message: str | None = None,
             tag: str | None = None) -> SaveResult:
        """Store ``wf`` as the workflow's content; a new version only if it differs from the current one."""
        with self.db.write() as s:
            row = self._row(s, workflow_id)
            current = s.scalars(select(VersionRow).where(VersionRow.workflow_id == workflow_id,
                                                         VersionRow.number == row.current_version)).one()
            if _content_key(parse_document(current.document)) == _content_key(wf):
                return SaveResult(workflow_id, row.current_version, False)
            return self._append(s, row, wf, message, tag)

    def _append(self, s, row: WorkflowRow, wf: Workflow, message, tag) -> SaveResult:
        now = time.time()
        number = row.current_version + 1
        s.add(self._version_row(row.id, number, wf, message, tag, now))
        row.current_version = number
        row.name, row.description, row.tags, row.updated_at = wf.name, wf.description, list(wf.tags), now
        return SaveResult(row.id, number, True)

    def delete(self, workflow_id: str) -> None:
        """Soft delete: hidden from lists, restorable with :meth:`restore`."""
        with self.db.write() as s:
            self._row(s, workflow_id).deleted_at = time.time()

    def restore(self, workflow_id: str) -> WorkflowInfo:
        with self.db.write() as s:
            row = self._row(s, workflow_id, include_deleted=True)
            row.deleted_at = None
            return WorkflowInfo.of(row)

    def list(self, *, search: str | None = None, tag: str | None = None, templates: bool | None = None,
             deleted: bool = False, sort: Literal["updated", "created", "name"] = "updated", descending: bool = True,
             limit: int = 50, offset: int = 0) -> Page:
        q = select(WorkflowRow).where(WorkflowRow.deleted_at.is_not(None) if deleted else WorkflowRow.deleted_at.is_(None))
        if search:
            escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{escaped}%"
            q = q.where(or_(WorkflowRow.name.ilike(like, escape="\\"), WorkflowRow.description.ilike(like, escape="\\")))
        if templates is not None:
            q = q.where(WorkflowRow.is_template.is_(templates))
        if tag:
            each = func.json_each(WorkflowRow.tags).table_valued("value")
            q = q.where(select(1).select_from(each).where(each.c.value == tag).exists())
        column = {"updated": WorkflowRow.updated_at, "created": WorkflowRow.created_at, "name": WorkflowRow.name}[sort]
        with self.db.read() as s:
            total = s.scalar(select(func.count()).select_from(q.subquery()))
            rows = s.scalars(q.order_by(column.desc() if descending else column.asc(), WorkflowRow.id)
                             .limit(limit).offset(offset)).all()
            return Page([WorkflowInfo.of(r) for r in rows], total, limit, offset)

    # -- versions ------------------------------------------------------------------------------------------

    def versions(self, workflow_id: str) -> list[VersionInfo]:
        with self.db.read() as s:
            self._row(s, workflow_id, include_deleted=True)
            rows = s.scalars(select(VersionRow).where(VersionRow.workflow_id == workflow_id)
                             .order_by(VersionRow.number)).all()
            return [VersionInfo(r.number, r.created_at, r.message, r.tag, r.content_hash) for r in rows]

    def diff(self, workflow_id: str, a: int, b: int) -> WorkflowDiff:
        return diff_workflows(self.document(workflow_id, a), self.document(workflow_id, b))

    def change_summaries(self, workflow_id: str, numbers) -> dict[int, str]:
        """For each version number, one line on what it changed against the version before it ("created" for
        the first): read in one query, each document parsed once."""
        numbers = sorted(set(numbers))
        wanted = set(numbers) | {n - 1 for n in numbers if n > 1}
        with self.db.read() as s:
            self._row(s, workflow_id, include_deleted=True)
            texts = dict(s.execute(select(VersionRow.number, VersionRow.document).where(
                VersionRow.workflow_id == workflow_id, VersionRow.number.in_(wanted))).all())
        missing = sorted(wanted - texts.keys())
        if missing:
            raise NotFound(f"workflow {workflow_id!r} has no version {missing[0]}")
        docs = {n: parse_document(text) for n, text in texts.items()}
        return {n: diff_workflows(docs[n - 1], docs[n]).summary() if n > 1 else "created" for n in numbers}

    def rollback(self, workflow_id: str, number: int, message: str | None = None) -> SaveResult:
        """A new version equal to version ``number`` (always new, so the rollback itself is in the history)."""
        old = self.document(workflow_id, number)
        with self.db.write() as s:
            row = self._row(s, workflow_id)
            return self._append(s, row, old, message or f"rollback to version {number}", None)

    def tag_version(self, workflow_id: str, number: int, tag: str | None) -> None:
        with self.db.write() as s:
            v = s.scalars(select(VersionRow).where(VersionRow.workflow_id == workflow_id,
                                                   VersionRow.number == number)).first()
            if v is None:
                raise NotFound(f"workflow {workflow_id!r} has no version {number}")
            v.tag = tag

    # -- templates ------------------------------------------------------------------------------------------

    def set_template(self, workflow_id: str, is_template: bool = True) -> None:
        with self.db.write() as s:
            self._row(s, workflow_id).is_template = is_template

    def new_from_template(self, template_id: str, name: str | None = None) -> WorkflowInfo:
        doc = self.document(template_id)
        if name:
            doc = doc.model_copy(update={"name": name})
        return self.create(doc, message=f"new from template {template_id}", source=f"template:{template_id}")

    def install_templates(self, folder: Path) -> int:
        """Install ``folder``'s workflows as templates: each file once per data folder (a template the user
        deleted does not come back; one added in a newer Nodeloom is installed). Returns how many."""
        with self.db.write() as s:
            row = s.get(SettingRow, "templates_installed")
            if row is None:
                done: list[str] = []
                row = SettingRow(key="templates_installed", value=done)
                s.add(row)
            elif isinstance(row.value, list):
                done = list(row.value)
            else:  # before this list was kept (a timestamp): what was installed then is in the rows' sources
                done = sorted(src.partition(":")[2] for src in s.scalars(
                    select(WorkflowRow.source).where(WorkflowRow.source.like("resource:%"))))
            new = [p for p in sorted(Path(folder).glob("*.json")) if p.name not in done]
            row.value = done + [p.name for p in new]
        for path in new:
            self.create(load_workflow(path), message="installed template", is_template=True,
                        source=f"resource:{path.name}")
        return len(new)

    # -- files ------------------------------------------------------------------------------------------------

    def import_file(self, path: str | Path, registry=None) -> WorkflowInfo:
        """Validate first (every problem listed); nothing is written when the file is not a valid workflow."""
        from ..graph import validate

        wf = load_workflow(path)
        issues = validate(wf, registry)
        if issues:
            raise WorkflowInvalid(issues)
        return self.create(wf, message=f"imported from {Path(path).name}", source=f"file:{Path(path).resolve()}")

    def export_file(self, workflow_id: str, path: str | Path, version: int | None = None) -> Path:
        """Write the document to ``path`` atomically (temp file + rename)."""
        target = Path(path)
        if target.is_dir():
            raise DocumentError(f"{target} is a folder; give a file name")
        save_workflow(self.document(workflow_id, version), target)
        return target
