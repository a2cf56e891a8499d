"""``nodeloom settings [list] | get KEY | set KEY VALUE | unset KEY``: the data folder's settings — the table
Edit ▸ Settings… writes, which every process on the folder reads (the server's limits, the queue's, the cache's).

Each key is known here with its kind, its default and what it does; a value is checked as the object that reads
it checks it (``ServerSettings``, ``RunSettings``), so what is written is what a server or a run service accepts.
A running process keeps what it read when it started: a new value counts for those started afterwards.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import math
from dataclasses import dataclass
from typing import Any, Callable

from engine.store import (ALLOW_PRIVATE_CALLBACKS, CACHE_LIMIT_MB, CLUSTER_EXECUTOR, CLUSTER_NETWORK,
                          MAX_CONCURRENT_RUNS, MAX_IMAGE_MEGAPIXELS, MAX_QUEUED_RUNS)

from .common import CliError
from .store import _emit, open_store

__all__ = ["cmd_settings", "catalogue"]

CACHE_DEFAULT_MB = 2048  # engine.cache's DEFAULT_SIZE_LIMIT (a front never imports the cache: a test holds them equal)
_ON, _OFF = ("true", "on", "yes", "1"), ("false", "off", "no", "0")


@dataclass(frozen=True)
class Setting:
    key: str
    #: text, text list, integer, number or boolean
    kind: str
    default: Any
    what: str
    check: Callable[[Any], object]  # raises ValueError saying what is wrong


def _server(field: str, kind: str, what: str, also: Callable[[Any], object] | None = None) -> Setting:
    from engine.server import ServerSettings  # (the server's package loads FastAPI: only for this command)

    def check(value) -> None:
        ServerSettings().replace(**{field: tuple(value) if isinstance(value, list) else value})
        if also is not None:
            also(value)

    default = next(f.default for f in dataclasses.fields(ServerSettings) if f.name == field)
    return Setting(f"server.{field}", kind, list(default) if isinstance(default, tuple) else default, what, check)


def _runs(key: str, field: str, kind: str, what: str) -> Setting:
    from engine.runs import RunSettings

    default = next(f.default for f in dataclasses.fields(RunSettings) if f.name == field)
    return Setting(key, kind, default, what, lambda v: RunSettings(**{field: v}))


def _cache_limit(mb: int) -> None:
    if not 16 <= mb <= 1_000_000:
        raise ValueError(f"{CACHE_LIMIT_MB} must be from 16 to 1000000 (MB), not {mb}")


def _positive(value: int) -> None:
    if value < 1:
        raise ValueError(f"stream_buffer must be at least 1, not {value}")


@functools.cache
def catalogue() -> dict[str, Setting]:
    """Every setting by key (made when asked, so that every other command's parser stays light)."""
    return {s.key: s for s in (
        _server("host", "text", "the address the server listens on (not loopback: reachable from the network)"),
        _server("port", "integer", "the server's port"),
        _server("allowed_hosts", "text list", "Host names answered besides the address and localhost"),
        _server("allowed_origins", "text list", "browser origins allowed, exactly (http://localhost:3000)"),
        _server("max_body_bytes", "integer", "the largest request body, in bytes (larger: 413)"),
        _server("requests_per_minute", "integer", "requests a client may make a minute (more: 429)"),
        _server("runs_per_minute", "integer", "runs a client may start a minute: run, replay, node test, webhook"),
        _server("stream_buffer", "integer", "events an SSE or WebSocket client may fall behind before it is dropped",
                _positive),
        _server("header_timeout_s", "number", "seconds a connection may take to send a request's headers"),
        _server("body_timeout_s", "number", "seconds a request body may go without progress"),
        _server("max_connections", "integer", "open connections at most (one more: 503)"),
        _runs(ALLOW_PRIVATE_CALLBACKS, "allow_private_callbacks", "boolean",
              "callback_url may reach loopback and private networks"),
        _runs(MAX_CONCURRENT_RUNS, "max_concurrent_runs", "integer", "queued runs running at once (every process)"),
        _runs(MAX_QUEUED_RUNS, "max_queued_runs", "integer", "queued runs waiting at most (more: refused, HTTP 429)"),
        _runs(MAX_IMAGE_MEGAPIXELS, "max_image_megapixels", "number", "the largest picture decoded, in megapixels"),
        Setting(CACHE_LIMIT_MB, "integer", CACHE_DEFAULT_MB, "the result cache's size limit, in MB", _cache_limit),
        _runs(CLUSTER_EXECUTOR, "executor", "text",
              "where loops of portable blocks run: local, local:N, dask://HOST:PORT"),
        _runs(CLUSTER_NETWORK, "cluster_network", "boolean", "http_request blocks may run on the cluster's machines"),
    )}


def setting(key: str) -> Setting:
    settings = catalogue()
    if key not in settings:
        near = difflib.get_close_matches(key, settings, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise CliError(f"no setting {key!r}{hint} (nodeloom settings list: every one)")
    return settings[key]


def parse(s: Setting, raw: str) -> Any:
    """VALUE as the setting's kind, checked as the settings object that reads it checks it."""
    text = raw.strip()
    if s.kind == "text":
        value: Any = raw
    elif s.kind == "text list":
        try:
            value = json.loads(text)
        except ValueError:
            value = [part.strip() for part in text.split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CliError(f"{s.key} is a list of text: a JSON list (\'[\"a\", \"b\"]\') or names separated by "
                           f"commas, not {raw!r}")
    elif s.kind == "boolean":
        if text.lower() not in _ON + _OFF:
            raise CliError(f"{s.key} is on or off (true/false, yes/no, 1/0), not {raw!r}")
        value = text.lower() in _ON
    elif s.kind == "integer":
        try:
            value = int(text)
        except ValueError:
            raise CliError(f"{s.key} must be a whole number, not {raw!r}") from None
    else:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise CliError(f"{s.key} must be a number, not {raw!r}") from None
    try:
        s.check(value)
    except (ValueError, TypeError) as e:
        raise CliError(f"{s.key}: {e}") from None
    return value


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def cmd_settings(args) -> int:
    store = open_store(args)
    try:
        if args.action in (None, "list"):
            if args.key is not None:
                raise CliError("settings list takes no KEY (nodeloom settings get KEY)")
            table = {}
            for key, s in catalogue().items():
                stored = store.setting(key)
                table[key] = {"value": s.default if stored is None else stored, "default": s.default,
                              "set": stored is not None, "description": s.what}
            rows = [[key, _shown(t["value"]) + ("" if t["set"] else " (default)"), t["description"]]
                    for key, t in table.items()]
            return _emit(args, table, rows, ["key", "value", "what it does"], "")
        if args.key is None:
            raise CliError(f"settings {args.action} needs a KEY (nodeloom settings list: every one)")
        s = setting(args.key)
        if args.action == "get":
            stored = store.setting(s.key)
            print(_shown(s.default if stored is None else stored))
            return 0
        if args.action == "unset":
            if args.value is not None:
                raise CliError("settings unset takes only a KEY")
            store.unset_setting(s.key)
            print(f"{s.key} = {_shown(s.default)} (the default)")
            return 0
        if args.value is None:
            raise CliError("settings set needs a KEY and a VALUE")
        value = parse(s, args.value)
        store.set_setting(s.key, value)
        print(f"{s.key} = {_shown(value)} (read by what starts from now on: a running server, worker or window "
              "keeps what it read)")
        return 0
    finally:
        store.close()
