"""The help desk's back-office screens: the queue and a conversation for an agent (take,
answer, internal note, resolve), a plain user kept out, the claims' four eyes (the proposer
sees why they cannot approve and is refused; a second administrator approves and the money
comes back), the FAQ and canned answers, the dashboard's service levels, and CSRF."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from hostolink.auth import principal as principals
from hostolink.backoffice.session import COOKIE
from hostolink.support.claims import service as claims
from hostolink.support.claims.schemas import ClaimBody
from hostolink.support.conversations import service as conversations
from hostolink.support.conversations.attachments import links_of
from hostolink.support.conversations.live import close_support_runtime
from hostolink.support.conversations.schemas import ConversationCreate
from tests.auth.helpers import grant_role
from tests.backoffice.helpers import ORIGIN, csrf_of, post_form, sign_in
from tests.discussions.helpers import frame, live_server
from tests.factories import asgi_client, execute, funded_people, scalar, user_id_of
from tests.wallet.helpers import ADMIN, balance, make_admin, person, send

SECOND_ADMIN = "controle@example.com"
AMOUNT = 15_000  # above the default approval threshold (10 000 F)


async def _flash(client: httpx.AsyncClient, answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text[:500]
    return (await client.get(answer.headers["location"])).text


async def _as_person(engine: AsyncEngine, user_id: int) -> Any:
    async with AsyncSession(engine) as session:
        row = (await session.execute(principals.PRINCIPAL_BY_ID, {"user_id": user_id})).one()
    return principals.from_row(row)


async def _conversation(
    engine: AsyncEngine, user_id: int, reference: str, *, sujet: str = "Transfert contesté"
) -> int:
    """What the app's « Aide » screen does: a conversation about one of my transactions."""
    actor = await _as_person(engine, user_id)
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        conversation_id, _message_id = await conversations.create(
            session,
            actor=actor,
            body=ConversationCreate(
                sujet=sujet,
                message="Je n'ai jamais voulu envoyer cet argent, aidez-moi.",
                reference_transaction=reference,
            ),
        )
    return conversation_id


async def _claim(engine: AsyncEngine, user_id: int, conversation_id: int) -> int:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        claim = await claims.open_claim(
            session,
            user_id=user_id,
            conversation_id=conversation_id,
            body=ClaimBody(
                categorie="non_autorisee", description="Transfert parti sans mon accord."
            ),
        )
    return claim.id_reclamation


@pytest.fixture
async def scene(client: httpx.AsyncClient, db_engine: AsyncEngine) -> dict[str, Any]:
    """Awa (funded) sent 15 000 F to Koffi by mistake and opened a conversation about it."""
    awa, koffi = await funded_people(client, db_engine, 2, 50_000)
    sent = await send(client, awa, koffi.phone, AMOUNT)
    assert sent.status_code in {200, 201}, sent.text
    reference = sent.json()["data"]["reference"]
    awa_id = await user_id_of(db_engine, "telephone", awa.phone)
    conversation_id = await _conversation(db_engine, awa_id, reference)
    return {
        "awa": awa,
        "awa_id": awa_id,
        "reference": reference,
        "conversation": conversation_id,
    }


