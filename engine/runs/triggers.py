"""Triggers (SPEC §7): what each kind's config holds, checked with every problem named at once, and the one
place every front (editor, CLI, HTTP) adds, changes and removes them — so a trigger is always stored with a
config that parses, inputs the workflow accepts, and its next due time.

    schedule  {"cron": "*/15 * * * *", "tz": "Europe/Berlin"}         (tz: the system's by default)
    folder    {"path": "/photos/in", "patterns": ["*.jpg"], "recursive": false, "on": "created",
               "debounce_s": 1.0}     (the run gets the input ``path``, and ``file_name`` when the workflow has it)
    webhook   {}                                                      (the workflow's hook secret signs it)
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import InputError, NodeloomError, ScheduleError, TriggerError
from ..executor import resolve_inputs
from ..store import TRIGGER_KINDS, Store, TriggerInfo
from ..store.queue import check_priority
from .schedule import Schedule, system_zone
from .targets import Targets

__all__ = ["Triggers", "check_config", "describe", "CATCH_UP", "FILE_INPUT", "FILE_NAME_INPUT"]

CATCH_UP = ("once", "skip")
FILE_INPUT = "path"  # the input a folder trigger's run gets: the file's absolute path
FILE_NAME_INPUT = "file_name"  # and its name, when the workflow has an input of that name
MAX_PATTERNS = 20


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ScheduleSpec(_Spec):
    cron: str = Field(max_length=10_000)  # (Schedule says when it is too long)
    tz: str = Field(default_factory=system_zone, max_length=100)


class FolderSpec(_Spec):
    # (the patterns are said in the JSON schema; the checks below give the reasons in words)
    path: str = Field(min_length=1, max_length=4096, json_schema_extra={"pattern": r"^(/|~|[A-Za-z]:[\\/]|\\\\)"})
    patterns: list[Annotated[str, Field(json_schema_extra={"minLength": 1, "maxLength": 200,
                                                           "pattern": r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$"})]] = \
        Field(default_factory=lambda: ["*"], min_length=1, max_length=MAX_PATTERNS)
    recursive: bool = False
    on: Literal["created", "modified", "both"] = "created"
    debounce_s: float = Field(1.0, ge=0.1, le=60)

    @field_validator("path")
    @classmethod
    def _path(cls, path: str) -> str:
        if any(ord(c) < 32 for c in path):
            raise ValueError("a folder's path has no control characters (a NUL, a line break)")
        if not os.path.isabs(os.path.expanduser(path)):
            raise ValueError(f"give the folder's full path, not {path!r}")
        return path

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            if any(ord(c) < 32 for c in p):
                raise ValueError(f"a pattern has no control characters: {p!r}")
            if not p.strip() or len(p) > 200:
                raise ValueError(f"a pattern must be 1 to 200 characters, not {p!r}")
            if Path(p).is_absolute() or ".." in Path(p).parts:
                raise ValueError(f"the pattern {p!r} may not leave the folder (no absolute paths or ..)")
        return [p.strip() for p in patterns]


class WebhookSpec(_Spec):
    pass


SPECS = {"schedule": ScheduleSpec, "folder": FolderSpec, "webhook": WebhookSpec}


def config_schema(kind: str) -> dict:
    """The JSON schema of a trigger kind's config (what the HTTP API documents)."""
    return SPECS[kind].model_json_schema()


def check_config(kind: str, config: Any) -> dict:
    """The config as stored (defaults filled in, the folder made absolute), or TriggerError naming each problem."""
    if kind not in SPECS:
        raise TriggerError([f"unknown trigger kind {kind!r}: one of {', '.join(TRIGGER_KINDS)}"])
    if not isinstance(config, dict):
        raise TriggerError([f"a {kind} trigger's config is an object, not {type(config).__name__}"])
    try:
        spec = SPECS[kind].model_validate(config)
    except ValidationError as e:
        raise TriggerError([f"{'.'.join(map(str, err['loc'])) or 'config'}: "
                            f"{err['msg'].removeprefix('Value error, ')}" for err in e.errors()]) from None
    data = spec.model_dump()
    if kind == "schedule":
        try:
            Schedule(data["cron"], data["tz"])
        except ScheduleError as e:
            raise TriggerError([str(e)]) from None
    elif kind == "folder":
        folder = Path(os.path.realpath(os.path.expanduser(data["path"])))
        if not folder.is_dir():
            raise TriggerError([f"the folder {str(folder)!r} does not exist (or is not a folder)"])
        if folder == Path(folder.anchor):
            raise TriggerError([f"{str(folder)!r} is a whole drive: watch a folder in it"])
        data["path"] = str(folder)
    return data


def describe(t: TriggerInfo) -> str:
    """A trigger in a few words: ``*/15 * * * * (Europe/Berlin)``, ``/photos/in: *.jpg``, the webhook's path."""
    c = t.config
    if t.kind == "schedule":
        return f"{c.get('cron')} ({c.get('tz')})"
    if t.kind == "folder":
        return (f"{c.get('path')}: {', '.join(c.get('patterns') or ['*'])}"
                + (" and subfolders" if c.get("recursive") else "")
                + (f", on {c.get('on')}" if c.get("on", "created") != "created" else ""))
    return f"POST /api/v1/hooks/{t.workflow_id}"


