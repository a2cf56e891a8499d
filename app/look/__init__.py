"""The editor's shared look and feel: colours and sizes of canvas items and panels, and the drag-and-drop type of
a block. The canvas and the panels both import from here (never from each other)."""

from PySide6.QtGui import QColor

NODE_WIDTH = 190
HEADER = 26
ROW = 20
PORT_RADIUS = 5

CATEGORY_COLORS = {
    "workflow": QColor("#6c7a89"), "flow": QColor("#8e5ea2"), "data": QColor("#3e8ed0"),
    "image": QColor("#2f9e72"), "network": QColor("#d08c3e"), "code": QColor("#c0504d"),
}
PORT_COLORS = {
    "any": QColor("#9aa0a6"), "boolean": QColor("#e06c75"), "number": QColor("#61afef"),
    "integer": QColor("#56b6c2"), "string": QColor("#e5c07b"), "object": QColor("#c678dd"),
    "list": QColor("#d19a66"), "bytes": QColor("#7f848e"), "image": QColor("#98c379"),
}
# "changed" is violet: amber looked like the yellow selection outline
DIFF_COLORS = {"added": QColor("#3fb950"), "changed": QColor("#a371f7"), "moved": QColor("#58a6ff"),
               "renamed": QColor("#39c5bb"), "removed": QColor("#f85149")}


_OTHER = QColor("#7a7a7a")


def category_color(category: str) -> QColor:
    return CATEGORY_COLORS.get(category, _OTHER)


def port_color(kind: str) -> QColor:
    return PORT_COLORS.get(kind.split("[")[0], PORT_COLORS["any"])

STATUS_COLORS = {
    "queued": QColor("#8b949e"), "running": QColor("#58a6ff"), "succeeded": QColor("#3fb950"),
    "cached": QColor("#39c5cf"), "skipped": QColor("#6e7681"), "failed": QColor("#f85149"),
    "cancelled": QColor("#d29922"), "invalid": QColor("#db6d28"), "bypassed": QColor("#8957e5"),
    "held": QColor("#bf8700"),  # live preview does not run it (it acts on the world): it runs on F5
}
BYPASS_COLOR = STATUS_COLORS["bypassed"]  # a bypassed node's badge (SPEC §2)
THUMB = 84  # thumbnail height on a node
BLOCK_MIME = "application/x-nodeloom-block"  # a block dragged from the palette onto the canvas
