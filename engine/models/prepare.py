"""Feeding a model: a picture resized to the model's input (stretched, or letterboxed: scaled to fit and centred
on grey), normalised and laid out as its card says; and the way back from the input's pixels to the picture's
(:class:`Fit`), so boxes and masks land on the picture whatever the letterboxing. Needs numpy (ONNX Runtime's)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

__all__ = ["Fit", "fit_for", "to_tensor", "picture_pixels", "from_pixels"]


@dataclass(frozen=True)
class Fit:
    """How a ``width``×``height`` picture sits in the model's input: scaled by ``sx``, ``sy`` and shifted by
    ``dx``, ``dy`` (input pixels)."""

    width: int
    height: int
    sx: float
    sy: float
    dx: int
    dy: int
    new_w: int
    new_h: int

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """An input pixel position → the picture's, clipped to the picture."""
        px = (x - self.dx) / self.sx
        py = (y - self.dy) / self.sy
        return min(max(px, 0.0), float(self.width)), min(max(py, 0.0), float(self.height))


def fit_for(width: int, height: int, card) -> Fit:
    if card.resize == "letterbox":
        r = min(card.width / width, card.height / height)
        new_w, new_h = max(1, round(width * r)), max(1, round(height * r))
        return Fit(width, height, r, r, (card.width - new_w) // 2, (card.height - new_h) // 2, new_w, new_h)
    return Fit(width, height, card.width / width, card.height / height, 0, 0, card.width, card.height)


def picture_pixels(img: Image.Image, card) -> tuple[np.ndarray, Fit]:
    """The picture at the model's input size (height, width, 3 bytes), resized or letterboxed; with its
    :class:`Fit`."""
    rgb = img if img.mode == "RGB" else img.convert("RGB")  # (not copied when it needs no change: read only)
    fit = fit_for(rgb.width, rgb.height, card)
    resized = rgb if rgb.size == (fit.new_w, fit.new_h) else rgb.resize((fit.new_w, fit.new_h),
                                                                         Image.Resampling.BILINEAR)
    if (fit.new_w, fit.new_h) != (card.width, card.height):
        canvas = Image.new("RGB", (card.width, card.height), (114, 114, 114))
        canvas.paste(resized, (fit.dx, fit.dy))
        resized = canvas
    return np.asarray(resized), fit


def from_pixels(pixels: np.ndarray, card, dtype: str = "tensor(float)") -> np.ndarray:
    """A batch of pictures' pixels (n, height, width, 3 bytes) as the model's input: laid out and scaled as the
    card says, in one pass over the whole batch."""
    if card.layout == "NCHW":
        pixels = pixels.transpose(0, 3, 1, 2)  # (a view: the one copy below lays it out)
    if dtype == "tensor(uint8)":
        return np.ascontiguousarray(pixels)
    # (p * scale - mean) / std as one multiply and one add into the batch, not five passes and copies
    shape = (1, 3, 1, 1) if card.layout == "NCHW" else (1, 1, 1, 3)
    std = np.asarray(card.std, np.float32)
    gain = (np.float32(card.scale) / std).reshape(shape)
    shift = (-np.asarray(card.mean, np.float32) / std).reshape(shape)
    data = np.empty(pixels.shape, np.float32)
    np.multiply(pixels, gain, out=data)
    if shift.any():  # (no mean to take away: no second pass)
        data += shift
    return data.astype(np.float16) if dtype == "tensor(float16)" else data


def to_tensor(img: Image.Image, card, dtype: str = "tensor(float)") -> tuple[np.ndarray, Fit]:
    """One picture as a batch of one, shaped and scaled for the model; with its :class:`Fit`."""
    pixels, fit = picture_pixels(img, card)
    return from_pixels(pixels[None], card, dtype), fit
