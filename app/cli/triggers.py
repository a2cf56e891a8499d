"""``nodeloom triggers list | add | enable | disable | remove`` (SPEC §10): a workflow's schedules, folder watches
and webhooks from the command line, through :mod:`engine.runs` like the editor and the server. Whichever process
dispatches the queue (the editor, ``nodeloom serve`` or ``nodeloom worker``) fires them."""

from __future__ import annotations

import sys
import time

from engine.runs import RunService, TriggerError
from engine.runs.triggers import describe

from .common import CliError, parse_inputs
from .store import _emit, _when, open_store

__all__ = ["cmd_triggers"]


def cmd_triggers(args) -> int:
    store = open_store(args)
    try:
        service = RunService(store, front="cli")
        action = args.action
        try:
            if action == "list":
                return _list(args, store)
            if action == "add":
                return _add(args, service)
            if len(args.args) != 1:
                raise CliError(f"usage: nodeloom triggers {action} TRIGGER_ID")
            tid = args.args[0]
            if action == "remove":
                service.triggers.remove(tid)
                print(f"removed trigger {tid}")
            else:
                t = service.triggers.change(tid, enabled=action == "enable")
                print(f"trigger {tid} is {'on' if t.enabled else 'off'}"
                      + (f"; next at {_when(t.next_due)}" if t.next_due else ""))
        except TriggerError as e:
            raise CliError("the trigger cannot be stored:\n" + "\n".join(f"  - {p}" for p in e.problems)) from None
    finally:
        store.close()
    return 0


def _list(args, store) -> int:
    if len(args.args) > 1:
        raise CliError("usage: nodeloom triggers list [WORKFLOW]")
    wid = store.workflows.latest(args.args[0])[0] if args.args else None
    found = store.triggers.list(wid)
    names = {}
    rows = []
    for t in found:
        if t.workflow_id not in names:
            names[t.workflow_id] = store.workflows.get(t.workflow_id).name
        rows.append([t.id, "on" if t.enabled else "off", names[t.workflow_id], t.kind, describe(t),
                     _when(t.next_due) if t.next_due else "—", _when(t.last_fired), str(t.fired),
                     (t.last_error or "")[:60]])
    return _emit(args, [t.to_json() for t in found], rows,
                 ["TRIGGER", "ON", "WORKFLOW", "KIND", "WHAT", "NEXT", "LAST FIRED", "RUNS", "LAST ERROR"],
                 "no triggers" + (" for this workflow" if wid else ""))


def _add(args, service) -> int:
    if len(args.args) != 1:
        raise CliError("usage: nodeloom triggers add WORKFLOW (--cron EXPR [--tz ZONE] | --folder DIR "
                       "[--pattern GLOB]... [--recursive] | --webhook)")
    kinds = [k for k, given in (("schedule", args.cron), ("folder", args.folder), ("webhook", args.webhook)) if given]
    if len(kinds) != 1:
        raise CliError("give exactly one of --cron EXPR, --folder DIR and --webhook")
    kind = kinds[0]
    if args.tz and kind != "schedule" or (args.pattern or args.recursive or args.on) and kind != "folder":
        raise CliError("--tz goes with --cron; --pattern, --recursive and --on go with --folder")
    if kind == "schedule":
        config = {"cron": args.cron, **({"tz": args.tz} if args.tz else {})}
    elif kind == "folder":
        config = {"path": args.folder, "patterns": args.pattern or ["*"], "recursive": args.recursive,
                  "on": args.on or "created"}
    else:
        config = {}
    t = service.triggers.add(args.args[0], kind, config, inputs=parse_inputs(args.input, None),
                             priority=5 if args.priority is None else args.priority,
                             catch_up=args.catch_up, enabled=not args.disabled)
    print(t.id)
    if kind == "webhook" and not args.quiet:
        _tell_webhook(service.store, t.workflow_id)
    if t.next_due and not args.quiet:
        soon = service.triggers.upcoming(t.id, 3)
        print("next: " + ", ".join(time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(x)) for x in soon),
              file=sys.stderr)
    return 0


def _tell_webhook(store, workflow_id: str) -> None:
    """Where to send the webhook's deliveries and the secret that signs them (on stderr: stdout is the id)."""
    from engine.server import ServerSettings

    s = ServerSettings.from_store(store)
    host = f"[{s.host}]" if ":" in s.host else s.host
    print(f"webhook: POST http://{host}:{s.port}/api/v1/hooks/{workflow_id} (once the server runs), signed per "
          f"Standard Webhooks with the secret\n  {store.hooks.secret(workflow_id)}\n(headers webhook-id, "
          "webhook-timestamp, webhook-signature; no bearer token needed)", file=sys.stderr)
