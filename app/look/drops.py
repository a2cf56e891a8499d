"""How a drop answers the drag's source (files from a file manager, a block from the palette, a reference): a drop
taken is always a copy, whatever the source proposed — a source that acts on "moved" deletes what was dragged
(the user's file, a palette entry); a drop refused is ignored, so the source is told nothing happened."""

from __future__ import annotations

from PySide6.QtCore import Qt

__all__ = ["take_copy", "refuse"]


def take_copy(event) -> bool:
    """Accept a drag-enter, drag-move or drop event as a copy; when its source allows no copy, refuse it.
    Whether it was taken."""
    if not event.possibleActions() & Qt.DropAction.CopyAction:
        refuse(event)
        return False
    event.setDropAction(Qt.DropAction.CopyAction)
    event.accept()
    return True


def refuse(event) -> None:
    """Turn the drag or drop down: nothing happens at the source."""
    event.setDropAction(Qt.DropAction.IgnoreAction)
    event.ignore()
