"""The tables (SPEC §7). Times are UTC epoch seconds; documents and values are JSON text."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "WorkflowRow", "VersionRow", "RunRow", "NodeRunRow", "SettingRow", "LeaseRow"]


class Base(DeclarativeBase):
    pass


class WorkflowRow(Base):
    __tablename__ = "workflows"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    is_template: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    deleted_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (Index("ix_workflows_name", "name"), Index("ix_workflows_updated", "updated_at"))


class VersionRow(Base):
    __tablename__ = "workflow_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    semantic_hash: Mapped[str] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    tag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)

    __table_args__ = (UniqueConstraint("workflow_id", "number", name="uq_version_number"),)


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workflow_id: Mapped[str | None] = mapped_column(ForeignKey("workflows.id", ondelete="SET NULL"), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    workflow_name: Mapped[str] = mapped_column(String(500), default="")
    document: Mapped[str | None] = mapped_column(Text, nullable=True)  # what ran, when it is not a stored version
    status: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20), default="sync")
    priority: Mapped[int] = mapped_column(Integer, default=5)
    trigger: Mapped[str] = mapped_column(String(20))
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    outputs: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    duration_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    replay_of: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    from_node: Mapped[str | None] = mapped_column(String(200), nullable=True)
    parent_run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the lease of the process running it
    from_queue: Mapped[bool] = mapped_column(Boolean, default=False)
    queue_position: Mapped[float | None] = mapped_column(Float, nullable=True)
    requeued: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # use_cache, use_pins, base_dir
    draft_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    node_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    trigger_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the trigger that queued it
    attempt: Mapped[int] = mapped_column(Integer, default=0)  # times it was started (its events' seq base)
    callback: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # its callback's delivery state
    cache_hits: Mapped[int | None] = mapped_column(Integer, nullable=True)    # cache look-ups that found a result
    cache_misses: Mapped[int | None] = mapped_column(Integer, nullable=True)  # … that did not (NULL: unknown)

    __table_args__ = (Index("ix_runs_workflow", "workflow_id", "created_at"), Index("ix_runs_status", "status"),
                      Index("ix_runs_queue", "status", text("priority DESC"), "queue_position", "created_at"),
                      Index("ix_runs_owner", "owner", "status"), Index("ix_runs_draft", "draft_id"),
                      Index("ix_runs_waiting", "queue_position",
                            sqlite_where=text("status = 'queued' AND from_queue = 1")))


class NodeRunRow(Base):
    __tablename__ = "node_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(String(200))
    iteration: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    duration_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    output_summary: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    output_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("ix_node_runs_run", "run_id", "node_id"),)


class SettingRow(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


class LeaseRow(Base):
    """A process that runs workflows; alive while ``expires_at`` is ahead (its heartbeat moves it on)."""

    __tablename__ = "leases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    front: Mapped[str] = mapped_column(String(20))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    proc_start: Mapped[str | None] = mapped_column(String(40), nullable=True)
    started_at: Mapped[float] = mapped_column(Float)
    heartbeat_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    dispatching: Mapped[bool] = mapped_column(Boolean, default=False)


class RunEventRow(Base):
    """One event of a run, as its JSON form (SPEC §9: late subscribers are sent these first)."""

    __tablename__ = "run_events"

    run_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # no foreign key: see migration 0003
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[str] = mapped_column(Text)

    __table_args__ = ({"sqlite_with_rowid": False},)


class HookRow(Base):
    """A workflow's webhook secret."""

    __tablename__ = "hooks"

    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[float] = mapped_column(Float)


class HookDeliveryRow(Base):
    """A webhook delivery id received lately (a repeat within 24 h is not run again)."""

    __tablename__ = "hook_deliveries"

    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[float] = mapped_column(Float)
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (Index("ix_hook_deliveries_time", "received_at"),)


class TriggerRow(Base):
    """A schedule, folder watch or webhook that starts a workflow's runs (SPEC §7)."""

    __tablename__ = "triggers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict] = mapped_column(JSON)
    inputs: Mapped[dict] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(Integer, default=5)
    catch_up: Mapped[str] = mapped_column(String(10), default="once")
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    last_fired: Mapped[float | None] = mapped_column(Float, nullable=True)
    next_due: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    fired: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_triggers_workflow", "workflow_id"),)


class TriggerFileRow(Base):
    """A file a folder trigger has seen: fired once, known again after a rename or a restart."""

    __tablename__ = "trigger_files"

    trigger_id: Mapped[str] = mapped_column(ForeignKey("triggers.id", ondelete="CASCADE"), primary_key=True)
    path: Mapped[str] = mapped_column(Text, primary_key=True)
    inode: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    mtime_ns: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[float] = mapped_column(Float)
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
