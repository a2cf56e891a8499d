"""The window as its own process (the bundle's binary, the nodeloom-gui script): opened offscreen on a data
folder, seen to start, closed by SIGTERM as a logout does — cleanly, with no traceback anywhere."""

import os
import signal
import subprocess
import time
from pathlib import Path


def open_and_close(command: list[str], home: Path, env: dict | None = None) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    log = home / "logs" / "nodeloom.log"
    try:
        deadline = time.monotonic() + 60
        while not (log.is_file() and "dispatches the queue" in log.read_text()):  # the window and its service
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the window did not start"
            time.sleep(0.1)
        assert (home / "nodeloom.db").is_file() and (home / "plugins").is_dir()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read()
    assert "Traceback" not in err and "Traceback" not in log.read_text(), err
