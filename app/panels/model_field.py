"""The inspector's ``model`` field of a model block (SPEC §4, "Models"): the library's models to pick from (a name
typed by hand stays: the library may be another machine's), and under it the chosen model's card — what the block
will feed it and how its answer is read — or what is wrong with it (not in the library, a broken card, a missing
file)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QComboBox, QLabel

from engine.errors import ModelError, NotFound
from engine.models import ModelLibrary

__all__ = ["model_editor", "card_html"]


def card_html(library: ModelLibrary | None, name: str, task: str | None = None) -> str:
    """The card of model ``name`` as a few lines of rich text, or why there is none (not in the library, broken,
    a model of another task than ``task``)."""
    if not name:
        return "<small>No model chosen: import one with Models ▸ Import…</small>" if library is not None else ""
    if library is None:
        return ""
    try:
        card = library.get(name)
    except NotFound:
        return (f"<small><span style='color:#f85149'>{html.escape(name)} is not in the model library</span> "
                f"({html.escape(str(library.folder))}): import it with Models ▸ Import…</small>")
    except ModelError as e:
        return f"<small><span style='color:#f85149'>{html.escape(str(e))}</span></small>"
    if task is not None and card.task != task:
        return (f"<small><span style='color:#f85149'>{html.escape(name)} is a {card.task} model: this block needs "
                f"a {task} one</span></small>")
    labels = ", ".join(card.labels[:8]) + (f", … ({len(card.labels)} in all)" if len(card.labels) > 8 else "")
    try:
        size = library.path(name).stat().st_size
    except OSError:
        size = 0
    rows = [("Task", f"{card.task} · {card.decoding} decoding"),
            ("Input", f"{card.width} × {card.height} {card.layout}, {card.resize}"
                      + (", any batch" if card.batch_dynamic else "")),
            ("Labels", labels or "none (indices are shown)"),
            ("File", f"{_size(size)} · sha256 {card.sha256[:12]}")]
    return "<small>" + "<br>".join(f"<b>{k}</b>: {html.escape(v)}" for k, v in rows) + "</small>"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


class ModelChoice(QComboBox):
    """An editable combo of the library's models of one task, listed afresh each time it opens (a model imported
    from the command line while the window is open is there)."""

    def __init__(self, library: ModelLibrary | None, task: str | None):
        super().__init__(editable=True)
        self.library, self.task = library, task
        self.lineEdit().setPlaceholderText(f"a {task or ''} model of the library".replace("  ", " "))
        self.relist()

    def names(self) -> list[str]:
        if self.library is None:
            return []
        return [c.name for c in self.library.list() if self.task is None or c.task == self.task]

    def relist(self) -> None:
        text = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(self.names())
        self.setCurrentText(text)
        self.blockSignals(False)

    def showPopup(self) -> None:
        self.relist()
        super().showPopup()


def model_editor(inspector, name: str, task: str | None = None) -> tuple[QComboBox, object]:
    """A combo box of the library's models of ``task`` (editable), whose ``card`` is a label (named ``modelCard``)
    showing the chosen model's card, read again whenever the field is shown or changed, for the form to put under
    it; every change goes through ``inspector._set_config``."""
    library = inspector.model_library()
    combo = ModelChoice(library, task)
    card = QLabel(wordWrap=True, objectName="modelCard")
    combo.card = card

    def show(value) -> None:
        text = "" if value is None else str(value)
        if combo.currentText() != text:
            combo.setCurrentText(text)
        card.setText(card_html(library, text, task))

    def commit() -> None:
        card.setText(card_html(library, combo.currentText().strip(), task))
        inspector._set_config(name, combo.currentText().strip())

    combo.lineEdit().editingFinished.connect(commit)
    combo.lineEdit().textEdited.connect(lambda text: inspector._typed(name, text))
    combo.activated.connect(lambda _i: commit())
    return combo, show
