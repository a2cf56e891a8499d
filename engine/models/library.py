"""The model library (SPEC §4, "Models"): a folder per model in the data folder's ``models/``, each holding the
``model.onnx`` file and its ``model.json`` card. A model is its file's SHA-256 (:attr:`ModelCard.sha256`), part of
the cache key of every model block, so renaming or re-importing the same bytes hits the same cache and a changed
file does not. Nothing here imports ONNX Runtime until a model is imported or run (it is an optional extra)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..errors import ModelError, NotFound

__all__ = ["ModelCard", "ModelLibrary", "TASKS", "DECODINGS", "file_sha256", "check_file"]

TASKS = {"classify": "softmax", "detect": "yolo", "segment": "mask"}
DECODINGS = ("softmax", "yolo", "ssd", "mask")
MODEL_FILE, CARD_FILE = "model.onnx", "model.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class ModelCard:
    """What a model block needs to feed a model and read its answer."""

    name: str
    task: str  # classify | detect | segment
    decoding: str  # softmax | yolo | ssd | mask
    sha256: str = ""
    input_name: str = ""
    width: int = 0
    height: int = 0
    layout: str = "NCHW"  # NCHW | NHWC
    resize: str = "stretch"  # stretch | letterbox (detect's default: boxes are mapped back through it)
    scale: float = 1 / 255  # pixel (0..255) × scale, then (x - mean) / std, per channel (RGB)
    mean: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    std: list[float] = field(default_factory=lambda: [1.0, 1.0, 1.0])
    labels: list[str] = field(default_factory=list)
    batch_dynamic: bool = False
    #: yolo: rows are cx, cy, w, h, objectness, classes… (YOLOv5); else cx, cy, w, h, classes… (YOLOv8)
    objectness: bool = False
    #: ssd: the order of a box's four numbers (normalised 0..1 to the input)
    box_format: str = "xyxy"  # xyxy | yxyx

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ModelCard":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            card = cls(**known)
        except TypeError as e:
            raise ModelError(f"model card is missing a field: {e}") from None
        card.check()
        return card

    def check(self) -> None:
        problems = []
        if self.task not in TASKS:
            problems.append(f"task must be one of {', '.join(TASKS)}, not {self.task!r}")
        if self.decoding not in DECODINGS:
            problems.append(f"decoding must be one of {', '.join(DECODINGS)}, not {self.decoding!r}")
        if self.layout not in ("NCHW", "NHWC"):
            problems.append(f"layout must be NCHW or NHWC, not {self.layout!r}")
        if self.resize not in ("stretch", "letterbox"):
            problems.append(f"resize must be stretch or letterbox, not {self.resize!r}")
        if not (isinstance(self.width, int) and isinstance(self.height, int) and self.width > 0 and self.height > 0):
            problems.append(f"the input size is not known ({self.width}×{self.height}): give the input's width and height")
        if len(self.mean) != 3 or len(self.std) != 3 or not all(s for s in self.std):
            problems.append("mean and std need three numbers each (std not 0)")
        if not all(isinstance(x, str) for x in self.labels):
            problems.append("labels must be text")
        if problems:
            raise ModelError(f"model {self.name!r}: " + "; ".join(problems))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_sha_memo: dict[tuple[str, int, int], str] = {}
_sha_lock = threading.Lock()
_card_memo: dict[tuple[str, int, int], ModelCard] = {}  # (a card read per path, size and mtime)
_card_lock = threading.Lock()


def current_sha256(path: Path) -> str:
    """The file's SHA-256 as it is now (remembered per path, size and mtime, so a run does not hash it again)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _sha_lock:
        known = _sha_memo.get(key)
    if known is None:
        known = file_sha256(path)
        with _sha_lock:
            _sha_memo[key] = known
    return known


def check_file(source: Path) -> None:
    """Refuse what is no model file at all, before ONNX Runtime is asked (its words would be its own)."""
    if source.is_dir():
        raise ModelError(f"{source} is a folder, not a model file")
    if not source.is_file():
        raise ModelError(f"there is no file {source}")
    if source.stat().st_size == 0:
        raise ModelError(f"{source.name} is empty: not an ONNX model")


