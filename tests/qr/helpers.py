"""People with a wallet, QR codes made through the API, and images as a phone takes them."""

from __future__ import annotations

import io
import random
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import httpx
import segno
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.kit.keys import KeyRing
from hostolink.qr.service import keyring
from tests.auth.helpers import bearer, onboard
from tests.conftest import make_settings
from tests.factories import execute

PAYLOAD = re.compile(r"HL1\.[A-Z0-9]{1,4}\.[A-Z2-7]{12}\.[A-Z2-7]{26}")


@dataclass(frozen=True)
class Person:
    phone: str
    token: str
    id_user: int
    id_compte: int
    numero_compte: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def person(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    number: int = 1,
    *,
    prenom: str | None = "Awadjo",
    nom: str | None = "Kouassi",
) -> Person:
    """A verified person with an XOF wallet, named `prenom nom`."""
    phone = f"+22507000000{number:02d}"
    tokens = await onboard(client, engine, phone, phone)
    await execute(
        engine,
        "UPDATE utilisateur SET prenom = :prenom, nom = :nom WHERE telephone = :phone",
        prenom=prenom,
        nom=nom,
        phone=phone,
    )
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT u.id_user, c.id_compte, c.numero_compte FROM utilisateur u "
                    "JOIN compte c ON c.id_user = u.id_user AND c.type_compte = 'utilisateur' "
                    "WHERE u.telephone = :phone"
                ),
                {"phone": phone},
            )
        ).one()
    return Person(phone, tokens["token"], row.id_user, row.id_compte, row.numero_compte)


def app_ring() -> KeyRing:
    """The ring of the test application (no QR_SIGNING_KEYS: derived from JWT_SECRET)."""
    return keyring(make_settings())


async def create_dynamic(
    client: httpx.AsyncClient, who: Person, montant: int = 2500, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/qr/dynamique", json={"montant": montant, **extra}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def expire(engine: AsyncEngine, code: str) -> None:
    """Make a dynamic code expired a second ago (its lifetime is minutes: no waiting)."""
    await execute(
        engine,
        "UPDATE qr_code_paiement SET date_expiration = now() - interval '1 second' "
        "WHERE code = :code",
        code=code,
    )


async def static_payload(client: httpx.AsyncClient, who: Person) -> str:
    response = await client.get("/api/qr/statique", headers=who.headers)
    assert response.status_code == 200, response.text
    payload: str = response.json()["data"]["payload"]
    return payload


def read_qr(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def read_png(content: bytes) -> list[str]:
    return read_qr(Image.open(io.BytesIO(content)))


_PATH_STEP = re.compile(r"([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?")


def rasterize_svg(content: bytes) -> Image.Image:
    """segno's SVG, drawn pixel by pixel: one path of horizontal strokes 1 module thick
    (`M x y`, `m dx dy`, `h dx`), scaled by the path's `transform="scale(n)"`."""
    root = ET.fromstring(content)  # noqa: S314 (our own server's answer)
    width, height = int(root.attrib["width"]), int(root.attrib["height"])
    path = next(element for element in root.iter() if element.tag.endswith("path"))
    scale_match = re.search(r"scale\(([\d.]+)\)", path.attrib.get("transform", ""))
    scale = float(scale_match.group(1)) if scale_match else 1.0
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, first, second in _PATH_STEP.findall(path.attrib["d"]):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:  # h: a stroke of width 1 centred on y
            end = x + float(first) if command == "h" else float(first)
            box = (x * scale, (y - 0.5) * scale, end * scale - 1, (y + 0.5) * scale - 1)
            draw.rectangle(box, fill=0)
            x = end
    return image


def photo_of(payload: str, *, size: tuple[int, int] = (1600, 1200), seed: int = 7) -> bytes:
    """A JPEG like a phone photo of a printed code: the code tilted, somewhat blurred, on a
    large noisy background, compressed with loss. Well over 256 KiB."""
    rng = random.Random(seed)  # noqa: S311 (reproducible noise, not a secret)
    background = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    background = background.filter(ImageFilter.GaussianBlur(1)).convert("RGB")
    drawn = io.BytesIO()
    segno.make(payload, error="m").save(drawn, kind="png", scale=12, border=4)
    qr = Image.open(drawn).convert("RGB")
    tilted = qr.rotate(8, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    background.paste(tilted, (size[0] // 3, size[1] // 4))
    background = background.filter(ImageFilter.GaussianBlur(0.8))
    out = io.BytesIO()
    background.save(out, format="JPEG", quality=80)
    return out.getvalue()


def png_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
