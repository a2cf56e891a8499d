"""A window with unsaved edits that waits to be killed (``python -m tests.editor_worker HOME``)."""

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.document.commands import Connect, UpdateNode  # noqa: E402
from app.main_window import create  # noqa: E402
from engine.model import Edge  # noqa: E402

app = QApplication([])
window = create(sys.argv[1])
window.show()
tab = window.workflows.new()
c = tab.add_block("constant")
t = tab.add_block("transform")
tab.undo_stack.push(UpdateNode(tab.doc, c, "edit", config={"value": 41}))
tab.undo_stack.push(UpdateNode(tab.doc, t, "edit", config={"expression": "data + 1"}, label="Add one"))
tab.undo_stack.push(Connect(tab.doc, Edge(id="e1", source=c, source_port="value", target=t, target_port="data")))
print(json.dumps(tab.doc.workflow().model_dump(mode="json")), flush=True)
print("ready", flush=True)
while True:  # unsaved work, until SIGKILL
    app.processEvents()
    time.sleep(0.05)
