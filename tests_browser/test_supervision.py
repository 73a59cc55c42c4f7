"""The supervision page in Chromium, as an administrator (not a super-administrator) reads it
on a desktop after a day of deposits and withdrawals: health cards in words, the queue and
the operations by provider and status, the last 24 hours by hour (created, finalised,
settlement time per provider), the counters since start; then a ledger check that found
discrepancies turns its card red, in words. Saved in docs/captures/ (admin-25-supervision…).
The page is audited as the app's screens are (test_accessibility.py's AUDIT)."""

from __future__ import annotations

import os
import random
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text
from test_accessibility import AUDIT

from conftest import ROOT, Person, _run, fresh_phone
from hostolink.db import create_engine
from hostolink.kit.identifiers import parse_identifier

OPERATOR = "supervision@hostolink.example"
DESKTOP = {"width": 1366, "height": 900}
CHARTS = (
    "graphique-file",
    "graphique-operations",
    "graphique-reconciliation",
    "graphique-creees",
    "graphique-finalisees",
    "graphique-reglement",
    "graphique-http",
)
# (rail, gateway, direction, typical settlement in seconds): a day of traffic.
RAILS = (
    ("wave", "wave", "depot", 20),
    ("mtn_momo", "mtn_momo", "retrait", 60),
    ("orange_money", "orange_money", "depot", 40),
    ("moov_money", "hub2", "retrait", 120),
)


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
            "Aya",
            "--nom",
            "Supervision",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "HOSTOLINK_ADMIN_PASSWORD": password},
        check=True,
        capture_output=True,
    )
    return password


def _sql(
    database_url: str, statement: str, params: dict[str, Any] | list[dict[str, Any]] | None = None
) -> Any:
    async def run() -> Any:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), params or {})
                return result.scalar() if result.returns_rows else None
        finally:
            await engine.dispose()

    return _run(run())


def _a_day_of_operations(database_url: str, owner: Person) -> None:
    """About 150 finished deposits and withdrawals spread over the last 24 hours."""
    ids = _sql(
        database_url,
        "SELECT id_user || ',' || id_compte FROM compte JOIN utilisateur USING (id_user)"
        " WHERE telephone = :t ORDER BY id_compte LIMIT 1",
        {"t": parse_identifier(owner.identifier).value},
    )
    user_id, account_id = (int(part) for part in ids.split(","))
    draw = random.Random(25)  # noqa: S311 - test data, not a secret
    now = datetime.now(UTC)
    rows = []
    for _ in range(150):
        rail, gateway, direction, typical = draw.choice(RAILS)
        created = now - timedelta(minutes=draw.uniform(4, 24 * 60 - 5))
        status = draw.choices(("reussie", "echouee", "expiree"), (85, 10, 5))[0]
        took = typical * draw.lognormvariate(0, 0.5)
        if status == "expiree":
            took = 3600 + draw.uniform(0, 300)
        if created + timedelta(seconds=took) > now:  # not yet decided then: still a success
            status, took = "reussie", typical
        rows.append(
            {
                "rail": rail,
                "gateway": gateway,
                "sens": direction,
                "u": user_id,
                "c": account_id,
                "montant": draw.choice((1_000, 2_500, 5_000, 10_000, 25_000)),
                "statut": status,
                "created": created,
                "settled": created + timedelta(seconds=took),
            }
        )
    _sql(
        database_url,
        "INSERT INTO operation_fournisseur (fournisseur, passerelle, sens, id_user, id_compte,"
        " montant, compte_externe, statut, date_creation, date_finalisation)"
        " VALUES (:rail, :gateway, :sens, :u, :c, :montant, '+2250700000001', :statut,"
        " :created, :settled)",
        rows,
    )


