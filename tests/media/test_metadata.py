"""What an uploaded image hides besides its pixels never reaches the stored or served file:
text after the end of the image (a polyglot), JPEG comments, EXIF, XMP, IPTC, PNG text
chunks, WebP metadata, a colour profile. The fixtures are made with Pillow and spliced by
hand, as a hostile client would."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageCms, PngImagePlugin
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.media.images import clean
from tests.media.helpers import GPS_IFD, GPS_LATITUDE, media_rows, post_image
from tests.wallet.helpers import person

SIZE = (96, 64)
COLOUR = (200, 30, 30)
SCRIPT = b"<script>alert('hostolink')</script>"
GPS_TEXT = b"GPS 5.3364N 4.0267W"
MARKERS = (SCRIPT, b"<script", b"alert(", GPS_TEXT, b"5.3364", b"MARQUEUR-")
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="5,20.2N" '
    b'exif:UserComment="MARQUEUR-XMP ' + SCRIPT.replace(b"<", b"&lt;") + b'"/></rdf:RDF>'
    b"</x:xmpmeta>" + SCRIPT
)


def _plain(fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", SIZE, COLOUR).save(out, format=fmt, **options)
    return out.getvalue()


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _before_iend(png: bytes, *chunks: bytes) -> bytes:
    end = png.rindex(b"IEND") - 4
    return png[:end] + b"".join(chunks) + png[end:]


def _gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "MARQUEUR-EXIF"  # camera make
    exif[0x010E] = SCRIPT.decode()  # image description
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE] = (5.0, 20.0, 12.0)
    return exif.tobytes()


def polyglot_jpeg() -> bytes:
    """A valid JPEG followed, after its end marker, by an HTML page with a script."""
    jpeg = _plain("JPEG")
    assert jpeg.endswith(b"\xff\xd9")
    return jpeg + b"<!doctype html><html><body>" + SCRIPT + GPS_TEXT + b"</body></html>"


def comment_jpeg() -> bytes:
    return _after_soi(_plain("JPEG"), _segment(0xFE, SCRIPT + b" " + GPS_TEXT))


def exif_jpeg() -> bytes:
    return _plain("JPEG", exif=_gps_exif())


def xmp_jpeg() -> bytes:
    return _after_soi(_plain("JPEG"), _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP))


def iptc_jpeg() -> bytes:
    caption = b"MARQUEUR-IPTC " + SCRIPT + b" " + GPS_TEXT
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(caption)) + caption  # 2:120 caption
    resource = b"8BIM" + b"\x04\x04" + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    if len(iptc) % 2:
        resource += b"\x00"
    return _after_soi(_plain("JPEG"), _segment(0xED, b"Photoshop 3.0\x00" + resource))


def profiled_jpeg() -> bytes:
    """A colour profile is free-form bytes too: a real sRGB profile with a tail."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _plain("JPEG", icc_profile=icc + b"MARQUEUR-ICC " + SCRIPT)


def text_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", (b"MARQUEUR-tEXt " + SCRIPT).decode())
    info.add_text("Location", GPS_TEXT.decode(), zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", XMP.decode(), lang="fr", tkey="xmp")
    png = _plain("PNG", pnginfo=info)
    for kind in (b"tEXt", b"zTXt", b"iTXt"):
        assert kind in png  # the test's premise
    # A raw tEXt chunk after the pixels too, and a script after IEND.
    late = _png_chunk(b"tEXt", b"Author\x00MARQUEUR-tardif " + SCRIPT)
    return _before_iend(png, late) + SCRIPT


def metadata_webp() -> bytes:
    return _plain("WEBP", exif=_gps_exif(), xmp=XMP) + SCRIPT


CASES = {
    "polyglotte_jpeg": ("JPEG", polyglot_jpeg),
    "commentaire_jpeg": ("JPEG", comment_jpeg),
    "exif_gps_jpeg": ("JPEG", exif_jpeg),
    "xmp_jpeg": ("JPEG", xmp_jpeg),
    "iptc_jpeg": ("JPEG", iptc_jpeg),
    "profil_icc_jpeg": ("JPEG", profiled_jpeg),
    "textes_png": ("PNG", text_png),
    "metadonnees_webp": ("WEBP", metadata_webp),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_only_the_pixels_are_kept(
    client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path, case: str
) -> None:
    fmt, make = CASES[case]
    original = make()
    assert Image.open(io.BytesIO(original)).size == SIZE  # the fixture is a valid image
    assert any(marker in original for marker in MARKERS) or b"zTXt" in original
    someone = await person(client, db_engine, 1)

    response = await post_image(client, someone.headers, original, name="photo.img")

    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert (data["largeur"], data["hauteur"]) == SIZE
    [row] = await media_rows(db_engine)
    stored = (tmp_path / "media" / str(row["cle_stockage"])).read_bytes()
    served = await client.get(data["url"].removeprefix("https://api.example.test"))
    assert served.status_code == 200
    assert served.content == stored
    for marker in MARKERS:
        assert marker not in stored, marker
    for name in (b"Exif", b"http://ns.adobe.com", b"Photoshop", b"8BIM", b"tEXt", b"zTXt"):
        assert name not in stored, name
    for name in (b"iTXt", b"iCCP", b"XMP ", b"EXIF", b"ICCP"):
        assert name not in stored, name
    reopened = Image.open(io.BytesIO(stored))
    assert reopened.format == fmt
    assert reopened.size == SIZE
    assert not reopened.getexif()
    for key in ("comment", "icc_profile", "xmp", "exif", "photoshop", "Comment", "Location"):
        assert key not in reopened.info, key
    if fmt == "JPEG":
        assert stored.endswith(b"\xff\xd9")  # nothing after the end of the image
    pixel = reopened.convert("RGB").getpixel((SIZE[0] // 2, SIZE[1] // 2))
    assert isinstance(pixel, tuple)
    assert all(abs(a - b) <= 8 for a, b in zip(pixel, COLOUR, strict=True)), pixel


def test_palette_png_keeps_its_palette_and_transparency() -> None:
    image = Image.new("P", SIZE, 1)
    image.putpalette([0, 0, 0, *COLOUR] + [0] * (3 * 254))
    image.paste(0, (0, 0, 10, 10))
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)

    cleaned = clean(out.getvalue(), max_side=1000)

    reopened = Image.open(io.BytesIO(cleaned.content))
    assert reopened.mode == "P"
    assert reopened.info.get("transparency") == 0
    rgba = reopened.convert("RGBA")
    assert rgba.getpixel((50, 50)) == (*COLOUR, 255)
    assert rgba.getpixel((1, 1)) == (0, 0, 0, 0)


def test_a_profiled_jpeg_comes_out_in_srgb_without_it() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", SIZE, COLOUR).save(out, format="JPEG", icc_profile=profile)

    cleaned = clean(out.getvalue(), max_side=1000)

    reopened = Image.open(io.BytesIO(cleaned.content))
    assert "icc_profile" not in reopened.info
    assert (cleaned.largeur, cleaned.hauteur) == SIZE
    out = io.BytesIO()
    Image.new("CMYK", SIZE, (0, 200, 200, 0)).save(out, format="JPEG")
    cmyk = Image.open(io.BytesIO(clean(out.getvalue(), max_side=1000).content))
    assert cmyk.mode == "CMYK"  # no profile: the pixels as they were
