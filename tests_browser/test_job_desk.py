"""The job desk in Chromium, as an administrator (not a super-administrator) uses it on a
desktop: the queue by kind, an abandoned push retried with a motif (the live worker then runs
it), the audit entry it left, and a deposit stuck in reconciliation asked about again. Every
screen is saved in docs/captures/ (admin-21… to admin-24…)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from conftest import ROOT, Person, _run
from hostolink.db import create_engine

OPERATOR = "exploitation@hostolink.example"
DESKTOP = {"width": 1366, "height": 900}
MOTIF = "FCM rétabli, on renvoie la notification"


@pytest.fixture(scope="module")
def operator_password(database_url: str) -> str:
    """An administrator (the `admin` role only), made with the command line."""
    password = secrets.token_urlsafe(16)
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "hostolink",
            "create-admin",
            "--identifier",
            OPERATOR,
            "--prenom",
            "Koffi",
            "--nom",
            "Exploitation",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "HOSTOLINK_ADMIN_PASSWORD": password},
        check=True,
        capture_output=True,
    )
    return password


def _sql(database_url: str, statement: str, **params: Any) -> Any:
    async def run() -> Any:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with engine.begin() as connection:
                return (await connection.execute(text(statement), params)).scalar()
        finally:
            await engine.dispose()

    return _run(run())


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


def _sign_in(page: Page, password: str) -> None:
    page.goto("/admin/login")
    page.get_by_label("Téléphone ou e-mail").fill(OPERATOR)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()


@pytest.fixture
def scene(
    live_server: str, database_url: str, make_person: Callable[..., Person]
) -> dict[str, Any]:
    """An abandoned push and a deposit stuck at the operator."""
    # FCM kept refusing: eight attempts, then abandoned (its notification is gone, so once
    # retried the handler has nothing left to send and the job ends).
    job_id = _sql(
        database_url,
        "INSERT INTO tache (nom, charge, cle_unicite, statut, tentatives, tentatives_max,"
        " derniere_erreur, date_creation, date_fin)"
        " VALUES ('notification.push', '{\"id_notification\": 987654}', 'push:987654',"
        " 'abandonnee', 8, 8, 'TransientPushError(''FCM unavailable for 1 device(s)'')',"
        " now() - interval '3 hours', now() - interval '2 hours') RETURNING id_tache",
    )
    # A deposit nobody confirmed, opened ten minutes ago: still pending at the operator.
    awa = make_person()
    with httpx.Client(base_url=live_server, timeout=30) as http:
        started = http.post(
            "/api/depots",
            json={"fournisseur": "sandbox", "montant": 7_500, "numero": awa.identifier},
            headers={**awa.headers(), "Idempotency-Key": secrets.token_hex(16)},
        )
        started.raise_for_status()
    reference = started.json()["data"]["reference"]
    _sql(
        database_url,
        "UPDATE operation_fournisseur SET date_creation = now() - interval '10 minutes'"
        " WHERE reference = CAST(:r AS uuid) RETURNING id_operation",
        r=reference,
    )
    return {"job": job_id, "reference": reference}


def test_an_operator_retries_an_abandoned_job_and_asks_a_provider_again(
    desk: Page,
    database_url: str,
    operator_password: str,
    scene: dict[str, Any],
    shoot: Callable[..., Any],
) -> None:
    job_id, reference = scene["job"], scene["reference"]
    _sign_in(desk, operator_password)
    desk.get_by_role("button", name="Exploitation").click()
    desk.get_by_role("link", name="Tâches de fond").click()
    expect(desk.get_by_role("heading", name="Tâches de fond", exact=True)).to_be_visible()
    expect(desk.locator("#file-taches tr[data-nom='retention.purge']")).to_be_visible()
    row = desk.locator(f"#tache-{job_id}")
    expect(row).to_contain_text("notification.push")
    expect(row).to_contain_text("TransientPushError('FCM unavailable for 1 device(s)')")
    expect(row).to_contain_text("8 / 8")
    expect(row).to_contain_text("id_notification = 987654")
    stuck = desk.locator("#operations-bloquees")
    expect(stuck).to_contain_text(reference)
    expect(stuck).to_contain_text("7 500 XOF")
    shoot(desk, "admin-21-taches")

    # A motif is required: the browser itself refuses the empty field.
    row.get_by_role("button", name="Relancer").click()
    reason = row.get_by_placeholder("Motif de la relance")
    assert reason.evaluate("(field) => field.validity.valueMissing")
    row.get_by_placeholder("Motif de la relance").fill(MOTIF)
    row.get_by_role("button", name="Relancer").click()
    expect(desk.get_by_text(f"Tâche n° {job_id} (notification.push) relancée.")).to_be_visible()
    expect(desk.locator(f"#tache-{job_id}")).to_have_count(0)
    shoot(desk, "admin-22-tache-relancee", toasts=True)

    # The live worker took it at once and finished it.
    def finished() -> bool:
        status = _sql(database_url, "SELECT statut FROM tache WHERE id_tache = :i", i=job_id)
        return bool(status == "terminee")

    deadline = time.monotonic() + 60
    while not finished():
        assert time.monotonic() < deadline, "the retried job never ran"
        time.sleep(0.2)

    # The audit journal names the action, the job and the motif.
    desk.goto("/admin/journal-audit/list?search=tache.relance")
    entry = desk.locator("table tbody tr").filter(has_text="tache.relance")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(str(job_id))
    expect(entry).to_contain_text(MOTIF)
    shoot(desk, "admin-23-journal-relance")

    # The stuck deposit: the operation page's own action, from the desk.
    desk.goto("/admin/taches")
    line = desk.locator("#operations-bloquees tr").filter(has_text=reference)
    line.get_by_role("button", name="Interroger le fournisseur maintenant").click()
    expect(desk.get_by_text("Fournisseur interrogé")).to_be_visible()
    expect(desk.locator("#statut-operation")).to_have_text("en_attente")
    shoot(desk, "admin-24-operation-interrogee", toasts=True)
