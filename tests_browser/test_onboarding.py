"""Onboarding in the browser, as the owner describes it: identifier → (new) password twice →
code from the outbox → dashboard; log out and in again; a wrong password; a forgotten one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, Person, fresh_phone

Shoot = Callable[[Page, str], Path]


pytestmark = pytest.mark.usefixtures("no_script_error")


def type_identifier(page: Page, identifier: str) -> None:
    page.goto("/")
    page.get_by_label("Numéro de téléphone ou e-mail").fill(identifier)
    page.get_by_role("button", name="Continuer").click()


class TestSignUp:
    def test_new_person_reaches_the_dashboard(
        self, phone: Page, outbox: Callable[[str], str], shoot: Shoot
    ) -> None:
        number = fresh_phone()
        phone.goto("/")
        expect(phone.get_by_role("heading", name="Bienvenue sur Hostolink")).to_be_visible()
        shoot(phone, "connexion-identifiant")
        # Written the way people write it: spaces, no country code.
        spaced = " ".join([number[:2], number[2:4], number[4:6], number[6:8], number[8:]])
        phone.get_by_label("Numéro de téléphone ou e-mail").fill(spaced)
        phone.get_by_role("button", name="Continuer").click()

        expect(phone.get_by_role("heading", name="Créez votre mot de passe")).to_be_visible()
        phone.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
        phone.get_by_label("Confirmez le mot de passe").fill(PASSWORD + "x")
        phone.get_by_role("button", name="Recevoir mon code").click()
        expect(phone.get_by_role("alert")).to_have_text(
            "Les deux mots de passe ne sont pas identiques."
        )
        phone.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
        shoot(phone, "inscription-mot-de-passe")
        phone.get_by_role("button", name="Recevoir mon code").click()

        expect(phone.get_by_role("heading", name="Entrez votre code")).to_be_visible()
        expect(phone.get_by_text("Mode développement")).to_be_visible()
        shoot(phone, "inscription-code")
        phone.get_by_label("Code à 6 chiffres").fill(outbox(number))
        phone.get_by_role("button", name="Valider").click()

        expect(phone.locator("#solde")).to_have_text("0\u00a0F\u00a0CFA")
        expect(phone.get_by_role("navigation", name="Navigation principale")).to_be_visible()
        expect(phone.locator("#carte img")).to_be_visible()
        shoot(phone, "accueil-nouveau-compte")

    def test_a_wrong_code_is_refused_in_french(
        self, phone: Page, outbox: Callable[[str], str]
    ) -> None:
        email = f"awa.{fresh_phone()}@exemple.ci"
        type_identifier(phone, email)
        phone.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
        phone.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
        phone.get_by_role("button", name="Recevoir mon code").click()
        expect(phone.get_by_role("heading", name="Entrez votre code")).to_be_visible()
        good = outbox(email)
        wrong = "000000" if good != "000000" else "111111"
        phone.get_by_label("Code à 6 chiffres").fill(wrong)
        phone.get_by_role("button", name="Valider").click()
        expect(phone.get_by_role("alert")).to_be_visible()
        expect(phone.get_by_role("heading", name="Entrez votre code")).to_be_visible()
        phone.get_by_label("Code à 6 chiffres").fill(good)
        phone.get_by_role("button", name="Valider").click()
        expect(phone.locator("#solde")).to_be_visible()


class TestReturningPerson:
    def test_log_out_then_log_in(
        self, phone: Page, make_person: Callable[..., Person], shoot: Shoot
    ) -> None:
        person = make_person()
        # Keyboard only: the field has the focus, Enter submits.
        phone.goto("/")
        expect(phone.get_by_label("Numéro de téléphone ou e-mail")).to_be_focused()
        phone.keyboard.type(person.identifier)
        phone.keyboard.press("Enter")
        expect(phone.get_by_label("Mot de passe")).to_be_focused()
        phone.keyboard.type(person.password)
        shoot(phone, "connexion-mot-de-passe")
        phone.keyboard.press("Enter")
        expect(phone.locator("#solde")).to_be_visible()

        phone.evaluate("import('/app/js/core.js').then((core) => core.session.logout())")
        expect(phone.get_by_role("heading", name="Bienvenue sur Hostolink")).to_be_visible()
        # The revoked session is gone for good: the dashboard asks to log in again.
        phone.goto("/#/")
        expect(phone.get_by_label("Numéro de téléphone ou e-mail")).to_be_visible()

    def test_wrong_password_shows_the_server_message(
        self, phone: Page, make_person: Callable[..., Person], shoot: Shoot
    ) -> None:
        person = make_person()
        type_identifier(phone, person.identifier)
        phone.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
        phone.get_by_role("button", name="Se connecter").click()
        alert = phone.get_by_role("alert")
        expect(alert).to_be_visible()
        expect(alert).to_contain_text("incorrect")
        shoot(phone, "connexion-mot-de-passe-incorrect")

    def test_lockout_message_after_repeated_failures(
        self, phone: Page, make_person: Callable[..., Person]
    ) -> None:
        person = make_person()
        type_identifier(phone, person.identifier)
        password = phone.get_by_label("Mot de passe")
        alert = phone.get_by_role("alert")
        for attempt in range(1, 8):
            password.fill(f"mauvais-{attempt}")
            phone.get_by_role("button", name="Se connecter").click()
            expect(alert).to_be_visible()
            expect(phone.get_by_role("button", name="Se connecter")).to_be_enabled()
            if "verrouillé" in (alert.text_content() or ""):
                break
        # The server's own sentence (423), with the wait.
        expect(alert).to_contain_text("Compte verrouillé : réessayez dans")

    def test_forgotten_password(
        self,
        *,
        phone: Page,
        make_person: Callable[..., Person],
        outbox: Callable[[str], str],
        shoot: Shoot,
    ) -> None:
        person = make_person()
        type_identifier(phone, person.identifier)
        phone.get_by_role("button", name="Mot de passe oublié ?").click()
        expect(phone.get_by_role("heading", name="Nouveau mot de passe")).to_be_visible()
        new_password = "Nouveau-Secret-42"
        phone.get_by_label("Code à 6 chiffres").fill(outbox(person.identifier))
        phone.get_by_label("Nouveau mot de passe", exact=True).fill(new_password)
        phone.get_by_label("Confirmez le nouveau mot de passe").fill(new_password)
        shoot(phone, "mot-de-passe-oublie")
        phone.get_by_role("button", name="Changer mon mot de passe").click()

        expect(phone.get_by_role("heading", name="Bon retour !")).to_be_visible()
        phone.get_by_label("Mot de passe").fill(new_password)
        phone.get_by_role("button", name="Se connecter").click()
        expect(phone.locator("#solde")).to_be_visible()


class TestUnverifiedAccount:
    def test_login_sends_a_code_then_the_dashboard(
        self, *, phone: Page, live_server: str, outbox: Callable[[str], str], shoot: Shoot
    ) -> None:
        # Someone chose a password but left before entering the code.
        number = fresh_phone()
        with httpx.Client(base_url=live_server) as http:
            http.post("/api/register-user", json={"identifier": number}).raise_for_status()
            http.post(
                "/api/define-password",
                json={"identifier": number, "password": PASSWORD, "confirmPassword": PASSWORD},
            ).raise_for_status()
        type_identifier(phone, number)
        phone.get_by_label("Mot de passe").fill(PASSWORD)
        phone.get_by_role("button", name="Se connecter").click()
        expect(phone.get_by_role("heading", name="Entrez votre code")).to_be_visible()
        phone.get_by_label("Code à 6 chiffres").fill(outbox(number))
        phone.get_by_role("button", name="Valider").click()
        expect(phone.locator("#solde")).to_be_visible()


class TestSession:
    def test_an_expired_access_token_is_renewed_without_asking(
        self, phone: Page, make_person: Callable[..., Person], open_as: Callable[..., None]
    ) -> None:
        person = make_person()
        stale = Person(person.identifier, "jeton-perime", person.refresh_token)
        open_as(phone, stale, "#/")
        expect(phone.locator("#solde")).to_have_text("0\u00a0F\u00a0CFA")
        stored = phone.evaluate("localStorage.getItem('hostolink.token')")
        assert stored not in {"jeton-perime", person.token}

    def test_a_session_ended_elsewhere_sends_back_to_sign_in(
        self,
        phone: Page,
        live_server: str,
        make_person: Callable[..., Person],
        open_as: Callable[..., None],
    ) -> None:
        """The person signs out from another device's copy of this session (or resets the
        password): the web app's access token ends at its next request, and it asks to sign
        in again rather than showing an error on a dead screen."""
        person = make_person()
        open_as(phone, person, "#/")
        expect(phone.locator("#solde")).to_have_text("0\u00a0F\u00a0CFA")
        ended = httpx.post(
            f"{live_server}/api/auth/logout", json={"refresh_token": person.refresh_token}
        )
        assert ended.status_code == 200
        phone.goto(f"{live_server}/#/historique")
        expect(phone.get_by_label("Numéro de téléphone ou e-mail")).to_be_visible()
        assert phone.evaluate("localStorage.getItem('hostolink.token')") is None
