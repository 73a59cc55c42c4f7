"""The wallet in the browser: dashboard and card QR, sending to a number and to a saved
contact, paying someone by their QR code from a photo, receiving with a QR for an amount."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, Playwright, Request, expect

from conftest import CHROMIUM, PHONE_VIEWPORT, Person, balance, fresh_phone, xof

Shoot = Callable[..., Path]
Open = Callable[[Page, Person, str], None]


pytestmark = pytest.mark.usefixtures("no_script_error")


def confirm_with_pin(page: Page, person: Person) -> None:
    expect(page.get_by_role("heading", name="Vérifiez avant de payer")).to_be_visible()
    page.get_by_label("Mot de passe (PIN)").fill(person.password)
    page.get_by_role("button", name="Confirmer et payer").click()
    expect(page.get_by_role("heading", name="Paiement effectué")).to_be_visible()


@pytest.fixture
def payer(make_person: Callable[..., Person], fund: Callable[[Person, int], None]) -> Person:
    person = make_person()
    fund(person, 20_000)
    return person


class TestDashboard:
    def test_balance_card_and_enlarged_qr(
        self, phone: Page, payer: Person, open_as: Open, shoot: Shoot
    ) -> None:
        open_as(phone, payer, "#/")
        expect(phone.locator("#solde")).to_have_text(xof(20_000))
        expect(phone.get_by_role("list", name="Opérations").get_by_role("link")).to_have_count(1)
        expect(phone.locator("#carte img")).to_be_visible()
        shoot(phone, "accueil")

        phone.locator("#carte").click()
        dialog = phone.get_by_role("dialog", name="Mon QR code de paiement")
        expect(dialog.get_by_role("img")).to_be_visible()
        with phone.expect_download() as download:
            dialog.get_by_role("link", name="Télécharger").click()
        assert download.value.suggested_filename == "hostolink-qr.png"
        shoot(phone, "carte-qr-agrandi")
        dialog.get_by_role("button", name="Fermer").click()
        expect(dialog).to_have_count(0)

        phone.get_by_role("link", name="Tout voir").click()
        expect(phone.get_by_role("list", name="Opérations").get_by_role("link")).to_have_count(1)
        shoot(phone, "historique")
        phone.get_by_role("list", name="Opérations").get_by_role("link").first.click()
        expect(phone.get_by_role("region", name="Reçu")).to_contain_text("Dépôt")
        shoot(phone, "recu-depot")


class TestSend:
    def test_to_a_phone_number(
        self,
        *,
        phone: Page,
        payer: Person,
        make_person: Callable[..., Person],
        open_as: Open,
        live_server: str,
        shoot: Shoot,
    ) -> None:
        friend = make_person()
        open_as(phone, payer, "#/payer")
        expect(phone.get_by_role("heading", name="Envoyer de l'argent")).to_be_visible()
        shoot(phone, "payer")
        phone.get_by_label("Numéro, e-mail ou numéro de compte").fill(friend.identifier)
        phone.get_by_label("Montant (F CFA)").fill("5 000")
        phone.get_by_label("Motif (facultatif)").fill("Pharmacie")
        phone.get_by_role("button", name="Continuer").click()
        expect(phone.get_by_text(friend.identifier)).to_be_visible()
        shoot(phone, "payer-confirmation")
        confirm_with_pin(phone, payer)
        expect(phone.get_by_role("region", name="Reçu")).to_contain_text(xof(15_000))
        shoot(phone, "payer-recu")
        assert balance(live_server, friend) == 5_000

        # Paid once, not saved: suggested on the next visit, then saved from the receipt.
        phone.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Payer"
        ).click()
        recent = phone.get_by_role("list", name="Payés récemment").get_by_role("button")
        expect(recent).to_have_count(1)
        recent.click()
        expect(phone.get_by_label("Numéro, e-mail ou numéro de compte")).to_have_value(
            re.compile(r"^HL\d+$")
        )
        shoot(phone, "payer-recemment")
        phone.get_by_label("Montant (F CFA)").fill("1000")
        phone.get_by_role("button", name="Continuer").click()
        confirm_with_pin(phone, payer)
        phone.get_by_role("button", name="Enregistrer ce contact").click()
        expect(phone.get_by_role("button", name="Enregistrer ce contact")).to_have_count(0)
        saved = httpx.get(f"{live_server}/api/contacts", headers=payer.headers()).json()["data"]
        assert len(saved) == 1
        assert balance(live_server, friend) == 6_000

    def test_to_an_email_address(
        self,
        *,
        phone: Page,
        payer: Person,
        make_person: Callable[..., Person],
        open_as: Open,
        live_server: str,
    ) -> None:
        friend = make_person(f"mariam.{fresh_phone()}@exemple.ci")
        open_as(phone, payer, "#/payer")
        # Typed as people type it on a phone keyboard: a capital letter, a trailing space.
        phone.get_by_label("Numéro, e-mail ou numéro de compte").fill(
            friend.identifier.capitalize() + " "
        )
        phone.get_by_label("Montant (F CFA)").fill("2000")
        phone.get_by_role("button", name="Continuer").click()
        confirm_with_pin(phone, payer)
        assert balance(live_server, friend) == 2_000

    def test_wrong_pin_is_refused_and_nothing_is_sent(
        self,
        *,
        phone: Page,
        payer: Person,
        make_person: Callable[..., Person],
        open_as: Open,
        live_server: str,
    ) -> None:
        friend = make_person()
        open_as(phone, payer, "#/payer")
        phone.get_by_label("Numéro, e-mail ou numéro de compte").fill(friend.identifier)
        phone.get_by_label("Montant (F CFA)").fill("1000")
        phone.get_by_role("button", name="Continuer").click()
        phone.get_by_label("Mot de passe (PIN)").fill("pas-le-bon")
        phone.get_by_role("button", name="Confirmer et payer").click()
        expect(phone.get_by_role("alert")).to_be_visible()
        assert balance(live_server, friend) == 0

    def test_to_a_saved_contact(
        self,
        *,
        phone: Page,
        payer: Person,
        make_person: Callable[..., Person],
        open_as: Open,
        live_server: str,
        shoot: Shoot,
    ) -> None:
        friend = make_person()
        httpx.post(
            f"{live_server}/api/contacts",
            json={"identifiant": friend.identifier, "alias": "Tantie Mariam"},
            headers=payer.headers(),
        ).raise_for_status()
        open_as(phone, payer, "#/payer")
        contacts = phone.get_by_role("list", name="Contacts")
        shoot(phone, "payer-contacts")
        contacts.get_by_role("button", name="Tantie Mariam").click()
        expect(phone.get_by_text("À : Tantie Mariam")).to_be_visible()
        phone.get_by_label("Montant (F CFA)").fill("3000")
        phone.get_by_role("button", name="Continuer").click()
        confirm_with_pin(phone, payer)
        assert balance(live_server, friend) == 3_000


class TestPayByQr:
    def test_photo_of_someones_static_qr(
        self,
        *,
        phone: Page,
        payer: Person,
        make_person: Callable[..., Person],
        open_as: Open,
        live_server: str,
        tmp_path: Path,
        shoot: Shoot,
    ) -> None:
        shop = make_person()
        httpx.patch(
            f"{live_server}/api/user/me",
            json={"prenom": "Awa", "nom": "Koné"},
            headers=shop.headers(),
        ).raise_for_status()
        image = httpx.get(f"{live_server}/api/qr/statique.png", headers=shop.headers())
        image.raise_for_status()
        photo = tmp_path / "qr-awa.png"
        photo.write_bytes(image.content)

        server_reads: list[str] = []

        def watch(request: Request) -> None:
            if request.url.endswith("/api/qr/decoder"):
                server_reads.append(request.url)

        phone.on("request", watch)
        open_as(phone, payer, "#/payer")
        phone.locator("#photo-qr").set_input_files(str(photo))
        expect(phone.locator("#beneficiaire")).to_contain_text("Awa")
        # Read in the page by jsQR: the photo never left the phone.
        assert server_reads == []
        phone.get_by_label("Montant (F CFA)").fill("2500")
        shoot(phone, "payer-qr-photo")
        confirm_with_pin(phone, payer)
        assert balance(live_server, shop) == 2_500


def camera_video(qr_png: bytes, path: Path) -> Path:
    """A one-frame Y4M video of the QR code, for Chromium's fake camera."""
    width, height = 640, 480
    frame = Image.new("L", (width, height), 255)
    code = Image.open(io.BytesIO(qr_png)).convert("L")
    code.thumbnail((400, 400))
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    chroma = bytes([128]) * (width // 2) * (height // 2)
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


class TestScanWithCamera:
    def test_the_camera_reads_the_qr(
        self,
        *,
        playwright: Playwright,
        payer: Person,
        make_person: Callable[..., Person],
        live_server: str,
        tmp_path: Path,
        shoot: Shoot,
    ) -> None:
        shop = make_person()
        httpx.patch(
            f"{live_server}/api/user/me",
            json={"prenom": "Koffi", "nom": "Yao"},
            headers=shop.headers(),
        ).raise_for_status()
        image = httpx.get(f"{live_server}/api/qr/statique.png", headers=shop.headers())
        video = camera_video(image.content, tmp_path / "camera.y4m")
        # Chromium's fake camera plays the file; the permission prompt is answered yes.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        try:
            context = browser.new_context(
                base_url=live_server,
                viewport=PHONE_VIEWPORT,
                locale="fr-FR",
                permissions=["camera"],
            )
            page = context.new_page()
            page.goto("/#/connexion")
            page.evaluate(
                "([t, r]) => { localStorage.setItem('hostolink.token', t);"
                " localStorage.setItem('hostolink.refresh', r); }",
                [payer.token, payer.refresh_token],
            )
            page.goto("/#/payer")
            page.get_by_role("button", name="Scanner").click()
            expect(page.locator("#beneficiaire")).to_contain_text("Koffi", timeout=20_000)
            shoot(page, "payer-qr-camera")
            page.get_by_label("Montant (F CFA)").fill("1500")
            confirm_with_pin(page, payer)
            assert balance(live_server, shop) == 1_500
        finally:
            browser.close()


class TestReceive:
    def test_my_qr_and_a_qr_for_an_amount(
        self,
        *,
        phone: Page,
        make_person: Callable[..., Person],
        open_as: Open,
        live_server: str,
        shoot: Shoot,
    ) -> None:
        person = make_person()
        open_as(phone, person, "#/recevoir")
        mine = phone.get_by_role("region", name="Mon QR code")
        expect(mine.get_by_role("img", name="Mon QR code de paiement")).to_be_visible()
        shoot(phone, "recevoir")

        phone.get_by_label("Montant (F CFA)").fill("7500")
        phone.get_by_label("Objet (facultatif)").fill("Consultation")
        phone.get_by_role("button", name="Créer le QR code").click()
        created = phone.locator("#qr-montant")
        expect(created).to_contain_text(xof(7_500))
        expect(created.get_by_role("img")).to_be_visible()
        shoot(phone, "recevoir-montant")

        listed = httpx.get(f"{live_server}/api/qr/dynamique", headers=person.headers()).json()
        assert [(code["montant"], code["libelle"]) for code in listed["data"]] == [
            (7_500, "Consultation")
        ]
