"""The name embossed on the card."""

from __future__ import annotations

import pytest

from hostolink.cards.service import FALLBACK_HOLDER, HOLDER_NAME_LENGTH, holder_name


class TestHolderName:
    @pytest.mark.parametrize(
        ("prenom", "nom", "expected"),
        [
            ("Awa", "Koné", "AWA KONE"),
            ("Aïcha", "Kouamé-N'Guessan", "AICHA KOUAME-N'GUESSAN"),
            ("  éloïse ", "  d'Almeida  ", "ELOISE D'ALMEIDA"),
            ("Jean", None, "JEAN"),
            (None, "Traoré", "TRAORE"),
        ],
    )
    def test_upper_case_without_accents(
        self, prenom: str | None, nom: str | None, expected: str
    ) -> None:
        assert holder_name(prenom, nom) == expected

    def test_cut_at_a_word_to_twenty_six_characters(self) -> None:
        name = holder_name("Marie-Christine Adjoua", "Yao Kouassi")
        assert name == "MARIE-CHRISTINE ADJOUA YAO"
        assert len(name) <= HOLDER_NAME_LENGTH

    def test_a_single_long_word_is_cut_hard(self) -> None:
        name = holder_name("A" * 40, None)
        assert name == "A" * HOLDER_NAME_LENGTH

    @pytest.mark.parametrize(("prenom", "nom"), [(None, None), ("", " "), ("李", "王"), ("1", "-")])
    def test_no_printable_name_falls_back(self, prenom: str | None, nom: str | None) -> None:
        assert holder_name(prenom, nom) == FALLBACK_HOLDER

    def test_symbols_become_spaces(self) -> None:
        assert holder_name("Kofi <b>", "Mensah & Fils") == "KOFI B MENSAH FILS"
