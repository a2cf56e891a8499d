"""``nodeloom settings``: the data folder's settings (the ones Edit ▸ Settings… writes, and the server's limits)
read and written from the command line, run as a user runs it: a real subprocess on a real data folder."""

import json
import os
import subprocess
import sys

from engine.cache.store import DEFAULT_SIZE_LIMIT
from engine.runs import RunSettings
from engine.server import ServerSettings
from engine.store import MAX_CONCURRENT_RUNS, Store


def nodeloom(home, *args):
    env = {**os.environ, "NODELOOM_HOME": str(home), "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=60,
                          env=env)


def test_server_limits_set_from_the_command_line_are_what_the_server_reads(tmp_path):
    assert nodeloom(tmp_path, "settings", "set", "server.max_body_bytes", "65536").returncode == 0
    assert nodeloom(tmp_path, "settings", "set", "server.runs_per_minute", "5").returncode == 0
    assert nodeloom(tmp_path, "settings", "set", "server.header_timeout_s", "2.5").returncode == 0
    hosts = nodeloom(tmp_path, "settings", "set", "server.allowed_hosts", '["nodeloom.lan", "box.local"]')
    assert hosts.returncode == 0, hosts.stderr
    said = nodeloom(tmp_path, "settings", "set", "runs.max_concurrent_runs", "4")
    assert said.returncode == 0 and "runs.max_concurrent_runs = 4" in said.stdout
    store = Store(tmp_path)
    try:
        server = ServerSettings.from_store(store)
        assert (server.max_body_bytes, server.runs_per_minute, server.header_timeout_s, server.allowed_hosts) == \
            (65536, 5, 2.5, ("nodeloom.lan", "box.local"))
        assert RunSettings.from_store(store).max_concurrent_runs == 4
        store.set_setting(MAX_CONCURRENT_RUNS, 3)  # as Edit ▸ Settings… writes it: the same setting
    finally:
        store.close()
    got = nodeloom(tmp_path, "settings", "get", "runs.max_concurrent_runs")
    assert got.returncode == 0 and got.stdout.strip() == "3"
    assert nodeloom(tmp_path, "settings", "get", "server.body_timeout_s").stdout.strip() == "30.0"  # the default


def test_settings_list_unset_and_refusals(tmp_path):
    listed = nodeloom(tmp_path, "settings", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    table = json.loads(listed.stdout)
    assert {"server.port", "server.max_body_bytes", "server.requests_per_minute", "server.runs_per_minute",
            "server.header_timeout_s", "server.body_timeout_s", "server.max_connections", "runs.max_queued_runs",
            "runs.max_concurrent_runs", "cache.size_limit_mb", "images.max_megapixels"} <= set(table)
    assert table["server.max_body_bytes"] == {"value": 32 * 2**20, "default": 32 * 2**20, "set": False,
                                              "description": table["server.max_body_bytes"]["description"]}
    assert table["server.max_body_bytes"]["description"]
    assert table["cache.size_limit_mb"]["default"] == DEFAULT_SIZE_LIMIT // 2**20
    assert "server.max_body_bytes" in nodeloom(tmp_path, "settings").stdout  # (list is the default)

    small = nodeloom(tmp_path, "settings", "set", "server.max_body_bytes", "100")
    assert small.returncode == 2 and "max_body_bytes must be at least 1024" in small.stderr
    word = nodeloom(tmp_path, "settings", "set", "server.port", "eighty")
    assert word.returncode == 2 and "whole number" in word.stderr
    unknown = nodeloom(tmp_path, "settings", "get", "server.max_body")
    assert unknown.returncode == 2 and "no setting 'server.max_body'" in unknown.stderr
    assert "server.max_body_bytes" in unknown.stderr  # the near one is named
    assert nodeloom(tmp_path, "settings", "get", "server.max_body_bytes").stdout.strip() == str(32 * 2**20)

    assert nodeloom(tmp_path, "settings", "set", "server.allow_private_callbacks", "on").returncode == 0
    assert json.loads(nodeloom(tmp_path, "settings", "list", "--json").stdout)["server.allow_private_callbacks"][
        "value"] is True
    assert nodeloom(tmp_path, "settings", "unset", "server.allow_private_callbacks").returncode == 0
    back = json.loads(nodeloom(tmp_path, "settings", "list", "--json").stdout)["server.allow_private_callbacks"]
    assert back["value"] is False and back["set"] is False
