"""One iteration of a ForEach body as a level run — here (:mod:`engine.executor.foreach`), in a look-up-only pass
(:mod:`engine.executor.shipping`) or on a cluster's worker (:mod:`engine.executor.remote`).

The loop's level is passed in, and the iteration is a run of the same class
(:class:`~engine.executor.runner.LevelRun`): so the loop code never imports the runner that imports it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..cache import content_key, derive

if TYPE_CHECKING:  # pragma: no cover
    from ..graph.plan import NodePlan

__all__ = ["body_run", "item_key"]


def item_key(items_key: str, item, i: int) -> str:
    """An item's cache key: its content when it is data (a path, a number, a JSON object) — so the same item keeps
    its key when the list around it changes (a photo added to the folder: only the new one is computed) — else
    its place in the list (a picture, bytes: already hashed with the list, not hashed again)."""
    if item is None or isinstance(item, (str, int, float, bool, dict, list)):
        return content_key(item)
    return derive(items_key, "item", str(i))


def body_run(level, np: "NodePlan", gathered: dict, item, i: int, n: int, items_key: str | None, sink: dict,
             run=None):
    """Iteration ``i`` of ``n`` of the loop ``np`` whose level is ``level``, as a level run of ``level``'s class;
    ``run`` stands in for the level's run (a :class:`~engine.executor.state.Recording`)."""
    fid, run = np.id, run or level.run
    env = dict(gathered)
    env[(fid, "item")] = item
    env[(fid, "index")] = i
    loop_vars = {"item": item, "index": i, "total": n, "first": i == 0, "last": i == n - 1,
                 "parent": level.loop_vars}
    this = item_key(items_key, item, i) if items_key else None
    keys = {(fid, "item"): this, (fid, "index"): derive("index", str(i))} if this else {}
    # what a node reading ``loop`` is keyed by besides its inputs: this item (not the whole list: an item changed
    # elsewhere keeps the others' results), its place, the total, the outer loops' (``level.loop_key``)
    loop_key = "" if run.cache is None else derive(level.loop_key, this or uuid.uuid4().hex, str(i), str(n))
    return type(level)(run, np.child, env, loop_vars, level.iteration + (i,), sink, parent=level, keys=keys,
                       loop_key=loop_key)
