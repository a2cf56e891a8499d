"""How a level run keys, looks up and stores node results (see the executor's docstring, "Caching")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..blocks.base import ERROR_PORT
from ..cache import content_key, derive, materialize, node_key, port_key
from .context import NodeContext
from .fields import block_inputs

if TYPE_CHECKING:  # pragma: no cover
    from ..graph.plan import NodePlan

__all__ = ["CachingMixin"]


class CachingMixin:
    """Part of :class:`~engine.executor.runner.LevelRun`: the cache keys of values and the recomputation of
    a cached result that turned out unreadable."""

    __slots__ = ()

    def key_of(self, skey: tuple[str, str]) -> str | None:
        lvl = self
        while lvl is not None:
            k = lvl.keys.get(skey)
            if k is not None:
                if type(k) is tuple:  # (node key, port): the port's key, derived the first time it is asked for
                    k = lvl.keys[skey] = port_key(*k)
                return k
            lvl = lvl.parent
        return None

    def _cache_key(self, np: NodePlan, inputs: dict) -> str | None:
        """The node's cache key, or None when it is not cacheable (non-deterministic, unknown input keys)."""
        if not np.cls.deterministic or (np.exprs is not None and np.exprs.reads_run_id):
            return None  # (a field reading run.id differs in every run)
        input_keys = []
        for port, skey in np.inputs.items():
            k = self.key_of(skey)
            if k is None:
                return None
            input_keys.append((port, k))
        try:
            wanted = np.config_ports if np.exprs is None else [*np.config_ports, *(p for p, _ in np.exprs.ports)]
            real = {p: materialize(inputs[p]) for p in wanted if p in inputs}
            config = self._config(np, {**inputs, **real})
            salt = np.block.cache_salt(NodeContext(self.run, np.id, self.iteration, self.loop_vars),
                                       block_inputs(np, inputs), config)
        except Exception:  # noqa: BLE001 - the node itself will report the problem when it runs
            return None
        if salt is None:
            return None
        # (a loop's iteration — its index, total, first, last — is part of the key of a node that may read them:
        # its field templates do, or its config names ``loop`` at all: a transform's expression, a python block)
        reads_loop = "loop" in np.config_json or (np.exprs is not None and "loop" in np.exprs.roots)
        return node_key(np.cls.type, np.cls.version, np.config_json, input_keys, salt + self.loop_key if reads_loop
                        else salt)

    async def _recompute(self, np: NodePlan, inputs: dict, key: str) -> dict:
        """A cache hit whose stored value turned out unreadable: compute it now, and store it anew."""
        run = self.run
        run.emit_progress(np.id, self.iteration, None, "cached result was unreadable; computing it again", None)
        run.cache_hits -= 1  # (it was counted a hit when it was found)
        run.looked(False)
        inputs = await run.resolve_all(inputs)
        ctx = NodeContext(run, np.id, self.iteration, self.loop_vars)
        out = await np.block.run(ctx, block_inputs(np, inputs), self._config(np, inputs))
        run.wrote(run.cache.put_async(key, out, tag=run.cache_tag))
        return out

    def _set_keys(self, np: NodePlan, out: dict, key: str | None) -> None:
        if self.run.cache is None:
            return
        keys = self.keys
        ports = [p.name for p in np.cls.output_ports()] if not out else list(out)
        for p in ports:
            keys[(np.id, p)] = (key, p) if key else ("dead" if p not in out else content_key(out[p]))

    def _bypass_keys(self, np: NodePlan, out: dict) -> None:
        """The keys of a bypassed node's outputs: each derived from the key of the input it carries and the
        bypass itself (it is part of the key of what follows, like config; bypassed again, the same keys)."""
        if self.run.cache is None:
            return
        keys = self.keys
        for port, source in np.bypass:
            if port not in out:
                keys[(np.id, port)] = "dead"
                continue
            k = self.key_of(np.inputs[source])
            if k is not None:
                keys[(np.id, port)] = derive("bypass", np.cls.type, port, source, k)
        keys[(np.id, ERROR_PORT)] = "dead"
