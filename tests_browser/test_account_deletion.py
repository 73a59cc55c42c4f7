"""Delete my account in a real browser: the public page the app stores link to
(/suppression-compte) explains what is deleted and kept, signs the person in with their
identifier and PIN, refuses while they hold money (with the reason and what to do), and
deletes once the balance went to a relative; the same screen is reached from Profil."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, Person, balance

Shoot = Callable[..., Path]
Open = Callable[[Page, Person, str], None]

pytestmark = pytest.mark.usefixtures("no_script_error")


def _send_all(live_server: str, sender: Person, to: Person, amount: int) -> None:
    answer = httpx.post(
        f"{live_server}/api/transferts",
        json={"destinataire": to.identifier, "montant": amount, "pin": PASSWORD},
        headers={**sender.headers(), "Idempotency-Key": secrets.token_hex(16)},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text


class TestPublicPage:
    def test_refused_with_a_balance_then_deleted_after_sending_it_to_a_relative(
        self,
        *,
        phone: Page,
        make_person: Callable[..., Person],
        fund: Callable[[Person, int], None],
        live_server: str,
        shoot: Shoot,
    ) -> None:
        awa, relative = make_person(), make_person()
        fund(awa, 3_000)

        phone.goto("/suppression-compte")
        expect(phone).to_have_url(f"{live_server}/#/suppression-compte")
        expect(phone.get_by_role("heading", name="Supprimer mon compte Hostolink")).to_be_visible()
        expect(phone.get_by_text("Ce qui est gardé, et pourquoi")).to_be_visible()
        expect(phone.get_by_text("10 ans", exact=False)).to_be_visible()
        shoot(phone, "suppression-compte-page-publique")

        phone.get_by_label("Numéro de téléphone ou e-mail").fill(awa.identifier)
        phone.get_by_label("PIN (mot de passe)").fill(PASSWORD)
        phone.get_by_role("button", name="Se connecter").click()
        refusal = phone.locator(".deletion-reasons [data-code='solde']")
        expect(refusal).to_contain_text("Votre solde est de 3 000 F CFA.")
        expect(refusal).to_contain_text("Retirez-le d'abord")
        expect(phone.get_by_role("link", name="Retirer mon solde")).to_be_visible()
        expect(
            phone.get_by_role("button", name="Supprimer définitivement mon compte")
        ).to_have_count(0)
        shoot(phone, "suppression-compte-refus")

        _send_all(live_server, awa, relative, 3_000)
        assert balance(live_server, awa) == 0
        phone.goto("/suppression-compte")
        expect(phone.get_by_role("heading", name="Confirmer la suppression")).to_be_visible()
        phone.get_by_label("Votre PIN (mot de passe)").fill(PASSWORD)
        phone.get_by_label("Écrivez SUPPRIMER pour confirmer").fill("supprimer")
        phone.get_by_role("button", name="Supprimer définitivement mon compte").click()
        expect(phone.locator("form .form-error")).to_contain_text("SUPPRIMER en majuscules")
        phone.get_by_label("Écrivez SUPPRIMER pour confirmer").fill("SUPPRIMER")
        phone.get_by_role(
            "button", name="Supprimer définitivement mon compte"
        ).scroll_into_view_if_needed()
        shoot(phone, "suppression-compte-confirmer")
        phone.get_by_role("button", name="Supprimer définitivement mon compte").click()
        expect(phone.get_by_role("heading", name="Compte supprimé")).to_be_visible()
        expect(phone.locator(".deletion-done")).to_contain_text("historique de vos transactions")
        shoot(phone, "suppression-compte-faite")

        assert phone.evaluate("localStorage.getItem('hostolink.token')") is None
        me = httpx.get(f"{live_server}/api/user/me", headers=awa.headers(), timeout=30)
        assert me.status_code == 401
        again = httpx.post(
            f"{live_server}/api/auth/login",
            json={"identifier": awa.identifier, "password": PASSWORD},
            timeout=30,
        )
        assert again.status_code in (401, 404), again.text


class TestFromProfile:
    def test_profile_links_to_the_deletion_screen(
        self,
        *,
        phone: Page,
        make_person: Callable[..., Person],
        open_as: Open,
        shoot: Shoot,
    ) -> None:
        person = make_person()
        open_as(phone, person, "#/profil")
        phone.get_by_role("link", name="Supprimer mon compte").click()
        expect(phone).to_have_url(re.compile(r"#/suppression-compte$"))
        expect(phone.get_by_role("heading", name="Confirmer la suppression")).to_be_visible()
        phone.get_by_label("Votre PIN (mot de passe)").fill("pas-le-bon-pin")
        phone.get_by_label("Écrivez SUPPRIMER pour confirmer").fill("SUPPRIMER")
        phone.get_by_role("button", name="Supprimer définitivement mon compte").click()
        expect(phone.locator("form .form-error")).to_contain_text("PIN incorrect")
        shoot(phone, "suppression-compte-depuis-profil")