class Triggers:
    """Adding, changing and removing triggers, checked against the workflow they start (``clock``: epoch
    seconds now; tests pass their own)."""

    def __init__(self, store: Store, targets: Targets, clock: Callable[[], float] = time.time,
                 on_change: Callable[[], None] | None = None):
        self.store, self.targets, self.clock = store, targets, clock
        self.on_change = on_change or (lambda: None)

    def inputs_problems(self, workflow_id: str, kind: str, inputs: Any) -> list[str]:
        """What is wrong with ``inputs`` for a trigger of ``kind`` on the workflow's current version (every
        problem; none: an empty list) — as the trigger's runs would be queued with them."""
        if not isinstance(inputs, dict):
            return [f"inputs are an object of input names and values, not {type(inputs).__name__}"]
        wid, version = self.store.workflows.latest(workflow_id)
        plan = self.targets.stored(wid, version)
        given = dict(inputs)
        if kind == "folder":
            if FILE_INPUT not in plan.inputs:
                return [f"a folder trigger gives its runs the input {FILE_INPUT!r} (the file's path), but the "
                        f"workflow has no input named {FILE_INPUT!r}: add one (type string)"]
            for name in (FILE_INPUT, FILE_NAME_INPUT):
                if name in given:
                    return [f"a folder trigger sets the input {name!r} itself (the file's path, its name)"]
            given[FILE_INPUT] = "/example"
        try:
            resolve_inputs(plan, given)
        except InputError as e:
            return list(e.problems)
        return []

    def next_due(self, kind: str, config: dict, after: float | None = None) -> float | None:
        if kind != "schedule":
            return None
        return Schedule(config["cron"], config["tz"]).next_after(self.clock() if after is None else after)

    def add(self, workflow: str, kind: str, config: Any, *, inputs: Any = None, priority: int = 5,
            catch_up: str = "once", enabled: bool = True) -> TriggerInfo:
        """A new trigger of a stored workflow (id or unique name); TriggerError lists every problem."""
        wid, _ = self.store.workflows.latest(str(workflow))
        problems: list[str] = []
        try:
            data = check_config(kind, config)
        except TriggerError as e:
            problems += e.problems
            data = None
        problems += self._common(wid, kind, inputs or {}, priority, catch_up)
        if problems:
            raise TriggerError(problems)
        info = self.store.triggers.create(wid, kind, data, inputs=inputs or {}, priority=priority,
                                          catch_up=catch_up, enabled=enabled,
                                          next_due=self.next_due(kind, data) if enabled else None,
                                          now=self.clock())
        self.on_change()
        return info

    def _common(self, wid: str, kind: str, inputs: Any, priority: Any, catch_up: Any) -> list[str]:
        problems = [] if kind not in SPECS else self.inputs_problems(wid, kind, inputs)
        try:
            check_priority(priority)
        except (ValueError, NodeloomError) as e:
            problems.append(str(e))
        if catch_up not in CATCH_UP:
            problems.append(f"catch_up is 'once' or 'skip', not {catch_up!r}")
        return problems

    def change(self, trigger_id: str, **changes: Any) -> TriggerInfo:
        """Change a trigger's config, inputs, priority, catch_up or enabled (checked like a new one). A schedule
        switched on or changed is next due from now: the time it was off is not caught up."""
        t = self.store.triggers.get(trigger_id)
        unknown = set(changes) - {"config", "inputs", "priority", "catch_up", "enabled"}
        if unknown:
            raise TriggerError([f"a trigger has no field {sorted(unknown)[0]!r} that can be changed"])
        if "enabled" in changes and not isinstance(changes["enabled"], bool):
            raise TriggerError([f"enabled is true or false, not {changes['enabled']!r}"])
        problems: list[str] = []
        config = t.config
        if "config" in changes:
            try:
                config = check_config(t.kind, changes["config"])
            except TriggerError as e:
                problems += e.problems
        problems += self._common(t.workflow_id, t.kind, changes.get("inputs", t.inputs),
                                 changes.get("priority", t.priority), changes.get("catch_up", t.catch_up))
        if problems:
            raise TriggerError(problems)
        enabled = changes.get("enabled", t.enabled)
        fields = {k: v for k, v in changes.items() if k != "config"}
        if "config" in changes:
            fields["config"] = config
        if "config" in changes or ("enabled" in changes and enabled != t.enabled):
            fields["next_due"] = self.next_due(t.kind, config) if enabled else None
        if enabled and not t.enabled:
            fields["last_error"] = None
        info = self.store.triggers.update(trigger_id, now=self.clock(), **fields)
        self.on_change()
        return info

    def remove(self, trigger_id: str) -> None:
        self.store.triggers.delete(trigger_id)
        self.on_change()

    def upcoming(self, trigger_id: str, n: int = 5) -> list[float]:
        """A schedule's next ``n`` fire times (epoch seconds)."""
        t = self.store.triggers.get(trigger_id)
        if t.kind != "schedule":
            return []
        return Schedule(t.config["cron"], t.config["tz"]).upcoming(self.clock(), n)
