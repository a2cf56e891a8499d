"""The searchable "add block" popup (Tab, double-click or right-click on the canvas): the palette's titles,
with the category beside them. The search matches what the palette's does (:func:`search_text`): the title,
the type, the category, the description and the block's keywords; every word typed must match. Enter takes the
first block whose title matches, else the first that matches at all ("foreach" is For Each, not Transform, whose
description mentions a ForEach). When nothing matches, it says so.

Inserting a node into a link, or a link dropped on empty canvas, opens it with only the blocks that fit (``only``);
its search box then says what the block is for (``hint``)."""

from __future__ import annotations

import re
import textwrap

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

__all__ = ["AddBlockPopup", "NO_MATCH", "matches", "plain", "search_text", "tip"]

NO_MATCH = "No blocks match"
_SEARCH = Qt.ItemDataRole.UserRole + 1
_TITLE = Qt.ItemDataRole.UserRole + 2


def plain(text: str) -> str:
    """A block's description as readable text: no ``code`` or *emphasis* markers."""
    return re.sub(r"\*\*?([^*]+)\*\*?", r"\1", text.replace("``", "").replace("`", ""))


def tip(text: str) -> str:
    """A block's description for a tooltip: plain text in lines of a readable length (a tooltip never wraps)."""
    return textwrap.fill(plain(text), 72)


def search_text(description: dict) -> str:
    """What a search looks through for a block (from its ``describe()``), in lower case."""
    d = description
    return " ".join([d["title"], d["type"], d["category"], plain(d["description"]), *d.get("keywords", ())]).lower()


def matches(haystack: str, query: str) -> bool:
    """Every word of ``query`` is found in ``haystack`` (an empty query matches everything)."""
    return all(word in haystack for word in query.lower().split())


class AddBlockPopup(QWidget):
    chosen = Signal(str, QPointF)

    def __init__(self, registry, parent=None):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("addBlockPopup")
        self.search = QLineEdit(placeholderText="Add block…")
        self.list = QListWidget()
        self.no_match = QLabel(NO_MATCH, objectName="popupNoMatch", alignment=Qt.AlignmentFlag.AlignCenter)
        self.no_match.setEnabled(False)  # drawn in the disabled text colour: a remark, not an entry
        self.no_match.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.search)
        layout.addWidget(self.no_match)
        layout.addWidget(self.list)
        for block in registry:
            d = block.describe()
            item = QListWidgetItem(f"{d['title']}   ·  {block.category}")
            item.setData(Qt.ItemDataRole.UserRole, block.type)
            item.setData(_SEARCH, search_text(d))
            item.setData(_TITLE, f"{d['title']} {d['type']}".lower())
            item.setToolTip(tip(d["description"]))
            self.list.addItem(item)
        self.scene_pos = QPointF()
        self.on_chosen = None
        self.only: set[str] | None = None
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._choose_current)
        self.list.itemActivated.connect(self._choose)
        self.resize(260, 320)

    def show_at(self, global_pos, scene_pos: QPointF, on_chosen=None, only: set[str] | None = None,
                hint: str | None = None) -> None:
        """Open at ``global_pos``; the block chosen is added at ``scene_pos`` (``chosen``), or given to
        ``on_chosen(type, scene_pos)`` instead (inserting into a link). ``only``: the block types offered
        (all when None); ``hint``: what the empty search box says (else "Add block…")."""
        self.scene_pos = scene_pos
        self.on_chosen = on_chosen
        self.only = only
        self.search.setPlaceholderText(hint or "Add block…")
        self.search.clear()
        self._filter("")
        self.move(global_pos)
        self.show()
        self.search.setFocus()

    def _filter(self, text: str) -> None:
        first = by_title = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            hidden = (self.only is not None and item.data(Qt.ItemDataRole.UserRole) not in self.only) \
                or not matches(item.data(_SEARCH), text)
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
            if not hidden and by_title is None and text.strip() and matches(item.data(_TITLE), text):
                by_title = item
        self.list.setCurrentItem(by_title or first)
        self.no_match.setText("No block fits this link" if self.only is not None and not self.only else NO_MATCH)
        self.no_match.setVisible(first is None)

    def _choose_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        self.hide()
        kind, on_chosen, self.on_chosen = item.data(Qt.ItemDataRole.UserRole), self.on_chosen, None
        if on_chosen is not None:
            on_chosen(kind, self.scene_pos)
        else:
            self.chosen.emit(kind, self.scene_pos)
