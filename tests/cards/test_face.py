"""The card face drawn as SVG (no database: any payload will do)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hostolink.cards import face
from tests.cards.helpers import SVG, parse_svg, read_card_qr

PAYLOAD = "HL1.1.s.42.dGVzdC1zaWduYXR1cmU"


def card_face(**changes: object) -> face.CardFace:
    values: dict[str, object] = {
        "nom_titulaire": "AWA KONE",
        "numero_masque": "•••• •••• •••• 4242",
        "mois_expiration": 3,
        "annee_expiration": 2031,
        "statut": "active",
        "qr_payload": PAYLOAD,
    }
    values.update(changes)
    return face.CardFace(**values)  # type: ignore[arg-type]


def by_id(root: ET.Element, element_id: str) -> ET.Element:
    found = root.find(f".//*[@id='{element_id}']")
    assert found is not None, element_id
    return found


class TestCardFace:
    def test_is_well_formed_svg_with_the_printed_fields(self) -> None:
        root = parse_svg(face.render(card_face()).encode())
        assert root.tag == f"{SVG}svg"
        texts = [element.text for element in root.iter(f"{SVG}text")]
        assert "Hostolink" in texts
        assert by_id(root, "numero").text == "•••• •••• •••• 4242"
        assert by_id(root, "titulaire").text == "AWA KONE"
        assert by_id(root, "expiration").text == "03/31"
        assert root.find(".//*[@id='statut']") is None

    def test_the_qr_code_reads_back_as_the_payload(self) -> None:
        root = parse_svg(face.render(card_face()).encode())
        assert read_card_qr(root) == PAYLOAD

    def test_a_frozen_card_says_so(self) -> None:
        root = parse_svg(face.render(card_face(statut="gelee")).encode())
        assert by_id(root, "statut").text == "CARTE GELÉE"

    def test_text_is_escaped(self) -> None:
        svg = face.render(card_face(nom_titulaire="A<B & C>"))
        root = parse_svg(svg.encode())
        assert by_id(root, "titulaire").text == "A<B & C>"
