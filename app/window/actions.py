"""The main window's menus, actions and toolbar, declared as data.

Each row: (menu, text, objectName, shortcuts, slot); a menu named "&Edit ▸ &Align" is a submenu of Edit (its
entry named ``menuAlign``). A shortcut is a ``QKeySequence.StandardKey`` (expanded to
the platform's bindings) or a key string; the keys of one action are deduplicated, so a platform binding and
an explicit key that are the same never make Qt's "ambiguous shortcut" (which silently disables both).
``shortcut_clashes`` lists any key two actions share (a test keeps it empty). ``None`` as the text is a
separator; the slot takes the window.
"""

from __future__ import annotations

from typing import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit

from ..document.bypass import toggle_bypass
from . import arrange

__all__ = ["ACTIONS", "TOOLBAR", "build_actions", "keys", "shortcut_clashes"]

S = QKeySequence.StandardKey
Slot = Callable[[object], object]


def _tab(fn: Callable) -> Slot:
    """A slot acting on the current tab (nothing when the welcome page is shown)."""
    return lambda w: (tab := w.current_tab()) is not None and fn(tab)


def _select_all(window) -> None:
    """Select all: the text of the focused text field (an inspector field, a search box), else every node on the
    canvas. (A focused text field takes the Ctrl+A key itself; this is for the menu item.)"""
    focused = QApplication.focusWidget()
    if isinstance(focused, QComboBox) and focused.isEditable():
        focused = focused.lineEdit()
    if isinstance(focused, (QLineEdit, QAbstractSpinBox, QPlainTextEdit, QTextEdit)) and focused.window() is window:
        focused.selectAll()
    elif (tab := window.current_tab()) is not None:
        for item in tab.scene.node_items.values():
            item.setSelected(True)


