"""Deposits and withdrawals in the browser, through the sandbox operator of the default
install: the deposit is confirmed on the operator's page, the status followed until settled;
a withdrawal the operator cannot find (it switched platforms) shows its money held, pending
then « en vérification », and the operators see it in their queue."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from conftest import ROOT, Person, _run, balance, xof
from hostolink.db import create_engine

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


OPERATOR = "verification@hostolink.example"
HELD = "En vérification par notre équipe, votre argent est bloqué, pas perdu."


def _sql(database_url: str, statement: str, **params: Any) -> None:
    async def run() -> None:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(statement), params)
        finally:
            await engine.dispose()

    _run(run())


@pytest.fixture
def operator_desk(browser: Browser, live_server: str, database_url: str) -> Iterator[Page]:
    """The back-office, signed in as an administrator made with the command line."""
    password = secrets.token_urlsafe(16)
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "hostolink", "create-admin", "--identifier", OPERATOR],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "HOSTOLINK_ADMIN_PASSWORD": password},
        check=True,
        capture_output=True,
    )
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 1366, "height": 900},
        locale="fr-FR",
        timezone_id="Africa/Abidjan",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/admin/login")
    page.get_by_label("Téléphone ou e-mail").fill(OPERATOR)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    yield page
    context.close()


class TestHeldWithdrawal:
    def test_the_money_shows_held_then_in_verification(
        self,
        *,
        phone: Page,
        make_person: Callable[..., Person],
        fund: Callable[[Person, int], None],
        open_as: Open,
        live_server: str,
        database_url: str,
        operator_desk: Page,
        shoot: Shoot,
    ) -> None:
        person = make_person()
        fund(person, 10_000)
        open_as(phone, person, "#/retrait")
        phone.get_by_role("group", name="Moyen de paiement").locator(
            "[data-code='sandbox']"
        ).click()
        phone.get_by_label("Montant (F CFA)").fill("3000")
        # Ending in 95: the sandbox operator switched platforms, its status call answers
        # « not found » for a while and its notification never comes.
        phone.get_by_label("Numéro mobile money").fill("0700000095")
        phone.get_by_label("Mot de passe (PIN)").fill(person.password)
        phone.get_by_role("button", name="Retirer", exact=True).click()

        expect(phone.locator("#statut")).to_have_text("En attente de confirmation")
        total = int(
            phone.locator("dt:has-text('Total débité') + dd")
            .inner_text()
            .replace("\u00a0", "")
            .replace("FCFA", "")
        )
        expect(phone.locator("#montant-bloque-operation")).to_contain_text(
            f"Montant bloqué : {xof(total)}"
        )
        reference = phone.url.rsplit("/", 1)[-1]
        shoot(phone, "retrait-montant-bloque")

        phone.goto("/#/")
        expect(phone.locator("#solde")).to_have_text(xof(10_000 - total))
        expect(phone.locator("#montant-bloque")).to_have_text(
            f"Montant bloqué : {xof(total)} (retrait en cours)"
        )
        shoot(phone, "accueil-montant-bloque")

        # As if a day had passed: the server's own reconciliation asks the operator (« not
        # found ») and, past the horizon, hands the withdrawal to our team. Nothing comes back.
        _sql(
            database_url,
            "UPDATE operation_fournisseur SET date_creation = now() - interval '25 hours',"
            " date_prochaine_verification = now() WHERE reference = CAST(:r AS uuid)",
            r=reference,
        )
        phone.goto(f"/#/operations/{reference}")
        expect(phone.locator("#statut")).to_have_text("En vérification", timeout=60_000)
        expect(phone.get_by_text(HELD)).to_be_visible()
        expect(phone.locator("#montant-bloque-operation")).to_have_text(
            f"Montant bloqué : {xof(total)}"
        )
        shoot(phone, "retrait-en-verification")
        assert balance(live_server, person) == 10_000 - total

        operator_desk.goto("/admin/taches#a-verifier")
        queue = operator_desk.locator("#operations-a-verifier")
        expect(queue).to_contain_text(reference)
        expect(queue.get_by_role("link", name="Décider")).to_be_visible()
        operator_desk.locator("#a-verifier").scroll_into_view_if_needed()
        shoot(operator_desk, "admin-26-a-verifier")
        queue.get_by_role("link", name="Décider").click()
        expect(operator_desk.locator("#statut-operation")).to_have_text("a_verifier")
        expect(operator_desk.locator("#a-verifier")).to_contain_text("restent bloqués")
        shoot(operator_desk, "admin-27-a-verifier-operation")
