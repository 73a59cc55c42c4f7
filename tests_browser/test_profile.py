"""The profile in a real browser: edit my name and country, change my photo, submit my
identity document (then « en attente »), log out."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from people import Person, make_person, png, sign_in
from playwright.sync_api import Page, expect

Shoot = Callable[[Page, str], Path]


@pytest.fixture
def person(live_server: str, outbox: Callable[[str], str]) -> Person:
    return make_person(live_server, outbox, prenom="Awa", nom="Koné")


class TestProfile:
    def test_edit_name_and_photo(
        self, phone: Page, person: Person, live_server: str, shoot: Shoot, tmp_path: Path
    ) -> None:
        sign_in(phone, person, "#/profil")
        expect(phone.locator(".profile-name")).to_have_text("Awa Koné")
        phone.get_by_label("Prénom").fill("Aminata")
        phone.get_by_label("Nom", exact=True).fill("Traoré")
        phone.get_by_label("Pays").fill("Côte d'Ivoire")
        phone.get_by_role("button", name="Enregistrer").click()
        expect(phone.locator(".toast")).to_contain_text("Profil mis à jour")
        expect(phone.locator(".profile-name")).to_have_text("Aminata Traoré")

        phone.locator("#profil-photo").set_input_files(
            str(png(tmp_path / "moi.png", 120, 120, (200, 120, 40)))
        )
        photo = phone.get_by_alt_text("Ma photo de profil")
        expect(photo).to_be_visible()
        assert photo.evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
        shoot(phone, "profil")

        me = httpx.get(f"{live_server}/api/user/me", headers=person.headers).json()["data"]
        assert (me["prenom"], me["nom"], me["pays"]) == ("Aminata", "Traoré", "Côte d'Ivoire")
        assert me["photo_profile"]

        phone.reload()
        expect(phone.get_by_label("Prénom")).to_have_value("Aminata")

    def test_identity_verification_is_pending(
        self, phone: Page, person: Person, shoot: Shoot, tmp_path: Path
    ) -> None:
        sign_in(phone, person, "#/profil")
        form = phone.locator("form.kyc-form")
        form.get_by_label("Type de pièce").select_option("cni")
        form.get_by_label("Numéro de la pièce").fill("CI004512378")
        form.get_by_label("Recto de la pièce").set_input_files(
            str(png(tmp_path / "recto.png", 160, 100))
        )
        form.get_by_label("Verso de la pièce").set_input_files(
            str(png(tmp_path / "verso.png", 160, 100))
        )
        form.get_by_label("Selfie avec la pièce").set_input_files(
            str(png(tmp_path / "selfie.png", 100, 140))
        )
        shoot(phone, "profil-verification-formulaire")
        form.get_by_role("button", name="Envoyer ma demande").click()
        status = phone.locator(".kyc-status")
        expect(status).to_have_text("en attente")
        expect(phone.locator(".kyc-requests")).to_contain_text("CI004512378")
        expect(phone.locator("form.kyc-form")).to_have_count(0)
        status.scroll_into_view_if_needed()
        shoot(phone, "profil-verification-en-attente")

    def test_passport_needs_no_back(self, phone: Page, person: Person, tmp_path: Path) -> None:
        sign_in(phone, person, "#/profil")
        form = phone.locator("form.kyc-form")
        form.get_by_label("Type de pièce").select_option("passeport")
        expect(form.get_by_label("Verso de la pièce")).to_be_hidden()
        form.get_by_label("Numéro de la pièce").fill("20AB12345")
        form.get_by_label("Recto de la pièce").set_input_files(
            str(png(tmp_path / "recto.png", 160, 100))
        )
        form.get_by_label("Selfie avec la pièce").set_input_files(
            str(png(tmp_path / "selfie.png", 100, 140))
        )
        form.get_by_role("button", name="Envoyer ma demande").click()
        expect(phone.locator(".kyc-status")).to_have_text("en attente")

    def test_log_out(self, phone: Page, person: Person) -> None:
        sign_in(phone, person, "#/profil")
        phone.get_by_role("button", name="Se déconnecter").click()
        expect(phone).to_have_url(re.compile(r"#/connexion$"))
        assert phone.evaluate("localStorage.getItem('hostolink.token')") is None
