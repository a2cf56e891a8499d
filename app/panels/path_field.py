"""Path fields (issue 26): a config field whose schema says ``format``: ``file``, ``folder`` or ``save-file`` is a
line of text with a Browse… button beside it (``browse.<key>``; its dialog offers the schema's ``file_types``
first, ``{"Images": ["*.png", …]}``, then all files), and takes a file or folder dropped on it from a
file manager (a file URL). Either way the new path is one undoable edit, checked as typed text is; a file that
matches none of the ``file_types`` is taken with a warning ("notes.txt does not look like an image").

The file dialog (``browseDialog``, a child of the window) is the platform's own unless Qt is told otherwise
(``AA_DontUseNativeDialogs``); it opens where the field points (a relative path resolved as a run resolves it),
else in the folder last picked (the window's settings, ``browseFolder``), else the home folder. A relative path
stays relative: when the field held one and the path picked lies in the folder it was relative to, the new one is
stored relative to that folder too; otherwise the path is stored as picked."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QToolButton, QWidget

from ..look.drops import refuse, take_copy

__all__ = ["PATH_FORMATS", "LAST_FOLDER", "PathEdit", "path_editor", "local_paths", "stored", "why_not", "unlike"]

PATH_FORMATS = ("file", "folder", "save-file")
LAST_FOLDER = "browseFolder"  # the window's settings: the folder of the last path picked
_URLISH = ("http:", "https:", "data:", "file:")


def local_paths(mime) -> list[Path]:
    """The local files and folders a drag carries (file URLs), absolute."""
    return [Path(os.path.abspath(u.toLocalFile())) for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []


def why_not(fmt: str, paths: list[Path]) -> str | None:
    """Why these dropped paths cannot be the field's value, or None when they can (one path of the right kind)."""
    if len(paths) != 1:
        return "Drop one file here" if fmt != "folder" else "Drop one folder here"
    path = paths[0]
    if fmt == "folder" and not path.is_dir():
        return f"{path.name} is not a folder: drop a folder here"
    if fmt != "folder" and path.is_dir():
        return f"{path.name} is a folder: drop a file here"
    return None


def _relative(value) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not value.startswith(_URLISH) \
        and not Path(value).expanduser().is_absolute()


def stored(picked: Path, previous, base: Path | None) -> str:
    """What the field stores for a path picked or dropped: relative to ``base`` (the folder its relative paths
    resolve against) when it held a relative path and the new one lies in ``base``; else the path as picked."""
    picked = Path(os.path.abspath(picked))
    if base is not None and _relative(previous):
        try:
            return picked.relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            pass
    return str(picked)


def start_folder(value, fmt: str, base: Path | None, remembered) -> str:
    """Where the dialog opens: the folder the field's path is in (or is, for a folder field), resolved as a run
    resolves it; else the folder last picked; else the home folder."""
    if isinstance(value, str) and value.strip() and not value.startswith(_URLISH):
        path = Path(value).expanduser()
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        for candidate in ((path,) if fmt == "folder" else ()) + (path.parent,):
            if candidate.is_dir():
                return str(Path(os.path.abspath(candidate)))
    if remembered and Path(str(remembered)).is_dir():
        return str(remembered)
    return str(Path.home())


class PathEdit(QLineEdit):
    """The path's text; ``row`` is it with its Browse… button, as the form shows it."""

    row: QWidget


class _FileDrops(QObject):
    """A file URL dropped on the field (or its button) sets it; one of the wrong kind is refused, and the field
    says why while it is dragged over it. Drags of anything else go on to the widget."""

    def __init__(self, inspector, name: str, fmt: str, prop: dict, parent: QWidget):
        super().__init__(parent)
        self.inspector, self.name, self.fmt, self.prop = inspector, name, fmt, prop

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.DragLeave:
            self._unsay()
            return False
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        paths = local_paths(event.mimeData())
        if not paths:
            return False  # not files: the widget does what it does with text
        problem = why_not(self.fmt, paths)
        if problem:
            refuse(event)
            if kind == QEvent.Type.DragEnter:
                self.inspector._note(self.name, problem)
            elif kind == QEvent.Type.Drop:
                self._unsay()
            return True
        if not take_copy(event):  # (a copy, never a move: the source would delete the user's file)
            return True
        if kind == QEvent.Type.Drop:
            self._unsay()
            choose(self.inspector, self.name, self.prop, paths[0])
        return True

    def _unsay(self) -> None:
        i = self.inspector
        if (id(i.doc), i.node_id, self.name) not in i.pending:  # (a refusal of typed text stays)
            i._mark(self.name, None)


