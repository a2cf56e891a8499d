"""The window's dialogs, each a widget of its own that reports what was chosen by a signal: workflow properties,
settings (and its cluster box), the server's address and token, a trigger, a batch of runs."""
