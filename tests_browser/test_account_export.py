"""« Mes données » in a real browser: from Profil, ask for an export, watch it being
prepared (the server's own worker runs the job), download the archive and open it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from people import Person, make_person, sign_in
from playwright.sync_api import Page, expect

Shoot = Callable[[Page, str], Path]


@pytest.fixture
def person(live_server: str, outbox: Callable[[str], str]) -> Person:
    return make_person(live_server, outbox, prenom="Awa", nom="Koné")


def test_ask_follow_and_download_my_data(
    phone: Page, person: Person, live_server: str, shoot: Shoot, tmp_path: Path
) -> None:
    sign_in(phone, person, "#/profil")
    phone.get_by_role("link", name="Mes données").click()
    expect(phone.locator("#title")).to_have_text("Mes données")
    expect(phone.locator(".exports-empty")).to_have_text("Aucune demande pour le moment.")
    shoot(phone, "mes-donnees-vide")

    phone.get_by_role("button", name="Demander mes données").click()
    # Polled until the job has run in the server.
    status = phone.locator(".export-status").first
    expect(status).to_have_text("prête", timeout=60_000)
    expect(phone.get_by_role("button", name="Demander mes données")).to_be_enabled()
    download_link = phone.get_by_role("link", name="Télécharger mes données")
    expect(download_link).to_be_visible()
    shoot(phone, "mes-donnees-prete")

    with phone.expect_download() as waiting:
        download_link.click()
    download = waiting.value
    assert download.suggested_filename.startswith("hostolink-mes-donnees-")
    assert download.suggested_filename.endswith(".zip")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    archive = zipfile.ZipFile(io.BytesIO(saved.read_bytes()))
    assert "transactions.csv" in archive.namelist()
    assert "LISEZMOI.txt" in archive.namelist()
    data = json.loads(archive.read("donnees.json"))
    assert data["profil"]["prenom"] == "Awa"

    # The same request again: one export in progress at a time, three a day.
    listed = httpx.get(f"{live_server}/api/mon-compte/exports", headers=person.headers)
    assert [row["statut"] for row in listed.json()["data"]] == ["pret"]

    # The notification announces it.
    phone.goto("/#/notifications")
    expect(phone.locator("main")).to_contain_text("Vos données sont prêtes")
