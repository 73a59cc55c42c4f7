"""Referral in Chromium: Awa shares her code from « Parrainage » (Profil); Bintou opens the
invitation link, signs up through the web app with the code filled in, deposits through the
sandbox; the reward job runs (campaign without delay) and both see « Bonus de parrainage »
in their history. And a super-administrator creates a campaign in the back-office."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, ROOT, Person, fresh_phone, xof

ADMIN = "parrainage@hostolink.example"
DESKTOP = {"width": 1366, "height": 900}
Shoot = Callable[..., Path]


@pytest.fixture(scope="module")
def admin_password(database_url: str) -> str:
    """A super-administrator (`parrainage:gerer`), made by the command line on the server."""
    password = secrets.token_urlsafe(16)
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "hostolink", "create-admin", "--identifier", ADMIN, "--super"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "HOSTOLINK_ADMIN_PASSWORD": password},
        check=True,
        capture_output=True,
    )
    return password


@pytest.fixture(scope="module")
def running_campaign(live_server: str, admin_password: str) -> dict[str, Any]:
    """The campaign in force: 1 000 F CFA to the inviter, 500 to the invitee, from a first
    deposit of 5 000, paid at once (no validation delay)."""
    with httpx.Client(base_url=live_server, timeout=30) as http:
        login = http.post("/api/auth/login", json={"identifier": ADMIN, "password": admin_password})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        listed = http.get("/api/admin/parrainage/campagnes", headers=headers).json()["data"]
        active = [c for c in listed if c["en_cours"]]
        if active:
            return dict(active[0])
        now = time.time()
        created = http.post(
            "/api/admin/parrainage/campagnes",
            json={
                "nom": "Bienvenue chez Hostolink",
                "montant_parrain": 1_000,
                "montant_filleul": 500,
                "depot_minimum": 5_000,
                "budget": 1_000_000,
                "date_debut": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600)),
                "date_fin": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 30 * 86400)),
                "delai_validation_heures": 0,
                "motif": "Campagne des tests du navigateur",
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        return dict(created.json()["data"])


def _referrals(live_server: str, person: Person) -> dict[str, Any]:
    answer = httpx.get(f"{live_server}/api/parrainage", headers=person.headers(), timeout=30)
    answer.raise_for_status()
    data: dict[str, Any] = answer.json()["data"]
    return data


def _wait_rewarded(live_server: str, person: Person) -> None:
    """The reward job runs on the server's worker after the deposit's credit."""
    deadline = time.monotonic() + 60
    while not _referrals(live_server, person)["recompenses"]:
        assert time.monotonic() < deadline, "the referral bonus was never paid"
        time.sleep(0.3)


@pytest.mark.usefixtures("running_campaign")
def test_an_invitee_signs_up_with_the_code_and_both_get_the_bonus(  # fixtures by name
    *,
    new_phone: Callable[[], Page],
    make_person: Callable[..., Person],
    open_as: Callable[[Page, Person, str], None],
    outbox: Callable[[str], str],
    fund: Callable[[Person, int], None],
    live_server: str,
    shoot: Shoot,
) -> None:
    awa = make_person()
    awa_phone = new_phone()
    errors: list[str] = []
    awa_phone.on("pageerror", lambda error: errors.append(str(error)))
    open_as(awa_phone, awa, "#/profil")
    awa_phone.get_by_role("link", name="Parrainage : inviter mes proches").click()
    expect(awa_phone.get_by_role("heading", name="Mon code d'invitation")).to_be_visible()
    code = awa_phone.locator("#code-parrainage").inner_text()
    assert len(code) == 8
    expect(awa_phone.locator("#lien-parrainage")).to_have_text(f"{live_server}/i/{code}")
    expect(awa_phone.get_by_text("Personne ne s'est encore inscrit")).to_be_visible()
    expect(
        awa_phone.get_by_text("vous recevez 1\u00a0000\u00a0F\u00a0CFA", exact=False)
    ).to_be_visible()
    expect(awa_phone.get_by_role("button", name="Copier le lien")).to_be_visible()
    shoot(awa_phone, "parrainage-mon-code")

    # Bintou opens the shared link: the sign-up, with the code kept.
    bintou_phone = new_phone()
    bintou_phone.on("pageerror", lambda error: errors.append(str(error)))
    bintou_phone.goto(f"/i/{code.lower()}")
    expect(
        bintou_phone.get_by_role("heading", name="Vous êtes invité sur Hostolink")
    ).to_be_visible()
    expect(bintou_phone.locator("#code-invitation")).to_have_text(code)
    shoot(bintou_phone, "parrainage-invitation")
    bintou_phone.get_by_role("link", name="Créer mon compte").click()
    number = fresh_phone()
    bintou_phone.get_by_label("Numéro de téléphone ou e-mail").fill(number)
    bintou_phone.get_by_role("button", name="Continuer").click()
    expect(bintou_phone.get_by_role("heading", name="Créez votre mot de passe")).to_be_visible()
    bintou_phone.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    bintou_phone.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    bintou_phone.get_by_role("button", name="Recevoir mon code").click()
    # The code screen shows once define-password has answered: the code is in the outbox.
    expect(bintou_phone.get_by_role("heading", name="Entrez votre code")).to_be_visible()
    bintou_phone.get_by_label("Code à 6 chiffres").fill(outbox(number))
    bintou_phone.get_by_role("button", name="Valider").click()
    expect(bintou_phone.locator("#solde")).to_have_text(xof(0))

    invitees = _referrals(live_server, awa)["filleuls"]
    assert [i["statut_libelle"] for i in invitees] == ["inscrit"]
    bintou = Person(
        number,
        bintou_phone.evaluate("localStorage.getItem('hostolink.token')"),
        bintou_phone.evaluate("localStorage.getItem('hostolink.refresh')"),
    )
    fund(bintou, 5_000)
    _wait_rewarded(live_server, awa)

    bintou_phone.goto("/#/transactions")
    expect(bintou_phone.get_by_text("Bonus de parrainage").first).to_be_visible()
    expect(bintou_phone.get_by_text(f"+{xof(500)}")).to_be_visible()
    shoot(bintou_phone, "parrainage-historique-filleul")

    awa_phone.goto("/#/transactions")
    expect(awa_phone.get_by_text("Bonus de parrainage").first).to_be_visible()
    expect(awa_phone.get_by_text(f"+{xof(1_000)}")).to_be_visible()
    awa_phone.goto("/#/parrainage")
    expect(awa_phone.locator("#filleuls")).to_contain_text("récompensé")
    expect(awa_phone.locator("#bonus")).to_contain_text(f"+{xof(1_000)}")
    shoot(awa_phone, "parrainage-filleul-recompense")
    assert errors == []


@pytest.fixture
def desk(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server, viewport=DESKTOP, locale="fr-FR", timezone_id="Africa/Abidjan"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def test_a_super_administrator_creates_a_campaign_in_the_back_office(
    desk: Page, admin_password: str, shoot: Shoot
) -> None:
    desk.goto("/admin/login")
    desk.get_by_label("Téléphone ou e-mail").fill(ADMIN)
    desk.get_by_label("Mot de passe").fill(admin_password)
    desk.get_by_role("button", name="Se connecter").click()
    expect(desk.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    desk.goto("/admin/parrainage")
    expect(desk.get_by_role("heading", name="Campagnes de parrainage")).to_be_visible()
    desk.get_by_label("Nom").fill("Fête des mères")
    desk.get_by_label("Bonus du parrain (F CFA)").fill("2000")
    desk.get_by_label("Bonus du filleul (F CFA)").fill("1000")
    desk.get_by_label("Premier dépôt minimum (F CFA)").fill("10000")
    desk.get_by_label("Budget total (F CFA)").fill("500000")
    desk.get_by_label("Inscriptions du (UTC)").fill("2027-05-01T00:00")
    desk.get_by_label("au (exclu, UTC)").fill("2027-06-01T00:00")
    desk.get_by_label("Délai de validation (heures)").fill("48")
    # Prepared now, switched on later: another campaign may be running.
    desk.get_by_label("Active (une seule à la fois)").uncheck()
    desk.get_by_label("Motif (obligatoire, journalisé)").fill("Validé par le marketing")
    desk.get_by_role("button", name="Créer la campagne").click()
    expect(desk.get_by_text("Campagne « Fête des mères » créée.")).to_be_visible()
    row = desk.locator("#campagnes tr", has_text="Fête des mères")
    expect(row).to_contain_text("500\u00a0000\u00a0F")
    expect(row).to_contain_text("inactive")
    shoot(desk, "backoffice-parrainage")
