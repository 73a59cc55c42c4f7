"""The job desk's API: the queue by kind and state, the abandoned jobs page by page (their
payload summarised, never in full), retrying and cancelling with a motif — audited, refused
in the states where it would be wrong — and the permission each route names."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.admin import job_desk as desk
from hostolink.jobs.queue import Job
from tests.auth.helpers import assert_failure, bearer, grant_role
from tests.factories import execute
from tests.jobs.helpers import row
from tests.wallet.helpers import admin_token, person

MOTIF = {"motif": "Fournisseur rétabli, on rejoue"}


async def _job(engine: AsyncEngine, name: str, status: str, **columns: Any) -> int:
    values = {
        "charge": '{"id_webhook": 12}',
        "cle": None,
        "tentatives": 10 if status == "abandonnee" else 0,
        "erreur": "ProviderUnreachable('Wave ne répond pas')" if status == "abandonnee" else None,
        "fin": status in ("abandonnee", "terminee", "annulee"),
        "due_since": 0,
        **columns,
    }
    async with engine.begin() as connection:
        return int(
            await connection.scalar(
                text(
                    "INSERT INTO tache (nom, charge, cle_unicite, statut, tentatives,"
                    " derniere_erreur, date_fin, date_execution)"
                    " VALUES (:nom, CAST(:charge AS jsonb), :cle, :statut, :tentatives, :erreur,"
                    " CASE WHEN :fin THEN now() END, now() - make_interval(secs => :due_since))"
                    " RETURNING id_tache"
                ),
                {"nom": name, "statut": status, **values},
            )
        )


async def _audits(engine: AsyncEngine, job_id: int) -> list[Any]:
    async with engine.connect() as connection:
        return list(
            (
                await connection.execute(
                    text(
                        "SELECT action, motif, avant, apres, id_acteur FROM journal_audit"
                        " WHERE table_cible = 'tache' AND cle_cible = :k ORDER BY id_audit"
                    ),
                    {"k": str(job_id)},
                )
            ).all()
        )


class TestQueueState:
    async def test_counts_by_kind_and_state_due_jobs_and_their_wait(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = bearer(await admin_token(client, db_engine))
        await _job(db_engine, "push.envoyer", "en_attente", due_since=300)
        await _job(db_engine, "push.envoyer", "en_attente", due_since=-3600)  # due in an hour
        await _job(db_engine, "push.envoyer", "terminee")
        await _job(db_engine, "operations.notification", "abandonnee")

        answer = await client.get("/api/admin/taches", headers=admin)

        assert answer.status_code == 200, answer.text
        kinds = {k["nom"]: k for k in answer.json()["data"]["par_nom"]}
        push = kinds["push.envoyer"]
        assert push["compteurs"] == {
            "en_attente": 2,
            "en_cours": 0,
            "terminee": 1,
            "abandonnee": 0,
            "annulee": 0,
        }
        assert push["dues"] == 1
        assert 290 < push["attente_max_secondes"] < 3600
        assert kinds["operations.notification"]["dues"] == 0
        assert kinds["operations.notification"]["attente_max_secondes"] is None

    async def test_abandoned_jobs_page_by_page_with_their_error_and_a_safe_summary(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = bearer(await admin_token(client, db_engine))
        charge = '{"id_webhook": 12, "id_operation": "77", "motif": "Awa Koné 0700000001"}'
        ids = [await _job(db_engine, "operations.notification", "abandonnee", charge=charge)]
        ids += [await _job(db_engine, "push.envoyer", "abandonnee") for _ in range(2)]

        first = (await client.get("/api/admin/taches?limit=2", headers=admin)).json()["data"]
        page = first["abandonnees"]
        assert [j["id_tache"] for j in page["elements"]] == [ids[2], ids[1]]
        assert page["curseur_suivant"]
        second = await client.get(
            "/api/admin/taches",
            params={"limit": 2, "curseur": page["curseur_suivant"]},
            headers=admin,
        )
        rest = second.json()["data"]["abandonnees"]
        assert [j["id_tache"] for j in rest["elements"]] == [ids[0]]
        assert rest["curseur_suivant"] is None
        job = rest["elements"][0]
        assert job["derniere_erreur"] == "ProviderUnreachable('Wave ne répond pas')"
        assert (job["tentatives"], job["tentatives_max"]) == (10, 10)
        assert job["resume"] == "id_operation = 77, id_webhook = 12, motif = …"
        assert "Awa" not in second.text
        assert "0700000001" not in second.text

    def test_the_summary_shows_ids_and_numbers_never_free_text(self) -> None:
        payload = {"id_notification": 5, "fiable": True, "issue": "reussie", "id_x": "a b"}
        assert desk.payload_summary(payload) == (
            "fiable = oui, id_notification = 5, id_x = …, issue = …"
        )
        assert desk.payload_summary({}) == "—"


class TestRetry:
    async def test_an_abandoned_job_runs_again_with_its_attempts_and_the_motif_is_audited(
        self, client: httpx.AsyncClient, app: Any, db_engine: AsyncEngine
    ) -> None:
        admin = bearer(await admin_token(client, db_engine))
        job_id = await _job(db_engine, "essai.relance", "abandonnee")

        answer = await client.post(f"/api/admin/taches/{job_id}/relance", json=MOTIF, headers=admin)

        assert answer.status_code == 200, answer.text
        assert answer.json()["message"] == "Tâche relancée."
        job = await row(db_engine, job_id)
        assert (job.statut, job.tentatives, job.date_fin) == ("en_attente", 0, None)
        assert job.due
        (entry,) = await _audits(db_engine, job_id)
        assert entry.action == "tache.relance"
        assert entry.motif == MOTIF["motif"]
        assert entry.avant["statut"] == "abandonnee"
        assert entry.avant["tentatives"] == 10
        assert entry.apres["statut"] == "en_attente"
        assert entry.id_acteur is not None

        ran: list[int] = []

        async def handler(job: Job) -> None:
            ran.append(job.id)

        app.state.worker.handlers["essai.relance"] = handler
        assert await app.state.worker.run_once() == 1
        assert ran == [job_id]
        assert (await row(db_engine, job_id)).statut == "terminee"

    async def test_refused_unless_abandoned_or_when_the_same_job_already_waits(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = bearer(await admin_token(client, db_engine))
        waiting = await _job(db_engine, "push.envoyer", "en_attente")
        refused = await client.post(
            f"/api/admin/taches/{waiting}/relance", json=MOTIF, headers=admin
        )
        assert_failure(refused, 409, "JobStateConflict")
        assert "« en_attente »" in refused.json()["message"]

        old = await _job(db_engine, "push.envoyer", "abandonnee", cle="push:9")
        twin = await _job(db_engine, "push.envoyer", "en_attente", cle="push:9")
        refused = await client.post(f"/api/admin/taches/{old}/relance", json=MOTIF, headers=admin)
        assert_failure(refused, 409, "JobStateConflict")
        assert f"n° {twin}" in refused.json()["message"]
        assert (await row(db_engine, old)).statut == "abandonnee"
        assert await _audits(db_engine, old) == []

        missing = await client.post("/api/admin/taches/999999/relance", json=MOTIF, headers=admin)
        assert_failure(missing, 404, "JobNotFound")
        no_reason = await client.post(f"/api/admin/taches/{old}/relance", json={}, headers=admin)
        assert no_reason.status_code == 422


class TestCancel:
    async def test_a_waiting_or_abandoned_job_is_cancelled_with_its_motif(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = bearer(await admin_token(client, db_engine))
        for status in ("en_attente", "abandonnee"):
            job_id = await _job(db_engine, "push.envoyer", status, cle=f"push:{status}")
            answer = await client.post(
                f"/api/admin/taches/{job_id}/annulation", json=MOTIF, headers=admin
            )
            assert answer.status_code == 200, answer.text
            job = await row(db_engine, job_id)
            assert job.statut == "annulee"
            assert job.date_fin is not None
            (entry,) = await _audits(db_engine, job_id)
            assert (entry.action, entry.avant["statut"], entry.apres["statut"]) == (
                "tache.annulation",
                status,
                "annulee",
            )
        # The key is free again: the same job may be enqueued anew.
        again = await _job(db_engine, "push.envoyer", "en_attente", cle="push:en_attente")
        assert again

    async def test_a_running_or_finished_job_is_not_cancelled(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = bearer(await admin_token(client, db_engine))
        running = await _job(db_engine, "push.envoyer", "en_attente")
        await execute(
            db_engine,
            "UPDATE tache SET statut = 'en_cours', tentatives = 1,"
            " verrouille_jusqu_a = now() + interval '1 minute' WHERE id_tache = :i",
            i=running,
        )
        refused = await client.post(
            f"/api/admin/taches/{running}/annulation", json=MOTIF, headers=admin
        )
        assert_failure(refused, 409, "JobStateConflict")
        assert "en cours d'exécution" in refused.json()["message"]
        done = await _job(db_engine, "push.envoyer", "terminee")
        refused = await client.post(
            f"/api/admin/taches/{done}/annulation", json=MOTIF, headers=admin
        )
        assert_failure(refused, 409, "JobStateConflict")
        assert (await row(db_engine, running)).statut == "en_cours"
        assert (await row(db_engine, done)).statut == "terminee"


class TestPermissions:
    async def test_agents_and_users_are_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        job_id = await _job(db_engine, "push.envoyer", "abandonnee")
        someone = await person(client, db_engine, 3)
        for role in (None, "agent"):
            if role is not None:
                async with db_engine.connect() as connection:
                    user_id = await connection.scalar(
                        text("SELECT id_user FROM utilisateur WHERE telephone = :t"),
                        {"t": someone.phone},
                    )
                await grant_role(db_engine, int(user_id), role)
            assert_failure(await client.get("/api/admin/taches", headers=someone.headers), 403)
            retry = await client.post(
                f"/api/admin/taches/{job_id}/relance", json=MOTIF, headers=someone.headers
            )
            assert_failure(retry, 403)
        assert (await row(db_engine, job_id)).statut == "abandonnee"
