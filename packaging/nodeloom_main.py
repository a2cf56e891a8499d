"""The bundle's entry point (PyInstaller): the whole ``nodeloom`` command — the window when no command is given,
``run``, ``serve``, ``worker``, … — and, with ``--sandbox-worker``, a python block's worker process (the
bundle's binary is its only Python)."""

import sys


def main() -> int:
    if sys.argv[1:2] == ["--sandbox-worker"]:  # the worker script as it is (it imports nothing of Nodeloom)
        import os
        import runpy

        del sys.argv[1]
        runpy.run_path(os.path.join(sys._MEIPASS, "engine", "sandbox", "worker.py"), run_name="__main__")
        return 0
    from app.cli import main as nodeloom

    return nodeloom()


if __name__ == "__main__":
    sys.exit(main())