ACTIONS: list[tuple[str, str | None, str, tuple, Slot | None]] = [
    ("&File", "&New workflow", "actionNew", (S.New,), lambda w: w.workflows.new()),
    ("&File", "&Import…", "actionImport", (S.Open,), lambda w: w.workflows.import_dialog()),
    ("&File", "Open &recent", "actionOpenRecent", (), None),  # (its submenu: recent.py)
    ("&File", "&Save", "actionSave", (S.Save,), lambda w: w.workflows.save_action()),
    ("&File", "Save with &message…", "actionSaveMessage", ("Ctrl+Shift+S",),
     lambda w: w.workflows.ask_save_message()),
    ("&File", "Workflow &properties…", "actionProperties", (), lambda w: w.workflows.properties()),
    ("&File", None, "", (), None),
    ("&File", "&Export…", "actionExport", ("Ctrl+E",), lambda w: w.workflows.export()),
    ("&File", "D&uplicate workflow", "actionDuplicateWorkflow", (), lambda w: w.workflows.duplicate()),
    ("&File", "Dele&te workflow…", "actionDeleteWorkflow", (), lambda w: w.workflows.delete()),
    ("&File", None, "", (), None),
    ("&File", "&Close tab", "actionCloseTab", (S.Close, "Ctrl+W"), lambda w: w.close_current_tab()),
    ("&File", None, "", (), None),
    ("&File", "&Quit", "actionQuit", (S.Quit, "Ctrl+Q"), lambda w: w.close()),
    ("&Edit", "&Copy", "actionCopy", (S.Copy,), _tab(lambda t: t.copy_selection())),
    ("&Edit", "&Paste", "actionPaste", (S.Paste,), _tab(lambda t: t.paste())),
    ("&Edit", "&Duplicate", "actionDuplicate", ("Ctrl+D",), _tab(lambda t: t.duplicate())),
    ("&Edit", "&Delete", "actionDelete", (S.Delete, "Backspace"), _tab(lambda t: t.delete_selection())),
    ("&Edit", "&Bypass / un-bypass", "actionBypass", ("Ctrl+B",),
     _tab(lambda t: toggle_bypass(t.doc, t.undo_stack, t.scene.selected_node_ids(), t.view.say))),
    ("&Edit", "Select &all", "actionSelectAll", (S.SelectAll,), lambda w: _select_all(w)),
    ("&Edit", "&Group selected nodes", "actionGroup", ("Ctrl+G",), _tab(lambda t: t.group_selection())),
    ("&Edit", "Add &note", "actionAddNote", (), _tab(lambda t: t.add_note())),
    ("&Edit ▸ &Align", "&Left", "actionAlignLeft", (), _tab(lambda t: arrange.align(t, "left"))),
    ("&Edit ▸ &Align", "&Centre", "actionAlignCentre", (), _tab(lambda t: arrange.align(t, "centre"))),
    ("&Edit ▸ &Align", "&Right", "actionAlignRight", (), _tab(lambda t: arrange.align(t, "right"))),
    ("&Edit ▸ &Align", None, "", (), None),
    ("&Edit ▸ &Align", "&Top", "actionAlignTop", (), _tab(lambda t: arrange.align(t, "top"))),
    ("&Edit ▸ &Align", "&Middle", "actionAlignMiddle", (), _tab(lambda t: arrange.align(t, "middle"))),
    ("&Edit ▸ &Align", "&Bottom", "actionAlignBottom", (), _tab(lambda t: arrange.align(t, "bottom"))),
    ("&Edit ▸ &Align", None, "", (), None),
    ("&Edit ▸ &Align", "Distribute &horizontally", "actionDistributeH", (),
     _tab(lambda t: arrange.distribute(t, horizontally=True))),
    ("&Edit ▸ &Align", "Distribute &vertically", "actionDistributeV", (),
     _tab(lambda t: arrange.distribute(t, horizontally=False))),
    ("&Edit", "Undo &history", "actionUndoHistory", ("Ctrl+Shift+H",), lambda w: w.undo_history.toggle()),
    ("&Edit", None, "", (), None),
    ("&Edit", "Se&ttings…", "actionSettings", (S.Preferences, "Ctrl+,"), lambda w: w.prefs.open()),
    ("&View", "&Frame all", "actionFrame", ("Home",), _tab(lambda t: t.view.frame(selection_only=False))),
    ("&View", "Auto-&layout", "actionLayout", ("Ctrl+L",), _tab(lambda t: t.auto_layout())),
    ("&View", None, "", (), None),
    ("&View", "L&ive preview", "actionLivePreview", ("Ctrl+Shift+L",), lambda w: w.live.toggle_current()),
    ("&View ▸ Live preview &scope", "&Selected node and what it needs", "actionLiveScopeSelected", (),
     lambda w: w.live.set_scope("selected")),
    ("&View ▸ Live preview &scope", "&Whole graph", "actionLiveScopeWhole", (), lambda w: w.live.set_scope("whole")),
    ("&Run", "&Run", "actionRun", ("F5",), lambda w: w.runs.run_current()),
    ("&Run", "&Queue run", "actionEnqueue", ("Shift+F5",), lambda w: w.queue.enqueue_current()),
    ("&Run", "Run over a &list of inputs…", "actionRunList", (), lambda w: w.queue.run_over_list()),
    ("&Run", "&Stop", "actionStop", ("Ctrl+F2",), lambda w: w.runs.stop_run()),
    ("&Run", "Run this &node", "actionRunNode", ("Ctrl+Return",), lambda w: w.runs.run_selected_node()),
    ("&Run", "&Pin / unpin outputs", "actionPin", ("Ctrl+Shift+P",), lambda w: w.outputs.pin_selected()),
    ("&Run", None, "", (), None),
    ("&Models", "&Import model…", "actionModelImport", (), lambda w: w.models.import_dialog()),
    ("&Models", "Open models &folder", "actionModelsFolder", (), lambda w: w.models.open_folder()),
    ("&Server", "&Start server", "actionServerStart", (), lambda w: w.server.start_soon()),
    ("&Server", "S&top server", "actionServerStop", (), lambda w: w.server.stop_soon()),
    ("&Server", None, "", (), None),
    ("&Server", "&Address, token and curl command…", "actionServerInfo", (), lambda w: w.server.show_dialog()),
    ("&Help", "Open &log folder", "actionOpenLogs", (), lambda w: w.help.open_logs()),
    ("&Help", "Open &plugins folder", "actionOpenPlugins", (), lambda w: w.help.open_plugins()),
    ("&Help", "&About Nodeloom", "actionAbout", (), lambda w: w.help.about()),
]
TOOLBAR = ("actionNew", "actionSave", "toolbarUndo", "toolbarRedo", "actionRun", "actionEnqueue", "actionStop",
           "actionLivePreview")
ICON_OF = {"actionNew": "new", "actionSave": "save", "toolbarUndo": "undo", "toolbarRedo": "redo", "actionRun": "run",
           "actionEnqueue": "queue", "actionStop": "stop", "actionUndo": "undo", "actionRedo": "redo",
           "actionLivePreview": "live"}


def keys(*specs) -> list[QKeySequence]:
    """Standard keys expanded to this platform's bindings, then explicit ones; each key sequence once."""
    found: list[QKeySequence] = []
    for spec in specs:
        for seq in (QKeySequence.keyBindings(spec) if isinstance(spec, S) else [QKeySequence(spec)]):
            if not seq.isEmpty() and seq not in found:
                found.append(seq)
    return found


def _add(window, menu, text: str, name: str, shortcuts: Iterable, slot) -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    action.setShortcuts(keys(*shortcuts))
    if slot is not None:
        action.triggered.connect(lambda _=False: slot(window))
    menu.addAction(action)
    window.addAction(action)
    setattr(window, name, action)
    return action


