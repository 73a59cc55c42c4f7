"""The back-office supervision page (`/admin/supervision` and its JSON): refused to a support
agent; its figures are those of the rows inserted here (a deposit pending reconciliation, an
abandoned job, a ledger check with discrepancies, shown as a red card that says so in
words); the last 24 hours by hour; the counters of the registry `/metrics` serves; read
through the `/metrics` collector and its cache, or a collector of its own without the route."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.backoffice.supervision_figures import (
    ledger_card,
    reconciliation_card,
    to_verify_card,
)
from hostolink.metrics.collector import LedgerFigures, Snapshot
from tests.auth.helpers import grant_role
from tests.backoffice.helpers import sign_in
from tests.factories import asgi_client, execute, provider_operation, user_id_of, wallet_owner
from tests.media.conftest import media_settings
from tests.wallet.helpers import ADMIN, make_admin, person

DATA = "/admin/supervision/donnees"


async def _abandoned_job(engine: AsyncEngine) -> None:
    await execute(
        engine,
        "INSERT INTO tache (nom, statut, tentatives, derniere_erreur, date_fin)"
        " VALUES ('operations.notification', 'abandonnee', 10, 'ProviderUnreachable', now())",
    )


async def _ledger_check(engine: AsyncEngine, ecarts: int | None, *, at: datetime) -> None:
    await execute(
        engine,
        "INSERT INTO controle_grand_livre (date_controle, ecarts, duree_ms)"
        " VALUES (:at, :ecarts, 4210)",
        at=at,
        ecarts=ecarts,
    )


def _card(figures: dict[str, Any], key: str) -> dict[str, Any]:
    cards: dict[str, dict[str, Any]] = {card["key"]: card for card in figures["sante"]}
    return cards[key]


async def _figures(client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get(DATA)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["cache-control"] == "no-store"
    figures: dict[str, Any] = answer.json()
    return figures


class TestWhoMayOpenIt:
    async def test_a_support_agent_is_refused_the_page_and_its_figures(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        agent = await person(client, db_engine, 61)
        await grant_role(db_engine, await user_id_of(db_engine, "telephone", agent.phone), "agent")
        assert (await sign_in(client, agent.phone)).status_code == 302
        for url in ("/admin/supervision", DATA):
            assert (await client.get(url)).status_code == 403, url
        menu = (await client.get("/admin/utilisateur/list")).text
        assert '/admin/supervision"' not in menu

    async def test_a_stranger_is_sent_to_sign_in_and_an_admin_gets_in(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        for url in ("/admin/supervision", DATA):
            answer = await client.get(url)
            assert answer.status_code == 302
            assert answer.headers["location"].endswith("/admin/login")
        await make_admin(db_engine)
        await sign_in(client)
        page = await client.get("/admin/supervision")
        assert page.status_code == 200
        assert "Débits et latences en direct" in page.text
        assert "docs/supervision/README.md" in page.text
        assert 'href="http://testserver/admin/supervision"' in page.text  # the menu


class TestFiguresOfTheRows:
    async def test_pending_reconciliation_abandoned_job_and_ledger_discrepancies(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        owner = await wallet_owner(client, db_engine, 25)
        now = datetime.now(UTC)
        # Past the reconciliation delay (120 s): being asked about. The fresh one is not yet.
        await provider_operation(
            db_engine, owner, statut="en_attente", created=now - timedelta(minutes=10)
        )
        await provider_operation(
            db_engine, owner, statut="initiee", created=now - timedelta(seconds=30)
        )
        await _abandoned_job(db_engine)
        await _ledger_check(db_engine, 3, at=now - timedelta(minutes=5))
        await make_admin(db_engine)
        await sign_in(client)

        figures = await _figures(client)
        assert figures["base_disponible"] is True
        ledger = _card(figures, "grand-livre")
        assert ledger["text"] == "Grand livre : 3 écarts !"
        assert (ledger["state"], ledger["word"]) == ("alerte", "Alerte")
        abandoned = _card(figures, "abandonnees")
        assert (abandoned["text"], abandoned["state"]) == ("1 tâche abandonnée !", "alerte")
        assert abandoned["link"] == "/admin/taches"
        pending = _card(figures, "reconciliation")
        assert pending["text"] == "Plus ancienne en attente : 10 min"
        assert pending["detail"].startswith("1 dépôt en attente depuis plus de 2 min")
        assert figures["reconciliation"]["depot"]["nombre"] == 1
        assert figures["reconciliation"]["retrait"]["nombre"] == 0
        assert 590 < figures["reconciliation"]["depot"]["age"] < 700

        queue = figures["file"]
        row = queue["types"].index("operations.notification")
        states = {s["code"]: s["valeurs"][row] for s in queue["series"]}
        assert states["abandonnee"] == 1
        operations = figures["operations"]
        assert operations["libelles"] == ["Bac à sable · dépôts"]
        assert {s["code"]: s["valeurs"] for s in operations["series"]} == {
            "initiee": [1],
            "en_attente": [1],
        }

        # The page itself: the card says it in words, the colour only repeats them.
        page = (await client.get("/admin/supervision")).text
        card = re.search(
            r'<div class="card sante-carte etat-(\w+)" data-sante="grand-livre">'
            r"(.*?)</div>\s*</div>",
            page,
            re.S,
        )
        assert card, page[-4000:]
        assert card.group(1) == "alerte"
        assert '<span class="etat-mot">Alerte</span>' in card.group(2)
        assert "Grand livre : 3 écarts !" in card.group(2)
        assert "hostolink ledger verify" in card.group(2)

    async def test_a_clean_ledger_and_nothing_waiting(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        checked = datetime.now(UTC) - timedelta(minutes=2)
        await _ledger_check(db_engine, 0, at=checked)
        await make_admin(db_engine)
        await sign_in(client)

        figures = await _figures(client)
        ledger = _card(figures, "grand-livre")
        assert ledger["text"] == f"Grand livre : aucun écart (contrôle à {checked:%H:%M})"
        assert (ledger["state"], ledger["word"]) == ("ok", "Normal")
        assert _card(figures, "abandonnees")["text"] == "Aucune tâche abandonnée"
        assert _card(figures, "reconciliation")["state"] == "ok"
        assert _card(figures, "redis")["text"] == "Redis non configuré"  # the tests run without
        assert _card(figures, "base")["text"] == "Chiffres de la base disponibles"
        page = (await client.get("/admin/supervision")).text
        assert 'class="card sante-carte etat-alerte"' not in page


class TestTheLast24Hours:
    async def test_created_settled_and_settlement_time_by_hour(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        owner = await wallet_owner(client, db_engine, 25)
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        three_hours_ago = hour - timedelta(hours=3) + timedelta(minutes=10)
        for seconds in (60, 120, 180):
            await provider_operation(
                db_engine,
                owner,
                statut="reussie",
                gateway="wave",
                created=three_hours_ago,
                settled=three_hours_ago + timedelta(seconds=seconds),
            )
        two_hours_ago = hour - timedelta(hours=2) + timedelta(minutes=5)
        await provider_operation(
            db_engine,
            owner,
            statut="echouee",
            gateway="mtn_momo",
            sens="retrait",
            created=two_hours_ago,
            settled=two_hours_ago + timedelta(seconds=30),
        )
        long_ago = hour - timedelta(hours=30)
        await provider_operation(
            db_engine, owner, statut="reussie", created=long_ago, settled=long_ago
        )  # outside the window
        await make_admin(db_engine)
        await sign_in(client)

        series = (await _figures(client))["series"]
        assert len(series["heures"]) == 24
        assert series["heures"][-1] == f"{hour:%H} h"
        created = {s["code"]: s["valeurs"] for s in series["creees"]}
        assert set(created) == {"reussie", "echouee"}
        assert created["reussie"] == [0] * 20 + [3, 0, 0, 0]
        assert created["echouee"] == [0] * 21 + [1, 0, 0]
        settled = {s["code"]: s["valeurs"] for s in series["finalisees"]}
        assert settled["reussie"] == [0] * 20 + [3, 0, 0, 0]
        # Successful ones only, per provider: 60, 120 and 180 s.
        (wave,) = series["reglement"]
        assert (wave["code"], wave["nom"]) == ("wave", "Wave")
        assert wave["p50"][20] == 120.0
        assert wave["p95"][20] == 174.0
        assert [v for i, v in enumerate(wave["p50"]) if i != 20] == [None] * 23


class TestCounters:
    async def test_the_registry_counts_what_happened(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await make_admin(db_engine)
        await sign_in(client)
        before = (await _figures(client))["compteurs"]
        refused = await sign_in(client, ADMIN, "pas-le-bon-mot-de-passe")
        assert refused.status_code == 401
        await sign_in(client)
        after = (await _figures(client))["compteurs"]

        def logins(counters: dict[str, Any]) -> dict[str, Any]:
            return next(c for c in counters["connexions"] if c["secret"] == "Mot de passe")

        assert logins(after)["echouees"] == logins(before)["echouees"] + 1
        assert logins(after)["reussies"] == logins(before)["reussies"] + 1
        assert after["http"]["4xx"] >= before["http"]["4xx"] + 1
        assert after["http"]["2xx"] > before["http"]["2xx"]
        assert set(after["http"]) == {"2xx", "3xx", "4xx", "5xx"}
        assert [r["composant"] for r in after["redis"]] == ["Limites de débit", "Salons en direct"]

    def test_every_worker_added_up_in_multiprocess_mode(self, tmp_path: Path) -> None:
        """Two worker processes counted a failed login each; a third, answering the page,
        reads both (prometheus_client's multiprocess files, as /metrics does)."""
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
        for _ in range(2):
            _python(env, WORKER_COUNTS)
        counters = json.loads(_python(env, PAGE_READS))
        assert counters["connexions"][0] == {"secret": "Mot de passe", "reussies": 0, "echouees": 2}
        assert counters["http"] == {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 2}


WORKER_COUNTS = """
from hostolink.kit.metrics import HTTP_REQUESTS, LOGINS
LOGINS.labels(secret="password", result="failure").inc()
HTTP_REQUESTS.labels(method="GET", route="/api/portefeuille", status="503").inc()
"""
PAGE_READS = """
import json
from hostolink.backoffice.supervision_figures import read_counters
from hostolink.metrics.endpoint import process_metrics
print(json.dumps(read_counters(process_metrics())))
"""


def _python(env: dict[str, str], code: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


class TestHowItReads:
    async def test_through_the_metrics_collector_and_its_cache(
        self, database_url: str, db_engine: AsyncEngine, tmp_path: Path
    ) -> None:
        settings = media_settings(tmp_path, HOSTOLINK_METRICS_CACHE_SECONDS=300)
        async with _client(settings, database_url) as client:
            await make_admin(db_engine)
            await sign_in(client)
            first = await _figures(client)
            await _abandoned_job(db_engine)  # after the read: cached for both
            again = await _figures(client)
            scraped = (await client.get("/metrics")).text
        assert _card(first, "abandonnees") == _card(again, "abandonnees")
        assert "hostolink_jobs_abandoned 0.0" in scraped

    async def test_without_the_metrics_route(
        self, database_url: str, db_engine: AsyncEngine, tmp_path: Path
    ) -> None:
        settings = media_settings(tmp_path, HOSTOLINK_METRICS=False)
        await _abandoned_job(db_engine)
        async with _client(settings, database_url) as client:
            await make_admin(db_engine)
            await sign_in(client)
            figures = await _figures(client)
            page = (await client.get("/admin/supervision")).text
        assert _card(figures, "abandonnees")["text"] == "1 tâche abandonnée !"
        assert figures["comptage_http"] is False
        assert "HOSTOLINK_METRICS=false" in page


class TestCardWords:
    """The cards' words at their thresholds, without a database."""

    def test_a_ledger_check_older_than_an_hour_is_to_watch(self) -> None:
        now = datetime(2026, 3, 1, 15, 0, tzinfo=UTC).timestamp()
        old = LedgerFigures(True, 0, now - 2 * 3600, 4.2)
        card = ledger_card(Snapshot(ledger=old), now)
        assert card.text == "Grand livre : aucun écart (contrôle à 13:00)"
        assert (card.state, card.word) == ("attention", "À surveiller")
        yesterday = LedgerFigures(True, 1, now - 20 * 3600, 4.2)
        assert ledger_card(Snapshot(ledger=yesterday), now).detail.startswith(
            "Contrôle à 28/02 à 19:00."
        )

    def test_a_cut_short_or_missing_check(self) -> None:
        now = datetime.now(UTC).timestamp()
        cut = ledger_card(Snapshot(ledger=LedgerFigures(False)), now)
        assert (cut.text, cut.state) == ("Grand livre : contrôle inachevé !", "attention")
        never = ledger_card(Snapshot(), now)
        assert (never.text, never.word) == ("Grand livre : pas encore contrôlé", "Inconnu")
        assert ledger_card(None, now).state == "inconnu"

    def test_reconciliation_late_past_thirty_minutes(self) -> None:
        late = Snapshot(reconciliation={"depot": (2, 1900.0), "retrait": (1, 200.0)})
        card = reconciliation_card(late, 120, None)
        assert (card.text, card.state) == ("Plus ancienne en attente : 31 min !", "alerte")
        assert card.detail.startswith("2 dépôts, 1 retrait en attente")
        assert card.link is None

    def test_the_operators_queue_is_an_alert_with_the_money_it_holds(self) -> None:
        queue = Snapshot(to_verify={"retrait": (2, 90_000.0, 7_500), "depot": (1, 87_000.0, 0)})
        card = to_verify_card(queue, "/admin/taches#a-verifier")
        assert (card.text, card.state) == ("1 dépôt, 2 retraits à vérifier !", "alerte")
        assert "depuis 1 j 1 h au plus" in card.detail
        assert "7 500 F CFA bloqués" in card.detail.replace("\u202f", " ").replace("\xa0", " ")
        assert card.link == "/admin/taches#a-verifier"
        empty = to_verify_card(Snapshot(), None)
        assert (empty.text, empty.state) == ("Aucune opération à vérifier", "ok")


@asynccontextmanager
async def _client(settings: Any, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an application made with `settings` (closed with its pools)."""
    app = create_app(settings, database_url=database_url)
    try:
        async with asgi_client(app) as http:
            yield http
    finally:
        await app.state.db.dispose()
