"""The ``nodeloom`` command (SPEC §10). Exit codes: 0 success, 1 the run failed, 2 invalid workflow or
bad arguments. Every problem goes to stderr in words, never as a traceback."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any, Sequence

from engine import DocumentError, InputError, WorkflowInvalid, load_workflow
from engine.blocks import default_registry
from engine.store import NotFound
from engine import validate
from engine.values import summarize, to_json

__all__ = ["main", "parse_inputs"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


class CliError(Exception):
    """Bad arguments or an unreadable document: printed, exit code 2."""


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def parse_inputs(pairs: Sequence[str], inputs_file: str | None) -> dict[str, Any]:
    """``--inputs F`` (a JSON object) first, then each ``-i NAME=VALUE`` (JSON where it parses, else text)."""
    values: dict[str, Any] = {}
    if inputs_file:
        try:
            data = json.loads(Path(inputs_file).read_text(encoding="utf-8"))
        except OSError as e:
            raise CliError(f"cannot read inputs file {inputs_file}: {e.strerror or e}") from None
        except (ValueError, RecursionError) as e:
            raise CliError(f"inputs file {inputs_file} is not valid JSON: {e}") from None
        if not isinstance(data, dict):
            raise CliError(f"inputs file {inputs_file} must hold a JSON object of name: value")
        values.update(data)
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"-i expects NAME=VALUE, got {pair!r}")
        values[name.strip()] = _parse_value(raw)
    return values


def _load(path: str):
    if not Path(path).exists():
        raise CliError(f"{path}: no such file")
    try:
        return load_workflow(path)
    except DocumentError as e:
        raise CliError(f"{path}: {e}") from None


def _print_issues(path: str, exc: WorkflowInvalid) -> None:
    print(f"{path}: the workflow is invalid ({len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''}):",
          file=sys.stderr)
    for issue in exc.issues:
        print(f"  - {issue}", file=sys.stderr)


def _show(value: Any) -> str:
    text = json.dumps(to_json(value), ensure_ascii=False, default=str) if not _has_media(value) else None
    return text if text is not None and len(text) <= 2000 else summarize(value, 2000)


def _has_media(value: Any) -> bool:
    from PIL import Image

    if isinstance(value, (Image.Image, bytes, bytearray)):
        return True
    if isinstance(value, dict):
        return any(_has_media(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_media(v) for v in value)
    return False


async def _run(args) -> int:
    from engine.store.launch import Launcher

    from .cli_store import open_store
    from .progress import ProgressBar

    # Ctrl-C cancels the run; one pressed while starting up cancels it as soon as it exists
    loop = asyncio.get_running_loop()
    interrupt = {"pressed": False, "executor": None}

    def on_sigint() -> None:
        interrupt["pressed"] = True
        if interrupt["executor"] is not None:
            for handle in list(interrupt["executor"].active.values()):
                handle.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError):
        pass
    is_file = Path(args.file).exists() or args.file.endswith(".json")
    wf = _load(args.file) if is_file else None
    inputs = parse_inputs(args.input, args.inputs)
    store = open_store(args)
    if not is_file:
        info = store.workflows.resolve(args.file)
        wf = store.workflows.document(info.id)
    launcher = Launcher(store, trigger="cli")
    executor = interrupt["executor"] = launcher.executor
    try:
        plan = executor.compile(wf)
        sub = executor.subscribe()
        if is_file:
            job = launcher.run_document(plan.workflow, inputs, base_dir=Path(args.file).resolve().parent,
                                        use_cache=not args.no_cache)
        else:
            job = launcher.run_stored(info.id, inputs, use_cache=not args.no_cache)
        task = asyncio.ensure_future(job)
        await asyncio.sleep(0)  # let the run start (or refuse its inputs) before following it
        if task.done() and task.exception() is not None:
            raise task.exception()
        if interrupt["pressed"]:
            on_sigint()
    except InputError as e:
        print("bad inputs:\n" + "\n".join(f"  - {p}" for p in e.problems), file=sys.stderr)
        await launcher.close()
        return EXIT_INVALID
    progress = None if args.quiet else asyncio.ensure_future(ProgressBar(len(plan.nodes)).follow(sub))
    result = await task
    sub.close()
    if progress is not None:
        await progress
    await launcher.close()
    store.close()
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        for name, value in result.outputs.items():
            print(f"{name}: {_show(value)}")
        if result.error:
            print(f"error: {result.error}", file=sys.stderr)
    return EXIT_OK if result.status == "succeeded" else EXIT_FAILED


def _cmd_run(args) -> int:
    return asyncio.run(_run(args))


def _cmd_validate(args) -> int:
    wf = _load(args.file)
    issues = validate(wf)
    if not issues and any(n.type == "sub_workflow" for n in wf.nodes):  # its references live in the store
        from engine.store.children import check_references

        from .cli_store import open_store

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
    reg = default_registry()
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

    print(f"\nplugins folder: {plugins_folder()}")
    if reg.problems:
        print("\nplugins that failed to load:")
        for p in reg.problems:
            print(f"  ✗ {p.source}: {p.message}")
    return EXIT_OK


def _cmd_gui(args) -> int:
    from .main_window import main as gui_main

    return gui_main(home=args.home)


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
    run.set_defaults(func=_cmd_run)
    val = sub.add_parser("validate", help="check a workflow file and list every problem")
    val.add_argument("file")
    val.add_argument("--json", action="store_true")
    val.set_defaults(func=_cmd_validate)
    blocks = sub.add_parser("blocks", help="list the available blocks")
    blocks.add_argument("--json", action="store_true", help="the catalogue with config JSON schemas")
    blocks.set_defaults(func=_cmd_blocks)
    from .cli_store import add_store_commands

    add_store_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.home:  # the data folder holds the plugins too: choose it before any block is loaded
        os.environ["NODELOOM_HOME"] = str(Path(args.home).expanduser().resolve())
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    func = getattr(args, "func", _cmd_gui)
    try:
        code = func(args)
    except CliError as e:
        print(f"nodeloom: {e}", file=sys.stderr)
        code = EXIT_INVALID
    except WorkflowInvalid as e:
        _print_issues(getattr(args, "file", "workflow"), e)
        code = EXIT_INVALID
    except (NotFound, DocumentError) as e:
        print(f"nodeloom: {e}", file=sys.stderr)
        code = EXIT_INVALID
    except KeyboardInterrupt:
        print("nodeloom: interrupted", file=sys.stderr)
        code = EXIT_FAILED
    return code


if __name__ == "__main__":
    sys.exit(main())
