"""QR code images: drawn with segno, read back from a photo with zxing-cpp.

Both are CPU work, from a few milliseconds (drawing) to a tenth of a second or more (a
12-megapixel photo): the endpoints run them in worker threads so the event loop keeps
serving.
"""

from __future__ import annotations

import asyncio
import io
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import segno
import zxingcpp
from PIL import Image, UnidentifiedImageError

from hostolink.qr.errors import ImageTooLarge, NoQrCodeFound, UnreadableImage, UnsupportedImage

# Level M survives a smudge or a crease (15 % of the modules) and keeps the symbol at
# version 3 (29 × 29 modules) for a 48-character payload. 10 px a module, and the standard
# quiet zone of 4 modules, around 370 px: sharp on a screen, printable on a sticker.
ERROR_LEVEL = "m"
SCALE = 10
BORDER = 4
PNG = "image/png"
SVG = "image/svg+xml"

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# 40 MP is above any phone camera's default; larger is a decompression bomb or a scan of a
# poster, and decoding it would hold a worker for seconds.
MAX_PIXELS = 40_000_000
# Photos are read at 2000 px at most (a code a tenth of the frame wide keeps 6 px modules):
# a 12-megapixel JPEG took 0.10 s instead of 0.62 s at full size (libjpeg decodes it
# directly at reduced scale), with the same result.
WORKING_SIZE = 2000
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


# A few hundred bytes each; the static code of an active user is drawn again and again.
@lru_cache(maxsize=2048)
def render_png(payload: str) -> bytes:
    out = io.BytesIO()
    _symbol(payload).save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()


@lru_cache(maxsize=2048)
def render_svg(payload: str) -> bytes:
    out = io.BytesIO()
    _symbol(payload).save(out, kind="svg", scale=SCALE, border=BORDER, xmldecl=True)
    return out.getvalue()


def _symbol(payload: str) -> segno.QRCode:
    return segno.make(payload, error=ERROR_LEVEL, micro=False, boost_error=False)


# Decoding a photo holds tens of megabytes for a few hundred milliseconds: a pool of its
# own bounds both the memory and the cores that a burst of uploads can take (the others wait
# in its queue, each holding only its compressed bytes), and keeps the shared thread pool
# free for everything else.
_DECODERS = ThreadPoolExecutor(
    max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="qr-decode"
)


async def decode_in_worker(data: bytes) -> list[str]:
    return await asyncio.get_running_loop().run_in_executor(_DECODERS, decode, data)


def decode(data: bytes) -> list[str]:
    """The texts of the QR codes in an image (JPEG, PNG or WebP, sniffed from the bytes, never
    from the declared type), in the order zxing found them."""
    image = _open(data)
    full_size = max(image.size)  # before `draft`, which shrinks a JPEG in place
    try:
        texts = _read(_grayscale(image, WORKING_SIZE))
        if not texts and full_size > WORKING_SIZE:
            # A small code far away in a large photo: one more try at full resolution.
            texts = _read(_grayscale(_open(data), None))
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt pixel data
        raise UnreadableImage from exc
    if not texts:
        raise NoQrCodeFound
    return texts


def _open(data: bytes) -> Image.Image:
    if not data:
        raise UnreadableImage("L'image envoyée est vide.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedImage from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UnreadableImage from exc
    if image.format not in ACCEPTED_FORMATS:
        raise UnsupportedImage
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageTooLarge
    return image


def _grayscale(image: Image.Image, size: int | None) -> Image.Image:
    if size is not None and image.format == "JPEG":
        # Lets libjpeg decode at 1/2, 1/4 or 1/8 scale directly: most of the time saved.
        image.draft("L", (size, size))
    if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info:
        # A transparent background turns black in grayscale, under black modules: lay the
        # image on white first, as a screen or paper would show it.
        flat = Image.new("RGBA", image.size, "white")
        flat.alpha_composite(image.convert("RGBA"))
        image = flat
    gray = image.convert("L")
    if size is not None:
        gray.thumbnail((size, size))
    return gray


def _read(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image, formats=_QR_ONLY)
    return [barcode.text for barcode in found if barcode.text]
