"""The ``nodeloom`` command (SPEC §10). Exit codes: 0 success, 1 the run failed, 2 invalid workflow or
bad arguments. Every problem goes to stderr in words, never as a traceback."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from typing import Sequence

from engine import DocumentError, InputError, NotFound, WorkflowInvalid
from engine.blocks import default_registry
from engine.errors import QueueError
from engine.graph import validate

from .common import (EXIT_FAILED, EXIT_INVALID, EXIT_OK, CliError, add_executor_option, follow, load_file,
                         parse_inputs, run_settings, run_target)

__all__ = ["main", "build_parser"]


def _print_issues(path: str, exc: WorkflowInvalid) -> None:
    print(f"{path}: the workflow is invalid ({len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''}):",
          file=sys.stderr)
    for issue in exc.issues:
        print(f"  - {issue}", file=sys.stderr)


async def _run(args) -> int:
    from engine.runs import RunService

    from .store import open_store

    workflow, where = run_target(args)
    inputs = parse_inputs(args.input, args.inputs)
    store = open_store(args)
    try:
        async with RunService(store, run_settings(store, args), front="cli") as service:
            handle = service.start(workflow, inputs, use_cache=not args.no_cache, **where)
            return await follow(args, service, handle)
    finally:
        store.close()


def _cmd_run(args) -> int:
    if args.enqueue:
        from .queue import enqueue

        return asyncio.run(enqueue(args))
    for flag in ("priority", "copies", "inputs_list"):
        if getattr(args, flag) is not None:
            raise CliError(f"--{flag.replace('_', '-')} goes with --enqueue")
    return asyncio.run(_run(args))


def _cmd_validate(args) -> int:
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
            _print_issues(args.file, WorkflowInvalid(issues))
        return EXIT_INVALID
    if not args.json:
        print(f"{args.file}: valid ({len(wf.nodes)} nodes, {len(wf.edges)} edges)")
    return EXIT_OK


def _cmd_blocks(args) -> int:
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


def _cmd_gui(args) -> int:
    from .syslibs import window_blocker

    blocker = window_blocker()  # before Qt is loaded: a missing library would abort it, or its import
    if blocker:
        print(blocker, file=sys.stderr)
        return 2
    from ..main_window import main as gui_main

    return gui_main(home=args.home)


def gui(argv: Sequence[str] | None = None) -> int:
    """``nodeloom-gui`` (``[project.gui-scripts]``): only the window, started with no terminal on Windows — where
    there is no stdout or stderr then, so what goes wrong goes to the log file and the error dialog only."""
    parser = argparse.ArgumentParser(prog="nodeloom-gui", description="The Nodeloom window")
    parser.add_argument("--home", help="data folder (default: NODELOOM_HOME or the user data folder)")
    return _cmd_gui(parser.parse_args(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nodeloom", description="Nodeloom visual workflow builder")
    parser.add_argument("--home", help="data folder (default: NODELOOM_HOME or the user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the engine does")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run a workflow file, or a stored workflow by id or name")
    run.add_argument("file", metavar="FILE|ID")
    run.add_argument("-i", "--input", action="append", default=[], metavar="NAME=VALUE",
                     help="a workflow input; VALUE is read as JSON where it parses, else as text")
    run.add_argument("--inputs", metavar="FILE.json", help="a JSON object of inputs")
    run.add_argument("--no-cache", action="store_true", help="compute every node instead of reusing cached results")
    run.add_argument("--json", action="store_true", help="print the run as one JSON object")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    run.add_argument("--enqueue", action="store_true", help="put the run in the persistent queue instead; "
                     "prints the run id(s)")
    run.add_argument("--priority", type=int, help="with --enqueue: 1 (low) .. 10 (high), default 5")
    run.add_argument("--copies", type=int, help="with --enqueue: queue this many runs of each inputs")
    run.add_argument("--inputs-list", metavar="FILE.jsonl", help="with --enqueue: one run per line, each a "
                     "JSON object of inputs (a JSON array of objects works too)")
    add_executor_option(run)
    run.set_defaults(func=_cmd_run)
    val = sub.add_parser("validate", help="check a workflow file and list every problem")
    val.add_argument("file")
    val.add_argument("--json", action="store_true")
    val.set_defaults(func=_cmd_validate)
    blocks = sub.add_parser("blocks", help="list the available blocks")
    blocks.add_argument("--json", action="store_true", help="the catalogue with config JSON schemas")
    blocks.set_defaults(func=_cmd_blocks)
    from .cache import add_cache_commands
    from .queue import add_queue_commands
    from .serve import add_serve_command
    from .settings import add_settings_command
    from .store import add_store_commands
    from .triggers import add_trigger_commands

    add_store_commands(sub)
    add_trigger_commands(sub)
    add_queue_commands(sub)
    add_serve_command(sub)
    add_cache_commands(sub)
    add_settings_command(sub)
    return parser


from engine.errors import ClusterError  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # text from runs may hold lone surrogates: print them escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    stderr = logging.StreamHandler()  # (the window adds its log file beside this, at its own level)
    stderr.setLevel(logging.INFO if args.verbose else logging.WARNING)
    stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(stderr)
    root.setLevel(min(stderr.level, root.level or logging.WARNING))
    func = getattr(args, "func", _cmd_gui)
    try:
        code = func(args)
    except CliError as e:
        print(f"nodeloom: {e}", file=sys.stderr)
        code = EXIT_INVALID
    except WorkflowInvalid as e:
        _print_issues(getattr(args, "file", "workflow"), e)
        code = EXIT_INVALID
    except InputError as e:
        print("bad inputs:\n" + "\n".join(f"  - {p}" for p in e.problems), file=sys.stderr)
        code = EXIT_INVALID
    except (NotFound, DocumentError, QueueError) as e:
        print(f"nodeloom: {e}", file=sys.stderr)
        code = EXIT_INVALID
    except ClusterError as e:
        print(f"nodeloom: {e}", file=sys.stderr)
        code = EXIT_FAILED
    except KeyboardInterrupt:
        print("nodeloom: interrupted", file=sys.stderr)
        code = EXIT_FAILED
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as the Python docs advise
        _quiet_stdout()
        code = EXIT_FAILED
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    return code


def _quiet_stdout() -> None:
    """stdout to /dev/null, so the interpreter's last flush at exit does not fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
