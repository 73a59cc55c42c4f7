"""Checking and cleaning an uploaded image: the type is sniffed from the bytes (never the
file name or the declared type), the size is bounded, and the image is decoded and encoded
again, which drops EXIF (GPS position, camera serial) and any other metadata.

Decoding a 6000 px photo holds about a hundred megabytes for a fraction of a second: a small
pool of its own bounds the memory and the cores a burst of uploads can take, and keeps the
shared thread pool free for everything else.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from hostolink.media.errors import ImageTooLarge, UnreadableImage, UnsupportedImage

# Pillow's format name → (MIME type, file extension).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# Many phones save photos as MPO: a JPEG followed by extra frames (depth map, preview). It
# opens as its first frame, which is what we keep, as a plain JPEG.
ALIASES = {"MPO": "JPEG"}
JPEG_QUALITY = 88
WEBP_QUALITY = 85

_ENCODERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="media-encode")


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    type_mime: str
    extension: str
    largeur: int
    hauteur: int


async def clean_in_worker(data: bytes, *, max_side: int) -> CleanImage:
    return await asyncio.get_running_loop().run_in_executor(_ENCODERS, clean, data, max_side)


def clean(data: bytes, max_side: int) -> CleanImage:
    """The image re-encoded in its own format, upright, without metadata."""
    image = _open(data, max_side)
    fmt = ALIASES.get(str(image.format), str(image.format))
    try:
        image.load()
        # The orientation tag goes with the rest of EXIF: apply it to the pixels first, or a
        # portrait photo would show lying on its side.
        upright = ImageOps.exif_transpose(image)
        content = _encode(upright, fmt)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge from exc
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt pixel data
        raise UnreadableImage from exc
    type_mime, extension = FORMATS[fmt]
    return CleanImage(content, type_mime, extension, upright.width, upright.height)


def _open(data: bytes, max_side: int) -> Image.Image:
    if not data:
        raise UnreadableImage("L'image envoyée est vide.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=tuple(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedImage from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UnreadableImage from exc
    if ALIASES.get(str(image.format), str(image.format)) not in FORMATS:
        raise UnsupportedImage
    if image.width > max_side or image.height > max_side:
        raise ImageTooLarge.sides(max_side)
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    # The colour profile is kept (colours would shift without it); it says nothing about the
    # person. Nothing else from `image.info` is passed on: no EXIF, XMP, comments or text.
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        if image.mode not in {"RGB", "L", "CMYK"}:
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, **extra)
    elif fmt == "PNG":
        transparency = image.info.get("transparency")
        if transparency is not None:
            extra["transparency"] = transparency
        image.save(out, format="PNG", **extra)
    else:
        image.save(out, format="WEBP", quality=WEBP_QUALITY, **extra)
    return out.getvalue()
