"""Phone numbers of the open-data files, moved to the 10-digit plan of 31 January 2021 only
where the operator is known."""

from __future__ import annotations

import csv
import io
import re
from importlib import resources

import phonenumbers
import pytest

from hostolink.health.opendata.phones import convert_number, parse_contact_numbers

# The CHECK of liste_numero_etablissement_sante.numero.
DIALABLE = re.compile(r"^(\+[1-9][0-9]{6,14}|[0-9]{2,6})$")


class TestOldMobiles:
    @pytest.mark.parametrize(
        ("written", "expected"),
        [
            ("+22508972339", "+2250708972339"),  # Orange 08
            ("+225 48 80 89 09", "+2250748808909"),  # Orange 48
            ("+22555350700", "+2250555350700"),  # MTN 55
            ("0022505845603", "+2250505845603"),  # MTN 05, written with 00
            ("+22501510818", "+2250101510818"),  # Moov 01
            ("47213023", "+2250747213023"),  # no country code
        ],
    )
    def test_the_operator_prefix_is_added(self, written: str, expected: str) -> None:
        number = convert_number(written)
        assert number is not None
        assert (number.numero, number.confiance, number.convertible) == (
            expected,
            "probable",
            True,
        )
        assert number.numero_source == written


class TestFixedLines:
    @pytest.mark.parametrize(
        ("written", "expected"),
        [
            ("+22522477561", "+2252722477561"),  # Cocody, old 22 4x
            ("22 44 53 53", "+2252722445353"),
            ("34712702", "+2252734712702"),  # San-Pédro, old 34 7x
        ],
    )
    def test_a_line_in_an_orange_block_becomes_27(self, written: str, expected: str) -> None:
        number = convert_number(written)
        assert number is not None
        assert (number.numero, number.confiance, number.convertible) == (
            expected,
            "probable",
            True,
        )

    @pytest.mark.parametrize("written", ["+22521015738", "+22523232323", "24 01 02 03"])
    def test_a_line_no_operator_claims_stays_unverified(self, written: str) -> None:
        number = convert_number(written)
        assert number is not None
        old = re.sub(r"\D", "", written)[-8:]
        assert (number.numero, number.confiance, number.convertible) == (
            f"+225{old}",
            "a_verifier",
            False,
        )

    def test_the_ambiguity_is_the_metadata_s(self) -> None:
        """Why "+225 21 01 57 38" is not converted: MTN's 25 and Moov's 21 both accept it
        (they accept any 8 digits), Orange's 27 blocks do not include it."""
        valid = [
            prefix
            for prefix in ("27", "25", "21")
            if phonenumbers.is_valid_number(phonenumbers.parse(f"+225{prefix}21015738"))
        ]
        assert valid == ["25", "21"]


class TestNumbersKeptAsTheyAre:
    @pytest.mark.parametrize(
        ("written", "expected"),
        [
            ("+2250708972339", "+2250708972339"),
            ("07 08 97 23 39", "+2250708972339"),
            ("+225 27 22 44 53 53", "+2252722445353"),
            ("+33 1 42 68 53 00", "+33142685300"),
        ],
    )
    def test_valid_numbers_are_kept(self, written: str, expected: str) -> None:
        number = convert_number(written)
        assert number is not None
        assert (number.numero, number.confiance, number.convertible) == (
            expected,
            "probable",
            True,
        )


class TestGarbage:
    @pytest.mark.parametrize(
        "written", ["", "0", "9683141", "+2255822262", "n/a", "185", "+225 07 08", "+33 12"]
    )
    def test_it_is_dropped(self, written: str) -> None:
        assert convert_number(written) is None
        assert parse_contact_numbers(written) == []


class TestCells:
    def test_several_numbers_in_one_cell(self) -> None:
        numbers = parse_contact_numbers("22 44 53 53 / 07 12 34 56 ou 01 02 03 04; 0")
        assert [n.numero for n in numbers] == [
            "+2252722445353",
            "+2250707123456",
            "+2250101020304",
        ]
        assert [n.numero_source for n in numbers] == ["22 44 53 53", "07 12 34 56", "01 02 03 04"]

    def test_a_number_written_twice_is_kept_once(self) -> None:
        numbers = parse_contact_numbers("+22508972339, 07 08 97 23 39")
        assert [n.numero for n in numbers] == ["+2250708972339"]

    def test_the_source_text_fits_its_column(self) -> None:
        numbers = parse_contact_numbers("Tél. standard de l'hôpital, poste accueil : 22445353")
        assert [n.numero for n in numbers] == ["+2252722445353"]
        assert all(len(n.numero_source) <= 40 for n in numbers)


class TestTheSeedFile:
    def test_every_cell_of_the_osm_file(self) -> None:
        text = (
            resources.files("hostolink")
            .joinpath("data", "sante", "civ_healthsites_io_osm_2020-03.csv")
            .read_text("utf-8")
        )
        cells = [r["contact_number"] for r in csv.DictReader(io.StringIO(text))]
        cells = [cell for cell in cells if cell.strip()]
        results = [parse_contact_numbers(cell) for cell in cells]
        numbers = [n for found in results for n in found]
        assert len(cells) == 237
        assert sum(1 for n in numbers if n.convertible) == 227
        assert sum(1 for n in numbers if not n.convertible) == 3
        assert sum(1 for found in results if not found) == 7  # "0", 7-digit numbers
        assert all(DIALABLE.match(n.numero) for n in numbers)
        assert all(n.confiance == "a_verifier" for n in numbers if not n.convertible)