def _wait_final(live_server: str, person: Person, reference: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.get(
            f"{live_server}/api/operations/{reference}", headers=person.headers(), timeout=30
        )
        status: str = answer.json()["data"]["statut"]
        if status in ("reussie", "echouee", "expiree"):
            return status
        assert time.monotonic() < deadline, f"operation still {status}"
        time.sleep(0.3)


@pytest.fixture
def scene(
    live_server: str,
    database_url: str,
    make_person: Callable[..., Person],
    fund: Callable[[Person, int], None],
) -> Iterator[dict[str, Any]]:
    """A funded person, a withdrawal paid out, a deposit stuck at the operator, an abandoned
    job and a day of traffic; the rows this test alone reads are removed afterwards."""
    awa = make_person()
    fund(awa, 20_000)
    with httpx.Client(base_url=live_server, timeout=30) as http:
        paid = http.post(
            "/api/retraits",
            json={
                "fournisseur": "sandbox",
                "montant": 5_000,
                "numero": fresh_phone(),
                "pin": awa.password,
            },
            headers={**awa.headers(), "Idempotency-Key": secrets.token_hex(16)},
        )
        paid.raise_for_status()
        assert _wait_final(live_server, awa, paid.json()["data"]["reference"]) == "reussie"
        stuck = http.post(
            "/api/depots",
            json={"fournisseur": "sandbox", "montant": 7_500, "numero": awa.identifier},
            headers={**awa.headers(), "Idempotency-Key": secrets.token_hex(16)},
        )
        stuck.raise_for_status()
    _sql(
        database_url,
        "UPDATE operation_fournisseur SET date_creation = now() - interval '10 minutes'"
        " WHERE reference = CAST(:r AS uuid)",
        {"r": stuck.json()["data"]["reference"]},
    )
    job = _sql(
        database_url,
        "INSERT INTO tache (nom, charge, statut, tentatives, tentatives_max, derniere_erreur,"
        " date_creation, date_fin) VALUES ('notification.push', '{\"id_notification\": 4242}',"
        " 'abandonnee', 8, 8, 'TransientPushError', now() - interval '2 hours',"
        " now() - interval '1 hour') RETURNING id_tache",
    )
    _a_day_of_operations(database_url, awa)
    yield {"job": job}
    _sql(database_url, "DELETE FROM tache WHERE id_tache = :i", {"i": job})
    _sql(database_url, "DELETE FROM controle_grand_livre WHERE duree_ms = 4242")


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


def _drawn(page: Page, chart_id: str) -> bool:
    """The chart exists and shows at least one non-zero value."""
    return bool(
        page.evaluate(
            "(id) => { const chart = Chart.getChart(id); return Boolean(chart) &&"
            " chart.data.datasets.some((d) => d.data.some((v) => v)); }",
            chart_id,
        )
    )


def _scroll_to(page: Page, heading: str) -> None:
    page.get_by_role("heading", name=heading, exact=True).evaluate(
        "(el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 16)"
    )


def test_an_administrator_reads_the_health_of_the_service(
    desk: Page,
    database_url: str,
    operator_password: str,
    scene: dict[str, Any],
    shoot: Callable[..., Any],
) -> None:
    _sign_in(desk, operator_password)
    desk.get_by_role("button", name="Exploitation").click()
    desk.get_by_role("link", name="Supervision").click()
    expect(desk.get_by_role("heading", name="Supervision", exact=True)).to_be_visible()
    expect(desk.locator("body[data-supervision='dessinee']")).to_be_attached()

    cards = desk.locator("#sante")
    abandoned = cards.locator("[data-sante='abandonnees']")
    expect(abandoned).to_contain_text("Alerte")
    expect(abandoned).to_contain_text("abandonnée")
    expect(abandoned.get_by_role("link", name="Ouvrir le guichet des tâches")).to_be_visible()
    # The stuck deposit was dated ten minutes back when the scene was set; the suite may
    # have taken a minute or more to get here, and other tests' deposits may be older.
    reconciliation = cards.locator("[data-sante='reconciliation']")
    expect(reconciliation).to_contain_text(re.compile(r"Plus ancienne en attente : \d+ min"))
    oldest = re.search(r"Plus ancienne en attente : (\d+) min", reconciliation.inner_text())
    assert oldest is not None
    assert int(oldest.group(1)) >= 10, reconciliation.inner_text()
    expect(cards.locator("[data-sante='base']")).to_contain_text("Chiffres de la base disponibles")
    expect(cards.locator("[data-sante='redis']")).to_contain_text("Redis non configuré")
    expect(desk.get_by_text("Débits et latences en direct")).to_be_visible()
    for chart in CHARTS:
        assert _drawn(desk, chart), f"{chart} is empty"
    # The live worker keeps up: no job is due, and that chart says it in a sentence.
    empty = [sentence.inner_text() for sentence in desk.locator(".vide:visible").all()]
    assert empty == ["Aucune tâche due : les workers suivent la file."]
    assert desk.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    assert desk.evaluate(AUDIT) == []
    shoot(desk, "admin-25-supervision")

    _scroll_to(desk, "File de tâches, dépôts et retraits")
    shoot(desk, "admin-25-supervision-file")

    _scroll_to(desk, "Les dernières 24 heures")
    expect(desk.locator("#graphique-reglement")).to_be_visible()
    shoot(desk, "admin-25-supervision-24h")

    _scroll_to(desk, "Compteurs depuis le démarrage")
    connections = desk.locator("[data-tableau='connexions']")
    expect(connections).to_contain_text("Mot de passe")
    expect(desk.locator("[data-tableau='fournisseurs']")).to_be_visible()
    shoot(desk, "admin-25-supervision-compteurs")

    # The next ledger check finds three discrepancies: once the cached figures (10 s) are
    # read again, the card says so, in words and in red.
    _sql(
        database_url,
        "INSERT INTO controle_grand_livre (ecarts, duree_ms, details)"
        ' VALUES (3, 4242, \'{"verifications": {"solde négatif": 3}}\')',
    )
    ledger = desk.locator("[data-sante='grand-livre']")
    deadline = time.monotonic() + 40
    while "3 écarts !" not in ledger.inner_text():
        assert time.monotonic() < deadline, ledger.inner_text()
        time.sleep(2)
        desk.reload()
        expect(desk.locator("body[data-supervision='dessinee']")).to_be_attached()
    expect(ledger).to_contain_text("Alerte")
    expect(ledger).to_contain_text("hostolink ledger verify")
    assert "etat-alerte" in (ledger.get_attribute("class") or "")
    desk.evaluate("window.scrollTo(0, 0)")  # the reload kept the page where it was
    shoot(desk, "admin-25-supervision-alerte")
