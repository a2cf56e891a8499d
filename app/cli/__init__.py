"""The command line (SPEC §10): ``main`` (``commands.py``) and its parser (``parser.py``), light modules only, so
``--help`` loads no engine; ``nodeloom run | validate | blocks`` (``workflow.py``), the store's commands
(``store.py``), the queue (``queue.py``), triggers (``triggers.py``), ``serve`` and ``worker`` (``serve.py``), the
data folder's settings (``settings.py``), the progress bar on stderr (``progress.py``), and whether the window can
open here at all (``syslibs.py``: the system libraries Qt needs, asked before Qt loads). It never imports Qt:
``nodeloom`` with no command hands over to ``app.main_window`` at that moment (the one import the contract in
pyproject.toml allows).
"""

from .commands import build_parser, gui, main

__all__ = ["build_parser", "gui", "main"]
