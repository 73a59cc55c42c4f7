"""The back-office in Chromium, at a desktop size, as an administrator uses it: sign in
(a wrong password first), the dashboard's charts, a person's file and a suspension, the KYC
documents side by side and an approval, a transaction's ledger entries and its reversal,
deposits, establishments, emergency numbers, management requests, rooms, moderation,
announcements, fees and the audit log. Every screen is saved in docs/captures/."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from conftest import ROOT, Person

ADMIN = "direction@hostolink.example"
DESKTOP = {"width": 1366, "height": 900}


def _image(color: str, size: tuple[int, int] = (640, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def admin_password(database_url: str) -> str:
    """A super-administrator made the only way there is: the command line on the server."""
    password = secrets.token_urlsafe(16)
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "hostolink",
            "create-admin",
            "--identifier",
            ADMIN,
            "--super",
            "--prenom",
            "Aminata",
            "--nom",
            "Direction",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "HOSTOLINK_ADMIN_PASSWORD": password},
        check=True,
        capture_output=True,
    )
    return password


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
    assert not errors, errors  # no script error on any screen


def _sign_in(page: Page, password: str) -> None:
    page.goto("/admin/login")
    page.get_by_label("Téléphone ou e-mail").fill(ADMIN)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()


def _api_token(live_server: str, password: str) -> str:
    answer = httpx.post(
        f"{live_server}/api/auth/login", json={"identifier": ADMIN, "password": password}
    )
    answer.raise_for_status()
    token: str = answer.json()["token"]
    return token


@pytest.fixture(scope="module")
def scene(
    live_server: str,
    admin_password: str,
    make_person: Callable[..., Person],
    fund: Callable[[Person, int], None],
) -> dict[str, Any]:
    """What an administrator finds on a Monday morning: people, money moved, a pending
    identity check, a reported post, a management request."""
    awa = make_person()
    koffi = make_person()
    fund(awa, 25_000)
    with httpx.Client(base_url=live_server, timeout=30) as http:
        sent = http.post(
            "/api/transferts",
            json={"destinataire": koffi.identifier, "montant": 4_000, "pin": awa.password},
            headers={**awa.headers(), "Idempotency-Key": secrets.token_hex(16)},
        )
        sent.raise_for_status()
        reference = sent.json()["data"]["reference"]
        kyc = http.post(
            "/api/verifications-identite",
            data={"type_document": "cni", "numero_document": "CI0012345", "niveau_demande": "2"},
            files={
                "recto": ("recto.png", _image("#1d4ed8"), "image/png"),
                "verso": ("verso.png", _image("#047857"), "image/png"),
                "selfie": ("selfie.png", _image("#b45309", (400, 500)), "image/png"),
            },
            headers=koffi.headers(),
        )
        kyc.raise_for_status()
        posted = http.post(
            "/api/publications",
            json={"contenu": "Le paludisme se soigne avec du jus de citron !"},
            headers=awa.headers(),
        )
        posted.raise_for_status()
        http.post(
            "/api/signalements",
            json={
                "id_publication": posted.json()["data"]["id_publication"],
                "motif": "desinformation",
                "details": "Conseil médical dangereux",
            },
            headers=koffi.headers(),
        ).raise_for_status()
        admin = {"Authorization": f"Bearer {_api_token(live_server, admin_password)}"}
        room = http.post(
            "/api/admin/thematiques", json={"titre": "Hypertension artérielle"}, headers=admin
        )
        room.raise_for_status()
        room_id = room.json()["data"]["id_thematique"]
        for someone in (awa, koffi):
            http.post(f"/api/thematiques/{room_id}/membres", headers=someone.headers())
        said = http.post(
            f"/api/thematiques/{room_id}/messages",
            json={"contenu": "Arrêtez vos médicaments, ma tisane suffit."},
            headers=awa.headers(),
        )
        said.raise_for_status()
        http.post(
            f"/api/thematiques/{room_id}/messages/{said.json()['data']['id_message']}/signalement",
            json={"motif": "desinformation"},
            headers=koffi.headers(),
        ).raise_for_status()
        found = http.get("/api/etablissements/recherche", params={"q": "treichville"}).json()
        establishment = found["data"][0]["id_etablissement"]
        http.post(
            f"/api/etablissements/{establishment}/demandes-gestion",
            json={"justificatif": "Directeur administratif"},
            headers=awa.headers(),
        ).raise_for_status()
    return {"awa": awa, "koffi": koffi, "reference": reference}


def test_sign_in_refuses_a_wrong_password_in_french(
    desk: Page, admin_password: str, shoot: Callable[..., Any]
) -> None:
    desk.goto("/admin/login")
    shoot(desk, "admin-01-connexion")
    desk.get_by_label("Téléphone ou e-mail").fill(ADMIN)
    desk.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    desk.get_by_role("button", name="Se connecter").click()
    expect(desk.locator("#erreur-connexion")).to_have_text("Identifiant ou mot de passe incorrect.")
    shoot(desk, "admin-02-connexion-refusee")


def test_the_administrator_day(
    desk: Page, admin_password: str, scene: dict[str, Any], shoot: Callable[..., Any]
) -> None:
    _sign_in(desk, admin_password)
    expect(desk.locator("#graphique-inscriptions")).to_be_visible()
    desk.wait_for_function("() => window.Chart && Chart.getChart('graphique-transactions')")
    shoot(desk, "admin-03-tableau-de-bord")

    # People: search by phone, open the file, suspend with a reason.
    koffi = scene["koffi"]
    desk.goto("/admin/utilisateur/list")
    desk.get_by_placeholder("Rechercher").fill(koffi.identifier[-8:])
    desk.keyboard.press("Enter")
    desk.wait_for_url("**search=**")
    shoot(desk, "admin-04-personnes")
    desk.locator("a[href^='/admin/fiche/']").first.click()
    expect(desk.locator("#etat-compte")).to_contain_text("actif")
    shoot(desk, "admin-05-fiche")

    # KYC: the three images side by side, then approval.
    desk.goto("/admin/kyc")
    shoot(desk, "admin-06-kyc-file")
    desk.get_by_role("link", name="Examiner").first.click()
    images = desk.locator("#documents img")
    expect(images).to_have_count(3)
    for index in range(3):
        desk.wait_for_function(
            "(i) => { const img = document.querySelectorAll('#documents img')[i];"
            " return img.complete && img.naturalWidth > 0; }",
            arg=index,
        )
    shoot(desk, "admin-07-kyc-examen")
    desk.get_by_role("button", name="Approuver la pièce").click()
    expect(desk.get_by_text("Pièce approuvée : niveau KYC relevé.")).to_be_visible()

    # A transaction, its ledger entries, and its reversal with a reason.
    desk.goto("/admin/transaction/list")
    shoot(desk, "admin-08-transactions")
    desk.goto(f"/admin/transactions/{scene['reference']}")
    expect(desk.locator("#ecritures tbody tr")).to_have_count(2)
    expect(desk.locator("#ecritures tfoot")).to_contain_text("0")
    shoot(desk, "admin-09-transaction")
    desk.get_by_placeholder("Motif (obligatoire, journalisé)").fill("Erreur de destinataire")
    desk.get_by_role("button", name="Contre-passer").click()
    expect(desk.get_by_text("Transaction contre-passée : remboursement effectué.")).to_be_visible()
    expect(desk.get_by_text("Contre-passée par")).to_be_visible()

    # Deposits and withdrawals, the directory, emergency numbers.
    desk.goto("/admin/operation-fournisseur/list")
    shoot(desk, "admin-10-depots-retraits")
    desk.goto("/admin/etablissement-sante/list?search=treichville")
    shoot(desk, "admin-11-etablissements")
    desk.goto("/admin/liste-numero-etablissement-sante/list")
    expect(desk.get_by_text("185", exact=True)).to_be_visible()
    shoot(desk, "admin-12-numeros-urgence")

    # Management requests, rooms, moderation.
    desk.goto("/admin/demandes")
    shoot(desk, "admin-13-demandes-gestion")
    desk.get_by_role("button", name="Approuver").first.click()
    expect(desk.get_by_text("Demande approuvée")).to_be_visible()
    desk.goto("/admin/thematiques/create")
    desk.locator("#titre").fill("Santé de la mère et de l'enfant")
    desk.get_by_label("Sous-titre").fill("Sages-femmes et pédiatres répondent")
    shoot(desk, "admin-14-thematique-creation")
    desk.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(desk.get_by_text("Santé de la mère et de l'enfant")).to_be_visible()
    desk.goto("/admin/moderation")
    expect(desk.get_by_text("jus de citron")).to_be_visible()
    expect(desk.get_by_text("ma tisane suffit")).to_be_visible()
    shoot(desk, "admin-15-moderation")
    desk.get_by_placeholder("Motif (obligatoire)").first.fill("Désinformation médicale")
    desk.get_by_role("button", name="Masquer le contenu").first.click()
    expect(desk.get_by_text("Contenu masqué.")).to_be_visible()

    # Announcements, ads, fees, limits, and the audit log of all the above.
    desk.goto("/admin/annonce/list")
    shoot(desk, "admin-16-annonces")
    desk.goto("/admin/bareme-frais/list")
    shoot(desk, "admin-17-frais")
    desk.goto("/admin/plafond-kyc/list")
    shoot(desk, "admin-18-plafonds")
    desk.goto("/admin/journal-audit/list")
    for action in ("identite.approbation", "moderation", "backoffice.thematiques.creation"):
        expect(desk.get_by_text(action).first).to_be_visible()
    shoot(desk, "admin-19-journal")

    # Suspension last: the person's sessions end.
    koffi_id = desk.evaluate(
        "(phone) => fetch('/admin/utilisateur/list?search=' + phone).then((r) => r.text())"
        ".then((t) => t.match(/admin\\/fiche\\/(\\d+)/)[1])",
        koffi.identifier[-8:],
    )
    desk.goto(f"/admin/fiche/{koffi_id}")
    desk.get_by_placeholder("Motif (obligatoire)").fill("Usurpation d'identité signalée")
    desk.get_by_role("button", name="Suspendre le compte").click()
    expect(desk.locator("#etat-compte")).to_contain_text("suspendu")
    shoot(desk, "admin-20-suspension")
    gone = httpx.get(
        f"{desk.context.pages[0].url.split('/admin')[0]}/api/user/me", headers=koffi.headers()
    )
    assert gone.status_code == 403
