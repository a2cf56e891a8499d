"""Sub-workflows: a ``sub_workflow`` node runs a stored workflow as a child run of the same executor.

The child is recorded with its parent's run id, its node events become progress on the parent's node (so the
editor shows what the child is doing), a sync child is cancelled with its parent or when it times out.
References are checked before a run starts (:func:`check_references`): a workflow that reaches itself
through sub-workflows, or nests deeper than :data:`MAX_DEPTH`, is a validation error, not a stack overflow.
The same limits hold at run time for references the check could not see (a version saved meanwhile).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ..errors import BlockError, InputError, Issue, NodeloomError, NotFound, WorkflowInvalid
from ..events import NodeFinished
from ..model import Workflow

if TYPE_CHECKING:  # pragma: no cover
    from .service import RunService

__all__ = ["ChildRuns", "check_references", "MAX_DEPTH"]

MAX_DEPTH = 8


def _refs(wf: Workflow) -> list[tuple[str, str, int | None]]:
    """(node id, workflow ref, version) of each sub_workflow node."""
    out = []
    for n in wf.nodes:
        if n.type == "sub_workflow" and str(n.config.get("workflow") or "").strip():
            v = n.config.get("version")
            out.append((n.id, str(n.config["workflow"]).strip(), v if isinstance(v, int) else None))
    return out


def check_references(store, wf: Workflow, workflow_id: str | None = None) -> None:
    """Raise WorkflowInvalid if ``wf`` (stored as ``workflow_id``, if it is) reaches itself through
    sub_workflow nodes, nests deeper than MAX_DEPTH, or names a workflow that does not exist."""
    issues: list[Issue] = []
    cache: dict[tuple[str, int | None], tuple[str, Workflow] | None] = {}

    def load(ref: str, version: int | None):
        if (ref, version) not in cache:
            try:
                info = store.workflows.resolve(ref)
                cache[(ref, version)] = (info.id, store.workflows.document(info.id, version))
            except NotFound:
                cache[(ref, version)] = None
        return cache[(ref, version)]

    def walk(doc: Workflow, path: tuple[str, ...], names: tuple[str, ...], top_node: str | None) -> None:
        for node_id, ref, version in _refs(doc):
            where = top_node or node_id
            found = load(ref, version)
            if found is None:
                if not path[1:]:  # only the workflow's own references; deeper ones are the child's business
                    issues.append(Issue("unknown_workflow", f"sub_workflow: no stored workflow {ref!r}", node_id))
                continue
            child_id, child = found
            chain = " → ".join([*names, child.name])
            if child_id in path:
                issues.append(Issue("recursive_sub_workflow", f"sub_workflow calls itself: {chain}", where))
                continue
            if len(path) >= MAX_DEPTH:
                issues.append(Issue("sub_workflow_depth", f"sub-workflows nest deeper than {MAX_DEPTH}: {chain}",
                                    where))
                continue
            walk(child, path + (child_id,), names + (child.name,), where)

    walk(wf, (workflow_id or f"unsaved:{id(wf)}",), (wf.name,), None)
    if issues:
        raise WorkflowInvalid(list({(i.code, i.node_id): i for i in issues}.values()))


class ChildRuns:
    """What :class:`~engine.executor.context.NodeContext.sub_workflow` calls; one per run service."""

    def __init__(self, service: "RunService"):
        self.service = service
        self.background: set[asyncio.Task] = set()

    async def run(self, ctx, ref: str, version: int | None, data: dict, *, mode: str,
                  timeout_s: float) -> dict[str, Any]:
        service = self.service
        store = service.store
        try:
            info = store.workflows.resolve(ref)
            number = version or info.current_version
            wf = store.workflows.document(info.id, number)
        except NotFound as e:
            raise BlockError(f"sub_workflow: {e}") from None
        lineage = ctx.lineage
        if info.id in lineage:
            raise BlockError(f"sub_workflow: {wf.name!r} is already running above this node (recursion)")
        if len(lineage) >= MAX_DEPTH:
            raise BlockError(f"sub_workflow: nesting deeper than {MAX_DEPTH} workflows")
        try:
            handle = service.launcher.child(info.id, number, data, parent_run_id=ctx.run_id, mode=mode,
                                            lineage=(*lineage, info.id), policy=ctx.policy)
        except InputError as e:
            raise BlockError(f"sub_workflow {wf.name!r} refused its inputs: {e}") from None
        except WorkflowInvalid as e:
            raise BlockError(f"sub_workflow {wf.name!r} is invalid: {e}") from None
        except NodeloomError as e:
            raise BlockError(f"sub_workflow {wf.name!r}: {e}") from None
        run_id = handle.run_id
        forward = asyncio.ensure_future(self._forward(ctx, handle.events, wf))
        if mode == "async":
            watch = asyncio.ensure_future(self._watch(handle, timeout_s, forward))
            self.background.add(watch)
            watch.add_done_callback(self.background.discard)
            return {"output_data": {}, "run_id": run_id, "duration_ms": 0.0}
        try:
            result = await asyncio.wait_for(handle.result(), timeout_s)
        except TimeoutError:
            handle.cancel()
            await asyncio.gather(handle.result(), return_exceptions=True)
            raise BlockError(f"sub_workflow {wf.name!r} did not finish within {timeout_s:g} s") from None
        except asyncio.CancelledError:
            handle.cancel()  # the parent was stopped: so is its child
            raise
        finally:
            await asyncio.gather(forward, return_exceptions=True)
        if result.status != "succeeded":
            raise BlockError(f"sub_workflow {wf.name!r} {result.status}: {result.error}")
        return {"output_data": dict(result.outputs), "run_id": run_id, "duration_ms": result.duration_ms}

    @staticmethod
    async def _forward(ctx, sub, wf: Workflow) -> None:
        """The child's node results as progress of the parent's node."""
        total, done = max(1, len(wf.nodes)), 0
        async for ev in sub:
            if isinstance(ev, NodeFinished) and not ev.iteration:
                done += 1
                ctx.progress(min(1.0, done / total), f"{wf.name} › {ev.node_id}: {ev.status}")

    @staticmethod
    async def _watch(handle, timeout_s: float, forward) -> None:
        try:
            await asyncio.wait_for(handle.result(), timeout_s)
        except TimeoutError:
            handle.cancel()
        await asyncio.gather(handle.result(), forward, return_exceptions=True)
