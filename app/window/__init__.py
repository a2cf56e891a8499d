"""What the main window does, as small controllers it owns — each with its own state, in its own file:

    workflows   new, open, templates, save, import, sub-workflows        (workflows.py)
    versions    history, compare on the canvas, restore                   (versions.py)
    journal     unsaved edits written on every change, offered after a crash (journal.py)
    code        "Allow Python code blocks" and approval of imported code (code.py)
    runs        the run service: Run, Stop, run this node, replays, pins  (runs.py)
    queue       Queue run, runs over a list, the Queue dock, open any run (queue.py)
    prefs       Edit ▸ Settings…: theme, data folder, cache, runs        (settings.py)

The window (``shell.MainWindow``, created by ``app.main_window.create``) builds the docks and tabs, declares its
actions as data (``actions.py``) and wires the controllers to them; controllers reach the window's widgets
through it. Nothing in the canvas, the panels, the dialogs or the document imports this room.
"""
