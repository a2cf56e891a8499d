"""image_blur's ``boxes`` input: only the inside of each box is blurred (found faces, say), through the real executor."""

from PIL import Image, ImageFilter

from .test_blocks import failure, ok


def striped(w=80, h=60) -> Image.Image:
    img = Image.new("RGB", (w, h))
    img.putdata([((x % 2) * 255, (y % 3) * 100, 50) for y in range(h) for x in range(w)])
    return img


def test_only_inside_the_boxes_is_blurred():
    img = striped()
    out = ok("image_blur", {"image": img, "boxes": [{"left": 10, "top": 5, "right": 30, "bottom": 25, "label": "face"},
                                                     [50, 40, 70, 55]]}, radius=3)["image"]
    inside = img.crop((10, 5, 30, 25)).filter(ImageFilter.GaussianBlur(3))
    assert out.crop((10, 5, 30, 25)).tobytes() == inside.tobytes()
    assert out.crop((50, 40, 70, 55)).tobytes() == img.crop((50, 40, 70, 55)).filter(ImageFilter.GaussianBlur(3)).tobytes()
    assert out.crop((31, 0, 49, 60)).tobytes() == img.crop((31, 0, 49, 60)).tobytes()  # untouched between them
    assert out.size == img.size and img.getpixel((11, 6)) == striped().getpixel((11, 6))  # the input is not changed


def test_boxes_outside_the_picture_are_clipped_and_an_empty_list_changes_nothing():
    img = striped()
    out = ok("image_blur", {"image": img, "boxes": [[-20, -20, 10, 10], [200, 200, 300, 300]]}, radius=2)["image"]
    assert out.crop((0, 0, 10, 10)).tobytes() == img.crop((0, 0, 10, 10)).filter(ImageFilter.GaussianBlur(2)).tobytes()
    assert ok("image_blur", {"image": img, "boxes": []}, radius=2)["image"].tobytes() == img.tobytes()


def test_a_box_that_cannot_be_read_names_itself():
    assert "cannot read a box from 'x'" in failure("image_blur", {"image": striped(), "boxes": ["x"]})
    assert "boxes must be a list" in failure("image_blur", {"image": striped(), "boxes": 3})
