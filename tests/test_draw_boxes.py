"""Draw Boxes draws what can be seen on any picture: by default its lines and labels are sized to the picture (a
2-pixel line and Pillow's 11-pixel font vanish on a 4000 × 3000 photo — an outside tester), a label sits on a
filled tag in the box's colour; a width the user sets is kept exactly."""

from PIL import Image

from .test_blocks import ok

RED = (255, 0, 0)


def drawn(size, boxes, **config):
    img = Image.new("RGB", size, (40, 90, 140))
    return ok("image_draw_boxes", {"image": img, "boxes": boxes}, color="#ff0000", **config)["image"]


def test_on_a_big_photo_the_line_and_the_label_are_sized_to_it():
    out = drawn((4000, 3000), [{"left": 1000, "top": 1000, "right": 2000, "bottom": 2000, "label": "cat 0.91"}])
    line = [out.getpixel((x, 1500)) for x in range(995, 1015)]
    assert line[5:15] == [RED] * 10  # 3000 / 300 = 10 pixels wide
    tag = [y for y in range(800, 1000) if out.getpixel((1004, y)) == RED]
    assert len(tag) >= 60  # the label's tag above the box: as tall as its text, sized to the photo
    text = {out.getpixel((x, y)) for x in range(1000, 1400) for y in range(tag[0], 1000)}
    assert len(text) > 2  # letters drawn on the tag (not only the tag)


def test_on_a_small_picture_the_line_is_two_pixels_and_a_label_fits_inside_at_the_top_edge():
    out = drawn((96, 96), [{"x": 0, "y": 0, "w": 60, "h": 40, "label": "a"}])
    assert [out.getpixel((x, 20)) for x in range(4)] == [RED, RED, (40, 90, 140), (40, 90, 140)]
    assert sum(out.getpixel((x, 5)) == RED for x in range(2, 14)) >= 3  # no room above: the tag is inside the box


def test_a_width_the_user_sets_is_kept_exactly():
    out = drawn((4000, 3000), [[100, 100, 500, 500]], width=3)
    assert [out.getpixel((x, 300)) for x in range(99, 104)] == [(40, 90, 140), RED, RED, RED, (40, 90, 140)]


def test_a_box_at_the_edges_keeps_its_lines_and_its_label_stays_in_the_picture():
    out = drawn((512, 512), [{"left": 440, "top": 300, "right": 530, "bottom": 530, "label": "right edge long label"}])
    assert out.getpixel((511, 400)) == RED and out.getpixel((470, 511)) == RED  # (clipped to the picture)
    tag_row = [x for x in range(300, 512) if out.getpixel((x, 292)) == RED]
    assert tag_row and tag_row[-1] == 511 and tag_row[0] < 440  # (moved left to fit whole)


def test_a_detectors_score_is_drawn_beside_its_label():
    with_score = drawn((256, 256), [{"left": 20, "top": 60, "right": 120, "bottom": 120, "label": "cat",
                                     "score": 0.87}])
    without = drawn((256, 256), [{"left": 20, "top": 60, "right": 120, "bottom": 120, "label": "cat"}])
    row = lambda img: [x for x in range(20, 256) if img.getpixel((x, 55)) == RED]  # noqa: E731
    assert row(with_score)[-1] > row(without)[-1] + 10  # ("cat 0.87": a longer tag)


def test_a_box_wholly_outside_the_picture_draws_nothing_and_a_score_alone_is_its_label():
    outside = drawn((512, 512), [{"left": 600, "top": 600, "right": 800, "bottom": 800, "label": "entirely outside"}])
    assert RED not in {outside.getpixel((x, y)) for x in range(300, 512) for y in range(300, 512)}
    scored = drawn((256, 256), [{"left": 20, "top": 60, "right": 120, "bottom": 120, "score": 0.5}])
    assert sum(scored.getpixel((x, 55)) == RED for x in range(20, 120)) > 10  # ("0.50" on its tag)
