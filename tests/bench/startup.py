"""Cold start (issue 28's figures), one JSON line per case, each against a bare interpreter start measured in the
same run (``python -c pass``, the floor no Python program goes below). Wall time from spawning the process:

- help: ``nodeloom --help`` (``python -m app.cli --help``) until it exits.
- cli_run_trivial: ``nodeloom run`` of a 3-node workflow file (input → transform → output) on a data folder that
  exists already (its database at the newest schema), until it exits.
- window_first_paint: ``nodeloom`` (the window, offscreen platform) until a top-level widget of ours first paints
  (the splash, or the window); ``window_painted_s`` is when the main window itself first paints.
"ours" − "baseline" is the excess; targets: excess ≤ 0.25 s, ≤ 0.6 s and ≤ 1.0 s. Each case is the median of
``ROUNDS``, ours and the floor taken in turns.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[2])

import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("ROUNDS", 5))
TARGETS = {"help": 0.25, "cli_run_trivial": 0.6, "window_first_paint": 1.0}


def line(case: str, ours: float, baseline: float, **extra) -> None:
    print(json.dumps({"bench": "startup", "case": case, "ours": round(ours, 4), "baseline": round(baseline, 4),
                      "unit": "s", "excess": round(ours - baseline, 4), "target": f"excess <= {TARGETS[case]}",
                      **extra}), flush=True)


def timed(args: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-2000:]
    return elapsed


def painted(env: dict) -> tuple[float, float]:
    """Seconds until the first paint of one of our top-level widgets, and of the main window itself."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--window"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    t_first = time.perf_counter() - t0
    window = proc.stdout.readline()
    t_window = time.perf_counter() - t0
    proc.wait(timeout=60)
    assert first.startswith("painted") and window.startswith("window"), (first, window, proc.stderr.read()[-2000:])
    return t_first, t_window


def window_child() -> None:
    """``nodeloom`` with no command, as the launcher starts it, told when a top-level widget paints. The
    QApplication is made here first (the app takes an existing one) so that its filter sees every paint."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QMainWindow

    class Painted(QObject):
        first = False

        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and obj.isWidgetType() and obj.isWindow():
                if not self.first:
                    self.first = True
                    print("painted", type(obj).__name__, flush=True)
                if isinstance(obj, QMainWindow):
                    print("window", flush=True)
                    os._exit(0)
            return False

    app = QApplication(sys.argv[:1])
    spy = Painted()
    app.installEventFilter(spy)
    from app.cli import main

    main(["--home", os.environ["NODELOOM_BENCH_HOME"]])
    os._exit(1)  # (the window closed without painting)


def main() -> None:
    from engine import save_workflow
    from tests.builder import Flow

    folder = Path(tempfile.mkdtemp(prefix="nodeloom-bench-startup-"))
    path = folder / "trivial.nodeloom"
    save_workflow(Flow("Trivial").node("i", "input", name="x").node("t", "transform", expression="data + 1")
                  .node("o", "output", name="y").edge("i.value", "t.data").edge("t.result", "o.value").build(), path)
    home = folder / "home"
    env = {**os.environ, "NODELOOM_HOME": str(home), "NODELOOM_BENCH_HOME": str(home),
           "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "PYTHONWARNINGS": "ignore"}
    run = ["-m", "app.cli", "run", str(path), "-i", "x=1", "-q"]
    # our modules' bytecode written once, as installing a wheel does (pip compiles it): without it, under
    # PYTHONDONTWRITEBYTECODE (set in some shells and CI), every start compiled ~150 of our modules again
    subprocess.run([sys.executable, "-m", "compileall", "-q", "app", "engine"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    timed(run, env)  # the data folder and its database made once, before anything is timed
    painted(env)  # (and the window's first start: its own files)
    cases = {"help": lambda: timed(["-m", "app.cli", "--help"], env), "cli_run_trivial": lambda: timed(run, env),
             "window_first_paint": lambda: painted(env)}
    for case, measure in cases.items():
        ours, floor, window = [], [], []
        for _ in range(ROUNDS):
            floor.append(timed(["-c", "pass"], env))
            got = measure()
            if isinstance(got, tuple):
                got, shown = got
                window.append(shown)
            ours.append(got)
        extra = {"window_painted_s": round(statistics.median(window), 4)} if window else {}
        line(case, statistics.median(ours), statistics.median(floor), **extra)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--window"]:
        window_child()
    else:
        main()
