"""Establishment accounts end to end: a person asks to manage an establishment, an
administrator approves, the establishment's merchant account takes QR payments, its manager
sees the receipts and withdraws through the sandbox provider, and invites health experts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.auth.helpers import PASSWORD, assert_failure, bearer
from tests.conftest import make_settings
from tests.factories import scalar
from tests.health.helpers import create
from tests.operations.conftest import SANDBOX
from tests.operations.helpers import operation, settle, system_balance, withdraw
from tests.wallet.helpers import (
    Person,
    admin_token,
    assert_ledger_clean,
    balance,
    credit,
    person,
    pin_token,
)

JUSTIFICATION = "Directeur administratif de la clinique, joignable au standard."


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    # The sandbox decides payouts at once and notifies once: withdrawals settle in the test.
    application = create_app(make_settings(**SANDBOX), database_url=database_url)
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()


@pytest.fixture
async def admin(client: httpx.AsyncClient, db_engine: AsyncEngine) -> str:
    return await admin_token(client, db_engine)


async def establishment(client: httpx.AsyncClient, admin: str, name: str) -> int:
    data = await create(client, admin, nom=name, lat=5.3453, lon=-3.9866)
    establishment_id: int = data["id_etablissement"]
    return establishment_id


@pytest.fixture
async def clinic(client: httpx.AsyncClient, admin: str) -> int:
    return await establishment(client, admin, "Clinique Sainte-Anne")


async def user_id(client: httpx.AsyncClient, who: Person) -> int:
    me = await client.get("/api/user/me", headers=who.headers)
    value: int = me.json()["data"]["id_user"]
    return value


async def roles(client: httpx.AsyncClient, who: Person) -> set[str]:
    me = await client.get("/api/user/me", headers=who.headers)
    return set(me.json()["data"]["roles"])


async def ask(client: httpx.AsyncClient, who: Person, establishment: int) -> httpx.Response:
    return await client.post(
        f"/api/etablissements/{establishment}/demandes-gestion",
        json={"justificatif": JUSTIFICATION},
        headers=who.headers,
    )


async def decide(
    client: httpx.AsyncClient,
    admin: str,
    establishment: int,
    user: int,
    decision: str = "approbation",
    *,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    return await client.post(
        f"/api/admin/demandes-gestion/{establishment}/{user}/{decision}",
        json=body,
        headers=bearer(admin),
    )


async def manager(
    client: httpx.AsyncClient, engine: AsyncEngine, admin: str, establishment: int, n: int = 10
) -> Person:
    """A person whose request to manage `establishment` an administrator approved."""
    who = await person(client, engine, n)
    assert (await ask(client, who, establishment)).status_code == 201
    approved = await decide(client, admin, establishment, await user_id(client, who))
    assert approved.status_code == 200, approved.text
    return who


async def merchant_accounts(engine: AsyncEngine, establishment: int) -> list[str]:
    value = await scalar(
        engine,
        "SELECT coalesce(string_agg(numero_compte, ','), '') FROM compte"
        " WHERE type_compte = 'marchand' AND id_etablissement = :e",
        e=establishment,
    )
    return [v for v in str(value).split(",") if v]


async def pay(
    client: httpx.AsyncClient, payer: Person, payload: str, **body: Any
) -> httpx.Response:
    headers = payer.headers | {"Idempotency-Key": str(uuid.uuid4())}
    return await client.post(
        "/api/qr/payer", json={"payload": payload, "pin": PASSWORD, **body}, headers=headers
    )


async def waiting_on_locks(engine: AsyncEngine, count: int) -> None:
    """Until `count` other sessions of this database wait for a lock (or fail)."""
    for _ in range(1_000):
        waiting = await scalar(
            engine,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'",
        )
        if waiting >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} sessions never waited together")


def base(establishment: int) -> str:
    return f"/api/mes-etablissements/{establishment}"


class TestRequestToManage:
    async def test_request_is_pending_in_the_admin_queue_with_a_masked_identity(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        other = await establishment(client, admin, "Pharmacie du Plateau")
        awa, koffi = await person(client, db_engine, 1), await person(client, db_engine, 2)
        first = await ask(client, awa, clinic)
        assert first.status_code == 201, first.text
        assert first.json()["data"]["statut"] == "demande"
        assert first.json()["data"]["nom_etablissement"] == "Clinique Sainte-Anne"
        assert (await ask(client, koffi, other)).status_code == 201

        queue = await client.get("/api/admin/demandes-gestion", headers=bearer(admin))
        assert queue.status_code == 200, queue.text
        items = queue.json()["data"]
        assert [i["nom_etablissement"] for i in items] == [
            "Clinique Sainte-Anne",
            "Pharmacie du Plateau",
        ]  # oldest first
        shown = items[0]["demandeur"]
        assert shown["id_user"] == await user_id(client, awa)
        assert shown["telephone_masque"] == "+225 07 •• •• •• 01"
        assert awa.phone not in queue.text
        assert items[0]["justificatif"] == JUSTIFICATION

        page = await client.get(
            "/api/admin/demandes-gestion", params={"limite": 1}, headers=bearer(admin)
        )
        assert len(page.json()["data"]) == 1
        following = await client.get(
            "/api/admin/demandes-gestion",
            params={"limite": 1, "curseur": page.json()["curseur_suivant"]},
            headers=bearer(admin),
        )
        assert [i["nom_etablissement"] for i in following.json()["data"]] == [
            "Pharmacie du Plateau"
        ]
        assert following.json()["curseur_suivant"] is None

    async def test_unknown_or_hidden_establishment_is_404(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        awa = await person(client, db_engine, 1)
        missing = await ask(client, awa, 999_999)
        assert_failure(missing, 404, "EstablishmentNotFound")
        assert missing.json()["message"] == "Établissement introuvable."
        hidden = await client.patch(
            f"/api/admin/etablissements/{clinic}", json={"visible": False}, headers=bearer(admin)
        )
        assert hidden.status_code == 200, hidden.text
        assert_failure(await ask(client, awa, clinic), 404, "EstablishmentNotFound")

    async def test_a_second_request_pending_or_active_is_409(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        awa = await person(client, db_engine, 1)
        assert (await ask(client, awa, clinic)).status_code == 201
        assert_failure(await ask(client, awa, clinic), 409, "AlreadyMember")
        assert (await decide(client, admin, clinic, await user_id(client, awa))).status_code == 200
        assert_failure(await ask(client, awa, clinic), 409, "AlreadyMember")

    async def test_a_refused_person_may_ask_again(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        awa = await person(client, db_engine, 1)
        await ask(client, awa, clinic)
        awa_id = await user_id(client, awa)
        refused = await decide(client, admin, clinic, awa_id, "refus", body={"motif": "Floue"})
        assert refused.status_code == 200, refused.text
        again = await ask(client, awa, clinic)
        assert again.status_code == 201, again.text
        assert again.json()["data"]["statut"] == "demande"

    async def test_an_establishment_may_have_several_managers_and_one_account(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        first = await manager(client, db_engine, admin, clinic, 1)
        second = await manager(client, db_engine, admin, clinic, 2)
        assert len(await merchant_accounts(db_engine, clinic)) == 1
        for who in (first, second):
            mine = (await client.get("/api/mes-etablissements", headers=who.headers)).json()
            assert [(e["id_etablissement"], e["role"]) for e in mine["data"]] == [
                (clinic, "gestionnaire")
            ]


class TestAdminDecision:
    async def test_approval_activates_grants_the_role_opens_the_account_and_is_audited(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        awa = await person(client, db_engine, 1)
        await ask(client, awa, clinic)
        assert "etablissement" not in await roles(client, awa)
        assert await merchant_accounts(db_engine, clinic) == []
        awa_id = await user_id(client, awa)
        approved = await decide(client, admin, clinic, awa_id)
        assert approved.status_code == 200, approved.text
        data = approved.json()["data"]
        assert data["statut"] == "actif"
        assert data["portefeuille"]["solde"] == 0
        assert data["portefeuille"]["devise"] == "XOF"
        assert await merchant_accounts(db_engine, clinic) == [data["portefeuille"]["numero_compte"]]
        assert "etablissement" in await roles(client, awa)
        row = await scalar(
            db_engine,
            "SELECT statut || ':' || (id_traite_par IS NOT NULL) || ':' ||"
            " (date_traitement IS NOT NULL) FROM membre_etablissement WHERE id_user = :u",
            u=awa_id,
        )
        assert row == "actif:true:true"
        audit = await scalar(
            db_engine,
            "SELECT avant->>'statut' || '>' || (apres->>'statut') FROM journal_audit"
            " WHERE action = 'etablissement.gestion.approbation' AND cle_cible = :k",
            k=f"{clinic}:{awa_id}",
        )
        assert audit == "demande>actif"

    async def test_refusal_needs_a_motif(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        awa = await person(client, db_engine, 1)
        await ask(client, awa, clinic)
        awa_id = await user_id(client, awa)
        assert (await decide(client, admin, clinic, awa_id, "refus", body={})).status_code == 422
        assert (await decide(client, admin, clinic, awa_id, "refus")).status_code == 422
        refused = await decide(
            client, admin, clinic, awa_id, "refus", body={"motif": "Justificatif illisible"}
        )
        assert refused.status_code == 200, refused.text
        assert refused.json()["data"]["motif"] == "Justificatif illisible"
        assert "etablissement" not in await roles(client, awa)
        assert await merchant_accounts(db_engine, clinic) == []
        audited = await scalar(
            db_engine,
            "SELECT motif FROM journal_audit WHERE action = 'etablissement.gestion.refus'",
        )
        assert audited == "Justificatif illisible"

    async def test_deciding_twice_is_409_and_unknown_is_404(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        awa, koffi = await person(client, db_engine, 1), await person(client, db_engine, 2)
        await ask(client, awa, clinic)
        await ask(client, koffi, clinic)
        awa_id, koffi_id = await user_id(client, awa), await user_id(client, koffi)
        assert (await decide(client, admin, clinic, awa_id)).status_code == 200
        assert_failure(await decide(client, admin, clinic, awa_id), 409, "RequestNotPending")
        motif = {"motif": "Déjà traité"}
        twice = await decide(client, admin, clinic, awa_id, "refus", body=motif)
        assert_failure(twice, 409, "RequestNotPending")
        await decide(client, admin, clinic, koffi_id, "refus", body=motif)
        assert_failure(await decide(client, admin, clinic, koffi_id), 409, "RequestNotPending")
        assert_failure(await decide(client, admin, clinic, 999_999), 404, "RequestNotFound")

    async def test_concurrent_approvals_open_exactly_one_merchant_account(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        people = [await person(client, db_engine, n) for n in range(1, 6)]
        for who in people:
            await ask(client, who, clinic)
        ids = [await user_id(client, who) for who in people]
        # Hold the five approvals at the role grant (its foreign key check waits for this
        # lock), so that all of them reach the account opening together once released.
        async with db_engine.connect() as blocker:
            transaction = await blocker.begin()
            await blocker.execute(
                text("SELECT 1 FROM role_permission WHERE code = 'etablissement' FOR UPDATE")
            )
            approvals = asyncio.gather(*(decide(client, admin, clinic, i) for i in ids))
            await waiting_on_locks(db_engine, 5)
            await transaction.rollback()
            answers = await approvals
        assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
        accounts = await merchant_accounts(db_engine, clinic)
        assert len(accounts) == 1
        assert {a.json()["data"]["portefeuille"]["numero_compte"] for a in answers} == set(accounts)

    async def test_concurrent_approvals_of_one_request_succeed_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        awa = await person(client, db_engine, 1)
        await ask(client, awa, clinic)
        awa_id = await user_id(client, awa)
        answers = await asyncio.gather(*(decide(client, admin, clinic, awa_id) for _ in range(5)))
        assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
        assert len(await merchant_accounts(db_engine, clinic)) == 1
        audits = await scalar(
            db_engine,
            "SELECT count(*) FROM journal_audit WHERE action = 'etablissement.gestion.approbation'",
        )
        assert audits == 1

    async def test_admin_routes_refuse_plain_users_and_anonymous_callers(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        awa = await person(client, db_engine, 1)
        await ask(client, awa, clinic)
        awa_id = await user_id(client, awa)
        routes = [
            ("GET", "/api/admin/demandes-gestion", None),
            ("POST", f"/api/admin/demandes-gestion/{clinic}/{awa_id}/approbation", None),
            ("POST", f"/api/admin/demandes-gestion/{clinic}/{awa_id}/refus", {"motif": "Non"}),
        ]
        for method, url, body in routes:
            plain = await client.request(method, url, json=body, headers=awa.headers)
            assert_failure(plain, 403)
            assert_failure(await client.request(method, url, json=body), 401)
        assert "etablissement" not in await roles(client, awa)


class TestMerchantAccount:
    async def test_paid_by_qr_then_receipts_then_withdrawal_through_the_sandbox(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        admin: str,
        clinic: int,
        app: Any,
    ) -> None:
        boss = await manager(client, db_engine, admin, clinic)
        payer = await person(client, db_engine, 1)
        await credit(client, admin, payer.numero_compte, 50_000)

        wallet = await client.get(f"{base(clinic)}/portefeuille", headers=boss.headers)
        assert wallet.status_code == 200, wallet.text
        numero = wallet.json()["data"]["portefeuille"]["numero_compte"]
        static = wallet.json()["data"]["qr_statique"]
        png = await client.get(static["images"]["png"], headers=boss.headers)
        assert (png.status_code, png.headers["content-type"]) == (200, "image/png")

        # The payer sees whom they pay: the establishment, by name.
        resolved = await client.post(
            "/api/qr/resoudre", json={"payload": static["payload"]}, headers=payer.headers
        )
        assert resolved.json()["data"]["destinataire"] == {
            "nom_affiche": "Clinique Sainte-Anne",
            "telephone_masque": None,
            "type": "marchand",
        }
        paid_static = await pay(client, payer, static["payload"], montant=7_000)
        assert paid_static.status_code == 201, paid_static.text
        # ... and so do the payment's answer and the payer's history (not "Utilisateur").
        shown = paid_static.json()["data"]["destinataire"]
        assert (shown["nom_affiche"], shown["type"]) == ("Clinique Sainte-Anne", "marchand")
        history = await client.get("/api/transactions", headers=payer.headers)
        assert history.json()["data"][0]["contrepartie"]["nom_affiche"] == "Clinique Sainte-Anne"

        dynamic = await client.post(
            f"{base(clinic)}/qr",
            json={"montant": 5_000, "libelle": "Consultation"},
            headers=boss.headers,
        )
        assert dynamic.status_code == 201, dynamic.text
        code = dynamic.json()["data"]
        assert code["images"]["svg"] == f"{base(clinic)}/qr/{code['code']}.svg"
        svg = await client.get(code["images"]["svg"], headers=boss.headers)
        assert svg.status_code == 200
        paid_dynamic = await pay(client, payer, code["payload"])
        assert paid_dynamic.status_code == 201, paid_dynamic.text
        assert_failure(await pay(client, payer, code["payload"]), 409)  # single use
        assert await balance(db_engine, numero) == 12_000

        receipts = await client.get(f"{base(clinic)}/transactions", headers=boss.headers)
        assert receipts.status_code == 200, receipts.text
        items = receipts.json()["data"]
        assert [(i["sens"], i["montant"], i["description"]) for i in items] == [
            ("entrant", 5_000, "Consultation"),
            ("entrant", 7_000, None),
        ]
        assert items[0]["contrepartie"]["telephone_masque"] == "+225 07 •• •• •• 01"
        reference = paid_dynamic.json()["data"]["reference"]
        one = await client.get(f"{base(clinic)}/transactions/{reference}", headers=boss.headers)
        assert one.status_code == 200, one.text
        assert one.json()["data"]["montant"] == 5_000
        # A payment of the manager's own wallet is not the establishment's receipt.
        mine = await credit(client, admin, boss.numero_compte, 1_000)
        own_reference = mine.json()["data"]["reference"]
        assert_failure(
            await client.get(f"{base(clinic)}/transactions/{own_reference}", headers=boss.headers),
            404,
        )

        token = await pin_token(client, boss)
        started = await client.post(
            f"{base(clinic)}/retraits",
            json={"fournisseur": "sandbox", "montant": 10_000, "numero": "0701020304"},
            headers=boss.headers | {"Idempotency-Key": str(uuid.uuid4()), "X-Jeton-Pin": token},
        )
        assert started.status_code == 202, started.text
        assert await balance(db_engine, numero) == 2_000  # held at once
        # The manager's own wallet is untouched.
        assert await balance(db_engine, boss.numero_compte) == 1_000
        await settle(app)
        done = await operation(client, boss, started.json()["data"]["reference"])
        assert done["statut"] == "reussie"
        assert await balance(db_engine, numero) == 2_000
        assert await system_balance(db_engine, "fournisseur.sandbox") == 10_000
        after = await client.get(f"{base(clinic)}/transactions", headers=boss.headers)
        latest = after.json()["data"][0]
        assert (latest["sens"], latest["type_transaction"]) == ("sortant", "retrait")
        listed = await client.get("/api/mes-etablissements", headers=boss.headers)
        assert listed.json()["data"][0]["portefeuille"]["solde"] == 2_000

        # A payout the operator refuses (the sandbox refuses numbers ending in 99): the
        # held money goes back to the establishment's account, not to the manager's.
        refused = await client.post(
            f"{base(clinic)}/retraits",
            json={"fournisseur": "sandbox", "montant": 1_500, "numero": "0701020399"},
            headers=boss.headers | {"Idempotency-Key": str(uuid.uuid4()), "X-Jeton-Pin": token},
        )
        assert refused.status_code == 202, refused.text
        assert await balance(db_engine, numero) == 500
        await settle(app)
        assert (await operation(client, boss, refused.json()["data"]["reference"]))[
            "statut"
        ] == "echouee"
        assert await balance(db_engine, numero) == 2_000
        assert await balance(db_engine, boss.numero_compte) == 1_000
        async with db_engine.connect() as connection:
            notice = await connection.scalar(
                text("SELECT contenu FROM notification WHERE type_notification = 'retrait_echoue'")
            )
        assert "rendus au compte de l'établissement" in str(notice)
        await assert_ledger_clean(db_engine)

    async def test_withdrawal_beyond_the_merchant_balance_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        boss = await manager(client, db_engine, admin, clinic)
        await credit(client, admin, boss.numero_compte, 20_000)  # the person's money, not the
        refused = await client.post(  # establishment's: it cannot pay the withdrawal
            f"{base(clinic)}/retraits",
            json={"fournisseur": "sandbox", "montant": 5_000, "numero": "0701020304"},
            headers=boss.headers | {"Idempotency-Key": str(uuid.uuid4())},
        )
        assert refused.status_code == 403, refused.text  # the PIN is required
        refused = await client.post(
            f"{base(clinic)}/retraits",
            json={
                "fournisseur": "sandbox",
                "montant": 5_000,
                "numero": "0701020304",
                "pin": PASSWORD,
            },
            headers=boss.headers | {"Idempotency-Key": str(uuid.uuid4())},
        )
        assert_failure(refused, 409, "InsufficientFunds")
        assert await balance(db_engine, boss.numero_compte) == 20_000
        await assert_ledger_clean(db_engine)

    async def test_personal_withdrawals_still_debit_the_personal_wallet(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        boss = await manager(client, db_engine, admin, clinic)
        await credit(client, admin, boss.numero_compte, 20_000)
        started = await withdraw(client, boss, 4_000)
        assert started.status_code == 202, started.text
        assert await balance(db_engine, boss.numero_compte) == 16_000
        numero = (await merchant_accounts(db_engine, clinic))[0]
        assert await balance(db_engine, numero) == 0


MANAGER_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/portefeuille", None),
    ("GET", "/qr/statique.png", None),
    ("GET", "/qr/statique.svg", None),
    ("GET", "/qr/ABCDEFGHJKMN.png", None),
    ("POST", "/qr", {"montant": 1_000}),
    ("GET", "/transactions", None),
    ("GET", "/transactions/HL-000000000000", None),
    ("POST", "/retraits", {"fournisseur": "sandbox", "montant": 100, "numero": "0701020304"}),
    ("PATCH", "", {"description": "Nouvelle description"}),
    ("POST", "/experts", {"identifiant": "0701020304", "specialite": "Pédiatrie"}),
    ("GET", "/experts", None),
    ("DELETE", "/experts/1", None),
]


class TestOnlyActiveManagers:
    async def test_everyone_else_gets_403_and_an_unknown_establishment_404(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        boss = await manager(client, db_engine, admin, clinic)
        other_clinic = await establishment(client, admin, "Clinique du Lac")
        elsewhere = await manager(client, db_engine, admin, other_clinic, 11)
        stranger = await person(client, db_engine, 1)
        pending = await person(client, db_engine, 2)
        await ask(client, pending, clinic)
        refused = await person(client, db_engine, 3)
        await ask(client, refused, clinic)
        motif = {"motif": "Inconnu du standard"}
        await decide(client, admin, clinic, await user_id(client, refused), "refus", body=motif)
        expert = await person(client, db_engine, 4)
        invited = await client.post(
            f"{base(clinic)}/experts",
            json={"identifiant": expert.national, "specialite": "Pédiatrie"},
            headers=boss.headers,
        )
        assert invited.status_code == 201, invited.text
        accepted = await client.post(
            f"/api/invitations/{clinic}/acceptation", headers=expert.headers
        )
        assert accepted.status_code == 200, accepted.text
        admin_headers = bearer(admin)

        callers = {
            "another user": stranger.headers,
            "a pending requester": pending.headers,
            "a refused requester": refused.headers,
            "an expert": expert.headers,
            "another establishment's manager": elsewhere.headers,
            "an administrator": admin_headers,
        }
        for who, headers in callers.items():
            for method, path, body in MANAGER_ROUTES:
                response = await client.request(
                    method,
                    base(clinic) + path,
                    json=body,
                    headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
                )
                assert response.status_code == 403, (who, method, path, response.text)
                assert response.json()["error"] == "NotManager"
                assert "gestionnaires" in response.json()["message"]
        for method, path, body in MANAGER_ROUTES:
            response = await client.request(
                method,
                base(999_999) + path,
                json=body,
                headers=boss.headers | {"Idempotency-Key": str(uuid.uuid4())},
            )
            assert_failure(response, 404, "EstablishmentNotFound")
            assert_failure(await client.request(method, base(clinic) + path, json=body), 401)
        assert await balance(db_engine, (await merchant_accounts(db_engine, clinic))[0]) == 0

    async def test_the_manager_edits_details_and_opening_hours(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        boss = await manager(client, db_engine, admin, clinic)
        hours = [{"jour": day, "ouverture": "08:00", "fermeture": "18:00"} for day in range(1, 6)]
        edited = await client.patch(
            base(clinic),
            json={"description": "Clinique pédiatrique", "horaires": hours},
            headers=boss.headers,
        )
        assert edited.status_code == 200, edited.text
        detail = (await client.get(f"/api/etablissements/{clinic}")).json()["data"]
        assert detail["description"] == "Clinique pédiatrique"
        assert len(detail["horaires"]) == 5
        # What only an administrator may change is refused to a manager.
        hiding = await client.patch(base(clinic), json={"visible": False}, headers=boss.headers)
        assert hiding.status_code == 422
        audited = await scalar(
            db_engine,
            "SELECT count(*) FROM journal_audit WHERE action = :a AND id_acteur = :u",
            a="etablissement.modification.gestionnaire",
            u=await user_id(client, boss),
        )
        assert audited == 1


class TestExperts:
    async def test_invite_accept_and_withdraw_and_the_role_follows(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        boss = await manager(client, db_engine, admin, clinic)
        doctor = await person(client, db_engine, 1)
        doctor_id = await user_id(client, doctor)
        invited = await client.post(
            f"{base(clinic)}/experts",
            json={"identifiant": doctor.phone, "specialite": "Pédiatrie"},
            headers=boss.headers,
        )
        assert invited.status_code == 201, invited.text
        assert invited.json()["data"]["statut"] == "invite"
        assert invited.json()["data"]["expert"]["id_user"] == doctor_id
        again = await client.post(
            f"{base(clinic)}/experts",
            json={"identifiant": doctor.national, "specialite": "Pédiatrie"},
            headers=boss.headers,
        )
        assert_failure(again, 409)
        assert "expert" not in await roles(client, doctor)

        invitations = await client.get("/api/invitations", headers=doctor.headers)
        assert [(i["id_etablissement"], i["specialite"]) for i in invitations.json()["data"]] == [
            (clinic, "Pédiatrie")
        ]
        accepted = await client.post(
            f"/api/invitations/{clinic}/acceptation", headers=doctor.headers
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["data"]["statut"] == "actif"
        assert "expert" in await roles(client, doctor)
        assert_failure(
            await client.post(f"/api/invitations/{clinic}/acceptation", headers=doctor.headers),
            404,
        )
        listed = await client.get(f"{base(clinic)}/experts", headers=boss.headers)
        assert [(e["expert"]["id_user"], e["statut"]) for e in listed.json()["data"]] == [
            (doctor_id, "actif")
        ]
        mine = await client.get("/api/mes-etablissements", headers=doctor.headers)
        assert [(e["role"], e["portefeuille"]) for e in mine.json()["data"]] == [("expert", None)]

        removed = await client.delete(f"{base(clinic)}/experts/{doctor_id}", headers=boss.headers)
        assert removed.status_code == 200, removed.text
        assert removed.json()["data"]["statut"] == "retire"
        assert "expert" not in await roles(client, doctor)
        assert_failure(
            await client.delete(f"{base(clinic)}/experts/{doctor_id}", headers=boss.headers), 404
        )

    async def test_the_role_stays_while_the_person_is_an_expert_elsewhere(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        lake = await establishment(client, admin, "Clinique du Lac")
        boss = await manager(client, db_engine, admin, clinic, 10)
        lake_boss = await manager(client, db_engine, admin, lake, 11)
        doctor = await person(client, db_engine, 1)
        doctor_id = await user_id(client, doctor)
        for place, who in ((clinic, boss), (lake, lake_boss)):
            invited = await client.post(
                f"{base(place)}/experts",
                json={"identifiant": doctor.national, "specialite": "Cardiologie"},
                headers=who.headers,
            )
            assert invited.status_code == 201, invited.text
            accepted = await client.post(
                f"/api/invitations/{place}/acceptation", headers=doctor.headers
            )
            assert accepted.status_code == 200
        await client.delete(f"{base(clinic)}/experts/{doctor_id}", headers=boss.headers)
        assert "expert" in await roles(client, doctor)
        await client.delete(f"{base(lake)}/experts/{doctor_id}", headers=lake_boss.headers)
        assert "expert" not in await roles(client, doctor)

    async def test_unknown_identifier_is_404_and_a_declined_invitation_grants_nothing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str, clinic: int
    ) -> None:
        boss = await manager(client, db_engine, admin, clinic)
        nobody = await client.post(
            f"{base(clinic)}/experts",
            json={"identifiant": "0709999999", "specialite": "Pédiatrie"},
            headers=boss.headers,
        )
        assert_failure(nobody, 404, "PersonNotFound")
        garbage = await client.post(
            f"{base(clinic)}/experts",
            json={"identifiant": "pas un numéro", "specialite": "Pédiatrie"},
            headers=boss.headers,
        )
        assert_failure(garbage, 422)
        doctor = await person(client, db_engine, 1)
        await client.post(
            f"{base(clinic)}/experts",
            json={"identifiant": doctor.national, "specialite": "Pédiatrie"},
            headers=boss.headers,
        )
        declined = await client.post(
            f"/api/invitations/{clinic}/refus",
            json={"motif": "Pas disponible"},
            headers=doctor.headers,
        )
        assert declined.status_code == 200, declined.text
        assert declined.json()["data"]["statut"] == "refuse"
        assert "expert" not in await roles(client, doctor)
        assert (await client.get("/api/invitations", headers=doctor.headers)).json()["data"] == []
        # Declined: the manager may invite again.
        again = await client.post(
            f"{base(clinic)}/experts",
            json={"identifiant": doctor.national, "specialite": "Pédiatrie"},
            headers=boss.headers,
        )
        assert again.status_code == 201, again.text
        silent = await client.post(f"/api/invitations/{clinic}/refus", headers=doctor.headers)
        assert silent.status_code == 200, silent.text
        assert silent.json()["data"]["motif"] == "Invitation déclinée par l'expert."
        # A person cannot answer someone else's invitation.
        assert_failure(
            await client.post(f"/api/invitations/{clinic}/acceptation", headers=boss.headers),
            404,
        )
