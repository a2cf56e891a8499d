"""``nodeloom list | import | export | history | diff | rollback | delete | restore | runs``: the store from the
command line (SPEC §10)."""

from __future__ import annotations

import json
import time
from typing import Any

from engine.blocks import default_registry
from engine.store import Store, diff_workflows, run_json

__all__ = ["cmd_list", "cmd_import", "cmd_export", "cmd_history", "cmd_diff", "cmd_rollback", "cmd_delete",
           "cmd_restore", "cmd_runs", "open_store"]


def open_store(args, *, templates: bool = True) -> Store:
    """The data folder's store; ``templates=False``: without installing the templates it lacks (a command that
    reads none of them — running a workflow file — need not write to the store for them on every start)."""
    return Store(args.home, install_templates=templates)


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "—"


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def _emit(args, data: Any, rows: list[list[str]], header: list[str], empty: str) -> int:
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    elif rows:
        _table(rows, header)
    else:
        print(empty)
    return 0


def cmd_list(args) -> int:
    store = open_store(args)
    page = store.workflows.list(search=args.search, tag=args.tag, templates=True if args.templates else None,
                                deleted=args.deleted, limit=args.limit)
    rows = [[w.id, w.name, f"v{w.current_version}", _when(w.updated_at), ",".join(w.tags),
             "template" if w.is_template else ""] for w in page.items]
    return _emit(args, {"total": page.total, "items": [w.to_json() for w in page.items]}, rows,
                 ["ID", "NAME", "VERSION", "UPDATED", "TAGS", ""], "no workflows")


def cmd_import(args) -> int:
    info = open_store(args).workflows.import_file(args.file)
    print(info.id)
    return 0


def cmd_export(args) -> int:
    store = open_store(args)
    info = store.workflows.resolve(args.id)
    path = store.workflows.export_file(info.id, args.file, args.version)
    print(f"exported {info.name!r} to {path}", flush=True)
    return 0


def cmd_history(args) -> int:
    store = open_store(args)
    info = store.workflows.resolve(args.id)
    versions = store.workflows.versions(info.id)
    rows = [[f"v{v.number}", _when(v.created_at), v.tag or "", v.message or ""] for v in versions]
    return _emit(args, {"workflow": info.to_json(), "versions": [v.to_json() for v in versions]}, rows,
                 ["VERSION", "SAVED", "TAG", "MESSAGE"], "no versions")


def cmd_runs(args) -> int:
    store = open_store(args)
    store.reconcile()  # a run whose process is gone shows interrupted, not running (SPEC §6a)
    workflow_id = store.workflows.resolve(args.id).id if args.id else None
    runs = store.runs.list(workflow_id, limit=args.limit)
    rows = [[r.id, r.status, r.trigger, r.workflow_name, _when(r.created_at),
             _when(r.started_at) if r.started_at is not None else "—",  # (never started: no start time)
             f"{r.duration_ms:.0f} ms" if r.duration_ms is not None else "—"] for r in runs]
    return _emit(args, [run_json(r) for r in runs], rows,
                 ["RUN", "STATUS", "TRIGGER", "WORKFLOW", "CREATED", "STARTED", "DURATION"], "no runs")


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def _link(link) -> str:
    return f"{link.source}.{link.source_port} → {link.target}.{link.target_port} ({link.id})"


def _defaults(args, *docs):
    """node id → the config defaults of its block (in the last of ``docs`` that has the node)."""
    registry = default_registry(home=args.home)
    blocks = {n.id: registry.get(n.type) for doc in docs for n in doc.nodes}
    return lambda node_id: blocks[node_id].config_defaults() if blocks.get(node_id) is not None else {}


def cmd_diff(args) -> int:
    store = open_store(args)
    info = store.workflows.resolve(args.id)
    va, vb = store.workflows.document(info.id, args.a), store.workflows.document(info.id, args.b)
    d = diff_workflows(va, vb)
    if args.json:
        print(json.dumps(d.report(info.id, args.a, args.b), ensure_ascii=False, default=str))
        return 0
    if d.empty:
        print(f"v{args.a} and v{args.b} of {info.name!r} are the same")
        return 0
    print(f"{info.name!r}: v{args.a} → v{args.b} ({d.summary()})")
    for key, (old, new) in d.properties.items():
        print(f"  ~ {key}: {_short(old)} → {_short(new)}")
    for nid in d.nodes_added:
        print(f"  + node {nid}")
    for nid in d.nodes_removed:
        print(f"  - node {nid}")
    defaults = _defaults(args, va, vb) if d.nodes_changed else None
    for change in d.nodes_changed:
        print(f"  ~ node {change.node_id}")
        if change.type:
            print(f"      type: {change.type[0]} → {change.type[1]}")
        for c in change.config:
            print(f"      {c.said(defaults(change.node_id), show=_short)}")
        if change.settings:
            print(f"      settings: {_short(change.settings[0])} → {_short(change.settings[1])}")
        if change.pinned:
            print("      pinned outputs changed")
        if change.bypass:
            print(f"      bypass: {'on' if change.bypass[0] else 'off'} → {'on' if change.bypass[1] else 'off'}")
    for nid in d.nodes_moved:
        print(f"  ↔ node {nid} moved")
    for r in d.nodes_renamed:
        print(f"  ✎ node {r.node_id} renamed: {_short(r.old)} → {_short(r.new)}")
    for link in d.edges_added:  # each named by its own endpoints, from the diff (an id may name another link
        print(f"  + link {_link(link)}")  # in the other version)
    for link in d.edges_removed:
        print(f"  - link {_link(link)}")
    for sign, ids in (("+", d.annotations_added), ("-", d.annotations_removed)):
        for aid in ids:
            print(f"  {sign} annotation {aid}")
    for a in d.annotation_changes:  # layout: what changed in each
        print(f"  ~ annotation {a.id}: {a.said(show=_short)}")
    return 0


def cmd_rollback(args) -> int:
    store = open_store(args)
    info = store.workflows.resolve(args.id)
    result = store.workflows.rollback(info.id, args.version, args.message)
    print(f"{info.name!r}: version {result.version} is version {args.version} again")
    return 0


def cmd_delete(args) -> int:
    store = open_store(args)
    info = store.workflows.resolve(args.id)
    store.workflows.delete(info.id)
    print(f"deleted {info.name!r} ({info.id}); `nodeloom restore {info.id}` brings it back")
    return 0


def cmd_restore(args) -> int:
    store = open_store(args)
    info = store.workflows.restore(args.id)
    print(f"restored {info.name!r} ({info.id})")
    return 0
