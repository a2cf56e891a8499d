"""``nodeloom cache stats [--json]`` and ``nodeloom cache clear [--workflow ID]``: the result cache from the command
line — the same numbers as ``GET /api/v1/cache`` and Edit ▸ Settings ▸ Cache (:meth:`engine.store.Store.cache_stats`)."""

from __future__ import annotations

import json

from engine.errors import NotFound
from engine.store.cache_stats import rate_text, size_text

from .common import CliError
from .store import _table, open_store

__all__ = ["cmd_cache"]


def _stats(args, store) -> int:
    stats = store.cache_stats()
    if args.json:
        print(json.dumps(stats.to_json(), ensure_ascii=False))
        return 0
    print(f"cache     {stats.directory}")
    print(f"size      {size_text(stats.size_bytes)} of {size_text(stats.size_limit_bytes)}, {stats.entries} entries")
    print(f"hit rate  {rate_text(stats.hit_rate)} over the last {stats.days} days "
          f"({stats.hits} hits, {stats.misses} misses in {stats.runs} runs)")
    rows = [[w.name + (" (template)" if w.is_template else "") + (" (deleted)" if w.deleted else ""), w.workflow_id,
             str(w.runs), str(w.hits), str(w.misses), rate_text(w.hit_rate), str(w.entries), size_text(w.bytes)]
            for w in stats.workflows]
    if stats.other_entries:
        rows.append(["(drafts and node tests)", "", "", "", "", "", str(stats.other_entries),
                     size_text(stats.other_bytes)])
    if rows:
        print()
        _table(rows, ["WORKFLOW", "ID", "RUNS", "HITS", "MISSES", "HIT RATE", "ENTRIES", "SIZE"])
    return 0


def _workflow(store, ref: str) -> tuple[str, str]:
    """(id, name) of the workflow ``--workflow`` names: an id or a unique name — or the id of a deleted workflow
    whose entries are still in the cache."""
    try:
        info = store.workflows.resolve(ref)
        return info.id, info.name
    except NotFound:
        if ref in store.cache.usage():
            return ref, ref
        raise


def _clear(args, store) -> int:
    if args.workflow is None:
        removed = store.clear_cache()
        print(f"removed {removed} entries: the cache is empty")
        return 0
    wid, name = _workflow(store, args.workflow)
    removed = store.clear_cache(wid)
    print(f"removed {removed} entries written by runs of {name!r} ({wid})")
    return 0


def cmd_cache(args) -> int:
    if args.action == "stats" and args.workflow is not None:
        raise CliError("--workflow goes with `nodeloom cache clear`")
    store = open_store(args)
    try:
        return _stats(args, store) if args.action == "stats" else _clear(args, store)
    finally:
        store.close()
