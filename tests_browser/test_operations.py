"""Deposits and withdrawals in the browser, through the sandbox operator of the default
install: the deposit is confirmed on the operator's page, the status followed until settled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import Person, balance, xof

Shoot = Callable[..., Path]
Open = Callable[[Page, Person, str], None]


pytestmark = pytest.mark.usefixtures("no_script_error")


class TestDeposit:
    def test_through_the_sandbox_page(
        self,
        *,
        phone: Page,
        make_person: Callable[..., Person],
        open_as: Open,
        live_server: str,
        shoot: Shoot,
    ) -> None:
        person = make_person()
        open_as(phone, person, "#/depot")
        providers = phone.get_by_role("group", name="Moyen de paiement")
        # Every rail the owner listed is shown; those without credentials say why not.
        for name in ("Orange Money", "MTN MoMo", "Moov Money", "Wave", "Djamo"):
            expect(providers.get_by_role("button", name=name)).to_be_visible()
        sandbox = providers.locator("[data-code='sandbox']")
        sandbox.click()
        expect(sandbox).to_have_attribute("aria-pressed", "true")
        phone.get_by_label("Montant (F CFA)").fill("10000")
        expect(phone.get_by_label("Numéro mobile money")).to_have_value(f"+225{person.identifier}")
        shoot(phone, "depot")
        phone.get_by_role("button", name="Déposer", exact=True).click()

        expect(phone.locator("#statut")).to_have_text("En attente de confirmation")
        shoot(phone, "depot-en-attente")
        with phone.context.expect_page() as opened:
            phone.locator("#payer-operateur").click()
        operator = opened.value
        operator.get_by_role("button", name="Confirmer le paiement").click()
        expect(operator.get_by_text("Revenir à Hostolink")).to_be_visible()
        shoot(operator, "depot-page-operateur")
        operator.close()

        # The page follows the operation by itself until the operator's notification lands.
        expect(phone.locator("#statut")).to_have_text("Réussie", timeout=60_000)
        expect(
            phone.get_by_text(f"Votre portefeuille est crédité de {xof(10_000)}.")
        ).to_be_visible()
        shoot(phone, "depot-reussi")
        phone.get_by_role("link", name="Retour à l'accueil").click()
        expect(phone.locator("#solde")).to_have_text(xof(10_000))
        assert balance(live_server, person) == 10_000


class TestWithdrawal:
    def test_to_a_mobile_money_number(
        self,
        *,
        phone: Page,
        make_person: Callable[..., Person],
        fund: Callable[[Person, int], None],
        open_as: Open,
        live_server: str,
        shoot: Shoot,
    ) -> None:
        person = make_person()
        fund(person, 10_000)
        open_as(phone, person, "#/retrait")
        phone.get_by_role("group", name="Moyen de paiement").locator(
            "[data-code='sandbox']"
        ).click()
        phone.get_by_label("Montant (F CFA)").fill("4000")
        phone.get_by_label("Mot de passe (PIN)").fill(person.password)
        shoot(phone, "retrait")
        phone.get_by_role("button", name="Retirer", exact=True).click()

        expect(phone.locator("#statut")).to_have_text("Réussie", timeout=60_000)
        shoot(phone, "retrait-reussi")
        total = int(
            phone.locator("dt:has-text('Total débité') + dd")
            .inner_text()
            .replace("\u00a0", "")
            .replace("FCFA", "")
        )
        assert total >= 4_000
        assert balance(live_server, person) == 10_000 - total

        phone.goto("/#/operations")
        expect(
            phone.get_by_role("list", name="Mes dépôts et retraits").get_by_role("link")
        ).to_have_count(2)
        shoot(phone, "operations")
