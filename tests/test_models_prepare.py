"""Feeding a model: a picture becomes the tensor its card describes — layout, scale, mean and std per channel,
letterboxing — in float, half or byte form (checked against the card's formula written out)."""

from __future__ import annotations

import pytest
from PIL import Image

np = pytest.importorskip("numpy")

from engine.models.library import ModelCard  # noqa: E402
from engine.models.prepare import to_tensor  # noqa: E402


def picture(size=(40, 30)):
    rng = np.random.default_rng(7)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), "RGB")


def expected(img, card):
    """The card's formula, one step at a time."""
    pixels = np.asarray(img.convert("RGB").resize((card.width, card.height), Image.Resampling.BILINEAR),
                        dtype=np.float64)
    data = (pixels * card.scale - np.asarray(card.mean)) / np.asarray(card.std)
    return data.transpose(2, 0, 1)[None] if card.layout == "NCHW" else data[None]


@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
@pytest.mark.parametrize("norm", [(1 / 255, [0, 0, 0], [1, 1, 1]), (1 / 255, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
                                  (1.0, [127.5, 127.5, 127.5], [127.5, 127.5, 127.5])])
def test_a_float_tensor_is_the_card_s_formula(layout, norm):
    scale, mean, std = norm
    card = ModelCard(name="m", task="classify", decoding="softmax", width=32, height=24, layout=layout, scale=scale,
                     mean=mean, std=std)
    img = picture()
    tensor, fit = to_tensor(img, card)
    assert tensor.dtype == np.float32 and tensor.flags["C_CONTIGUOUS"]
    assert tensor.shape == ((1, 3, 24, 32) if layout == "NCHW" else (1, 24, 32, 3))
    assert np.allclose(tensor, expected(img, card), rtol=1e-6, atol=1e-5)
    half, _ = to_tensor(img, card, "tensor(float16)")
    assert half.dtype == np.float16 and np.allclose(half, tensor, rtol=1e-3, atol=1e-3)


def test_a_byte_tensor_is_the_pixels_laid_out_and_a_grey_picture_is_fed_as_rgb():
    card = ModelCard(name="m", task="classify", decoding="softmax", width=40, height=30, layout="NCHW")
    img = picture()
    tensor, _ = to_tensor(img, card, "tensor(uint8)")
    assert tensor.dtype == np.uint8 and tensor.flags["C_CONTIGUOUS"]
    assert (tensor[0] == np.asarray(img).transpose(2, 0, 1)).all()
    grey, _ = to_tensor(img.convert("L"), card)
    assert grey.shape == (1, 3, 30, 40) and (grey[0, 0] == grey[0, 2]).all()


def test_letterboxing_centres_the_picture_on_grey():
    card = ModelCard(name="m", task="detect", decoding="yolo", width=40, height=40, layout="NHWC", resize="letterbox")
    tensor, fit = to_tensor(picture((40, 20)), card)
    assert (fit.dx, fit.dy, fit.new_w, fit.new_h) == (0, 10, 40, 20)
    assert np.allclose(tensor[0, :10], 114 / 255) and np.allclose(tensor[0, 30:], 114 / 255)
    assert np.allclose(tensor[0, 10:30], np.asarray(picture((40, 20)), dtype=np.float64) / 255, atol=1e-6)


@pytest.mark.parametrize("dtype", ["tensor(float)", "tensor(float16)", "tensor(uint8)"])
@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_a_batch_prepared_at_once_is_each_picture_prepared_alone(layout, dtype):
    """The batcher prepares a batch's pictures in one stack (each resized or letterboxed alone, scaled in one pass):
    row by row what to_tensor gives each; a picture that cannot be prepared is its own error, the others go on."""
    from engine.models.infer import Model, Prepared, prepare_pictures
    from engine.models.prepare import Fit

    card = ModelCard(name="m", task="detect", decoding="yolo", width=32, height=32, layout=layout, resize="letterbox",
                     scale=1 / 255, mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    model = Model("m", card, None, "image", dtype, True)
    import io

    png = io.BytesIO()
    picture((24, 40)).save(png, "PNG")
    broken = Image.open(io.BytesIO(png.getvalue()[:300]))  # (a file cut short: read when its pixels are asked for)
    pictures = [picture((40, 30)), picture((16, 64)).convert("L"), broken, picture((32, 32))]
    answers, stack = prepare_pictures(model, pictures)
    assert [type(a).__name__ for a in answers] == ["Prepared", "Prepared", "ModelError", "Prepared"]
    assert "truncated" in str(answers[2])
    ready = [a for a in answers if isinstance(a, Prepared)]
    assert stack.shape[0] == 3 and stack.flags["C_CONTIGUOUS"]
    for row, (p, img) in enumerate(zip(ready, [pictures[0], pictures[1], pictures[3]])):
        alone, fit = to_tensor(img, card, dtype)
        assert p.tensor.dtype == alone.dtype and p.tensor.shape == alone.shape
        assert np.array_equal(p.tensor, alone) and np.array_equal(stack[row:row + 1], alone)
        assert isinstance(p.fit, Fit) and p.fit == fit and p.size == img.size
