"""Every error the engine raises on purpose.

    NodeloomError
    ├── DocumentError            a workflow file that cannot be read (broken JSON, too deep, future schema)
    ├── WorkflowInvalid          a readable document with problems; ``.issues`` lists every one of them
    ├── InputError               run inputs that do not match the workflow's input nodes
    ├── ExpressionError          a template or transform expression that is refused or fails
    │   └── OverBudget           an expression that used up its steps (a transform runs it again off the loop)
    ├── BlockError               a block refused its inputs or config at run time (a node failure)
    │   └── CodeFailed           a python block's code raised, or its process died or was killed
    ├── PluginError              a block plugin that could not be loaded (reported, never fatal)
    ├── NotFound                 no such workflow, version or run
    ├── QueueError               a queue operation that cannot be done (the run is not queued, the queue is full)
    │   └── QueueFull            the queue holds as many runs as the settings allow
    ├── RunsLimited              a requester started more runs a minute than the launcher allows (``retry_after``)
    ├── WebhookRefused           a webhook delivery that is not run: ``why`` is signature, off or body
    ├── StreamEnded              a run's event stream stopped before the run's end
    │   ├── Overflow             its reader fell further behind than its buffer (it may resume: Last-Event-ID)
    │   └── Closing              the program is closing
    ├── TriggerError             a trigger that cannot be stored as given (every problem); also a ValueError
    ├── ScheduleError            a cron expression or a time zone that cannot be used; also a ValueError
    ├── ClusterError             a cluster that cannot be used (``--executor``, Settings ▸ Cluster): the reason
    ├── ModelError               a model file or card that cannot be used (corrupt, text input, labels vs outputs)
    └── Refused                  a connection to an address the settings refuse (httpx reports a ConnectError)

Inside the engine only (never reach a front):

    NodeFailed                   a node failed with ``on_error: fail``: the executor ends the run with it
    ProbeMiss                    a look-up-only pass over a loop iteration met a node that would have to run
    TooLarge                     a request body over the server's limit (its guard answers 413)
    CorruptEntry                 bytes in the result cache that are not a whole entry (read as a miss)
    Unserializable               a value the cache codec cannot store (it is simply not cached)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "NodeloomError",
    "DocumentError",
    "WorkflowInvalid",
    "Issue",
    "InputError",
    "ExpressionError",
    "BlockError",
    "PluginError",
    "CodeFailed",
    "NotFound",
    "QueueError",
    "QueueFull",
    "RunsLimited",
    "WebhookRefused",
    "StreamEnded",
    "Overflow",
    "Closing",
    "TriggerError",
    "ScheduleError",
    "ClusterError",
    "ModelError",
    "Refused",
    "OverBudget",
    "NodeFailed",
    "ProbeMiss",
    "TooLarge",
    "CorruptEntry",
    "Unserializable",
]


class NodeloomError(Exception):
    """Base of every error the engine raises on purpose."""


class DocumentError(NodeloomError):
    """The document cannot be read at all: broken JSON, nesting too deep, a newer schema version."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation problem, naming the node or edge it concerns."""

    code: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None

    def __str__(self) -> str:
        where = f"node {self.node_id!r}" if self.node_id else f"edge {self.edge_id!r}" if self.edge_id else "workflow"
        return f"{where}: {self.message} [{self.code}]"

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, "node_id": self.node_id, "edge_id": self.edge_id}


class WorkflowInvalid(NodeloomError):
    """A readable document with problems; all of them are in ``issues``. When only its annotations (layout) were
    malformed, ``workflow`` is the rest of it, without them, so its graph can be validated too
    (:func:`engine.graph.all_issues`)."""

    def __init__(self, issues: list[Issue], workflow=None):
        self.issues = list(issues)
        self.workflow = workflow
        super().__init__("\n".join(str(i) for i in self.issues) or "invalid workflow")


class InputError(NodeloomError):
    """Run inputs that do not fit the workflow (missing required input, unknown name, wrong type)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class ExpressionError(NodeloomError, ValueError):
    """A template or expression that is refused (unsafe, too large) or fails while evaluating.

    Also a ``ValueError``, so config validators that compile expressions report it as a config problem."""


class OverBudget(ExpressionError):
    """The evaluation used up its steps (:class:`engine.expr.budget.Budget`)."""


class BlockError(NodeloomError):
    """A block refused its inputs or config at run time; the node fails with this message."""


class PluginError(NodeloomError):
    """A block plugin failed to load. Collected in the registry's ``problems``, never raised at start."""

    def __init__(self, source: str, message: str):
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class CodeFailed(BlockError):
    """The user's code raised, or its process died or was killed. ``code_traceback`` is the code's own."""

    def __init__(self, message: str, traceback: str = ""):
        super().__init__(message)
        self.code_traceback = traceback


class NotFound(NodeloomError):
    """No such workflow, version or run."""


class QueueError(NodeloomError):
    """A queue operation that cannot be done: the run is not queued (any more), or a move names itself."""


class QueueFull(QueueError):
    """The queue already holds ``max_queued_runs`` runs."""


class RunsLimited(NodeloomError):
    """A requester (an HTTP client) started more runs a minute than allowed; ``retry_after`` seconds until one may
    start again."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class WebhookRefused(NodeloomError):
    """A webhook delivery that is not run (SPEC §9). ``why`` says which check refused it: ``signature`` (its
    Standard Webhooks headers are missing or do not verify with the workflow's secret, or its timestamp is more
    than 5 minutes off), ``off`` (the workflow's webhook trigger is switched off) or ``body`` (its id or its body
    cannot be read as a delivery)."""

    def __init__(self, why: str, message: str):
        super().__init__(message)
        self.why = why


class StreamEnded(NodeloomError):
    """A run's event stream stopped before the run's end."""


class Overflow(StreamEnded):
    """The reader fell further behind than its buffer: it is dropped (it may resume with Last-Event-ID)."""


class Closing(StreamEnded):
    """The program (the server) is closing."""


class TriggerError(NodeloomError, ValueError):
    """A trigger that cannot be stored as given: every problem, each in a sentence."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class ScheduleError(NodeloomError, ValueError):
    """A cron expression or a time zone that cannot be used, in a sentence."""


class ClusterError(NodeloomError):
    """The cluster named cannot be used; the message says why."""


class ModelError(NodeloomError, ValueError):
    """A model of the library (engine.models) that cannot be imported or run; the message names the problem."""


class Refused(NodeloomError):
    """A connection to an address the policy refuses (:mod:`engine.safenet`; httpx reports it as
    ``httpx.ConnectError``, with this as its context)."""


class NodeFailed(Exception):
    """A node failed with ``on_error: fail``; the run fails with this message."""

    def __init__(self, node_id: str, iteration: tuple[int, ...], message: str):
        self.node_id = node_id
        self.iteration = iteration
        self.message = message
        where = f"{node_id!r}" + (f" (iteration {'/'.join(map(str, iteration))})" if iteration else "")
        super().__init__(f"node {where} failed: {message}")


class ProbeMiss(Exception):
    """A probing pass met a node that would have to run."""


class TooLarge(Exception):
    """A request body grew past the server's limit."""


class CorruptEntry(Exception):
    """The bytes are not a whole entry of ours."""


class Unserializable(Exception):
    """A value this codec cannot store (it is then simply not cached)."""