def _new_menu(bar, menus: dict, name: str):
    """A menu of the bar, or ("&Edit ▸ &Align") a submenu of one, its entry named "menuAlign"."""
    parent, _, sub = name.rpartition(" ▸ ")
    if not parent:
        return bar.addMenu(name)
    menu = menus[parent].addMenu(sub)
    menu.menuAction().setObjectName("menu" + sub.replace("&", "").replace(" ", ""))
    return menu


def build_actions(window) -> None:
    """Menus, actions (``window.actionX`` by objectName) and the toolbar of ``window``."""
    bar = window.menuBar()
    menus = {}
    for menu_name, text, name, shortcuts, slot in ACTIONS:
        menu = menus.get(menu_name) or menus.setdefault(menu_name, _new_menu(bar, menus, menu_name))
        if text is None:
            menu.addSeparator()
            continue
        _add(window, menu, text, name, shortcuts, slot)
    edit = menus["&Edit"]
    first = edit.actions()[0]
    group = window.undo_group
    for word, create, can, said, shortcuts in (
            ("Undo", group.createUndoAction, group.canUndoChanged, group.undoTextChanged, (S.Undo,)),
            ("Redo", group.createRedoAction, group.canRedoChanged, group.redoTextChanged,
             (S.Redo, "Ctrl+Shift+Z", "Ctrl+Y"))):
        # the menu entry names what it undoes ("&Undo Move 2 nodes": Qt keeps the text in step)
        action = create(window, f"&{word}")
        action.setObjectName(f"action{word}")
        action.setShortcuts(keys(*shortcuts))
        edit.insertAction(first, action)
        window.addAction(action)
        setattr(window, action.objectName(), action)
        # the toolbar's button is an action of its own with a fixed short word, so the buttons after it do not
        # move with every edit; its tooltip names the command
        button = QAction(word, window)
        button.setObjectName(f"toolbar{word}")
        button.setEnabled(action.isEnabled())
        button.triggered.connect(action.trigger)
        can.connect(button.setEnabled)
        said.connect(lambda command, b=button, w=word: b.setToolTip(f"{w} {command}" if command else w))
        setattr(window, button.objectName(), button)
    edit.insertSeparator(first)
    view = menus["&View"]
    themes = view.addMenu("&Theme")
    group = QActionGroup(window)
    current = str(window.settings.value("theme", "system"))
    for mode in ("system", "dark", "light"):
        action = QAction(mode.title(), window, checkable=True)
        action.setObjectName(f"actionTheme{mode.title()}")
        setattr(window, action.objectName(), action)
        action.setChecked(current == mode)
        action.triggered.connect(lambda _=False, m=mode: window.set_theme(m))
        group.addAction(action)
        themes.addAction(action)
    minimap = _add(window, view, "Show &minimap", "actionMinimap", ("Ctrl+M",),
                   lambda w: w.show_minimap(w.actionMinimap.isChecked()))
    minimap.setCheckable(True)
    minimap.setChecked(str(window.settings.value("minimap", "true")).lower() == "true")
    snap = _add(window, view, "S&nap to grid", "actionSnapGrid", (),
                lambda w: arrange.set_snap(w, w.actionSnapGrid.isChecked()))
    snap.setCheckable(True)
    snap.setChecked(arrange.snap_on(window))
    window.recent.attach(window.actionOpenRecent)
    view.addSeparator()
    for dock in window.docks:
        view.addAction(dock.toggleViewAction())
    allow = _add(window, menus["&Run"], "Allow &Python code blocks", "actionAllowPython", (),
                 lambda w: w.code.set_allowed(w.actionAllowPython.isChecked()))
    allow.setCheckable(True)
    allow.setChecked(window.code.allowed)
    _add(window, menus["&Run"], "Run Python blocks in &live preview", "actionLivePython", (),
         lambda w: w.live.set_user_code(w.actionLivePython.isChecked()))
    window.live.attach()
    window.actionStop.setEnabled(False)
    from ..look.icons import icon

    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)  # the text beside the icon
    colors = {"actionRun": "#3fb950", "actionStop": "#f85149", "actionLivePreview": "#d29922"}
    for name, kind in ICON_OF.items():
        getattr(window, name).setIcon(icon(kind, colors.get(name)))
    for name in TOOLBAR:
        toolbar.addAction(getattr(window, name))


def shortcut_clashes(window) -> list[tuple[str, list[str]]]:
    """Key sequences bound more than once (by two actions, or twice by one): each with the actions' names."""
    seen: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            seen.setdefault(seq.toString(), []).append(action.objectName() or action.text())
    return sorted((k, names) for k, names in seen.items() if len(names) > 1)
