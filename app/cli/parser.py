"""The ``nodeloom`` argument parser, built from light modules only: ``--help`` and a bad argument load neither
the engine nor SQLAlchemy (a test reads ``python -X importtime``). Each command names the module that does it
(``workflow``, ``store``, ``queue``, …); that module, and the engine behind it, is imported when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Callable

__all__ = ["build_parser"]


def _later(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """``app.cli.<module>.<name>``, imported when the command runs (each of those modules is in the CLI's
    import-linter contract itself)."""
    def command(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)(args)

    command.__qualname__ = f"{module}.{name}"
    return command


def add_executor_option(parser) -> None:
    parser.add_argument("--executor", metavar="WHERE",
                        help="where ForEach bodies of portable blocks run: local (here; the default, or the data "
                             "folder's setting), local:N (a Dask LocalCluster of N worker processes), "
                             "dask://HOST:PORT (a running Dask scheduler); needs nodeloom[dask]")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nodeloom", description="Nodeloom visual workflow builder")
    parser.add_argument("--home", help="data folder (default: NODELOOM_HOME or the user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the engine does")
    sub = parser.add_subparsers(dest="command")
    add_workflow_commands(sub)
    add_store_commands(sub)
    add_trigger_commands(sub)
    add_queue_commands(sub)
    add_serve_command(sub)
    add_cache_commands(sub)
    add_settings_command(sub)
    add_models_command(sub)
    return parser


def add_workflow_commands(sub) -> None:
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
    run.set_defaults(func=_later("workflow", "cmd_run"))
    val = sub.add_parser("validate", help="check a workflow file and list every problem")
    val.add_argument("file")
    val.add_argument("--json", action="store_true")
    val.set_defaults(func=_later("workflow", "cmd_validate"))
    blocks = sub.add_parser("blocks", help="list the available blocks")
    blocks.add_argument("--json", action="store_true", help="the catalogue with config JSON schemas")
    blocks.set_defaults(func=_later("workflow", "cmd_blocks"))


def add_store_commands(sub) -> None:
    p = sub.add_parser("list", help="list stored workflows")
    p.add_argument("--search", help="text in the name or description")
    p.add_argument("--tag")
    p.add_argument("--templates", action="store_true", help="only templates")
    p.add_argument("--deleted", action="store_true", help="only deleted (restorable) workflows")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_later("store", "cmd_list"))
    p = sub.add_parser("import", help="import a workflow file; prints the new workflow's id")
    p.add_argument("file")
    p.set_defaults(func=_later("store", "cmd_import"))
    p = sub.add_parser("export", help="write a stored workflow to a file")
    p.add_argument("id", help="workflow id, or its name when unique")
    p.add_argument("file")
    p.add_argument("--version", type=int, help="a version number (default: the current one)")
    p.set_defaults(func=_later("store", "cmd_export"))
    p = sub.add_parser("history", help="the versions of a stored workflow")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_later("store", "cmd_history"))
    p = sub.add_parser("diff", help="what changed between two versions of a stored workflow")
    p.add_argument("id")
    p.add_argument("a", type=int, metavar="A")
    p.add_argument("b", type=int, metavar="B")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_later("store", "cmd_diff"))
    p = sub.add_parser("rollback", help="a new version equal to version N (history is kept)")
    p.add_argument("id")
    p.add_argument("version", type=int, metavar="N")
    p.add_argument("-m", "--message")
    p.set_defaults(func=_later("store", "cmd_rollback"))
    p = sub.add_parser("delete", help="delete a stored workflow (restorable)")
    p.add_argument("id")
    p.set_defaults(func=_later("store", "cmd_delete"))
    p = sub.add_parser("restore", help="bring back a deleted workflow (its id: nodeloom list --deleted)")
    p.add_argument("id")
    p.set_defaults(func=_later("store", "cmd_restore"))
    p = sub.add_parser("runs", help="past runs (of one workflow, or all), newest first")
    p.add_argument("id", nargs="?")
    p.add_argument("--limit", type=int, default=50, help="at most this many runs (default: 50)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_later("store", "cmd_runs"))


def add_trigger_commands(sub) -> None:
    p = sub.add_parser("triggers", help="a workflow's schedules, folder watches and webhooks: list [WORKFLOW], "
                                        "add WORKFLOW …, enable | disable | remove TRIGGER_ID")
    p.add_argument("action", nargs="?", default="list", choices=["list", "add", "enable", "disable", "remove"])
    p.add_argument("args", nargs="*", metavar="WORKFLOW|TRIGGER_ID")
    p.add_argument("--cron", metavar="EXPR", help="add: a schedule, 5 cron fields or @hourly, @daily…")
    p.add_argument("--tz", metavar="ZONE", help="add --cron: the time zone (default: the system's), e.g. "
                                                "Europe/Berlin")
    p.add_argument("--folder", metavar="DIR", help="add: run for each new file in DIR (the run gets the input "
                                                   "'path')")
    p.add_argument("--pattern", action="append", metavar="GLOB", help="add --folder: which files (default *)")
    p.add_argument("--recursive", action="store_true", help="add --folder: and its subfolders")
    p.add_argument("--on", choices=["created", "modified", "both"], help="add --folder: new files (default), "
                                                                          "changed ones, or both")
    p.add_argument("--webhook", action="store_true", help="add: runs started by POST /api/v1/hooks/WORKFLOW_ID")
    p.add_argument("-i", "--input", action="append", default=[], metavar="NAME=VALUE",
                   help="add: an input of the runs it starts")
    p.add_argument("--priority", type=int, help="add: the runs' priority, 1 (low) .. 10 (high), default 5")
    p.add_argument("--catch-up", choices=["once", "skip"], default="once",
                   help="add: what missed fires do when a process starts again (default once)")
    p.add_argument("--disabled", action="store_true", help="add: stored, but off")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_later("triggers", "cmd_triggers"))


def add_queue_commands(sub) -> None:
    p = sub.add_parser("queue", help="the persistent run queue: list, pause, resume, cancel ID, priority ID N, "
                                     "move ID --before/--after OTHER, next ID, clear")
    p.add_argument("action", nargs="?", default="list",
                   choices=["list", "pause", "resume", "cancel", "priority", "move", "next", "clear"])
    p.add_argument("args", nargs="*", metavar="ID [N]")
    p.add_argument("--before", metavar="RUN_ID", help="queue move: just before this queued run")
    p.add_argument("--after", metavar="RUN_ID", help="queue move: just after this queued run")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_later("queue", "cmd_queue"))
    p = sub.add_parser("worker", help="start queued runs here, headless, until Ctrl+C or SIGTERM")
    p.add_argument("--max-concurrent", type=int, metavar="N",
                   help="queued runs at once (default: the data folder's setting, else 2)")
    add_executor_option(p)
    p.set_defaults(func=_later("queue", "cmd_worker"))
    p = sub.add_parser("replay", help="run a stored run again with its inputs (from a node: the rest reused)")
    p.add_argument("run_id")
    p.add_argument("--from", dest="from_node", metavar="NODE", help="re-run this node and what depends on it")
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=_later("queue", "cmd_replay"))


def add_serve_command(sub) -> None:
    p = sub.add_parser("serve", help="the HTTP server on this data folder, until Ctrl+C or SIGTERM")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1: this computer only; another address "
                                  "prints the token and warns)")
    p.add_argument("--port", type=int, help="port (default 8765, or the data folder's setting; 0: any free one)")
    p.add_argument("--no-dispatch", action="store_true", help="do not start queued runs here")
    add_executor_option(p)
    p.set_defaults(func=_later("serve", "cmd_serve"))


def add_cache_commands(sub) -> None:
    p = sub.add_parser("cache", help="the result cache: stats (size, entries, hit rate over the last 7 days, per "
                                     "workflow), clear [--workflow ID]")
    p.add_argument("action", nargs="?", default="stats", choices=["stats", "clear"])
    p.add_argument("--workflow", metavar="ID", help="clear: only the entries this workflow's runs wrote (its id or "
                                                    "name)")
    p.add_argument("--json", action="store_true", help="stats: as one JSON object")
    p.set_defaults(func=_later("cache", "cmd_cache"))


def add_settings_command(sub) -> None:
    p = sub.add_parser("settings", help="the data folder's settings (server limits, queue, cache): list, get, "
                       "set, unset", description="The data folder's settings, as Edit ▸ Settings… writes them "
                       "(nodeloom settings list: every key, its value and what it does).")
    p.add_argument("action", nargs="?", choices=("list", "get", "set", "unset"), help="list (the default) | "
                   "get KEY | set KEY VALUE | unset KEY (back to the default)")
    p.add_argument("key", nargs="?", metavar="KEY")
    p.add_argument("value", nargs="?", metavar="VALUE", help="text; a number; on/off; a list as JSON or a,b,c")
    p.add_argument("--json", action="store_true", help="list: one JSON object, key → value, default, set, "
                   "description")
    p.set_defaults(func=_later("settings", "cmd_settings"))


def add_models_command(sub) -> None:
    p = sub.add_parser("models", help="the model library (model blocks): list, import FILE.onnx --task …, remove "
                       "NAME", description="The data folder's model library: list | import FILE.onnx --task "
                       "classify|detect|segment [--labels FILE] [--name N] | remove NAME. Needs nodeloom[inference] "
                       "to import.")
    p.add_argument("action", nargs="?", default="list", choices=("list", "import", "remove"))
    p.add_argument("target", nargs="?", metavar="FILE|NAME", help="import: the .onnx file; remove: the model's name")
    p.add_argument("--task", choices=("classify", "detect", "segment"),
                   help="import: what the model does (default: what its outputs look like)")
    p.add_argument("--labels", metavar="FILE", help="import: the class names, one a line (or a JSON list)")
    p.add_argument("--name", help="import: the model's name in the library (default: the file's name)")
    p.add_argument("--width", type=int, help="import: the input width, where the model does not fix it")
    p.add_argument("--height", type=int, help="import: the input height, where the model does not fix it")
    p.add_argument("--layout", choices=("NCHW", "NHWC"), help="import: the input layout (default: read from it)")
    p.add_argument("--resize", choices=("stretch", "letterbox"), help="import: how pictures are fitted to the "
                   "input (detect: letterbox)")
    p.add_argument("--decoding", choices=("softmax", "yolo", "ssd", "mask"), help="import: how its output is read "
                   "(default: the task's: softmax, yolo, mask)")
    p.add_argument("--objectness", action="store_true", help="import, yolo: rows carry an objectness score "
                   "(YOLOv5) after the box")
    p.add_argument("--replace", action="store_true", help="import: replace a model of the same name")
    p.add_argument("--json", action="store_true", help="list, import: as JSON")
    p.set_defaults(func=_later("models", "cmd_models"))
