"""Changer de numéro ou d'e-mail in a real browser: from Profil, the new number and the PIN
(a wrong PIN is told in the form), then the code sent to the new number; the profile then
shows the new number, and the new number signs in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from people import PASSWORD, Person, make_person, sign_in
from playwright.sync_api import Page, expect

from conftest import fresh_phone
from hostolink.kit.identifiers import parse_identifier

Shoot = Callable[[Page, str], Path]


@pytest.fixture
def person(live_server: str, outbox: Callable[[str], str]) -> Person:
    return make_person(live_server, outbox, prenom="Awa", nom="Koné")


class TestChangeIdentifier:
    def test_add_a_number_with_pin_and_code(
        self,
        phone: Page,
        person: Person,
        live_server: str,
        outbox: Callable[[str], str],
        shoot: Shoot,
    ) -> None:
        sign_in(phone, person, "#/profil")
        phone.get_by_role("link", name="Changer de numéro ou d'e-mail").click()
        expect(phone.locator(".current-email")).to_have_text(person.identifier)
        expect(phone.locator(".current-phone")).to_have_text("aucun")

        number = fresh_phone()
        phone.get_by_label("Nouveau numéro ou e-mail").fill(number)
        phone.get_by_label("PIN (mot de passe) actuel").fill("mauvais-pin")
        phone.get_by_role("button", name="Recevoir le code").click()
        expect(phone.locator(".form-error")).to_have_text("PIN incorrect.")
        shoot(phone, "identifiant-pin-incorrect")

        phone.get_by_label("PIN (mot de passe) actuel").fill(PASSWORD)
        phone.get_by_role("button", name="Recevoir le code").click()
        code_field = phone.get_by_label("Code à 6 chiffres")
        expect(code_field).to_be_focused()
        expect(phone.locator(".notice")).to_contain_text("par SMS")
        shoot(phone, "identifiant-code")

        phone.get_by_label("Code à 6 chiffres").fill("000000")
        phone.get_by_role("button", name="Confirmer le changement").click()
        expect(phone.locator(".form-error")).to_contain_text("Code OTP incorrect")

        code_field.fill(outbox(number))
        phone.get_by_role("button", name="Confirmer le changement").click()
        expect(phone.locator(".toast")).to_contain_text("numéro de téléphone a été modifié")
        expect(phone.locator(".profile-name")).to_have_text("Awa Koné")
        e164 = parse_identifier(number).value
        phone.get_by_role("link", name="Changer de numéro ou d'e-mail").click()
        expect(phone.locator(".current-phone")).to_have_text(e164)
        expect(phone.locator(".current-email")).to_have_text(person.identifier)
        shoot(phone, "identifiant-apres")

        me = httpx.get(f"{live_server}/api/user/me", headers=person.headers).json()["data"]
        assert (me["telephone"], me["email"]) == (e164, person.identifier)
        login = httpx.post(
            f"{live_server}/api/auth/login", json={"identifier": number, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text

    def test_a_taken_number_is_refused_in_the_form(
        self, phone: Page, person: Person, live_server: str, outbox: Callable[[str], str]
    ) -> None:
        other = make_person(live_server, outbox, prenom="Binta", nom="Diallo")
        sign_in(phone, person, "#/profil/identifiant")
        phone.get_by_label("Nouveau numéro ou e-mail").fill(other.identifier.upper())
        phone.get_by_label("PIN (mot de passe) actuel").fill(PASSWORD)
        phone.get_by_role("button", name="Recevoir le code").click()
        expect(phone.locator(".form-error")).to_have_text(
            "Cette adresse e-mail est déjà utilisée par un compte Hostolink."
        )
