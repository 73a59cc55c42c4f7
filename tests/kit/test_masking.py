"""Masks and display names shown to other people: enough to recognise someone, never the
full identifier."""

from __future__ import annotations

import pytest

from hostolink.kit.masking import display_name, full_name, mask_email, mask_phone


class TestMaskPhone:
    @pytest.mark.parametrize(
        ("phone", "masked"),
        [
            ("+2250701020304", "+225 07 •• •• •• 04"),
            ("+2250101020399", "+225 01 •• •• •• 99"),
            ("+2252721000000", "+225 27 •• •• •• 00"),
            ("+33612345678", "+33 61 •• •• • 78"),
            ("+12025550123", "+1 20 •• •• •• 23"),
            (" +2250701020304 ", "+225 07 •• •• •• 04"),
        ],
    )
    def test_keeps_country_prefix_and_last_two_digits(self, phone: str, masked: str) -> None:
        assert mask_phone(phone) == masked

    def test_hides_the_middle(self) -> None:
        masked = mask_phone("+2250799887766") or ""

        assert "9988" not in masked.replace(" ", "")
        assert "887" not in masked.replace(" ", "")

    @pytest.mark.parametrize("phone", [None, "", "n'importe quoi", "+225", "+22507"])
    def test_nothing_shown_when_unreadable(self, phone: str | None) -> None:
        assert mask_phone(phone) is None


class TestMaskEmail:
    @pytest.mark.parametrize(
        ("email", "masked"),
        [
            ("awa.kone@gmail.com", "a•••@gmail.com"),
            ("a@example.ci", "a•••@example.ci"),
            ("ali.b@sub.example.com", "a•••@sub.example.com"),
        ],
    )
    def test_first_letter_and_domain(self, email: str, masked: str) -> None:
        assert mask_email(email) == masked

    def test_length_is_not_revealed(self) -> None:
        assert mask_email("a@x.ci") == "a•••@x.ci"
        assert mask_email("abcdefghijkl@x.ci") == "a•••@x.ci"

    @pytest.mark.parametrize("email", [None, "", "sans-arobase", "@example.com", "awa@"])
    def test_nothing_shown_when_unreadable(self, email: str | None) -> None:
        assert mask_email(email) is None


class TestFullName:
    @pytest.mark.parametrize(
        ("prenom", "nom", "name"),
        [
            ("Awa", "Koné", "Awa Koné"),
            ("  Marie   Claire ", " N'Guessan ", "Marie Claire N'Guessan"),
            ("Awa", None, "Awa"),
            (None, "Koné", "Koné"),
            ("  ", "", None),
            (None, None, None),
        ],
    )
    def test_both_parts_tidied(self, prenom: str | None, nom: str | None, name: str | None) -> None:
        assert full_name(prenom, nom) == name


class TestDisplayName:
    @pytest.mark.parametrize(
        ("prenom", "nom", "name"),
        [
            ("Awa", "Koné", "Awa K."),
            ("Marie  Claire", "n'guessan", "Marie Claire N."),
            ("Awa", None, "Awa"),
            ("Awa", "  ", "Awa"),
            (None, "Koné", None),
            (None, None, None),
        ],
    )
    def test_first_name_and_initial(
        self, prenom: str | None, nom: str | None, name: str | None
    ) -> None:
        assert display_name(prenom, nom) == name