@pytest.fixture
async def agent(app: Any, db_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """A support agent signed in to the back-office in their own browser."""
    async with asgi_client(app) as http:
        someone = await person(http, db_engine, 60)
        await grant_role(
            db_engine, await user_id_of(db_engine, "telephone", someone.phone), "agent"
        )
        assert (await sign_in(http, someone.phone)).status_code == 302
        yield http


class TestTheDesk:
    async def test_an_agent_sees_the_queue_with_counts_and_takes_answers_and_resolves(
        self, app: Any, agent: httpx.AsyncClient, scene: dict[str, Any], db_engine: AsyncEngine
    ) -> None:
        conversation_id = scene["conversation"]
        queue = await agent.get("/admin/assistance")
        assert queue.status_code == 200
        assert f'id="conversation-{conversation_id}"' in queue.text
        assert "Transfert contesté" in queue.text
        assert re.search(r'data-compte="nouvelles">1<', queue.text)
        assert "La plus ancienne nouvelle attend depuis" in queue.text
        found = await agent.get("/admin/assistance", params={"filtre": "toutes", "q": "contesté"})
        assert f'id="conversation-{conversation_id}"' in found.text
        none = await agent.get("/admin/assistance", params={"filtre": "toutes", "q": "zzzz"})
        assert f'id="conversation-{conversation_id}"' not in none.text
        forged = await agent.get("/admin/assistance", params={"curseur": "pas-un-curseur"})
        assert forged.status_code == 200  # the first page

        url = f"/admin/assistance/{conversation_id}"
        page = await agent.get(url)
        assert page.status_code == 200
        assert "Je n&#39;ai jamais voulu envoyer cet argent" in page.text
        assert scene["reference"] in page.text  # the linked transaction, in the context panel
        assert 'id="contexte-transactions"' in page.text
        assert "support-desk.js" in page.text

        taken = await post_form(agent, url, f"{url}/prise")
        assert "Conversation prise" in await _flash(agent, taken)
        note = await post_form(
            agent, url, f"{url}/messages", contenu="Vérifier le journal d'abord", interne="1"
        )
        assert "Note interne ajoutée" in await _flash(agent, note)
        answer = await post_form(
            agent, url, f"{url}/messages", contenu="Bonjour Awa, nous regardons votre transfert."
        )
        page = await _flash(agent, answer)
        assert "Réponse envoyée" in page
        assert re.search(r'note-interne".*?Note interne.*?Vérifier le journal', page, re.S)
        statut = await scalar(
            db_engine,
            "SELECT statut FROM conversation_assistance WHERE id_conversation = :i",
            i=conversation_id,
        )
        assert statut == "attente_utilisateur"

        # The person's own history never carries the note.
        async with AsyncSession(db_engine) as session:
            seen, _ = await conversations.history(
                session,
                conversation_id=conversation_id,
                with_notes=False,
                page=conversations.Page(before=None, after=None, limit=50),
                signer=links_of(app),
            )
        assert [m.contenu for m in seen if m.auteur == "agent"] == [
            "Bonjour Awa, nous regardons votre transfert."
        ]
        caught_up = await agent.get(f"{url}/messages", params={"apres": 0})
        assert any(m["interne"] for m in caught_up.json()["data"])

        resolved = await post_form(agent, url, f"{url}/resolution")
        assert "Conversation résolue" in await _flash(agent, resolved)
        mine = await agent.get("/admin/assistance", params={"filtre": "resolues"})
        assert f'id="conversation-{conversation_id}"' in mine.text

    async def test_a_conversation_is_handed_to_another_agent(
        self, app: Any, agent: httpx.AsyncClient, scene: dict[str, Any], db_engine: AsyncEngine
    ) -> None:
        await make_admin(db_engine)
        admin_id = await user_id_of(db_engine, "email", ADMIN)
        url = f"/admin/assistance/{scene['conversation']}"
        page = await agent.get(url)
        assert f'<option value="{admin_id}">' in page.text
        not_an_agent = await post_form(
            agent, url, f"{url}/transfert", id_agent=str(scene["awa_id"])
        )
        assert "pas un agent du support" in await _flash(agent, not_an_agent)
        moved = await post_form(agent, url, f"{url}/transfert", id_agent=str(admin_id))
        assert "Conversation transférée" in await _flash(agent, moved)
        assert (
            await scalar(
                db_engine,
                "SELECT id_agent FROM conversation_assistance WHERE id_conversation = :i",
                i=scene["conversation"],
            )
            == admin_id
        )

    async def test_an_attachment_is_shown_through_a_signed_link(
        self, agent: httpx.AsyncClient, scene: dict[str, Any], db_engine: AsyncEngine
    ) -> None:
        await execute(
            db_engine,
            "INSERT INTO media (id_user, stockage, cle_stockage, url, type_mime, largeur,"
            " hauteur, taille_octets, usage, prive) VALUES (:u, 'local', 'test/recu.webp',"
            " 'https://img.test/recu.webp', 'image/webp', 800, 600, 1000, 'assistance', true)",
            u=scene["awa_id"],
        )
        media_id = await scalar(db_engine, "SELECT max(id_media) FROM media")
        actor = await _as_person(db_engine, scene["awa_id"])
        async with AsyncSession(db_engine) as session, session.begin():
            conversation_id, _ = await conversations.create(
                session,
                actor=actor,
                body=ConversationCreate(
                    sujet="Capture du reçu", message="Voici le reçu.", id_media=media_id
                ),
            )
        page = await agent.get(f"/admin/assistance/{conversation_id}")
        image = re.search(r'<img class="piece-jointe" src="([^"]+)" alt="([^"]+)"', page.text)
        assert image, page.text[-2000:]
        assert "/api/assistance/pieces/" in image.group(1)
        assert "https://img.test" not in page.text  # never the storage's own address
        assert image.group(2).startswith("Pièce jointe de ")

    async def test_a_plain_user_is_kept_out(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, scene: dict[str, Any]
    ) -> None:
        refused = await sign_in(client, scene["awa"].phone)
        assert refused.status_code == 403
        for url in ("/admin/assistance", f"/admin/assistance/{scene['conversation']}"):
            answer = await client.get(url)
            assert answer.status_code == 302
            assert answer.headers["location"].endswith("/admin/login")

    async def test_actions_need_the_csrf_token_and_our_origin(
        self, agent: httpx.AsyncClient, scene: dict[str, Any], db_engine: AsyncEngine
    ) -> None:
        url = f"/admin/assistance/{scene['conversation']}"
        page = await agent.get(url)
        no_token = await agent.post(f"{url}/prise", data={}, headers=ORIGIN)
        assert no_token.status_code == 403
        elsewhere = await agent.post(
            f"{url}/prise",
            data={"csrf_token": csrf_of(page)},
            headers={"Origin": "https://ailleurs.example"},
        )
        assert elsewhere.status_code == 403
        assert (
            await scalar(
                db_engine,
                "SELECT id_agent FROM conversation_assistance WHERE id_conversation = :i",
                i=scene["conversation"],
            )
            is None
        )


class TestClaims:
    async def test_the_proposer_cannot_approve_a_second_administrator_does(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine, scene: dict[str, Any]
    ) -> None:
        claim_id = await _claim(db_engine, scene["awa_id"], scene["conversation"])
        awa = scene["awa"]
        before = await balance(db_engine, awa.numero_compte)
        await make_admin(db_engine)
        assert (await sign_in(client, ADMIN)).status_code == 302
        url = f"/admin/assistance/{scene['conversation']}"

        page = await client.get(url)
        assert f'id="reclamation-{claim_id}"' in page.text
        assert "Proposer la décision" in page.text
        proposed = await post_form(
            client,
            url,
            f"/admin/reclamations/{claim_id}/decision",
            resolution="contre_passation",
            motif="Transfert non autorisé, confirmé par téléphone",
            retour=url,
        )
        page_text = await _flash(client, proposed)
        assert "une seconde personne doit l&#39;approuver" in page_text
        assert "Vous avez proposé cette décision : une autre personne doit l'approuver." in (
            page_text
        )
        assert f'formaction="/admin/reclamations/{claim_id}/approbation"' not in page_text

        own = await post_form(
            client,
            url,
            f"/admin/reclamations/{claim_id}/approbation",
            motif="Je m'approuve moi-même",
        )
        assert "une autre personne doit l&#39;approuver" in await _flash(client, own)
        assert await _status(db_engine, claim_id) == "a_approuver"
        assert await balance(db_engine, awa.numero_compte) == before

        await make_admin(db_engine, SECOND_ADMIN)
        async with asgi_client(app) as second:
            assert (await sign_in(second, SECOND_ADMIN)).status_code == 302
            listing = await second.get("/admin/reclamations")
            assert f'formaction="/admin/reclamations/{claim_id}/approbation"' in listing.text
            approved = await post_form(
                second,
                "/admin/reclamations",
                f"/admin/reclamations/{claim_id}/approbation",
                motif="Vérifié : appel enregistré",
            )
            assert "Décision approuvée et exécutée" in await _flash(second, approved)
        assert await _status(db_engine, claim_id) == "resolue"
        assert await balance(db_engine, awa.numero_compte) == before + AMOUNT

    async def test_an_agent_proposes_but_may_not_approve(
        self, agent: httpx.AsyncClient, db_engine: AsyncEngine, scene: dict[str, Any]
    ) -> None:
        claim_id = await _claim(db_engine, scene["awa_id"], scene["conversation"])
        listing = await agent.get("/admin/reclamations")
        assert listing.status_code == 200
        assert f'id="reclamation-{claim_id}"' in listing.text
        short = await post_form(
            agent,
            "/admin/reclamations",
            f"/admin/reclamations/{claim_id}/decision",
            resolution="contre_passation",
            motif="no",
        )
        assert "Indiquez un motif" in await _flash(agent, short)
        proposed = await post_form(
            agent,
            "/admin/reclamations",
            f"/admin/reclamations/{claim_id}/decision",
            resolution="contre_passation",
            motif="Transfert non autorisé",
        )
        page = await _flash(agent, proposed)
        assert "reclamations:approuver" in page  # who may approve, instead of the buttons
        refused = await post_form(
            agent,
            f"/admin/assistance/{scene['conversation']}",
            f"/admin/reclamations/{claim_id}/approbation",
            motif="Je n'ai pas ce droit",
        )
        assert refused.status_code == 403
        assert await _status(db_engine, claim_id) == "a_approuver"


async def _status(engine: AsyncEngine, claim_id: int) -> str:
    return str(
        await scalar(
            engine, "SELECT statut FROM reclamations WHERE id_reclamation = :i", i=claim_id
        )
    )


class TestHelpContent:
    async def test_faq_and_canned_answers_are_managed_and_offered(
        self, agent: httpx.AsyncClient, db_engine: AsyncEngine, scene: dict[str, Any]
    ) -> None:
        created = await post_form(
            agent,
            "/admin/aide",
            "/admin/aide/faq",
            question="Combien de temps prend un retrait ?",
            reponse="En général moins d'une minute.",
            categorie="Portefeuille",
            ordre="1",
            publiee="on",
        )
        assert "Question ajoutée" in await _flash(agent, created)
        question_id = await scalar(db_engine, "SELECT max(id_question) FROM question_frequente")
        edit = await agent.get("/admin/aide", params={"question": question_id})
        assert "Modifier la question" in edit.text
        changed = await post_form(
            agent,
            "/admin/aide",
            f"/admin/aide/faq/{question_id}",
            question="Combien de temps prend un retrait Orange Money ?",
            reponse="En général moins d'une minute ; au plus 24 heures.",
            categorie="Portefeuille",
            ordre="2",
            publiee="on",
        )
        assert "Question modifiée" in await _flash(agent, changed)
        hidden = await post_form(
            agent, "/admin/aide", f"/admin/aide/faq/{question_id}/publication", publiee="0"
        )
        assert "retirée de l&#39;application" in await _flash(agent, hidden)
        assert (
            await scalar(
                db_engine,
                "SELECT publiee FROM question_frequente WHERE id_question = :i",
                i=question_id,
            )
            is False
        )
        deleted = await post_form(
            agent, "/admin/aide", f"/admin/aide/faq/{question_id}/suppression"
        )
        assert "Question supprimée" in await _flash(agent, deleted)

        canned = await post_form(
            agent,
            "/admin/aide",
            "/admin/aide/reponses-types",
            titre="Transfert en vérification",
            contenu="Nous vérifions votre transfert, réponse sous 24 heures.",
            active="on",
        )
        assert "Réponse type ajoutée" in await _flash(agent, canned)
        conversation = await agent.get(f"/admin/assistance/{scene['conversation']}")
        assert 'data-contenu="Nous vérifions votre transfert, réponse sous 24 heures."' in (
            conversation.text
        )
        answer_id = await scalar(db_engine, "SELECT max(id_reponse) FROM reponse_type")
        off = await post_form(
            agent, "/admin/aide", f"/admin/aide/reponses-types/{answer_id}/desactivation"
        )
        assert "désactivée" in await _flash(agent, off)
        conversation = await agent.get(f"/admin/assistance/{scene['conversation']}")
        assert "Transfert en vérification" not in conversation.text


class TestDashboard:
    async def test_the_service_levels_are_on_the_dashboard(
        self, agent: httpx.AsyncClient, scene: dict[str, Any]
    ) -> None:
        url = f"/admin/assistance/{scene['conversation']}"
        await post_form(agent, url, f"{url}/messages", contenu="Bonjour, nous regardons.")
        page = await agent.get("/admin/tableau-de-bord")
        assert 'id="chiffres-assistance"' in page.text
        assert re.search(r'data-assistance="ouvertes">1<', page.text)
        assert "Première réponse (médiane / 90 %)" in page.text


class TestTheDeskSocket:
    """`/admin/ws/assistance/{id}`: opened with the back-office cookie from our own page."""

    async def test_the_cookie_and_our_origin_open_it_and_a_note_arrives(
        self, app: Any, agent: httpx.AsyncClient, scene: dict[str, Any]
    ) -> None:
        conversation_id = scene["conversation"]
        path = f"/admin/ws/assistance/{conversation_id}"
        cookie = f"{COOKIE}={agent.cookies.get(COOKIE)}"
        async with live_server(app) as base:
            host = base.removeprefix("ws://")
            origin = f"http://{host}"
            async with connect(
                base + path, additional_headers={"Cookie": cookie, "Origin": origin}
            ) as ws:
                assert (await frame(ws, "bienvenue"))["cote"] == "agent"
                url = f"/admin/assistance/{conversation_id}"
                await post_form(agent, url, f"{url}/messages", contenu="À vérifier", interne="1")
                note = await frame(ws, "message")
                assert note["data"]["interne"] is True
                assert note["data"]["contenu"] == "À vérifier"

            for headers, code in (
                ({"Origin": origin}, 4401),  # no session
                ({"Cookie": cookie, "Origin": "https://ailleurs.example"}, 4403),
                ({"Cookie": cookie}, 4403),  # no Origin: not from a browser page of ours
            ):
                async with connect(base + path, additional_headers=headers) as ws:
                    with pytest.raises(ConnectionClosed) as closed:
                        await ws.recv()
                    assert closed.value.rcvd is not None
                    assert closed.value.rcvd.code == code
        await close_support_runtime(app)
