"""The document being edited, apart from how it is drawn: ``EditorDocument`` (plain engine data behind Qt
signals, ``model.py``), the undo commands that alone change it (``commands.py``), and the crash journal of
unsaved edits (``journal.py``). It imports neither the canvas, the panels nor the window.
"""
