"""Card test helpers: people with a wallet, the whole test database as text, QR reading."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import zxingcpp
from PIL import Image, ImageDraw
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.cards import crypto, face
from hostolink.cards.crypto import CardKeys
from tests.auth.helpers import bearer, onboard

TEST_BIN = "41111111"
SVG = "{http://www.w3.org/2000/svg}"
_RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\d+z")


async def holder(client: httpx.AsyncClient, engine: AsyncEngine, number: int) -> dict[str, str]:
    """The bearer headers of a verified person (with their XOF wallet)."""
    phone = f"+22507000000{number:02d}"
    tokens = await onboard(client, engine, phone, phone)
    return bearer(tokens["token"])


def keys_of(app: Any) -> CardKeys:
    return crypto.card_keys(app.state.settings, signing_key=app.state.signing_key)


async def database_as_text(engine: AsyncEngine) -> str:
    """Every row of every table of the test database, as JSON text (bytea as hex)."""
    async with engine.connect() as connection:
        tables = list(
            await connection.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            )
        )
        rows: list[str] = []
        for table in tables:
            # `table` comes from the catalogue, never from input.
            query = text(f'SELECT row_to_json(t)::text FROM "{table}" t')  # noqa: S608
            rows.extend(await connection.scalars(query))
    assert any("carte_bancaire" in table for table in tables)
    return "\n".join(rows)


def decode_qr(path_data: str, modules: int) -> str:
    """Draw the SVG path of horizontal runs as pixels and read it as a camera would."""
    scale = 8
    image = Image.new("L", (modules * scale, modules * scale), 255)
    draw = ImageDraw.Draw(image)
    runs = _RUN.findall(path_data)
    assert runs, "the path holds no module"
    for x, y, length in (map(int, run) for run in runs):
        box = (x * scale, y * scale, (x + length) * scale - 1, (y + 1) * scale - 1)
        draw.rectangle(box, fill=0)
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, "no QR code could be read"
    return found[0].text


def parse_svg(content: str | bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 (our own server's answer)


def read_card_qr(root: ET.Element) -> str:
    """The text of the QR code drawn on a card face."""
    path = root.find(f".//{SVG}path[@id='qr']")
    assert path is not None, "the card face has no QR code"
    scale = re.search(r"scale\(([\d.]+)\)", path.attrib["transform"])
    assert scale is not None
    return decode_qr(path.attrib["d"], round(face.QR_BOX / float(scale.group(1))))
