"""What a model file tells about itself (its input and output shapes), read by ONNX Runtime on import: the card
fields that can be filled from it, and the problems that make it unusable, each named (input rank, a text
input, labels that do not match the output's size)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError
from .runtime import load_session

__all__ = ["ModelShape", "inspect_model", "inspect_session"]


def _dim(d) -> int | None:
    return d if isinstance(d, int) and d > 0 else None


def _shown(shape) -> str:
    return "(" + ", ".join(str(d) if isinstance(d, int) else (d or "?") for d in shape) + ("," if len(shape) == 1
                                                                                        else "") + ")"


@dataclass(frozen=True)
class ModelShape:
    input_name: str
    input_shape: tuple
    outputs: tuple[tuple[str, tuple], ...]

    def card_fields(self) -> dict:
        shape = self.input_shape
        fields: dict = {"input_name": self.input_name, "batch_dynamic": _dim(shape[0]) is None}
        if _dim(shape[3]) in (1, 3) and _dim(shape[1]) not in (1, 3):
            fields.update(layout="NHWC", height=_dim(shape[1]), width=_dim(shape[2]))
        else:
            fields.update(layout="NCHW", height=_dim(shape[2]), width=_dim(shape[3]))
        return {k: v for k, v in fields.items() if v is not None}

    def likely_task(self) -> tuple[str, str] | None:
        """(task, decoding) the outputs' shapes suggest, or None: boxes (…, 4) beside other outputs are an ssd
        detector, (1, 4 + classes, N) or its transpose a yolo one, (1, classes) a classifier, (1, classes, height,
        width) a segmenter."""
        if not self.outputs:
            return None
        shapes = [tuple(s) for _n, s in self.outputs]
        first = shapes[0]
        if len(shapes) > 1 and any(len(s) >= 2 and _dim(s[-1]) == 4 for s in shapes):
            return "detect", "ssd"
        if len(first) == 3 and any((_dim(d) or 0) > 4 for d in first[1:]):
            return "detect", "yolo"
        if len(first) in (1, 2) or (len(first) == 4 and all(_dim(d) == 1 for d in first[2:])):
            return "classify", "softmax"
        if len(first) == 4:
            return "segment", "mask"
        return None

    def check_task(self, card) -> None:
        """Refuse a task the outputs cannot serve (what their shapes tell, labels or not): a classifier gives
        (1, classes), a yolo detector (1, 4 + classes, N) or its transpose, an ssd one boxes (…, 4), a segmenter
        (1, classes, height, width)."""
        if not self.outputs:
            return
        name, shape = self.outputs[0]
        shapes = [tuple(s) for _n, s in self.outputs]
        fits = {"softmax": len(shape) in (1, 2) or (len(shape) == 4 and all(_dim(d) == 1 for d in shape[2:])),
                "yolo": len(shape) == 3 and any((_dim(d) or 99) > (5 if card.objectness else 4) for d in shape[1:]),
                "ssd": any(len(s) >= 2 and _dim(s[-1]) == 4 for s in shapes),
                "mask": len(shape) in (3, 4)}
        want = {"softmax": "(1, classes)", "yolo": "(1, 4 + classes, candidates) or (1, candidates, 4 + classes)",
                "ssd": "boxes (1, N, 4) beside scores", "mask": "(1, classes, height, width)"}
        if not fits.get(card.decoding, True):
            raise ModelError(f"model {card.name!r}: its output {name!r} gives {_shown(shape)}, which a {card.task} "
                             f"model read as {card.decoding} does not: that needs {want[card.decoding]} — is it "
                             f"another kind of model?")

    def check_labels(self, card) -> None:
        """Refuse labels whose count cannot match what the outputs give (when the outputs' sizes are known)."""
        if not card.labels or not self.outputs:
            return
        shape = self.outputs[0][1]
        n = len(card.labels)
        if card.decoding == "softmax":
            size = _dim(shape[-1]) if shape else None
            if size is not None and size != n:
                raise ModelError(f"model {card.name!r}: {n} labels, but its output {self.outputs[0][0]!r} gives "
                                 f"{size} scores")
        elif card.decoding == "yolo" and len(shape) == 3:
            extra = 5 if card.objectness else 4
            sizes = {d - extra for d in (_dim(shape[1]), _dim(shape[2])) if d is not None and d > extra}
            if sizes and n not in sizes:
                raise ModelError(f"model {card.name!r}: {n} labels, but its output {self.outputs[0][0]!r} "
                                 f"{tuple(shape)} has room for {' or '.join(str(s) for s in sorted(sizes))} "
                                 f"classes (4 box numbers{', objectness' if card.objectness else ''} and one score "
                                 f"a class)")
        elif card.decoding == "mask" and len(shape) == 4:
            size = _dim(shape[1])
            if size is not None and size > 1 and size != n:
                raise ModelError(f"model {card.name!r}: {n} labels, but its output {self.outputs[0][0]!r} gives "
                                 f"{size} classes")


def inspect_session(session, name: str = "the model") -> ModelShape:
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise ModelError(f"{name} takes {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); model blocks "
                         f"feed models with one image input")
    inp = inputs[0]
    if "string" in inp.type:
        raise ModelError(f"{name} takes text (its input {inp.name!r} is {inp.type}); model blocks feed images")
    if inp.type not in ("tensor(float)", "tensor(uint8)", "tensor(float16)"):
        raise ModelError(f"{name}'s input {inp.name!r} is {inp.type}; model blocks feed float or uint8 images")
    if len(inp.shape) != 4:
        raise ModelError(f"{name}'s input {inp.name!r} has rank {len(inp.shape)} (shape {inp.shape}); model blocks "
                         f"feed images as rank 4 (batch, channels, height, width or batch, height, width, channels)")
    return ModelShape(inp.name, tuple(inp.shape), tuple((o.name, tuple(o.shape)) for o in session.get_outputs()))


def inspect_model(path: Path) -> ModelShape:
    return inspect_session(load_session(path), Path(path).name)
