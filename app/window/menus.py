"""Right-click menus on the canvas: for a node (run it, pin, show outputs, bypass, rename, duplicate, delete, align
several), a link
(delete it, insert a node into it) and the empty canvas (add a block here, paste here, frame all, layout).

Right-clicking a node that is not selected selects it alone first, as every editor does. Each entry is an
action with an objectName (tests and screenshots find them); what it does is the same code the main menus run.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from engine.model import Edge, Node
from engine.types import can_feed

from ..canvas.edge_item import EdgeItem
from ..canvas.node_item import node_width
from ..canvas.placement import free_spot
from ..document.bypass import refusal, toggle_bypass
from ..document.commands import AddNode, Connect, RemoveItems
from ..document.model import new_id
from ..look import HEADER, PORT_RADIUS, ROW
from .annotation_menus import annotation_menu
from .editor_tab import EditorTab

__all__ = ["ContextMenus"]


class ContextMenus:
    def __init__(self, window):
        self.w = window
        self.menu: QMenu | None = None   # the last one opened

    def open(self, tab: EditorTab, scene_pos: QPointF, global_pos) -> QMenu:
        scene = tab.scene
        node = scene.node_at(scene_pos)
        if node is not None:
            if not node.isSelected():
                scene.clearSelection()
                node.setSelected(True)
            menu = self._node_menu(tab, node.node_id)
        else:
            edge = next((i for i in scene.items(QRectF(scene_pos.x() - 4, scene_pos.y() - 4, 8, 8))
                         if isinstance(i, EdgeItem)), None)
            note = scene.annotation_at(scene_pos) if edge is None else None
            if edge is not None:
                scene.clearSelection()
                edge.setSelected(True)
                menu = self._link_menu(tab, edge.edge_id, scene_pos, global_pos)
            elif note is not None:  # a group (by its title bar) or a note
                if not note.isSelected():
                    scene.clearSelection()
                    note.setSelected(True)
                menu = annotation_menu(self, tab, note)
            else:
                menu = self._canvas_menu(tab, scene_pos, global_pos)
        self.menu = menu
        menu.popup(global_pos)
        return menu

    def _menu(self, name: str) -> QMenu:
        menu = QMenu(self.w)
        menu.setObjectName(name)
        return menu

    @staticmethod
    def _add(menu: QMenu, text: str, name: str, slot, enabled: bool = True, tip: str = "") -> QAction:
        action = menu.addAction(text)
        action.setObjectName(name)
        action.setEnabled(enabled)
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(lambda _=False: slot())
        return action

    # -- a node -------------------------------------------------------------------------------------------

    def _node_menu(self, tab: EditorTab, node_id: str) -> QMenu:
        w, editable = self.w, not tab.doc.read_only
        menu = self._menu("nodeMenu")
        several = len(tab.scene.selected_node_ids()) > 1
        has_outputs = w.outputs.of(tab, node_id) is not None
        pinned = tab.doc.nodes[node_id].pinned is not None
        self._add(menu, "Run this node", "menuRunNode", lambda: asyncio.ensure_future(w.runs.run_node(tab, node_id)),
                  editable and not several)
        self._add(menu, "Show outputs", "menuShowOutputs", lambda: self._show_outputs(tab, node_id), has_outputs,
                  "" if has_outputs else "Run the node first")
        self._add(menu, "Unpin outputs" if pinned else "Pin outputs", "menuPin",
                  lambda: w.outputs.toggle_pin(tab, node_id), editable and (pinned or has_outputs))
        why = refusal(tab.doc, node_id)
        bypass = self._add(menu, "Bypass\tCtrl+B", "menuBypass", lambda: toggle_bypass(
            tab.doc, tab.undo_stack, tab.scene.selected_node_ids(), tab.view.say), editable and not why, why or "")
        bypass.setCheckable(True)
        bypass.setChecked(tab.doc.nodes[node_id].bypass)
        menu.addSeparator()
        self._add(menu, "Rename…", "menuRename", lambda: self._rename(tab, node_id), editable and not several)
        self._add(menu, "Duplicate", "menuDuplicate", tab.duplicate, editable)
        self._add(menu, "Delete", "menuDelete", tab.delete_selection, editable)
        self._align_menu(menu, editable and several)
        return menu

    def _align_menu(self, menu: QMenu, enabled: bool) -> None:
        """Align ▸ (the main menu's Edit ▸ Align entries, for the selected nodes)."""
        align = menu.addMenu("Align")
        align.menuAction().setObjectName("menuAlign")
        align.setEnabled(enabled)
        for name in ("actionAlignLeft", "actionAlignCentre", "actionAlignRight", None, "actionAlignTop",
                     "actionAlignMiddle", "actionAlignBottom", None, "actionDistributeH", "actionDistributeV"):
            align.addSeparator() if name is None else align.addAction(getattr(self.w, name))

    def _show_outputs(self, tab: EditorTab, node_id: str) -> None:
        self.w.preview_dock.show()
        self.w.preview_dock.raise_()
        asyncio.ensure_future(self.w.outputs.show(tab, node_id))

    def _rename(self, tab: EditorTab, node_id: str) -> None:
        """The label field of the inspector, focused with its text selected."""
        self.w.select_node(node_id)
        self.w.inspector_dock.show()
        self.w.inspector_dock.raise_()
        field = self.w.inspector.fields.get("label")
        if field is not None:
            field.setFocus()
            field.selectAll()

    # -- a link -------------------------------------------------------------------------------------------

    def _link_menu(self, tab: EditorTab, edge_id: str, scene_pos: QPointF, global_pos) -> QMenu:
        editable = not tab.doc.read_only
        menu = self._menu("linkMenu")
        self._add(menu, "Delete link", "menuDeleteLink",
                  lambda: tab.undo_stack.push(RemoveItems(tab.doc, [], [edge_id])), editable)
        self._add(menu, "Insert a node…", "menuInsertNode", lambda: self.w.popup.show_at(
            global_pos, scene_pos, lambda kind, pos: self.insert_node(tab, edge_id, kind, pos),
            only=self.fitting_blocks(tab, edge_id)), editable)
        return menu

    @staticmethod
    def _link_types(doc, edge) -> tuple[str, str]:
        """The type the link's source gives and the type its target takes."""
        out_type = next((p.type for p in doc.outputs(edge.source, True) if p.name == edge.source_port), "any")
        in_type = next((p.type for p in doc.inputs(edge.target) if p.name == edge.target_port), "any")
        return out_type, in_type

    @staticmethod
    def _ports_on_link(cls, node_id: str, out_type: str, in_type: str) -> tuple[str | None, str | None]:
        """The first input of a new ``cls`` node that takes ``out_type`` and its first output that can feed
        ``in_type`` (None where there is none)."""
        try:
            model = cls.Config.model_validate(cls.starter_config(node_id))
        except Exception:  # noqa: BLE001 - the starter config may need filling in; ports then from the class
            model = None
        into = next((p.name for p in cls.input_ports(model) if can_feed(out_type, p.type)), None)
        out = next((p.name for p in cls.output_ports(model) if p.name != "error" and can_feed(p.type, in_type)), None)
        return into, out

    def fitting_blocks(self, tab: EditorTab, edge_id: str) -> set[str]:
        """The block types a node inserted into the link can be: they take what it carries and give what its
        target takes."""
        doc = tab.doc
        edge = doc.edges.get(edge_id)
        if edge is None:
            return set()
        out_type, in_type = self._link_types(doc, edge)
        return {cls.type for cls in doc.registry
                if None not in self._ports_on_link(cls, f"{cls.type}_1", out_type, in_type)}

    def insert_node(self, tab: EditorTab, edge_id: str, block_type: str, pos: QPointF) -> str | None:
        """A new ``block_type`` node on the link: source → its first fitting input, its first fitting output →
        target, in one undo step. A block that cannot take or give the link's values changes nothing."""
        doc = tab.doc
        edge, cls = doc.edges.get(edge_id), doc.registry.get(block_type)
        if edge is None or cls is None:
            return None
        nid = new_id(f"{block_type}_", doc.nodes)
        out_type, in_type = self._link_types(doc, edge)
        into, out = self._ports_on_link(cls, nid, out_type, in_type)
        if into is None or out is None:
            self.w.statusBar().showMessage(
                f"{cls.display_title()} cannot go on this link: it does not take {out_type} or give {in_type}", 8000)
            return None
        node = Node(id=nid, type=block_type, config=cls.starter_config(nid),
                    position=self._free_spot(tab, pos, node_width(cls.display_title()),
                                             HEADER + ROW * max(len(cls.inputs), len(cls.outputs), 1) + 8))
        stack = tab.undo_stack
        stack.beginMacro(f"Insert {cls.display_title()}")
        stack.push(RemoveItems(doc, [], [edge_id]))
        stack.push(AddNode(doc, node))
        stack.push(Connect(doc, Edge(id=new_id("e", doc.edges), source=edge.source, source_port=edge.source_port,
                                     target=nid, target_port=into)))
        stack.push(Connect(doc, Edge(id=new_id("e", doc.edges), source=nid, source_port=out, target=edge.target,
                                     target_port=edge.target_port)))
        stack.endMacro()
        tab.scene.clearSelection()
        tab.scene.node_items[nid].setSelected(True)
        return nid

    @staticmethod
    def _free_spot(tab: EditorTab, pos: QPointF, width: float, height: float) -> tuple[float, float]:
        """Where a new node centred on ``pos`` covers no other node and is not under the minimap: there, else the
        nearest free spot (canvas.placement)."""
        x, y = round(pos.x() - width / 2), round(pos.y()) - 20
        shift = free_spot(tab.view, QRectF(x - PORT_RADIUS - 1, y - 1, width + 2 * PORT_RADIUS + 2, height + 2))
        return float(x + shift.x()), float(y + shift.y())

    # -- the canvas ---------------------------------------------------------------------------------------

    def _canvas_menu(self, tab: EditorTab, scene_pos: QPointF, global_pos) -> QMenu:
        editable = not tab.doc.read_only
        menu = self._menu("canvasMenu")
        self._add(menu, "Add block here…", "menuAddBlock", lambda: self.w.popup.show_at(global_pos, scene_pos),
                  editable)
        self._add(menu, "Paste here", "menuPaste", lambda: tab.paste(at=scene_pos), editable)
        self._add(menu, "Add note", "menuAddNote", lambda: tab.add_note(scene_pos), editable)
        menu.addSeparator()
        self._add(menu, "Select all", "menuSelectAll",
                  lambda: [i.setSelected(True) for i in tab.scene.node_items.values()])
        self._add(menu, "Frame all", "menuFrameAll", lambda: tab.view.frame(selection_only=False))
        self._add(menu, "Auto-layout", "menuLayout", tab.auto_layout, editable)
        return menu
