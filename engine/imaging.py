"""Safe image decoding shared by every image block.

Pillow keeps its decompression-bomb guard (``MAX_IMAGE_PIXELS`` is never disabled), formats are limited to
the common ones, and a truncated or malformed file becomes a :class:`BlockError`, never a crash.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from .errors import BlockError

__all__ = ["ALLOWED_FORMATS", "open_image"]

ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")


def open_image(data: bytes, formats: tuple[str, ...] = ALLOWED_FORMATS) -> Image.Image:
    """Decode ``data`` fully; refuse bombs, unknown formats and truncated files with a clear message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=list(formats))
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
    return img
