"""Checking and cleaning an uploaded image: the type is sniffed from the bytes (never the
file name or the declared type), the size is bounded, and the image is decoded and encoded
again from its decoded pixels alone, which drops EXIF (GPS position, camera serial) and any
other metadata: comments, XMP, IPTC, PNG text chunks, the colour profile (the pixels are
converted to sRGB first), and anything hidden after the image's end (a polyglot file).

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

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

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
    # PNG transparency is part of the pixels (which palette entry or colour is see-through);
    # it is the only thing taken from `image.info`.
    transparency = image.info.get("transparency")
    image, kept = _pixels_only(image)
    if fmt == "JPEG":
        if image.mode not in {"RGB", "L", "CMYK"}:
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "PNG":
        extra = {"transparency": transparency} if kept and transparency is not None else {}
        image.save(out, format="PNG", **extra)
    else:
        image.save(out, format="WEBP", quality=WEBP_QUALITY)
    return out.getvalue()


def _pixels_only(image: Image.Image) -> tuple[Image.Image, bool]:
    """A new image made of the decoded pixels (and a palette image's palette) and nothing
    else: its `info` is empty, so no encoder can write back a comment, EXIF, XMP, text chunk
    or profile read from the upload (Pillow's JPEG encoder re-emits `info["comment"]`).

    An image with a colour profile has its pixels converted to sRGB, which browsers assume
    for an image without one, so that the colours do not shift once the profile is gone (a
    profile is free-form bytes too). The boolean tells whether the pixels are the decoded
    ones unchanged (their PNG transparency still applies)."""
    icc = image.info.get("icc_profile")
    kept = True
    if icc:
        converted = _to_srgb(image, icc)
        if converted is not None:
            image, kept = converted, False
    fresh = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode in {"P", "PA"} and image.palette is not None:
        rawmode = image.palette.mode
        palette = image.getpalette(rawmode)
        if palette is not None:
            fresh.putpalette(palette, rawmode)
    return fresh, kept


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    """The pixels converted from the image's profile to sRGB, or None when the profile is
    unreadable or does not fit the pixels (the profile is dropped all the same)."""
    alpha = "A" in image.getbands() or "transparency" in image.info
    mode = "RGBA" if alpha else "RGB"
    source = image
    if image.mode in {"P", "PA", "LA", "1", "I;16"} or (image.mode == "L" and alpha):
        source = image.convert(mode)
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            source, profile, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None
    return converted
