"""The help desk end to end in Chromium, three browsers at once: a person (phone, the web
app) whose withdrawal the operator confirmed but whose money never arrived opens a
conversation about it from the withdrawal's screen and makes a claim; a support agent
(back-office) takes it, sees the withdrawal in the context panel, writes with a canned
answer (the person sees the agent typing, then the answer, live), reads the person's reply
live, and proposes a reversal above the approval threshold; a second administrator (a
third browser) approves it; the person sees the decision arrive live and the money back.
Every screen is saved in docs/captures/."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import text
from test_accessibility import AUDIT

from conftest import PASSWORD, ROOT, Person, _run, balance, fresh_phone, xof
from hostolink.db import create_engine
from hostolink.kit.identifiers import parse_identifier

Shoot = Callable[..., Path]
Open = Callable[[Page, Person, str], None]
DESKTOP = {"width": 1366, "height": 900}
APPROVER = "controle.assistance@hostolink.example"
FUNDS = 30_000
AMOUNT = 12_000  # above the default approval threshold (10 000 F)


def _sql(database_url: str, statement: str, **params: Any) -> None:
    async def run() -> None:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(statement), params)
        finally:
            await engine.dispose()

    _run(run())


def _named(live_server: str, person: Person, prenom: str, nom: str) -> None:
    answer = httpx.patch(
        f"{live_server}/api/user/me",
        json={"prenom": prenom, "nom": nom},
        headers=person.headers(),
        timeout=30,
    )
    answer.raise_for_status()


def _withdrawal(live_server: str, person: Person, amount: int) -> str:
    """A withdrawal the sandbox operator confirms (the person will say nothing arrived)."""
    with httpx.Client(base_url=live_server, timeout=30, headers=person.headers()) as http:
        answer = http.post(
            "/api/retraits",
            json={
                "fournisseur": "sandbox",
                "montant": amount,
                "numero": fresh_phone(),
                "pin": PASSWORD,
            },
            headers={"Idempotency-Key": secrets.token_hex(16)},
        )
        assert answer.status_code in (200, 201, 202), answer.text
        reference: str = answer.json()["data"]["reference"]
        deadline = time.monotonic() + 60
        while http.get(f"/api/operations/{reference}").json()["data"]["statut"] != "reussie":
            assert time.monotonic() < deadline, "the sandbox never paid the withdrawal"
            time.sleep(0.3)
    return reference


@pytest.fixture
def desktops(browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Back-office browsers (each its own cookies), failing the test on a script error."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_desktop() -> Page:
        context = browser.new_context(
            base_url=live_server, viewport=DESKTOP, locale="fr-FR", timezone_id="Africa/Abidjan"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_desktop
    for context in contexts:
        context.close()
    assert not errors, errors


@pytest.fixture
def approver_password(database_url: str) -> str:
    """The second pair of eyes: an administrator made with the command line."""
    password = secrets.token_urlsafe(16)
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "hostolink",
            "create-admin",
            "--identifier",
            APPROVER,
            "--prenom",
            "Mariam",
            "--nom",
            "Contrôle",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "HOSTOLINK_ADMIN_PASSWORD": password},
        check=True,
        capture_output=True,
    )
    return password


def _sign_in(page: Page, identifier: str, password: str) -> None:
    page.goto("/admin/login")
    page.get_by_label("Téléphone ou e-mail").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()


def test_a_withdrawal_claim_from_the_person_to_the_approved_reversal(
    *,
    new_phone: Callable[[], Page],
    desktops: Callable[[], Page],
    make_person: Callable[..., Person],
    fund: Callable[[Person, int], None],
    open_as: Open,
    live_server: str,
    database_url: str,
    approver_password: str,
    shoot: Shoot,
) -> None:
    # The person: funded, then a withdrawal the operator says it paid.
    awa = make_person()
    _named(live_server, awa, "Awa", "Koné")
    fund(awa, FUNDS)
    reference = _withdrawal(live_server, awa, AMOUNT)
    after_withdrawal = balance(live_server, awa)
    assert after_withdrawal <= FUNDS - AMOUNT

    # The agent: a person given the « agent » role.
    fatou = make_person()
    _named(live_server, fatou, "Fatou", "Traoré")
    _sql(
        database_url,
        "INSERT INTO utilisateur_role (id_user, id_role) SELECT u.id_user, r.id_role"
        " FROM utilisateur u, role_permission r WHERE u.telephone = :t AND r.code = 'agent'",
        t=parse_identifier(fatou.identifier).value,
    )

    # Context 1, the person's phone: from the withdrawal's screen, a conversation about it.
    phone = new_phone()
    open_as(phone, awa, f"#/operations/{reference}")
    phone.get_by_role("link", name="Un problème ? Contacter le support").click()
    expect(phone.get_by_label("Opération concernée (facultatif)")).to_have_value(f"o:{reference}")
    phone.get_by_label("Sujet").fill("Retrait non reçu sur mon mobile money")
    phone.get_by_label("Message", exact=True).fill(
        "Mon retrait de 12 000 F est marqué réussi mais je n'ai rien reçu sur mon numéro."
    )
    phone.get_by_role("button", name="Envoyer").click()
    expect(phone).to_have_url(re.compile(r"#/aide/conversations/\d+$"))
    conversation_id = int(phone.url.rsplit("/", 1)[1])
    expect(phone.locator('ol.chat[data-live="true"]')).to_be_attached()
    phone.get_by_role("button", name="Faire une réclamation").click()
    phone.get_by_label("Motif").select_option("non_recu")
    phone.get_by_label("Description").fill(
        "L'opérateur dit avoir payé mais mon compte mobile money n'a rien reçu."
    )
    phone.get_by_role("button", name="Envoyer la réclamation").click()
    claim = phone.locator(".claim")
    expect(claim).to_contain_text("Ouverte")
    phone.evaluate("window.notReloaded = true")

    # Context 2, the agent's back-office: a canned answer first, then the queue.
    desk = desktops()
    _sign_in(desk, fatou.identifier, PASSWORD)
    desk.goto("/admin/aide")
    desk.get_by_label("Titre").fill("Retrait non reçu : vérification")
    desk.get_by_label("Texte inséré").fill(
        "Nous vérifions votre retrait auprès de l'opérateur ; s'il ne vous a pas payé, "
        "l'argent vous sera rendu."
    )
    desk.get_by_role("button", name="Ajouter la réponse type").click()
    expect(desk.locator("#liste-reponses-types")).to_contain_text("Retrait non reçu")
    shoot(desk, "assistance-01-aide-faq-reponses-types")
    assert desk.evaluate(AUDIT) == []

    desk.goto("/admin/assistance")
    row = desk.locator(f"#conversation-{conversation_id}")
    expect(row).to_contain_text("Retrait non reçu sur mon mobile money")
    expect(row).to_contain_text("Awa Koné")
    expect(row).to_contain_text(reference)
    expect(desk.locator("#plus-ancienne")).to_be_visible()
    shoot(desk, "assistance-02-file")
    assert desk.evaluate(AUDIT) == []
    row.get_by_role("link").click()

    # The conversation: the withdrawal in the context panel, then « Prendre ».
    expect(desk.locator("#objet-conversation")).to_contain_text(reference)
    expect(desk.locator("#objet-conversation")).to_contain_text("reussie")
    expect(desk.locator("#contexte-operations")).to_contain_text("Retrait")
    expect(desk.locator("#reclamations")).to_contain_text("Argent non reçu")
    desk.get_by_role("button", name="Prendre").click()
    expect(desk.locator("#agent-conversation")).to_contain_text("Fatou")

    # A canned answer inserted and sent; the person sees the agent typing, then the answer.
    desk.get_by_label("Réponse type").select_option(label="Retrait non reçu : vérification")
    reply = desk.get_by_label("Votre réponse")
    expect(reply).to_have_value(re.compile(r"^Nous vérifions votre retrait"))
    reply.press_sequentially(" Bonjour Awa.")
    expect(phone.get_by_text("L'agent écrit…")).to_be_visible()
    shoot(phone, "assistance-03-personne-agent-ecrit")
    desk.get_by_role("button", name="Envoyer").click()
    expect(phone.locator(".msg.agent")).to_contain_text("Nous vérifions votre retrait")
    assert phone.evaluate("window.notReloaded") is True

    # An internal note: on the desk only, labelled as such.
    desk.get_by_label("Votre réponse").fill("Opérateur à relancer : référence de paiement absente.")
    desk.get_by_label("Note interne (jamais montrée à la personne)").check()
    desk.get_by_role("button", name="Envoyer").click()
    note = desk.locator(".note-interne")
    expect(note).to_contain_text("Note interne")
    expect(note).to_contain_text("Opérateur à relancer")

    # The person answers: their typing, then their message, appear on the desk live.
    desk.evaluate("window.notReloaded = true")
    phone.get_by_label("Votre message").press_sequentially("Toujours rien reçu")
    expect(desk.locator("#ecrit")).to_contain_text("Awa écrit…")
    phone.get_by_role("button", name="Envoyer").click()
    expect(desk.locator("#messages .auteur-utilisateur").last).to_contain_text("Toujours rien reçu")
    assert desk.evaluate("window.notReloaded") is True
    expect(phone.locator(".msg", has_text="Opérateur à relancer")).to_have_count(0)
    shoot(desk, "assistance-04-conversation")
    assert desk.evaluate(AUDIT) == []

    # The reversal proposed above the threshold: it waits for a second person.
    panel = desk.locator(".decision-reclamation")
    panel.get_by_label("Résolution").select_option("contre_passation")
    panel.get_by_label("Motif (obligatoire, journalisé)").fill(
        "Opérateur sans preuve de paiement : retrait contre-passé"
    )
    panel.get_by_role("button", name="Proposer la décision").click()
    expect(desk.locator(".toast, .alert").first).to_be_attached()
    expect(desk.locator("#reclamations [data-statut]")).to_have_attribute(
        "data-statut", "a_approuver"
    )
    expect(desk.locator("#reclamations")).to_contain_text("reclamations:approuver")
    desk.locator("#reclamations").scroll_into_view_if_needed()
    shoot(desk, "assistance-05-reclamation-proposee")
    assert balance(live_server, awa) == after_withdrawal

    # Context 3, a second administrator: the dashboard's figures, then the approval.
    control = desktops()
    _sign_in(control, APPROVER, approver_password)
    figures = control.locator("#chiffres-assistance")
    expect(figures).to_contain_text("Première réponse")
    expect(figures.locator('[data-assistance="a-approuver"]')).not_to_have_text("0")
    shoot(control, "assistance-06-tableau-de-bord")
    assert control.evaluate(AUDIT) == []
    control.goto("/admin/reclamations")
    waiting = control.locator("#a-approuver .reclamation").filter(has_text=reference)
    expect(waiting).to_contain_text("Contre-passation")
    waiting.get_by_label("Motif de l'approbation ou du refus").fill(
        "Vérifié avec l'opérateur : aucun paiement"
    )
    shoot(control, "assistance-07-reclamations-a-approuver")
    assert control.evaluate(AUDIT) == []
    waiting.get_by_role("button", name="Approuver").click()
    expect(control.locator("#a-approuver")).to_contain_text(
        "Aucune décision n'attend d'approbation."
    )

    # The person: the decision arrives live, and the money is back.
    expect(claim).to_contain_text("Résolue")
    expect(phone.locator(".msg", has_text="vous ont été rendus")).to_be_visible()
    assert phone.evaluate("window.notReloaded") is True
    # The claim's new state and the system message that tells it, together on the screen.
    phone.locator(".msg", has_text="vous ont été rendus").evaluate(
        "(el) => el.scrollIntoView({ block: 'center' })"
    )
    shoot(phone, "assistance-08-personne-reponse-et-remboursement")
    assert balance(live_server, awa) == FUNDS
    phone.goto("/#/")
    expect(phone.locator("#solde")).to_have_text(xof(FUNDS))
    shoot(phone, "assistance-09-personne-solde-rendu")

    # The agent's page followed the claim live.
    expect(desk.locator("#reclamations [data-statut]")).to_have_attribute("data-statut", "resolue")
