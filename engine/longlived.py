"""What a long-running process (``nodeloom serve``, ``nodeloom worker``) does once it is set up."""

from __future__ import annotations

import gc

__all__ = ["keep_startup_objects"]


def keep_startup_objects() -> None:
    """What the process built as it started — modules, blocks, the app, the run service — lives as long as the
    process: it is moved out of the cyclic collector's reach. Else the collector's full passes walk all of it
    now and then (~60 ms in a server), and a request, or an event on its way to a stream, waits that out
    (the window does the same, :mod:`app.main_window`). Call it once, when the process is set up."""
    gc.collect()
    gc.freeze()
