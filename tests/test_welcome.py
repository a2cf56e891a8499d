"""The welcome page (issue "The screen never lies", item 6) in the real window: the template cards flow to the
page's width and flow again when the window is resized; with no workflows yet, their place is a one-line hint,
not half of the page."""

from PySide6.QtWidgets import QApplication


def settle(window, width, height):
    window.resize(width, height)
    QApplication.processEvents()


def per_row(cards) -> list[int]:
    """How many cards each row of the list holds, top to bottom."""
    rows: dict[int, int] = {}
    for i in range(cards.count()):
        top = cards.visualItemRect(cards.item(i)).top()
        rows[top] = rows.get(top, 0) + 1
    return [rows[t] for t in sorted(rows)]


def test_template_cards_fill_the_pages_width_and_flow_again_when_it_changes(window, qtbot):
    cards = window.browser.templates
    assert cards.count() >= 6
    fit = {}
    for width in (1000, 1500, 2000):
        settle(window, width, 900)
        across = max(1, cards.viewport().width() // cards.gridSize().width())
        qtbot.waitUntil(lambda: per_row(cards)[0] == min(across, cards.count()))  # (laid out again on a timer)
        rows = per_row(cards)
        assert sum(rows) == cards.count() and all(n == rows[0] for n in rows[:-1])
        assert cards.viewport().width() - rows[0] * cards.gridSize().width() < 40  # no empty strip at the right
        fit[width] = rows[0]
    assert fit[1000] < fit[1500] < fit[2000], fit


def test_with_no_workflows_a_one_line_hint_stands_in_their_place_and_the_templates_get_the_page(window):
    settle(window, 1400, 900)
    browser = window.browser
    hint = browser.hint
    assert window.store.workflows.list(templates=False).items == [] and hint.isVisible()
    line = hint.fontMetrics().lineSpacing()
    assert hint.height() <= 2 * line, (hint.height(), line)  # one line, not a box
    assert browser.templates.height() >= 0.6 * browser.height(), (browser.templates.height(), browser.height())
    every_row = browser.templates.gridSize().height() * len(per_row(browser.templates))
    assert browser.templates.viewport().height() >= min(every_row, 0.6 * browser.height())


def test_the_workflows_list_comes_back_when_there_is_one_and_is_as_tall_as_its_cards(window):
    settle(window, 1400, 1300)
    browser = window.browser
    tab = window.workflows.new()
    window.workflows.save()
    window.tabs.setCurrentIndex(0)
    QApplication.processEvents()
    assert browser.workflows.isVisible() and not browser.hint.isVisible() and browser.workflows.count() == 1
    grid = browser.workflows.gridSize().height()
    assert grid <= browser.workflows.height() <= 1.5 * grid, (browser.workflows.height(), grid)  # its one row
    assert tab.doc.workflow_id == browser.workflows.item(0).data(256)


def test_the_first_workflow_does_not_change_the_pages_minimum_size(window):
    """(Else a window at its smallest would grow when the list takes the hint's place, or not come back at its
    saved size.)"""
    browser = window.browser
    before = browser.minimumSizeHint()
    window.workflows.new()
    window.workflows.save()
    window.tabs.setCurrentIndex(0)
    QApplication.processEvents()
    assert not browser.workflows.isHidden() and browser.minimumSizeHint() == before
