"""What the ``nodeloom`` commands share: argument errors, inputs, documents, and following a run."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any, Sequence

from engine import DocumentError, WorkflowInvalid, load_workflow
from engine.blocks import default_registry
from engine.graph import all_issues
from engine.values import loads_finite, summarize, to_json

from .exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK, CliError

__all__ = ["CliError", "EXIT_OK", "EXIT_FAILED", "EXIT_INVALID", "parse_inputs", "load_file", "show", "follow",
           "run_target", "interrupts", "run_settings"]


def run_settings(store, args, **overrides):
    """The run service's settings for a command: the data folder's, ``--executor`` and ``overrides`` on top."""
    from engine.runs import RunSettings

    try:
        return RunSettings.from_store(store, executor=getattr(args, "executor", None), **overrides)
    except ValueError as e:
        raise CliError(str(e)) from None


def _parse_value(text: str) -> Any:
    try:
        return loads_finite(text)
    except (ValueError, RecursionError):
        return text


def parse_inputs(pairs: Sequence[str], inputs_file: str | None) -> dict[str, Any]:
    """``--inputs F`` (a JSON object) first, then each ``-i NAME=VALUE`` (JSON where it parses, else text)."""
    values: dict[str, Any] = {}
    if inputs_file:
        try:
            data = loads_finite(Path(inputs_file).read_text(encoding="utf-8"))
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


def load_file(path: str, home=None):
    """The workflow in the file ``path``; a document with problems raises them all at once (the graph's too when
    only its annotations were malformed; blocks from ``home``'s plugins are known then)."""
    if not Path(path).exists():
        raise CliError(f"{path}: no such file")
    try:
        return load_workflow(path)
    except DocumentError as e:
        raise CliError(f"{path}: {e}") from None
    except WorkflowInvalid as e:
        if e.workflow is None:
            raise
        raise WorkflowInvalid(all_issues(e, default_registry(home=home))) from None


def show(value: Any) -> str:
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


def interrupts(on_interrupt) -> None:
    """Ctrl-C (and SIGTERM) call ``on_interrupt`` instead of raising KeyboardInterrupt in the middle of a run."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_interrupt)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not on this platform
            pass


async def follow(args, service, handle) -> int:
    """Show a started run's progress on stderr, then its outputs (or its run object, as every front shows a run:
    engine.runs.run_json) on stdout."""
    from engine.runs import recorded_run_json

    from .progress import ProgressBar

    interrupts(handle.cancel)
    progress = None if args.quiet else asyncio.ensure_future(ProgressBar().follow(handle.events))
    result = await handle.result()
    if progress is not None:
        await progress
    if args.json:
        print(json.dumps(await recorded_run_json(service, result.run_id), ensure_ascii=False))
    else:
        for name, value in result.outputs.items():
            print(f"{name}: {show(value)}")
        if result.error:
            print(f"error: {result.error}", file=sys.stderr)
    return EXIT_OK if result.status == "succeeded" else EXIT_FAILED


def run_target(args):
    """What ``run`` names: a workflow file (its document and folder) or a stored workflow's id or name."""
    if Path(args.file).exists() or args.file.endswith(".json"):
        return load_file(args.file, args.home), {"base_dir": Path(args.file).resolve().parent}
    return args.file, {}
