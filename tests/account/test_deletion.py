"""Delete my account, on real PostgreSQL, with a person who has a money history: deposits
through the sandbox provider, transfers both ways, a QR payment, a withdrawal. Refused while
money is held (a balance, a withdrawal in progress); afterwards the ledger is whole and
clean, the counterparty's history still shows the transfers under « Compte supprimé », the
old number is unknown to senders and to login, and can register again as a new person."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.media.storage import LocalStorage, build_storage
from tests.account.helpers import PATH, codes, delete, eligibility
from tests.auth.helpers import PASSWORD, bearer
from tests.factories import scalar
from tests.media.helpers import image_bytes, post_image
from tests.operations.helpers import deposit, pay, settle, withdraw
from tests.wallet.helpers import assert_ledger_clean, balance, person, phone_of, send

ENTRIES_OF = (
    "SELECT count(*) FROM ecriture e JOIN compte c ON c.id_compte = e.id_compte"
    " WHERE c.numero_compte = :n"
)
TRANSACTIONS_OF = (
    'SELECT count(*) FROM "transaction" t JOIN compte c'
    " ON c.id_compte IN (t.id_compte_source, t.id_compte_destination) WHERE c.numero_compte = :n"
)


async def _qr_pay(client: httpx.AsyncClient, payer: Any, owner: Any, amount: int) -> None:
    payload = (await client.get("/api/qr/statique", headers=owner.headers)).json()["data"][
        "payload"
    ]
    paid = await client.post(
        "/api/qr/payer",
        json={"payload": payload, "montant": amount, "pin": PASSWORD},
        headers=payer.headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert paid.status_code == 201, paid.text


class TestMoneyHistory:
    async def test_refused_while_money_is_held_then_deleted_with_the_ledger_whole(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa, bob = await person(client, db_engine, 1), await person(client, db_engine, 2)
        awa_id = await scalar(
            db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
        )

        # Money history: a deposit through the sandbox, transfers both ways, a QR payment.
        started = await deposit(client, awa, 20_000)
        assert started.status_code in (200, 201, 202), started.text
        await pay(client, started)
        await settle(app)
        assert await balance(db_engine, awa.numero_compte) == 20_000
        assert (await send(client, awa, bob.national, 5_000)).status_code == 201
        assert (await send(client, bob, awa.national, 1_000)).status_code == 201
        await _qr_pay(client, awa, bob, 2_000)
        assert await balance(db_engine, awa.numero_compte) == 14_000

        # A balance: refused, with the amount and what to do.
        state = await eligibility(client, awa)
        assert state["possible"] is False
        assert codes(state["raisons"]) == ["solde"]
        assert state["raisons"][0]["message"] == "Votre solde est de 14 000 F CFA."
        assert "Retrait" in state["raisons"][0]["que_faire"]
        refused = await delete(client, awa)
        assert refused.status_code == 409, refused.text
        assert codes(refused.json()["raisons"]) == ["solde"]

        # A withdrawal in progress: the money is held, still refused.
        out = await withdraw(client, awa, 14_000)
        assert out.status_code == 202, out.text
        state = await eligibility(client, awa)
        assert codes(state["raisons"]) == ["retrait_en_cours"]
        assert "14 000 F CFA" in state["raisons"][0]["message"]
        assert (await delete(client, awa)).status_code == 409

        await settle(app)  # the withdrawal is sent: nothing held any more
        assert await eligibility(client, awa) == {"possible": True, "raisons": []}

        # The confirmation word and the PIN are required (a wrong PIN changes nothing).
        assert (await delete(client, awa, confirmation="oui")).status_code == 422
        assert (await delete(client, awa, pin="mauvais-pin-1")).status_code == 401
        entries = await scalar(db_engine, ENTRIES_OF, n=awa.numero_compte)
        transactions = await scalar(db_engine, TRANSACTIONS_OF, n=awa.numero_compte)
        # The deposit, two transfers, the QR payment, the withdrawal's hold (its success moves
        # the money from the hold account to the provider's, not from the wallet).
        assert transactions == 5

        second_session = await client.post(
            "/api/auth/login", json={"identifier": awa.national, "password": PASSWORD}
        )
        assert second_session.status_code == 200, second_session.text
        done = await delete(client, awa)
        assert done.status_code == 200, done.text
        assert "supprimé" in done.json()["message"]
        # Every session ended: the other device's tokens too, refresh token included.
        other = second_session.json()
        assert (await client.get("/api/user/me", headers=bearer(other["token"]))).status_code == 401
        refreshed = await client.post(
            "/api/auth/refresh", json={"refresh_token": other["refresh_token"]}
        )
        assert refreshed.status_code == 401, refreshed.text

        # Every token of the person is refused; the old identifier is an unknown account.
        assert (await client.get("/api/user/me", headers=awa.headers)).status_code == 401
        assert (await client.get(PATH, headers=awa.headers)).status_code == 401
        old = await client.post(
            "/api/auth/login", json={"identifier": awa.national, "password": PASSWORD}
        )
        never = await client.post(
            "/api/auth/login", json={"identifier": phone_of(99)[0], "password": PASSWORD}
        )
        assert (old.status_code, old.json()) == (never.status_code, never.json())

        # The person anonymised, the wallet closed, never deleted; the ledger whole.
        row = await _one(
            db_engine,
            "SELECT u.nom, u.prenom, u.email, u.telephone, u.mdp, u.actif,"
            " u.date_suppression IS NOT NULL AS supprime, c.statut, c.solde"
            " FROM utilisateur u JOIN compte c ON c.id_user = u.id_user"
            " WHERE u.id_user = :u",
            u=awa_id,
        )
        assert row == (None, "Compte supprimé", None, None, None, False, True, "ferme", 0)
        assert await scalar(db_engine, ENTRIES_OF, n=awa.numero_compte) == entries
        assert await scalar(db_engine, TRANSACTIONS_OF, n=awa.numero_compte) == transactions
        await assert_ledger_clean(db_engine)
        audit = await _one(
            db_engine,
            "SELECT id_acteur, table_cible, cle_cible FROM journal_audit"
            " WHERE action = 'compte.suppression'",
        )
        assert audit == (awa_id, "utilisateur", str(awa_id))
        sessions = await scalar(
            db_engine,
            "SELECT count(*) FROM jeton_rafraichissement WHERE id_user = :u"
            " AND date_revocation IS NULL",
            u=awa_id,
        )
        assert sessions == 0

        # The counterparty still sees every movement, under a neutral name.
        history = (await client.get("/api/transactions", headers=bob.headers)).json()["data"]
        with_awa = [h for h in history if h["contrepartie"]]
        assert len(with_awa) == 3
        assert {h["contrepartie"]["nom_affiche"] for h in with_awa} == {"Compte supprimé"}
        assert all(h["contrepartie"].get("telephone_masque") is None for h in with_awa)

        # Nobody can send to the old number or account number any more.
        by_phone = await send(client, bob, awa.national, 500)
        assert by_phone.status_code == 404, by_phone.text
        assert by_phone.json()["error"] == "UnknownRecipient"
        by_number = await send(client, bob, awa.numero_compte, 500)
        assert by_number.status_code == 404, by_number.text

        # The same number registers again: a brand new person with a new wallet.
        again = await person(client, db_engine, 1)
        again_id = await scalar(
            db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
        )
        assert again_id != awa_id
        assert again.numero_compte != awa.numero_compte
        assert await balance(db_engine, again.numero_compte) == 0
        await assert_ledger_clean(db_engine)


async def _one(engine: AsyncEngine, sql: str, **params: Any) -> tuple[Any, ...]:
    async with engine.connect() as connection:
        return tuple((await connection.execute(text(sql), params)).one())


class TestWhatIsRemoved:
    async def test_posts_comments_likes_photos_devices_and_contacts(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, settings: Any
    ) -> None:
        awa, bob = await person(client, db_engine, 1), await person(client, db_engine, 2)
        awa_id = await scalar(
            db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
        )
        uploaded = await post_image(client, awa.headers, image_bytes("JPEG"))
        assert uploaded.status_code == 201, uploaded.text
        media_id = uploaded.json()["data"]["id_media"]
        key = await scalar(
            db_engine, "SELECT cle_stockage FROM media WHERE id_media = :m", m=media_id
        )
        storage = build_storage(settings)
        assert isinstance(storage, LocalStorage)
        file = storage.path(key)
        assert isinstance(file, Path)
        assert file.exists()
        mine = await client.post(
            "/api/publications",
            json={"contenu": "Ma journée de dépistage", "medias": [media_id]},
            headers=awa.headers,
        )
        assert mine.status_code == 201, mine.text
        my_post = mine.json()["data"]["id_publication"]
        theirs = await client.post(
            "/api/publications", json={"contenu": "Bonjour à tous"}, headers=bob.headers
        )
        their_post = theirs.json()["data"]["id_publication"]
        commented = await client.post(
            f"/api/publications/{their_post}/commentaires",
            json={"contenu": "Merci Bob"},
            headers=awa.headers,
        )
        assert commented.status_code == 201, commented.text
        assert (
            await client.put(f"/api/publications/{their_post}/like", headers=awa.headers)
        ).status_code == 200
        saved = await client.post(
            "/api/contacts", json={"identifiant": awa.national, "alias": "Awa"}, headers=bob.headers
        )
        assert saved.status_code == 201, saved.text
        device = await client.post(
            "/api/user/fcm-token", json={"fcm_token": "appareil-awa-1"}, headers=awa.headers
        )
        assert device.status_code == 200, device.text

        assert (await delete(client, awa)).status_code == 200

        assert (
            await client.get(f"/api/publications/{my_post}", headers=bob.headers)
        ).status_code == 404
        post = (await client.get(f"/api/publications/{their_post}", headers=bob.headers)).json()[
            "data"
        ]
        assert (post["compteur_like"], post["nombre_commentaires"]) == (0, 0)
        listed = await client.get(
            f"/api/publications/{their_post}/commentaires", headers=bob.headers
        )
        assert listed.json()["data"]["commentaires"] == []
        feed = await client.get(f"/api/utilisateurs/{awa_id}/publications", headers=bob.headers)
        assert feed.json()["data"]["publications"] == []
        assert not file.exists()
        for table, column in (
            ("media", "id_user"),
            ("appareil_push", "id_user"),
            ("contacts_enregistres", "id_user_contact"),
            ("liker", "id_user"),
            ("otp", "user_id"),
            ("utilisateur_role", "id_user"),
        ):
            left = await scalar(
                db_engine,
                f"SELECT count(*) FROM {table} WHERE {column} = :u",  # noqa: S608 — literals
                u=awa_id,
            )
            assert left == 0, table
        text_left = await scalar(
            db_engine,
            "SELECT count(*) FROM publication WHERE id_user = :u AND contenu LIKE '%dépistage%'",
            u=awa_id,
        )
        assert text_left == 0
