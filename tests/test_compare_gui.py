"""Comparing two versions in the real window, through the stable names of SPEC §8 (``historyList``,
``compareVersions``): the details name links by their endpoints, the compare tab draws a removed link dashed
and red between the nodes it joined (never part of the document), a legend tells the colours, and the history
says what each version changed."""

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QListWidget, QPlainTextEdit, QPushButton, QWidget

from app.canvas.node_item import NodeItem
from app.look import DIFF_COLORS

from .diff_helpers import three_versions


@pytest.fixture
def window(make_window, qtbot, tmp_path):
    """The conftest's window (closed without asking afterwards), exposed before the test starts."""
    w = make_window(tmp_path)
    qtbot.waitExposed(w)
    return w


def click_version(history: QListWidget, number: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    row = next(i for i in range(history.count()) if history.item(i).text().split()[0] == f"v{number}")
    history.scrollToItem(history.item(row))
    QTest.mouseClick(history.viewport(), Qt.MouseButton.LeftButton, modifier,
                     history.visualItemRect(history.item(row)).center())


def near(a: QPointF, b: QPointF) -> bool:
    return abs(a.x() - b.x()) < 1 and abs(a.y() - b.y()) < 1


def test_compare_v1_with_v3_names_and_draws_the_links_by_their_endpoints(window, qtbot):
    wid = three_versions(window.store.workflows)
    editing = window.workflows.open(wid)
    window.history_dock.show()
    window.history_dock.raise_()
    history = window.findChild(QListWidget, "historyList")
    compare = window.findChild(QPushButton, "compareVersions")
    assert window.findChild(QPushButton, "openVersion") and window.findChild(QPushButton, "restoreVersion")
    assert [history.item(i).text().split()[0] for i in range(history.count())] == ["v3", "v2", "v1"]

    # each version says what it changed against the one before it (worked out off the GUI thread)
    def summary(number):
        return history.item(3 - number).text()
    qtbot.waitUntil(lambda: "created" in summary(1) and "1 link removed" in summary(2)
                    and "1 node added, 1 link added" in summary(3))
    assert "no saving" in summary(2)  # the message is still there

    # one version picked: Compare says to pick a second one
    click_version(history, 1)
    assert compare.isEnabled()
    QTest.mouseClick(compare, Qt.MouseButton.LeftButton)
    hint = window.findChild(QLabel, "historyHint")
    assert hint.isVisible() and "Pick a second version to compare with v1" in hint.text()
    assert window.current_tab() is editing

    click_version(history, 3, Qt.KeyboardModifier.ControlModifier)
    assert sorted(i.text().split()[0] for i in history.selectedItems()) == ["v1", "v3"]
    QTest.mouseClick(compare, Qt.MouseButton.LeftButton)
    tab = window.current_tab()
    assert tab is not editing and tab.diff_of == (1, 3) and tab.doc.read_only
    assert sorted(i.text().split()[0] for i in history.selectedItems()) == ["v1", "v3"]  # still picked

    details = window.findChild(QPlainTextEdit, "historyDetails").toPlainText().splitlines()
    assert "− link blur.image → save.image" in details
    assert "+ link blur.image → gray.image" in details
    assert "− link blur.image → gray.image" not in details and "+ gray" in details

    # the removed link: dashed, red, from blur's output to save's input; not selectable, not in the document
    scene = tab.scene
    removed = [i for i in scene.items() if not isinstance(i, NodeItem) and hasattr(i, "pen")
               and i.pen().color() == DIFF_COLORS["removed"]]
    assert len(removed) == 1
    ghost = removed[0]
    assert ghost.pen().style() == Qt.PenStyle.DashLine and ghost.isVisible()
    path = ghost.path()
    assert near(path.pointAtPercent(0), scene.node_items["blur"].port_scene_pos("out", "image"))
    assert near(path.pointAtPercent(1), scene.node_items["save"].port_scene_pos("in", "image"))
    assert not ghost.flags() & ghost.GraphicsItemFlag.ItemIsSelectable
    assert {(e.source, e.target) for e in tab.doc.workflow().edges} == {("load", "blur"), ("blur", "gray")}
    assert scene.edge_items["e3"].diff_state == "added"
    added_path = scene.edge_items["e3"].path()
    assert near(added_path.pointAtPercent(1), scene.node_items["gray"].port_scene_pos("in", "image"))

    # the legend on the compare tab, in the colours the canvas draws
    legend = tab.findChild(QWidget, "diffLegend")
    assert legend is not None and legend.isVisible()
    words = " ".join(w.text() for w in legend.findChildren(QLabel))
    for state in ("added", "changed", "moved", "removed"):
        assert state in words
    image = legend.grab().toImage()
    seen = {image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())}
    for state, color in DIFF_COLORS.items():
        assert color.name() in seen, state
    assert editing.findChild(QWidget, "diffLegend") is None  # not on the editable tab

    window.tabs.setCurrentWidget(editing)  # back on the workflow: the summaries come from the cache at once
    assert "1 link removed" in summary(2)


