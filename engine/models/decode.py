"""Reading a model's answer (SPEC §4's decodings): ``softmax`` (top-k labels), ``yolo`` and ``ssd`` (boxes, score
threshold, class filter, non-maximum suppression, in the picture's pixels), ``mask`` (a label per pixel)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..errors import ModelError
from .prepare import Fit

__all__ = ["top_k", "detections", "nms", "mask_image"]


def _label(card, index: int) -> str:
    return card.labels[index] if 0 <= index < len(card.labels) else str(index)


def top_k(card, outputs: list, k: int) -> list[dict]:
    scores = np.asarray(outputs[0], dtype=np.float64).reshape(-1)
    if card.labels and len(card.labels) != scores.size:
        raise ModelError(f"model {card.name!r}: {len(card.labels)} labels, but it gave {scores.size} scores")
    e = np.exp(scores - scores.max())
    probs = e / e.sum()
    order = np.argsort(-probs, kind="stable")[:k]
    return [{"label": _label(card, int(i)), "index": int(i), "score": float(probs[i])} for i in order]


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression (highest score first; IoU above ``iou`` is dropped)."""
    order = list(np.argsort(-scores, kind="stable"))
    keep: list[int] = []
    areas = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    while order:
        i = order.pop(0)
        keep.append(int(i))
        if not order:
            break
        rest = np.asarray(order)
        w = (np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(boxes[i, 0], boxes[rest, 0])).clip(0)
        h = (np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(boxes[i, 1], boxes[rest, 1])).clip(0)
        inter = w * h
        union = areas[i] + areas[rest] - inter
        ratio = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = [int(j) for j, r in zip(rest, ratio) if r <= iou]
    return keep


def _yolo(card, outputs: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(boxes x0 y0 x1 y1 in input pixels, scores, class indices) of every candidate."""
    out = np.asarray(outputs[0], dtype=np.float32)
    if out.ndim == 3:
        out = out[0]
    if out.ndim != 2:
        raise ModelError(f"model {card.name!r}: a yolo output is (1, candidates, numbers), not {outputs[0].shape}")
    extra = 5 if card.objectness else 4
    n = len(card.labels)
    if n and out.shape[1] != n + extra and out.shape[0] == n + extra:
        out = out.T
    elif not n and out.shape[0] < out.shape[1]:
        out = out.T  # (YOLOv8 exports are (1, 4 + classes, candidates))
    if out.shape[1] <= extra or (n and out.shape[1] != n + extra):
        raise ModelError(f"model {card.name!r}: its output {tuple(outputs[0].shape)} does not fit {n or 'its'} "
                         f"labels ({extra} numbers a box before the class scores)")
    cls_scores = out[:, extra:]
    if card.objectness:
        cls_scores = cls_scores * out[:, 4:5]
    classes = cls_scores.argmax(axis=1)
    scores = cls_scores[np.arange(len(out)), classes]
    cx, cy, w, h = out[:, 0], out[:, 1], out[:, 2], out[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    return boxes, scores, classes


def _ssd(card, outputs: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = [np.asarray(o) for o in outputs]
    box_arr = next((a for a in arrays if a.ndim >= 2 and a.shape[-1] == 4), None)
    if box_arr is None:
        raise ModelError(f"model {card.name!r}: an ssd model gives boxes as (1, N, 4); none of its outputs is")
    boxes = box_arr.reshape(-1, 4).astype(np.float32)
    rest = [a for a in arrays if a is not box_arr]
    n = len(boxes)
    per_class = next((a.reshape(n, -1) for a in rest if a.size > n and a.size % n == 0), None)
    flat = [a.reshape(-1) for a in rest if a.size == n]
    if per_class is not None:
        classes = per_class.argmax(axis=1)
        scores = per_class[np.arange(n), classes].astype(np.float32)
    elif len(flat) >= 2:
        labels_arr = next((a for a in flat if np.issubdtype(a.dtype, np.integer)), flat[0])
        scores = next(a for a in flat if a is not labels_arr).astype(np.float32)
        classes = labels_arr.astype(np.int64)
    else:
        raise ModelError(f"model {card.name!r}: an ssd model gives scores (1, N, classes) or scores and labels "
                         f"(1, N) beside its boxes")
    if card.box_format == "yxyx":
        boxes = boxes[:, [1, 0, 3, 2]]
    boxes = boxes * np.asarray([card.width, card.height, card.width, card.height], np.float32)
    return boxes, scores, classes


def detections(card, outputs: list, fit: Fit, *, min_score: float, iou: float, max_boxes: int,
               classes: list[str]) -> list[dict]:
    boxes, scores, cls = (_ssd if card.decoding == "ssd" else _yolo)(card, outputs)
    keep = scores >= min_score
    if classes:
        wanted = set(classes)
        unknown = [c for c in classes if card.labels and c not in card.labels and not c.isdigit()]
        if unknown:
            raise ModelError(f"model {card.name!r} has no label {', '.join(repr(c) for c in unknown)} (its labels: "
                             f"{', '.join(card.labels[:20])}{' …' if len(card.labels) > 20 else ''})")
        keep &= np.asarray([_label(card, int(c)) in wanted or str(int(c)) in wanted for c in cls], bool)
    boxes, scores, cls = boxes[keep], scores[keep], cls[keep]
    found: list[int] = []
    for c in np.unique(cls):  # (suppression within a class: a person and a bicycle may overlap)
        idx = np.nonzero(cls == c)[0]
        found += [int(idx[i]) for i in nms(boxes[idx], scores[idx], iou)]
    found.sort(key=lambda i: (-float(scores[i]), i))
    result = []
    for i in found:
        if len(result) == max_boxes:
            break
        x0, y0 = fit.to_image(float(boxes[i, 0]), float(boxes[i, 1]))
        x1, y1 = fit.to_image(float(boxes[i, 2]), float(boxes[i, 3]))
        if round(x1) <= round(x0) or round(y1) <= round(y0):
            continue  # (nothing left of it in the picture's pixels: a crop of it would be empty)
        result.append({"label": _label(card, int(cls[i])), "score": round(float(scores[i]), 6),
                       "left": round(x0), "top": round(y0), "right": round(x1), "bottom": round(y1)})
    return result


def mask_image(card, outputs: list, fit: Fit, min_score: float) -> tuple[Image.Image, list[dict]]:
    """A greyscale picture the picture's size whose pixel values are class indices (0: background when the
    model gives one probability map), and the classes present with their pixel counts."""
    out = np.asarray(outputs[0], dtype=np.float32)
    if out.ndim == 4:
        out = out[0]
    if out.ndim == 2:
        out = out[None]
    if out.ndim != 3:
        raise ModelError(f"model {card.name!r}: a mask output is (1, classes, height, width), not {outputs[0].shape}")
    if out.shape[0] == 1:
        index = (out[0] >= min_score).astype(np.uint8)
    else:
        if card.labels and len(card.labels) != out.shape[0]:
            raise ModelError(f"model {card.name!r}: {len(card.labels)} labels, but it gave {out.shape[0]} classes")
        index = out.argmax(axis=0).astype(np.uint8)
    small = Image.fromarray(index, mode="L").resize((card.width, card.height), Image.Resampling.NEAREST)
    inner = small.crop((fit.dx, fit.dy, fit.dx + fit.new_w, fit.dy + fit.new_h))
    mask = inner.resize((fit.width, fit.height), Image.Resampling.NEAREST)
    counts = np.bincount(np.asarray(mask).reshape(-1), minlength=1)
    labels = [{"index": int(i), "label": _label(card, int(i)), "pixels": int(c)} for i, c in enumerate(counts) if c]
    return mask, labels
