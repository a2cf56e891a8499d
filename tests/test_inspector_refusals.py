"""What the inspector refuses and says so: no ƒx switch where a field cannot hold an expression (SPEC §5a), and no
number JSON cannot hold (NaN, Infinity, 1e999 — Python's json reads them, then they would be saved as null)."""


def test_blocks_whose_fields_cannot_hold_expressions_offer_no_fx_switch(window):
    """An input, an output and a loop's ends refuse expressions (SPEC §5a): the inspector does not offer them,
    and an input whose name is not text (a hand-edited file) does not break the run panel."""
    from PySide6.QtWidgets import QToolButton

    from app.document.commands import UpdateNode

    tab = window.workflows.new()
    for kind in ("input", "output", "foreach", "collect"):
        nid = tab.add_block(kind)
        window.select_node(nid)
        assert window.inspector.node_id == nid
        assert not [b for b in window.inspector.findChildren(QToolButton) if b.objectName().startswith("exprSwitch")]
    nid = tab.add_block("transform")
    window.select_node(nid)
    assert window.inspector.findChild(QToolButton, "exprSwitch_expression") is None  # a code field: none either
    inp = next(n for n in tab.doc.nodes if n.startswith("input"))
    tab.undo_stack.push(UpdateNode(tab.doc, inp, "Name", config={"name": {"$expr": "{{ 1 }}"}}))
    assert window.run_panel.inputs.fields == {}  # no field for it, and no error


def test_a_number_too_large_for_json_is_refused_not_made_infinite(window):
    from PySide6.QtWidgets import QLineEdit

    tab = window.workflows.new()
    nid = tab.add_block("constant")
    window.select_node(nid)
    field = window.inspector.findChild(QLineEdit, "field.value")
    for text in ("1e999999", "NaN", "[1, Infinity]"):
        field.setText(text)
        field.editingFinished.emit()
        assert tab.doc.nodes[nid].config.get("value") != float("inf")
        assert "finite" in window.inspector.problems["value"].text(), text
