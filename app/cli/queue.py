"""``nodeloom run --enqueue | queue | worker | replay``: the run service's queue from the command line (SPEC §10).

Every command goes through :mod:`engine.runs`, like the editor and the server, so the queue a script fills is
the queue the editor's Queue dock shows, and whichever process holds the dispatcher lease starts its runs.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from engine.longlived import keep_startup_objects
from engine.runs import RunService, RunSettings, run_json
from engine.store.leases import process_alive

from .common import CliError, follow, interrupts, parse_inputs, run_settings, run_target
from .inputs_list import MAX_TEXT, parse_inputs_list, short_inputs
from .store import _emit, _when, open_store

__all__ = ["cmd_queue", "cmd_worker", "cmd_replay", "enqueue", "read_inputs_list"]

def read_inputs_list(path: str) -> list[dict]:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_TEXT:
            raise CliError(f"{path} is larger than {MAX_TEXT // 2**20} MB")
        return parse_inputs_list(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise CliError(f"cannot read inputs list {path}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise CliError(f"inputs list {path} is not UTF-8 text: {e.reason} at byte {e.start}") from None
    except ValueError as e:
        raise CliError(f"inputs list {path}: {e}") from None


async def enqueue(args) -> int:
    workflow, where = run_target(args)
    base = parse_inputs(args.input, args.inputs)
    items = [{**base, **item} for item in read_inputs_list(args.inputs_list)] if args.inputs_list else [base]
    store = open_store(args)
    try:
        service = RunService(store, RunSettings.from_store(store), front="cli")
        try:
            ids = await service.enqueue_many(workflow, items, copies=1 if args.copies is None else args.copies,
                                             priority=5 if args.priority is None else args.priority,
                                             use_cache=not args.no_cache, **where)
        except ValueError as e:  # copies out of range
            raise CliError(str(e)) from None
        await service.close()
    finally:
        store.close()
    if args.json:
        print(json.dumps({"run_ids": ids}))
    else:
        print("\n".join(ids))
    return 0


def _progress(run, done: dict) -> str:
    if run.status != "running" or not run.node_count:
        return ""
    return f"{done.get(run.id, 0)}/{run.node_count}"


def cmd_queue(args) -> int:
    store = open_store(args)
    try:
        store.reconcile()  # what it lists or acts on is the truth: runs of processes that are gone are settled
        service = RunService(store, front="cli")
        action = args.action
        if action == "pause":
            service.pause()
            print("the queue is paused: running runs go on, queued ones wait (nodeloom queue resume)")
        elif action == "resume":
            service.resume()
            print("the queue is running")
        elif action == "cancel":
            said = service.cancel(_one(args, "cancel ID"))
            print({"cancelled": "cancelled", "requested": "asked its process to stop it"}.get(said, said))
        elif action == "priority":
            run_id, priority = _two(args, "priority ID N")
            try:
                value = int(priority)
            except ValueError:
                raise CliError(f"the priority must be a whole number from 1 to 10, not {priority!r}") from None
            service.set_priority(run_id, value)
        elif action == "clear":
            print(f"cancelled {service.clear_queue()} queued run(s); running ones go on")
        elif action == "next":
            service.run_next(_one(args, "next ID"))
        elif action == "move":
            run_id = _one(args, "move ID (--before OTHER | --after OTHER)")
            if (args.before is None) == (args.after is None):
                raise CliError("queue move needs exactly one of --before OTHER and --after OTHER")
            service.move(run_id, before=args.before, after=args.after)
        else:
            view = service.queue()
            rows = [[r.id, r.status, str(r.priority), r.workflow_name, short_inputs(r.inputs, 30), r.trigger,
                     _when(r.started_at or r.created_at), _progress(r, view.progress)] for r in view.runs]
            data = {"paused": view.paused, "running": [run_json(r) for r in view.running],
                    "queued": [run_json(r) for r in view.queued]}
            if view.paused and not args.json:
                print("(paused: queued runs wait; nodeloom queue resume)")
            return _emit(args, data, rows, ["RUN", "STATE", "PRIO", "WORKFLOW", "INPUTS", "TRIGGER", "SINCE", "NODES"],
                         "the queue is empty")
    finally:
        store.close()
    return 0


def _one(args, usage: str) -> str:
    if len(args.args) != 1:
        raise CliError(f"usage: nodeloom queue {usage}")
    return args.args[0]


def _two(args, usage: str) -> tuple[str, str]:
    if len(args.args) != 2:
        raise CliError(f"usage: nodeloom queue {usage}")
    return args.args[0], args.args[1]


async def _worker(args) -> int:
    store = open_store(args)
    at_once = args.max_concurrent
    try:
        settings = run_settings(store, args, max_concurrent_runs=at_once)
    except CliError:
        store.close()
        raise
    stop = asyncio.Event()
    interrupts(stop.set)
    service = RunService(store, settings, front="worker", trigger="cli", dispatch=True)
    try:
        await service.open()
        holding = asyncio.ensure_future(service.dispatcher.holding.wait())
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait([holding, stopping], timeout=settings.heartbeat_s * 2,
                                     return_when=asyncio.FIRST_COMPLETED)
        if not done:
            print(f"waiting: {_holder(store.leases.dispatcher())}", file=sys.stderr, flush=True)
            await asyncio.wait([holding, stopping], return_when=asyncio.FIRST_COMPLETED)
        if holding.done():
            keep_startup_objects()
            print(f"dispatching the queue of {store.home} (at most {settings.max_concurrent_runs} at once); "
                  "Ctrl+C stops", flush=True)
            await stopping
        holding.cancel()
    finally:
        await service.close()
        store.close()
    return 0


def _holder(other) -> str:
    """Who holds the queue while this worker waits: alive, or gone with its lease still running (a kill -9)."""
    if other is None:
        return "another process dispatches the queue; this worker takes over if it stops"
    who = f"{other.front} process {other.pid}"
    if process_alive(other.host, other.pid, None) is False:
        return (f"{who}, which dispatched the queue, is gone; this worker takes the queue over when its lease "
                f"runs out (in {max(0.0, other.expires_at - time.time()):.0f} s)")
    return f"{who} dispatches the queue; this worker takes over if it stops"


def cmd_worker(args) -> int:
    return asyncio.run(_worker(args))


async def _replay(args) -> int:
    store = open_store(args)
    try:
        async with RunService(store, RunSettings.from_store(store), front="cli") as service:
            handle = service.replay(args.run_id, args.from_node, use_cache=not args.no_cache)
            return await follow(args, service, handle)
    finally:
        store.close()


def cmd_replay(args) -> int:
    return asyncio.run(_replay(args))
