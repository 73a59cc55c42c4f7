"""Deleting an account that has help-desk history: refused while a claim waits for a
decision (the decision may credit or debit the wallet); afterwards the person's
conversations are resolved and what they wrote is erased, while the agents' answers and
the claim (the record of a decision on a ledger transaction) stay."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.account.helpers import codes, delete, eligibility
from tests.factories import scalar
from tests.operations.helpers import deposit, pay, settle
from tests.wallet.helpers import person, send


async def _conversation(engine: AsyncEngine, user_id: int, transaction_id: int) -> int:
    async with engine.begin() as connection:
        conversation = (
            await connection.execute(
                text(
                    "INSERT INTO conversation_assistance (id_user, sujet, id_transaction)"
                    " VALUES (:u, 'Transfert vers Bob', :t) RETURNING id_conversation"
                ),
                {"u": user_id, "t": transaction_id},
            )
        ).scalar_one()
        await connection.execute(
            text(
                "INSERT INTO message_assistance (id_conversation, id_auteur, auteur, contenu)"
                " VALUES (:c, :u, 'utilisateur', 'Mon numéro est le 0700000001'),"
                " (:c, NULL, 'agent', 'Nous regardons votre transfert.')"
            ),
            {"c": conversation, "u": user_id},
        )
        await connection.execute(
            text(
                "INSERT INTO reclamations (id_conversation, id_user, id_transaction, categorie,"
                " description) VALUES (:c, :u, :t, 'montant_incorrect', 'Envoyé deux fois')"
            ),
            {"c": conversation, "u": user_id, "t": transaction_id},
        )
    return int(conversation)


class TestDeletionWithSupportHistory:
    async def test_refused_while_a_claim_waits_then_the_person_s_words_are_erased(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa, bob = await person(client, db_engine, 1), await person(client, db_engine, 2)
        awa_id = await scalar(
            db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
        )
        # A transfer to claim about; Awa's balance back to zero (a balance blocks too).
        started = await deposit(client, bob, 2_000)
        assert started.status_code in (200, 201, 202), started.text
        await pay(client, started)
        await settle(app)
        assert (await send(client, bob, awa.national, 1_000)).status_code == 201
        sent = await send(client, awa, bob.national, 1_000)
        assert sent.status_code == 201, sent.text
        transaction_id = await scalar(
            db_engine,
            'SELECT id_transaction FROM "transaction" WHERE reference = :r',
            r=sent.json()["data"]["reference"],
        )
        conversation = await _conversation(db_engine, awa_id, transaction_id)

        state = await eligibility(client, awa)
        assert codes(state["raisons"]) == ["reclamation_en_cours"]
        assert "Aide et support" in state["raisons"][0]["que_faire"]
        assert (await delete(client, awa)).status_code == 409

        async with db_engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE reclamations SET statut = 'rejetee', resolution = 'sans_suite',"
                    " motif_decision = 'Rien à corriger' WHERE id_conversation = :c"
                ),
                {"c": conversation},
            )
        deleted = await delete(client, awa)
        assert deleted.status_code == 200, deleted.text

        row = await scalar(
            db_engine,
            "SELECT statut || '|' || sujet || '|' || (date_resolution IS NOT NULL)"
            " FROM conversation_assistance WHERE id_conversation = :c",
            c=conversation,
        )
        assert row == "resolue|Contenu supprimé|true"
        words = await scalar(
            db_engine,
            "SELECT string_agg(auteur || ':' || contenu, ' / ' ORDER BY id_message)"
            " FROM message_assistance WHERE id_conversation = :c",
            c=conversation,
        )
        assert words == "utilisateur:Contenu supprimé / agent:Nous regardons votre transfert."
        assert (
            await scalar(
                db_engine,
                "SELECT count(*) FROM reclamations WHERE id_conversation = :c",
                c=conversation,
            )
            == 1
        )
