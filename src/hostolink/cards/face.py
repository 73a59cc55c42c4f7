"""The card face as SVG: issuer, holder, masked number, expiry, and the holder's static
payment QR code (whoever scans the card pays into the wallet).

Drawn by hand rather than with a template engine: a few elements, every text escaped, the
QR code one path of horizontal runs (a few kilobytes where a rectangle per module would
weigh ten times more). The full number never reaches this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import segno

# ISO/IEC 7810 ID-1 (85.60 × 53.98 mm), ten units a millimetre.
WIDTH = 856
HEIGHT = 540
QR_BOX = 220
QR_X = WIDTH - QR_BOX - 40
QR_Y = 40
QR_QUIET_ZONE = 4  # modules: what scanners expect around a code
SANS = "Helvetica, Arial, sans-serif"
MONO = "'Courier New', Courier, monospace"


@dataclass(frozen=True)
class CardFace:
    nom_titulaire: str
    numero_masque: str
    mois_expiration: int
    annee_expiration: int
    statut: str
    qr_payload: str


def qr_path(payload: str) -> tuple[int, str]:
    """(size in modules, quiet zone included; SVG path data of the dark modules)."""
    code = segno.make(payload, error="m", micro=False)
    rows: Iterable[Iterable[int]] = code.matrix_iter(scale=1, border=QR_QUIET_ZONE)
    parts: list[str] = []
    size = 0
    for y, row in enumerate(rows):
        size = y + 1
        start: int | None = None
        cells = [bool(cell) for cell in row]
        for x, dark in enumerate([*cells, False]):
            if dark and start is None:
                start = x
            elif not dark and start is not None:
                parts.append(f"M{start} {y}h{x - start}v1h{start - x}z")
                start = None
    return size, "".join(parts)


def _text(x: int, y: int, content: str, **attributes: str) -> str:
    rendered = " ".join(
        f"{name.replace('_', '-')}={quoteattr(value)}" for name, value in attributes.items()
    )
    return f'<text x="{x}" y="{y}" {rendered}>{escape(content)}</text>'


def _frozen_veil() -> tuple[str, str]:
    return (
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="32" fill="#4a5568" opacity="0.55"/>',
        _text(
            60,
            305,
            "CARTE GELÉE",
            id="statut",
            fill="#ffffff",
            font_family=SANS,
            font_size="34",
            font_weight="700",
        ),
    )


def render(face: CardFace) -> str:
    modules, path = qr_path(face.qr_payload)
    scale = QR_BOX / modules
    expiry = f"{face.mois_expiration:02d}/{face.annee_expiration % 100:02d}"
    frozen = face.statut == "gelee"
    elements = [
        "<defs>",
        '<linearGradient id="fond" x1="0" y1="0" x2="1" y2="1">',
        '<stop offset="0" stop-color="#0b5fa5"/><stop offset="1" stop-color="#0fa3b1"/>',
        "</linearGradient>",
        "</defs>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="32" fill="url(#fond)"/>',
        # A frozen card is greyed, but its QR code stays readable: it pays into the wallet,
        # which freezing the card does not freeze.
        *(_frozen_veil() if frozen else ()),
        _text(
            48, 92, "Hostolink", fill="#ffffff", font_family=SANS, font_size="48", font_weight="700"
        ),
        _text(50, 130, "Carte virtuelle", fill="#e0f2f1", font_family=SANS, font_size="24"),
        '<rect x="60" y="180" width="96" height="72" rx="12" fill="#f2c94c" '
        'stroke="#b8860b" stroke-width="2"/>',
        f'<rect x="{QR_X}" y="{QR_Y}" width="{QR_BOX}" height="{QR_BOX}" rx="12" fill="#ffffff"/>',
        f'<path id="qr" d="{path}" fill="#000000" shape-rendering="crispEdges" '
        f'transform="translate({QR_X} {QR_Y}) scale({scale:.6f})"/>',
        _text(
            60,
            360,
            face.numero_masque,
            id="numero",
            fill="#ffffff",
            font_family=MONO,
            font_size="46",
            letter_spacing="2",
        ),
        _text(60, 420, "EXPIRE FIN", fill="#e0f2f1", font_family=SANS, font_size="18"),
        _text(200, 420, expiry, id="expiration", fill="#ffffff", font_family=MONO, font_size="30"),
        _text(
            60,
            488,
            face.nom_titulaire,
            id="titulaire",
            fill="#ffffff",
            font_family=MONO,
            font_size="32",
            letter_spacing="1",
        ),
    ]
    title = f"Carte virtuelle Hostolink de {face.nom_titulaire}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img">'
        f"<title>{escape(title)}</title>" + "".join(elements) + "</svg>\n"
    )