class ModelLibrary:
    """The models in ``folder`` (the data folder's ``models/``)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def list(self) -> list[ModelCard]:
        if not self.folder.is_dir():
            return []
        cards = []
        for d in sorted(self.folder.iterdir()):
            if (d / CARD_FILE).is_file():
                try:
                    cards.append(self.get(d.name))
                except ModelError:
                    continue  # (a broken card is reported when that model is used)
        return cards

    def path(self, name: str) -> Path:
        return self.folder / name / MODEL_FILE

    def get(self, name: str) -> ModelCard:
        """The model's card (read again only when its file changed: remembered per path, size and mtime)."""
        if not name or not _NAME.match(name):
            raise NotFound(f"no model {name!r} in the model library ({self.folder})")
        card_path = self.folder / name / CARD_FILE
        try:
            st = card_path.stat()
        except FileNotFoundError:
            raise NotFound(f"no model {name!r} in the model library ({self.folder})") from None
        except OSError as e:
            raise ModelError(f"model {name!r}: its card {card_path} cannot be read: {e}") from None
        key = (str(card_path), st.st_size, st.st_mtime_ns)
        with _card_lock:
            card = _card_memo.get(key)
        if card is None:
            card = self._read_card(name, card_path)
            with _card_lock:
                _card_memo[key] = card
        if not self.path(name).is_file():
            raise ModelError(f"model {name!r}: its file {self.path(name)} is missing")
        return replace(card)  # (a copy: the remembered one stays as read)

    @staticmethod
    def _read_card(name: str, card_path: Path) -> ModelCard:
        try:
            data = json.loads(card_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound(f"no model {name!r} in the model library ({card_path.parent.parent})") from None
        except (OSError, ValueError) as e:
            raise ModelError(f"model {name!r}: its card {card_path} cannot be read: {e}") from None
        if not isinstance(data, dict):
            raise ModelError(f"model {name!r}: its card {card_path} is not a JSON object")
        return ModelCard.from_json({**data, "name": name})

    def import_model(self, source: str | os.PathLike, task: str, *, name: str | None = None,
                     labels: list[str] | None = None, replace: bool = False, **card_fields) -> ModelCard:
        """Copy ``source`` into the library with a card: what the file tells (input name, size, layout, whether
        the batch dimension is dynamic) filled in, the rest from ``card_fields``. The model is loaded by ONNX
        Runtime first, so a file it cannot use is refused here with the reason."""
        from .inspect import inspect_model

        source = Path(source)
        name = name or re.sub(r"[^A-Za-z0-9_.-]", "_", source.stem)[:64] or "model"
        if not _NAME.match(name):
            raise ModelError(f"{name!r} cannot name a model: letters, digits, '_', '.', '-' (64 at most)")
        if task not in TASKS:
            raise ModelError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
        check_file(source)
        target = self.folder / name
        if target.exists() and not replace:
            raise ModelError(f"a model named {name!r} is in the library already: give another name, or replace it")
        found = inspect_model(source)
        fields = {"decoding": TASKS[task], "resize": "letterbox" if task == "detect" else "stretch",
                  **found.card_fields(), **{k: v for k, v in card_fields.items() if v is not None}}
        card = ModelCard(name=name, task=task, labels=list(labels or []), sha256=file_sha256(source), **fields)
        card.check()
        found.check_task(card)
        found.check_labels(card)
        tmp = self.folder / f".{name}.importing"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        shutil.copyfile(source, tmp / MODEL_FILE)
        (tmp / CARD_FILE).write_text(json.dumps(card.to_json(), indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        return card

    def remove(self, name: str) -> None:
        target = self.folder / name
        if not _NAME.match(name or "") or not target.is_dir():
            raise NotFound(f"no model {name!r} in the model library ({self.folder})")
        shutil.rmtree(target)
