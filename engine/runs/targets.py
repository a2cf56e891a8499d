"""What a run runs: a stored workflow (by id or unique name, a version or the latest) or a document, compiled
into a plan. Stored versions never change, so their plans are kept (the most recent 64): a thousand queued
runs of one workflow compile it once."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from ..graph import Plan, compile_plan
from ..model import Workflow, dump_workflow
from ..store import Store
from .children import check_references

__all__ = ["Target", "Targets"]

PLANS = 64


class Target:
    """The compiled plan and where it comes from (``document``: the JSON recorded with the run, when it is not
    a stored version as such)."""

    __slots__ = ("plan", "workflow_id", "version", "document", "base_dir")

    def __init__(self, plan: Plan, workflow_id: str | None, version: int | None, document: str | None,
                 base_dir: Path | None):
        self.plan, self.workflow_id, self.version, self.document, self.base_dir = (
            plan, workflow_id, version, document, base_dir)


class Targets:
    def __init__(self, store: Store, registry=None):
        self.store = store
        self._registry = registry
        self._plans: OrderedDict[tuple[str, int], Plan] = OrderedDict()
        self._folders: dict[str, Path] = {}

    @property
    def registry(self):
        if self._registry is None:
            from ..blocks import default_registry

            self._registry = default_registry(home=self.store.home)
        return self._registry

    def compile(self, wf: Workflow) -> Plan:
        return compile_plan(wf, self.registry)

    def stored(self, workflow_id: str, version: int) -> Plan:
        key = (workflow_id, version)
        plan = self._plans.get(key)
        if plan is None:
            plan = self.compile(self.store.workflows.document(workflow_id, version))
            self._plans[key] = plan
            while len(self._plans) > PLANS:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(key)
        return plan

    def base_dir(self, workflow_id: str) -> Path:
        """The folder a stored workflow's relative paths resolve against (where it came from: fixed when it
        was created, so it is asked of the store once)."""
        folder = self._folders.get(workflow_id)
        if folder is None:
            folder = self._folders[workflow_id] = self.store.base_dir(workflow_id)
        return folder

    def resolve(self, workflow: str | Workflow, *, version: int | None = None, workflow_id: str | None = None,
                base_dir: str | Path | None = None) -> Target:
        """A stored workflow (id or unique name; latest version unless given) or a document (recorded with the
        run; ``workflow_id``/``version`` say which stored workflow it is an edit of). Raises WorkflowInvalid or
        NotFound; sub-workflow references are checked against the store."""
        base = Path(base_dir) if base_dir else None
        if isinstance(workflow, Workflow):
            plan = self.compile(workflow)
            check_references(self.store, workflow, workflow_id)
            return Target(plan, workflow_id, version, dump_workflow(workflow), base)
        wid, current = self.store.workflows.latest(str(workflow))
        number = version or current
        plan = self.stored(wid, number)
        check_references(self.store, plan.workflow, wid)
        return Target(plan, wid, number, None, base)
