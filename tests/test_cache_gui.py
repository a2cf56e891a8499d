"""The cache you can see, in the real window (issue 27): the run log's last line and the profiler say a run's cache
hits; Edit ▸ Settings ▸ Cache shows size, entries, hit rate and per workflow, and clears one workflow's entries."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from .editor_helpers import on_loop
from .test_cache_stats import chain
from .test_queue import until


def test_the_run_log_and_the_profiler_say_how_many_nodes_came_from_the_cache(window):
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)

    async def go():
        first = await window.runs.run_tab(tab)
        ended_first = window.run_panel.text().splitlines()[-1]
        again = await window.runs.run_tab(tab)
        return first, again, ended_first, window.run_panel.text().splitlines()[-1]

    first, again, ended_first, ended = on_loop(window, go)
    assert (first.cache_misses, again.cache_hits) == (8, 8)
    assert ended_first.startswith("■ succeeded in ") and ", cache 0/8 hits — " in ended_first
    assert ended.startswith("■ succeeded in ") and ", cache 8/8 hits — " in ended
    assert window.profiler.title.endswith("— cache 8/8 hits")


def test_the_cache_page_shows_the_numbers_and_clears_one_workflow(window):
    store = window.store
    one, two = store.workflows.create(chain("one", 1)).id, store.workflows.create(chain("two", 100)).id

    async def go():
        service = await window.runs.open_service()
        for wid in (one, one, two):
            await service.start(wid).result()
        dialog = window.prefs.open()  # Edit ▸ Settings…
        page = dialog.cache
        tabs = dialog.pages.tabBar()
        QTest.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(dialog.pages.indexOf(page)).center())
        assert page.isVisible()
        await until(lambda: page.workflows.rowCount() == 2, what="the per-workflow table")
        shown = {page.workflows.item(r, 0).text(): [page.workflows.item(r, c).text() for c in range(1, 5)]
                 for r in range(page.workflows.rowCount())}
        texts = page.use.text(), page.entries.text(), page.hit_rate.text()
        row = next(r for r in range(page.workflows.rowCount()) if page.workflows.item(r, 0).text() == "one")
        assert not page.clear_workflow.isEnabled()  # (nothing chosen yet)
        cell = page.workflows.visualItemRect(page.workflows.item(row, 0)).center()
        QTest.mouseClick(page.workflows.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        assert page.clear_workflow.isEnabled() and page.selected_workflow() == one
        QTest.mouseClick(page.clear_workflow, Qt.MouseButton.LeftButton)
        await until(lambda: page.entries.text() == "3", what="the numbers after clearing")
        after = {page.workflows.item(r, 0).text(): page.workflows.item(r, 3).text()
                 for r in range(page.workflows.rowCount())}
        rerun = [await service.start(wid).result() for wid in (one, two)]
        dialog.close()
        return shown, texts, after, rerun

    shown, (use, entries, rate), after, (again_one, again_two) = on_loop(window, go)
    assert shown == {"one": ["2", "50%", "3", shown["one"][3]], "two": ["1", "0%", "3", shown["two"][3]]}
    assert shown["one"][3].endswith(" B") and use.endswith("of 2,048 MB")
    assert entries == "6" and rate == "33% over the last 7 days (3 hits, 6 misses in 3 runs)"
    assert after == {"one": "0", "two": "3"}
    assert "Removed 3 cached results of one" in window.statusBar().currentMessage()
    assert (again_one.cache_hits, again_one.cache_misses) == (0, 3)  # its entries went …
    assert (again_two.cache_hits, again_two.cache_misses) == (3, 0)  # … the other workflow's stayed
