"""Safe image decoding shared by every image block.

The limit on pixels is a setting (``max_image_megapixels``, default 200: above every common camera, with
memory in mind — a 200 MP RGB picture is 600 MB decoded), checked from the file's header before anything is
decoded. Pillow's own decompression-bomb guard stays on above it: its threshold is set once, at import, to
:data:`PILLOW_GUARD_PIXELS` (it warned at 89.5 MP, which refused ordinary 90 MP photos). Formats are limited
to the common ones, and a truncated or malformed file becomes a :class:`BlockError`, never a crash.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import BlockError

__all__ = ["ALLOWED_FORMATS", "open_image", "eight_bits", "DEFAULT_MAX_MEGAPIXELS", "MAX_MEGAPIXELS",
           "PILLOW_GUARD_PIXELS"]

ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")
DEFAULT_MAX_MEGAPIXELS = 200
MAX_MEGAPIXELS = 1_000  # the largest the setting may be
PILLOW_GUARD_PIXELS = MAX_MEGAPIXELS * 1_000_000  # Pillow warns above this (refused) and fails at twice it
Image.MAX_IMAGE_PIXELS = PILLOW_GUARD_PIXELS  # once, at import: a constant of the program, never switched


def open_image(data: bytes, formats: tuple[str, ...] = ALLOWED_FORMATS,
               max_megapixels: float = DEFAULT_MAX_MEGAPIXELS) -> Image.Image:
    """Decode ``data`` fully; refuse pictures over ``max_megapixels``, bombs, unknown formats and truncated
    files with a clear message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=list(formats))
            pixels = img.width * img.height
            if pixels > max_megapixels * 1_000_000:
                raise BlockError(f"image refused: {img.width} × {img.height} is {pixels / 1e6:.1f} megapixels, over "
                                 f"the limit of {max_megapixels:g} (the max_image_megapixels setting)")
            # Feed the decoder small pieces: Pillow holds the GIL for each piece, and 64 KB of a well
            # compressed PNG can be 50 ms of work, a visible freeze of the GUI thread.
            img.decodermaxblock = 8192
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise BlockError(f"image refused: too many pixels ({e})") from None
    except UnidentifiedImageError:
        raise BlockError(f"not an image in a supported format ({', '.join(formats)})") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise BlockError(f"image could not be decoded: {e}") from None
    try:
        ImageOps.exif_transpose(img, in_place=True)  # (a photo turned as its camera says: upright, as viewers show it)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError):  # (a broken EXIF block: the picture as stored)
        pass
    return eight_bits(img)


_SIXTEEN = ("I;16", "I;16L", "I;16B", "I;16N")


def eight_bits(img: Image.Image) -> Image.Image:
    """A picture of more than 8 bits of grey (a 16-bit PNG, a 32-bit integer TIFF) as 8-bit grey, its range scaled
    down — Pillow's own conversions clip every value over 255 to white; others as they are."""
    if img.mode in _SIXTEEN:
        return img.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if img.mode == "I":
        high = img.getextrema()[1]
        scale = 1.0 if high <= 255 else 1 / 257 if high <= 65535 else 255 / high
        return img.point(lambda v: v * scale).convert("L")
    return img
