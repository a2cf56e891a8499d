"""The run service (SPEC §6a): every front — editor, CLI, server, triggers — starts, queues, replays and
cancels runs here, and only here.

Public names::

    RunService        start() → RunHandle at once; enqueue()/enqueue_many(); replay(); cancel(); the queue
                      (queue(), pause(), resume(), set_priority(), move(), run_next()); configure()
    RunSettings       the policies a service is given (allow python blocks, max concurrent queued runs, …)
    RunHandle         run_id, events, await result(), cancel()
    LiveHandle        a live preview run's handle (start_live()): also the nodes it held
    RunResult         a finished run as the executor saw it (its outputs as values)
    run_json          a run as JSON, the one shape every front shows (recorded_run_json: once it is written)
    Launcher          the one door every run comes through (service.launcher): limits, queued rows, attempts
    Subscription      an async iterator of events, bounded
    events            RunQueued, RunStarted, NodeStarted, NodeProgress, NodeRetrying, NodeFinished, RunFinished
    read_value        the value behind an output that may be stored only (blocking; off the GUI thread)
    in_memory         that value when it is at hand without reading the disk, else NOT_READ
    check_references  sub-workflow references of a document, checked against the store
    Triggers          service.triggers: add / change / remove schedules, folder watches, webhooks (checked)
    deliver           a webhook delivery (Standard Webhooks): checked, then queued through the launcher
    Schedule          a cron expression in a time zone: next_after(), upcoming()
    TriggerError      a trigger that cannot be stored as given (every problem)
    ScheduleError     a cron expression or a time zone that cannot be used
    switch_cluster    runs from now on use another cluster (``local``, ``local:N``, ``dask://HOST:PORT``)
    describe_cluster  the service's cluster now: address, dashboard, workers and their load
    ClusterError      a cluster that cannot be used (the reason in words)
"""

from ..cache import NOT_READ, in_memory
from ..cache import materialize as read_value
from ..executor import RunResult, Subscription
from ..events import (EVENT_TYPES, NODE_STATUSES, RUN_STATUSES, Event, NodeFinished, NodeProgress, NodeRetrying,
                      NodeStarted, RunFinished, RunQueued, RunRestarted, RunStarted, event_to_json)
from ..errors import ClusterError, ScheduleError, TriggerError
from .children import MAX_DEPTH, check_references
from .cluster import describe_cluster, switch_cluster
from .handle import LiveHandle, RunHandle
from .launcher import Launcher
from ..store import run_json
from .objects import recorded_run_json
from .service import RunService
from .schedule import Schedule
from .settings import RunSettings
from .triggers import Triggers
from .triggers import config_schema as trigger_config_schema
from .webhooks import deliver

__all__ = [
    "RunService", "RunSettings", "RunHandle", "RunResult", "Subscription", "read_value", "in_memory", "NOT_READ", "check_references",
    "MAX_DEPTH", "Event", "RunQueued", "RunStarted", "NodeStarted", "NodeProgress", "NodeRetrying", "NodeFinished",
    "RunFinished", "EVENT_TYPES", "NODE_STATUSES", "RUN_STATUSES", "event_to_json", "Triggers", "TriggerError",
    "Schedule", "ScheduleError", "switch_cluster", "describe_cluster", "ClusterError", "Launcher", "run_json",
    "recorded_run_json", "RunRestarted", "deliver", "LiveHandle",
    "trigger_config_schema",
]
