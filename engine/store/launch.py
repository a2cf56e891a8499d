"""Running workflows with a record: stored workflows, files, and replays of past runs (SPEC §6, §7)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import networkx as nx

from ..cache import LazyValue
from ..executor import Executor, RunResult
from ..model import Workflow, dump_workflow, parse_document
from . import Store
from .children import ChildRuns, check_references
from .runs import RunRecorder

__all__ = ["Launcher"]


class Launcher:
    """An executor with the store's cache and a run recorder. Use inside a running event loop."""

    def __init__(self, store: Store, registry=None, *, trigger: str = "editor", use_cache_store: bool = True):
        self.store = store
        self.executor = Executor(registry, cache=store.cache if use_cache_store else None)
        self.recorder = RunRecorder(store.db, self.executor, trigger=trigger)
        self.executor.children = ChildRuns(self)
        self.trigger = trigger

    async def _go(self, wf: Workflow, inputs: dict | None, meta: dict, *, run_id: str | None = None,
                  **kw: Any) -> RunResult:
        plan = self.executor.compile(wf)
        check_references(self.store, wf, meta.get("workflow_id"))
        if meta.get("workflow_id"):
            kw.setdefault("lineage", (meta["workflow_id"],))
        run_id = run_id or uuid.uuid4().hex
        self.recorder.expect(run_id, **{"trigger": self.trigger, **meta})
        result = await self.executor.start(plan, inputs, run_id=run_id, **kw)
        await self.recorder.recorded(run_id)
        return result

    async def run_stored(self, ref: str, inputs: dict | None = None, *, version: int | None = None,
                         **kw: Any) -> RunResult:
        info = self.store.workflows.resolve(ref)
        number = version or info.current_version
        wf = self.store.workflows.document(info.id, number)
        return await self._go(wf, inputs, {"workflow_id": info.id, "version": number},
                              base_dir=self.store.base_dir(info.id), **kw)

    async def run_document(self, wf: Workflow, inputs: dict | None = None, *, base_dir: str | Path | None = None,
                           **kw: Any) -> RunResult:
        return await self._go(wf, inputs, {"document": dump_workflow(wf)}, base_dir=base_dir, **kw)

    async def replay(self, run_id: str, from_node: str | None = None, **kw: Any) -> RunResult:
        """Run a stored run again with its inputs. With ``from_node``, nodes not downstream of it reuse that
        run's stored outputs and report ``cached`` (a node whose outputs were evicted runs again)."""
        run = self.store.runs.get(run_id)
        if run.workflow_id is not None and run.version is not None:
            wf = self.store.workflows.document(run.workflow_id, run.version)
            base = self.store.base_dir(run.workflow_id)
        else:
            wf = parse_document(self.store.runs.document(run_id) or "{}")
            base = None
        presets = None
        if from_node is not None:
            if from_node not in {n.id for n in wf.nodes}:
                from .workflows import NotFound

                raise NotFound(f"run {run_id!r} has no node {from_node!r}")
            presets = self._presets(wf, run_id, from_node)
        meta = {"workflow_id": run.workflow_id, "version": run.version, "replay_of": run_id,
                "from_node": from_node, "trigger": "replay"}
        if run.workflow_id is None:
            meta["document"] = dump_workflow(wf)
        return await self._go(wf, run.inputs, meta, base_dir=base, presets=presets, **kw)

    def _presets(self, wf: Workflow, run_id: str, from_node: str) -> dict:
        graph = nx.DiGraph()
        graph.add_nodes_from(n.id for n in wf.nodes)
        graph.add_edges_from((e.source, e.target) for e in wf.edges)
        rerun = {from_node} | nx.descendants(graph, from_node)
        presets = {}
        for nr in self.store.runs.nodes(run_id):
            if nr.node_id in rerun or nr.iteration or not nr.output_ref:
                continue
            hit = self.store.cache.lookup(nr.output_ref)
            if hit is not None:
                entry, ports = hit
                presets[nr.node_id] = (nr.output_ref, {p: LazyValue(entry, p, f"{nr.output_ref}/{p}") for p in ports})
        return presets

    async def close(self) -> None:
        from .. import net

        await self.recorder.close()
        self.executor.close()
        await net.aclose()  # the shared HTTP client of this loop
