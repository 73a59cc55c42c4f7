"""Images made with Pillow, and the media rows as the database holds them."""

from __future__ import annotations

import io
import os
import struct
import zlib
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ORIENTATION = 0x0112
GPS_IFD = 0x8825
GPS_LATITUDE = 2


def exif_bytes() -> bytes:
    """EXIF with a GPS position, a camera make and "rotate 90° clockwise to view"."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "TéléphoneCam"
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE] = (5.0, 20.0, 12.0)
    return exif.tobytes()


def image_bytes(fmt: str, size: tuple[int, int] = (120, 80), *, exif: bool = True) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    options: dict[str, Any] = {"exif": exif_bytes()} if exif else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def noise_png(side: int) -> bytes:
    """Incompressible pixels: `side`² × 3 bytes or so once encoded."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header announces `width` × `height` pixels (a decompression bomb:
    the pixels would take gigabytes once decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def post_image(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    *,
    name: str = "photo.jpg",
    declared: str = "image/jpeg",
    usage: str = "publication",
) -> httpx.Response:
    return await client.post(
        "/api/medias",
        files={"fichier": (name, content, declared)},
        data={"usage": usage},
        headers=headers,
    )


async def media_rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        result = await connection.execute(text("SELECT * FROM media ORDER BY id_media"))
        return [dict(row) for row in result.mappings()]
