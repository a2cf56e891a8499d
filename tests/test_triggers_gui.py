"""The Triggers dock (issue 15) in the real window: a schedule shows its next five times as it is typed and a
bad expression is marked at its field; a folder watch added there fires a run that lights up the open
workflow; the webhook box gives the URL, the secret and a signed curl example."""

import asyncio

from PIL import Image
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit

from .builder import Flow
from .test_queue_gui import on_loop, until


def sizes(window):
    wf = (Flow("Sizes").node("path", "input", name="path", type="string").node("load", "image_load")
          .node("w", "output", name="width").edge("path.value", "load.source").edge("load.width", "w.value").build())
    return window.workflows.open(window.store.workflows.create(wf).id)


def test_a_schedule_added_in_the_dock_shows_its_next_five_times_and_a_bad_expression_is_marked(window, qtbot):
    tab = sizes(window)
    panel = window.triggers_panel
    assert panel.add_schedule.isEnabled() and panel.list.topLevelItemCount() == 0
    panel.add_schedule.click()
    dialog = window.triggers.dialog
    cron, upcoming = dialog.findChild(QLineEdit, "triggerCron"), dialog.findChild(QLabel, "triggerUpcoming")
    dialog.tz.setCurrentText("UTC")
    cron.setText("*/15 * * * *")
    times = upcoming.text().splitlines()
    assert len([t for t in times if t[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]) == 5
    assert all(t.split()[2][3:] in ("00", "15", "30", "45") for t in times[:5])
    cron.setText("61 * * * *")
    assert "border" in cron.styleSheet() and upcoming.text().startswith("⚠") and "61" in upcoming.text()
    assert not dialog.ok.isEnabled()
    dialog.tz.setCurrentText("Mars/Base")
    cron.setText("0 9 * * 1-5")
    assert "border" in dialog.tz.styleSheet() and "unknown time zone" in upcoming.text()
    dialog.tz.setCurrentText("Europe/Berlin")
    dialog.inputs.setText('{"path": "/x.png"}')
    dialog.ok.click()
    [t] = window.store.triggers.list(tab.doc.workflow_id)
    assert (t.kind, t.config, t.inputs) == ("schedule", {"cron": "0 9 * * 1-5", "tz": "Europe/Berlin"}, {"path": "/x.png"})
    assert panel.list.topLevelItemCount() == 1 and "0 9 * * 1-5" in panel.list.topLevelItem(0).text(2)
    panel.list.topLevelItem(0).setSelected(True)
    panel.edit.click()
    dialog = window.triggers.dialog
    dialog.inputs.setText('{"nope": 1}')  # checked as typed by the run service against the workflow: marked there
    assert "unknown input 'nope'" in dialog.inputs.toolTip() and not dialog.ok.isEnabled()
    dialog.ok.click()  # (off: nothing happens)
    assert dialog.isVisible()
    assert window.store.triggers.get(t.id).inputs == {"path": "/x.png"}
    dialog.reject()
    panel.list.topLevelItem(0).setCheckState(0, panel.list.topLevelItem(0).checkState(0).Unchecked)
    qtbot.waitUntil(lambda: not window.store.triggers.get(t.id).enabled)
    assert window.store.triggers.get(t.id).enabled is False and panel.list.topLevelItem(0).text(3) == "off"
    panel.list.topLevelItem(0).setSelected(True)
    panel.delete.click()
    assert window.store.triggers.list() == [] and panel.list.topLevelItemCount() == 0


def test_a_folder_watch_added_in_the_dock_fires_a_run_that_lights_up_the_workflow(window, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    tab = sizes(window)
    window.show()

    async def go():
        service = await window.runs.open_service()
        await until(service.dispatcher.holding.is_set, what="the window dispatches")
        window.triggers_panel.add_folder.click()
        dialog = window.triggers.dialog
        dialog.folder.setText(str(inbox))
        dialog.patterns.setText("*.png")
        dialog.ok.click()
        [t] = window.store.triggers.list(tab.doc.workflow_id)
        await until(lambda: t.id in service.firer.watches, what="the watch started")
        await asyncio.sleep(0.5)
        Image.new("RGB", (33, 7)).save(inbox / "new.png")
        await until(lambda: tab.scene.node_items["w"].status == "succeeded", timeout=20, what="the run lit up")
        return t.id

    tid = on_loop(window, go)
    [run] = [r for r in window.store.runs.list() if r.trigger == "folder"]
    assert run.inputs == {"path": str(inbox / "new.png")} and run.trigger_id == tid
    assert window.store.runs.get(run.id).outputs == {"width": 33}
    assert "started by folder" in window.run_panel.text()


def test_the_webhook_box_gives_the_url_the_secret_and_a_signed_curl_example(window):
    tab = sizes(window)
    window.triggers_panel.add_webhook.click()
    dialog = window.triggers.dialog
    wid = tab.doc.workflow_id
    assert dialog.findChild(QLineEdit, "hookUrl").text().endswith(f"/api/v1/hooks/{wid}")
    secret = window.store.hooks.secret(wid)
    curl = dialog.findChild(QPlainTextEdit, "webhookCurl").toPlainText()
    assert secret.startswith("whsec_") and dialog.findChild(QLineEdit, "hookSecret").text() == secret
    assert f"/api/v1/hooks/{wid}" in curl and "Authorization" not in curl  # the signature alone authenticates
    assert all(h in curl for h in ("webhook-id: $id", "webhook-timestamp: $ts", "webhook-signature: v1,$sig"))
    assert secret.removeprefix("whsec_") in curl and "openssl" in curl
    [t] = window.store.triggers.list(wid)
    assert t.kind == "webhook" and window.triggers_panel.list.topLevelItemCount() == 1
    dialog.reject()