def _base(inspector, prop: dict) -> Path | None:
    """The folder the field's relative paths resolve against: the workflow's (its file's), or the folder another
    field names (``relative_to``) when that is set."""
    base = inspector.workflow_folder()
    other = prop.get("relative_to")
    if other and inspector.doc is not None and inspector.node_id in inspector.doc.nodes:
        folder = inspector.values().get(other)
        if isinstance(folder, str) and folder.strip():
            folder_path = Path(folder).expanduser()
            return folder_path if folder_path.is_absolute() or base is None else Path(base) / folder_path
    return base


def unlike(prop: dict, picked: Path) -> str | None:
    """ "notes.txt does not look like an image" when the schema's ``file_types`` are given and the file matches
    none of their patterns; else None."""
    kinds = prop.get("file_types") or {}
    if not kinds or picked.is_dir() or any(picked.match(glob) or picked.match(glob.upper())
                                           for globs in kinds.values() for glob in globs):
        return None
    kind = next(iter(kinds)).lower().removesuffix("s")
    return f"{picked.name} does not look like {'an' if kind[:1] in 'aeiou' else 'a'} {kind}"


def choose(inspector, name: str, prop: dict, picked: Path) -> None:
    """``picked`` becomes the field's value (one undoable edit), stored as :func:`stored` says. A file that does
    not look like what the field wants is taken all the same (the user may know better), with a warning on the
    field and in the status bar."""
    previous = inspector.values().get(name)
    inspector._set_config(name, stored(picked, previous, _base(inspector, prop)))
    warning = unlike(prop, picked)
    if warning and (id(inspector.doc), inspector.node_id, name) not in inspector.pending:  # (taken, not refused)
        inspector._note(name, warning)
        inspector.window().statusBar().showMessage(f"{warning}: taken all the same", 8000)


def browse(inspector, name: str, fmt: str, prop: dict) -> QFileDialog:
    """Open the file dialog for the field; the path picked is applied to the node shown when it opened."""
    window = inspector.window()
    for old in window.findChildren(QFileDialog, "browseDialog"):
        old.setObjectName("")
        old.deleteLater()
    title = prop.get("title", name)
    dialog = QFileDialog(window, {"file": f"{title}: choose a file", "folder": f"{title}: choose a folder",
                                  "save-file": f"{title}: save as"}[fmt])
    dialog.setObjectName("browseDialog")
    if fmt == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
    elif fmt == "save-file":
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    kinds = prop.get("file_types") or {}  # the schema's {"Images": ["*.png", …]}: offered first, then any file
    if kinds:
        dialog.setNameFilters([f"{kind} ({' '.join(globs)})" for kind, globs in kinds.items()] + ["All files (*)"])
    value = inspector.values().get(name)
    settings = inspector.settings
    dialog.setDirectory(start_folder(value, fmt, _base(inspector, prop),
                                     settings.value(LAST_FOLDER) if settings is not None else None))
    if fmt == "save-file" and isinstance(value, str) and value.strip():
        dialog.selectFile(Path(value).name)
    shown = (inspector.doc, inspector.node_id)

    def picked(path: str) -> None:
        if not path or (inspector.doc, inspector.node_id) != shown:
            return  # (the inspector shows another node now: nothing to apply it to)
        chosen = Path(os.path.abspath(path))
        if settings is not None:
            settings.setValue(LAST_FOLDER, str(chosen if fmt == "folder" else chosen.parent))
        choose(inspector, name, prop, chosen)

    dialog.fileSelected.connect(picked)
    dialog.open()  # (not exec(): the event loop, and any run, go on)
    return dialog


def path_editor(inspector, name: str, prop: dict) -> PathEdit:
    """The field's line edit, in a row with its Browse… button (``edit.row``); files dropped on either set it."""
    fmt = prop["format"]
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    edit = PathEdit(row)
    # a hint short enough for the inspector's width on first start; the whole of it in the tooltip
    edit.setPlaceholderText({"file": "a file", "folder": "a folder", "save-file": "where to save"}[fmt])
    edit.setToolTip("\n".join(filter(None, (
        {"file": "A file: type its path, Browse…, or drop one here from a file manager",
         "folder": "A folder: type its path, Browse…, or drop one here from a file manager",
         "save-file": "Where to save: type a path, Browse…, or drop a file here from a file manager"}[fmt],
        prop.get("description")))))
    button = QToolButton(row, objectName=f"browse.{name}", text="Browse…")
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field, as past the ƒx switches
    button.setToolTip({"file": "Choose a file", "folder": "Choose a folder", "save-file": "Choose where to save"}[fmt])
    button.clicked.connect(lambda: browse(inspector, name, fmt, prop))
    layout.addWidget(edit, 1)
    layout.addWidget(button)
    drops = _FileDrops(inspector, name, fmt, prop, row)
    for w in (row, edit, button):
        w.setAcceptDrops(True)
        w.installEventFilter(drops)
    edit.row = row
    return edit