def test_compare_with_only_one_version_says_so(window, qtbot):
    tab = window.workflows.new()
    assert window.workflows.save() == 1
    window.history_dock.show()
    window.history_dock.raise_()
    history = window.findChild(QListWidget, "historyList")
    click_version(history, 1)
    QTest.mouseClick(window.findChild(QPushButton, "compareVersions"), Qt.MouseButton.LeftButton)
    hint = window.findChild(QLabel, "historyHint")
    assert hint.isVisible() and "only one version" in hint.text()
    assert window.current_tab() is tab
    qtbot.waitUntil(lambda: "created" in history.item(0).text())


def test_a_renamed_node_is_drawn_as_renamed_and_the_legend_says_so(window):
    from .diff_helpers import version

    wf = version(1)
    info = window.store.workflows.create(wf, message="first")
    renamed = wf.model_copy(deep=True)
    next(n for n in renamed.nodes if n.id == "blur").label = "Soften"
    window.store.workflows.save(info.id, renamed, message="a better name")
    tab = window.versions.compare(info.id, 1, 2)
    assert tab.scene.node_items["blur"].diff_state == "renamed"
    assert {n: i.diff_state for n, i in tab.scene.node_items.items() if n != "blur"} == {"load": None, "save": None}
    legend = tab.findChild(QWidget, "diffLegend")
    assert "renamed" in [w.text() for w in legend.findChildren(QLabel)]
    assert DIFF_COLORS["renamed"].name() not in {c.name() for s, c in DIFF_COLORS.items() if s != "renamed"}


def test_the_details_follow_the_tab_and_never_show_another_workflows_diff(window):
    from .diff_helpers import version

    first = three_versions(window.store.workflows)
    other = window.store.workflows.create(version(1).model_copy(update={"name": "Another"}), message="alone").id
    details = window.findChild(QPlainTextEdit, "historyDetails")
    compared = window.versions.compare(first, 1, 3)
    assert details.toPlainText().startswith("v1 → v3")

    another = window.workflows.open(other)  # another workflow's tab: nothing of the first one's diff stays
    assert window.current_tab() is another
    assert details.toPlainText() == ""

    window.tabs.setCurrentWidget(compared)  # back on the compare tab: its diff again
    assert details.toPlainText().startswith("v1 → v3")
    assert "− link blur.image → save.image" in details.toPlainText().splitlines()


def test_the_details_list_annotation_changes_under_layout_and_name_a_config_default(window):
    from engine.model import Workflow

    from .test_annotations import GROUP, NOTE, annotated

    def doc(*annotations, **blur):
        d = annotated(*annotations)
        d["nodes"].append({"id": "soft", "type": "image_blur", "position": [0, 400], "config": blur})
        return Workflow.model_validate(d)

    info = window.store.workflows.create(doc(GROUP), message="first")
    window.store.workflows.save(info.id, doc({**GROUP, "title": "Sums", "color": "#aa0000", "position": [0, 0]},
                                             NOTE, radius=4.0))
    tab = window.versions.compare(info.id, 1, 2)
    said = "1 node changed · layout: 1 annotation added, 1 changed"
    assert said in [w.text() for w in tab.findChild(QWidget, "diffLegend").findChildren(QLabel)]
    details = window.findChild(QPlainTextEdit, "historyDetails").toPlainText().splitlines()
    assert details[0] == f"v1 → v2: {said}"
    assert details[1:] == ["~ soft", "    radius: default 2.0 → 4.0", "Layout",
                           "+ note n1", "~ group 'Sums': title 'Maths' → 'Sums', color #3a6ea5 → #aa0000, moved"]


def test_closing_every_tab_clears_the_details(window):
    wid = three_versions(window.store.workflows)
    window.workflows.open(wid)
    window.history_dock.show()
    details = window.findChild(QPlainTextEdit, "historyDetails")
    window.versions.compare(wid, 1, 3)
    assert details.toPlainText().startswith("v1 → v3")
    while window.current_tab() is not None:
        window.actionCloseTab.trigger()
    assert window.editor_tabs() == [] and details.toPlainText() == ""
    assert window.findChild(QListWidget, "historyList").count() == 0
