"""Right-click menus of a group (rename, colour — its own marked —, fit to its nodes, select its nodes, ungroup)
and a note (edit, colour, delete).

Each entry is an action with an objectName, as in :mod:`.menus`; each edit is one undo command.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QMenu

from ..canvas.annotation_item import AnnotationItem
from ..canvas.group_item import frame_around
from ..document.annotations import UpdateAnnotation
from ..look.annotations import COLORS, color_of
from ..document.commands import RemoveItems

__all__ = ["annotation_menu"]


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


def annotation_menu(menus, tab, item: AnnotationItem) -> QMenu:
    """The menu of a group or note (``menus``: the window's ContextMenus, whose ``_menu`` and ``_add`` it uses)."""
    doc, aid, editable = tab.doc, item.annotation_id, not tab.doc.read_only
    group = doc.annotations[aid].kind == "group"
    menu = menus._menu("groupMenu" if group else "noteMenu")
    menus._add(menu, "Rename…" if group else "Edit text", "menuRenameGroup" if group else "menuEditNote",
               item.start_edit, editable)
    colours = menu.addMenu("Colour")
    colours.setObjectName("menuColour")
    colours.setEnabled(editable)
    now = color_of(doc.annotations[aid]).lower()
    for name, color in COLORS.items():
        action = menus._add(colours, name, f"colour{name}", lambda c=color: tab.undo_stack.push(
            UpdateAnnotation(doc, aid, f"Colour {item.what}", color=c)))
        action.setIcon(_swatch(color))
        action.setCheckable(True)  # (its colour marked; one of no name, loaded from a file, marks none)
        action.setChecked(color.lower() == now)
    menu.addSeparator()
    if group:
        menus._add(menu, "Fit to its nodes", "menuFitGroup", lambda: _fit(tab, aid),
                   editable and bool(_node_items(tab, aid)), "The frame around its nodes as they are now")
        menus._add(menu, "Select its nodes", "menuSelectGroupNodes", lambda: _select_nodes(tab, aid))
        menus._add(menu, "Ungroup", "menuUngroup", lambda: _remove(tab, aid, "Ungroup"), editable,
                   "Remove the frame; its nodes stay")
    else:
        menus._add(menu, "Delete note", "menuDeleteNote", lambda: _remove(tab, aid, "Delete note"), editable)
    return menu


def _node_items(tab, aid: str) -> list:
    return [tab.scene.node_items[n] for n in tab.doc.annotations[aid].nodes if n in tab.scene.node_items]


def _select_nodes(tab, aid: str) -> None:
    tab.scene.clearSelection()
    for item in _node_items(tab, aid):
        item.setSelected(True)


def _fit(tab, aid: str) -> None:
    """The group's frame around its nodes (grown with a thumbnail, moved one by one), as one step."""
    items = _node_items(tab, aid)
    box = items[0].sceneBoundingRect()
    for item in items[1:]:
        box = box.united(item.sceneBoundingRect())
    position, size = frame_around(box)
    tab.undo_stack.push(UpdateAnnotation(tab.doc, aid, "Fit group", position=position, size=size))


def _remove(tab, aid: str, text: str) -> None:
    command = RemoveItems(tab.doc, [], [], [aid])
    command.setText(text)
    tab.undo_stack.push(command)
