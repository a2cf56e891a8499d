"""The ``nodeloom`` command (SPEC §10). Exit codes: 0 success, 1 the run failed, 2 invalid workflow or
bad arguments. Every problem goes to stderr in words, never as a traceback.

This module and the parser (``parser.py``) are light: ``nodeloom --help``, a bad argument and the window's
first frame load no part of the engine. A command's module is imported when it runs; the engine's errors when
one is to be told."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from .exits import EXIT_FAILED, EXIT_INVALID, CliError
from .parser import build_parser

__all__ = ["main", "build_parser", "gui"]


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


def _told(e: Exception, args) -> int | None:
    """The exit code of an error told on stderr in words; ``None`` for one that is not ours to tell."""
    if isinstance(e, CliError):
        print(f"nodeloom: {e}", file=sys.stderr)
        return EXIT_INVALID
    from engine.errors import ClusterError, DocumentError, InputError, NotFound, QueueError, WorkflowInvalid

    if isinstance(e, WorkflowInvalid):
        from .workflow import print_issues

        print_issues(getattr(args, "file", "workflow"), e)
        return EXIT_INVALID
    if isinstance(e, InputError):
        print("bad inputs:\n" + "\n".join(f"  - {p}" for p in e.problems), file=sys.stderr)
        return EXIT_INVALID
    if isinstance(e, (NotFound, DocumentError, QueueError)):
        print(f"nodeloom: {e}", file=sys.stderr)
        return EXIT_INVALID
    if isinstance(e, ClusterError):
        print(f"nodeloom: {e}", file=sys.stderr)
        return EXIT_FAILED
    return None


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
    except KeyboardInterrupt:
        print("nodeloom: interrupted", file=sys.stderr)
        code = EXIT_FAILED
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as the Python docs advise
        _quiet_stdout()
        code = EXIT_FAILED
    except Exception as e:
        code = _told(e, args)
        if code is None:
            raise
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
