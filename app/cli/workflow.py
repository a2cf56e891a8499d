"""``nodeloom run | validate | blocks``: a workflow document (a file, or a stored workflow by id or name) run,
checked, and the catalogue of blocks it can use."""

from __future__ import annotations

import asyncio
import json
import sys

from engine import WorkflowInvalid
from engine.blocks import default_registry
from engine.graph import validate

from .common import EXIT_INVALID, EXIT_OK, CliError, follow, load_file, parse_inputs, run_settings, run_target

__all__ = ["cmd_run", "cmd_validate", "cmd_blocks", "print_issues"]


def print_issues(path: str, exc: WorkflowInvalid) -> None:
    print(f"{path}: the workflow is invalid ({len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''}):",
          file=sys.stderr)
    for issue in exc.issues:
        print(f"  - {issue}", file=sys.stderr)


async def _run(args) -> int:
    from engine.runs import RunService

    from .store import open_store

    workflow, where = run_target(args)
    inputs = parse_inputs(args.input, args.inputs)
    store = open_store(args, templates=isinstance(workflow, str))  # (a stored workflow's name may be a template's)
    try:
        async with RunService(store, run_settings(store, args), front="cli") as service:
            handle = service.start(workflow, inputs, use_cache=not args.no_cache, **where)
            return await follow(args, service, handle)
    finally:
        store.close()


def cmd_run(args) -> int:
    if args.enqueue:
        from .queue import enqueue

        return asyncio.run(enqueue(args))
    for flag in ("priority", "copies", "inputs_list"):
        if getattr(args, flag) is not None:
            raise CliError(f"--{flag.replace('_', '-')} goes with --enqueue")
    return asyncio.run(_run(args))


def cmd_validate(args) -> int:
    try:
        wf = load_file(args.file, args.home)
        issues = validate(wf, default_registry(home=args.home))
    except WorkflowInvalid as e:  # (a document whose fields do not parse: listed the same way, --json too)
        wf, issues = None, e.issues
    if not issues and any(n.type == "sub_workflow" for n in wf.nodes):  # its references live in the store
        from engine.runs import check_references

        from .store import open_store

        store = open_store(args)
        try:
            check_references(store, wf)
        except WorkflowInvalid as e:
            issues = e.issues
        finally:
            store.close()
    if args.json:
        print(json.dumps({"valid": not issues, "issues": [i.to_json() for i in issues]}, ensure_ascii=False))
    if issues:
        if not args.json:
            print_issues(args.file, WorkflowInvalid(issues))
        return EXIT_INVALID
    if not args.json:
        print(f"{args.file}: valid ({len(wf.nodes)} nodes, {len(wf.edges)} edges)")
    return EXIT_OK


def cmd_blocks(args) -> int:
    reg = default_registry(home=args.home)
    if args.json:
        print(json.dumps({"blocks": reg.describe(),
                          "problems": [{"source": p.source, "error": p.message} for p in reg.problems]}))
        return EXIT_OK
    category = None
    for block in reg:
        if block.category != category:
            category = block.category
            print(f"\n{category}")
        ins = ", ".join(f"{p.name}:{p.type}" + ("" if p.required else "?") for p in block.input_ports())
        outs = ", ".join(f"{p.name}:{p.type}" for p in block.outputs)
        print(f"  {block.type:<18} ({ins or '—'}) → ({outs or '—'})")
    from engine.blocks.registry import plugins_folder

    print(f"\nplugins folder: {plugins_folder(args.home)}")
    if reg.problems:
        print("\nplugins that failed to load:")
        for p in reg.problems:
            print(f"  ✗ {p.source}: {p.message}")
    return EXIT_OK
