"""« Aide et support » in Chromium: the FAQ searched without accents and with a typo; a
conversation about a failed withdrawal opened from the operation's screen; an agent's
answer (sent through the API with an administrator's token) and the agent typing (a socket
opened by the agent's own browser) shown live without reloading; a claim made from the
conversation and its decision arriving live; the conversation opened from its notification
and caught up after the connection was cut."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from people import Person as Agent
from people import make_admin, png
from playwright.sync_api import Page, WebSocketRoute, expect
from test_accessibility import AUDIT

from conftest import PASSWORD, Person, fresh_phone

pytestmark = pytest.mark.usefixtures("no_script_error")

Shoot = Callable[..., Path]


@pytest.fixture(scope="module")
def agent(live_server: str, database_url: str) -> Agent:
    """An administrator: holds support:repondre, reclamations:traiter and aide:gerer."""
    return make_admin(live_server, database_url)


def failed_withdrawal(live_server: str, person: Person, amount: int) -> str:
    """A withdrawal the sandbox operator refuses (a number ending in 99), once settled."""
    with httpx.Client(base_url=live_server, timeout=30, headers=person.headers()) as http:
        answer = http.post(
            "/api/retraits",
            json={
                "fournisseur": "sandbox",
                "montant": amount,
                "numero": fresh_phone()[:8] + "99",
                "pin": PASSWORD,
            },
            headers={"Idempotency-Key": secrets.token_hex(16)},
        )
        assert answer.status_code in (200, 201, 202), answer.text
        reference: str = answer.json()["data"]["reference"]
        deadline = time.monotonic() + 60
        while http.get(f"/api/operations/{reference}").json()["data"]["statut"] != "echouee":
            assert time.monotonic() < deadline, "the sandbox never refused the withdrawal"
            time.sleep(0.3)
    return reference


def agent_socket(page: Page, agent: Agent, conversation_id: int) -> None:
    """The agent's side of the conversation, opened in the agent's own browser: the frames
    it receives are kept in `window.received`."""
    page.goto("/app/manifest.webmanifest")
    page.evaluate(
        """([id, token]) => new Promise((resolve, reject) => {
          window.received = [];
          const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
          const url = `${scheme}//${location.host}/ws/assistance/conversations/${id}`;
          window.agentSocket = new WebSocket(url, ['bearer', token]);
          window.agentSocket.onmessage = (event) => {
            const frame = JSON.parse(event.data);
            window.received.push(frame);
            if (frame.type === 'bienvenue') resolve();
          };
          window.agentSocket.onclose = (event) => reject(new Error(`closed ${event.code}`));
        })""",
        [conversation_id, agent.token],
    )


def agent_says(live_server: str, agent: Agent, conversation_id: int, text: str) -> int:
    answer = httpx.post(
        f"{live_server}/api/admin/assistance/conversations/{conversation_id}/messages",
        json={"contenu": text},
        headers=agent.headers,
    )
    assert answer.status_code == 201, answer.text
    data = answer.json()["data"]
    return int(data["id_message"])


def conversation_id_of(page: Page) -> int:
    expect(page).to_have_url(re.compile(r"#/aide/conversations/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def open_conversation(live_server: str, person: Person, subject: str) -> int:
    """A conversation opened through the API (another device)."""
    answer = httpx.post(
        f"{live_server}/api/assistance/conversations",
        json={"sujet": subject, "message": "Bonjour, j'ai une question sur mon compte."},
        headers=person.headers(),
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["data"]["id_conversation"])


class TestFaq:
    """On the FAQ `hostolink serve` seeds into an empty database."""

    def test_search_without_accents_and_with_a_typo(
        self,
        *,
        phone: Page,
        make_person: Callable[..., Person],
        open_as: Callable[[Page, Person, str], None],
        shoot: Shoot,
    ) -> None:
        person = make_person()
        open_as(phone, person, "#/profil")
        phone.get_by_role("link", name="Aide et support").click()
        expect(phone).to_have_url(re.compile(r"#/aide$"))
        questions = phone.locator(".faq-item summary")
        expect(questions.filter(has_text="Comment supprimer mon compte ?")).to_have_count(1)
        expect(phone.get_by_text("Aucune conversation pour le moment.")).to_be_visible()
        shoot(phone, "aide")

        search = phone.get_by_label("Rechercher dans l'aide")
        # Without accents: « reclamation » finds « réclamation ».
        search.fill("reclamation")
        phone.get_by_role("button", name="Chercher").click()
        expect(questions.first).to_have_text("Comment contester une opération (réclamation) ?")
        expect(questions.filter(has_text="supprimer mon compte")).to_have_count(0)
        questions.first.click()
        expect(phone.get_by_text("démarrez une conversation en choisissant")).to_be_visible()
        phone.locator(".faq").evaluate("faq => faq.scrollIntoView()")
        shoot(phone, "aide-faq-sans-accents")

        # A typo: the server corrects the query and the page says with what.
        search.fill("retriat")
        phone.get_by_role("button", name="Chercher").click()
        expect(phone.locator(".faq-info")).to_have_text("Résultats pour « retrait »")
        expect(questions.filter(has_text="Combien de temps prend un retrait")).to_have_count(1)
        phone.locator(".faq").evaluate("faq => faq.scrollIntoView()")
        shoot(phone, "aide-faq-faute-de-frappe")

        # A category narrows the list; pressed again, it is released.
        search.fill("")
        chip = phone.get_by_role("button", name="Sécurité")
        chip.click()
        expect(chip).to_have_attribute("aria-pressed", "true")
        expect(questions).to_have_count(1)
        expect(questions.first).to_contain_text("code PIN")
        chip.click()
        expect(phone.get_by_role("button", name="Toutes")).to_have_attribute("aria-pressed", "true")
        expect(questions.filter(has_text="Comment supprimer mon compte ?")).to_have_count(1)


class TestConversation:
    def test_about_a_failed_withdrawal(
        self,
        *,
        new_phone: Callable[[], Page],
        agent: Agent,
        live_server: str,
        make_person: Callable[..., Person],
        fund: Callable[[Person, int], None],
        open_as: Callable[[Page, Person, str], None],
        shoot: Shoot,
    ) -> None:
        phone, desk = new_phone(), new_phone()
        person = make_person()
        fund(person, 5_000)
        reference = failed_withdrawal(live_server, person, 2_000)

        # From the withdrawal's screen: the form comes with the withdrawal chosen.
        open_as(phone, person, f"#/operations/{reference}")
        phone.get_by_role("link", name="Un problème ? Contacter le support").click()
        link = phone.get_by_label("Opération concernée (facultatif)")
        expect(link).to_have_value(f"o:{reference}")
        expect(phone.get_by_label("Sujet")).to_have_value(re.compile(r"^Retrait"))
        phone.get_by_label("Sujet").fill("Retrait refusé, argent pas revenu ?")
        phone.get_by_label("Message", exact=True).fill(
            "Mon retrait de 2 000 F a échoué : l'argent est-il bien revenu sur mon compte ?"
        )
        shoot(phone, "aide-nouvelle-conversation")
        phone.get_by_role("button", name="Envoyer").click()

        conversation_id = conversation_id_of(phone)
        expect(phone.locator('ol.chat[data-live="true"]')).to_be_attached()
        expect(phone.locator(".msg.mine")).to_contain_text("Mon retrait de 2 000 F a échoué")
        summary = phone.get_by_label("Opération concernée")
        expect(summary).to_contain_text("Retrait")
        expect(summary).to_contain_text(reference)
        expect(phone.locator(".help-head .conversation-status")).to_be_visible()

        # The agent is on the conversation: their typing shows, then their answer, live.
        phone.evaluate("window.notReloaded = true")
        agent_socket(desk, agent, conversation_id)
        desk.evaluate("window.agentSocket.send(JSON.stringify({ type: 'ecrit' }))")
        expect(phone.get_by_text("L'agent écrit…")).to_be_visible()
        shoot(phone, "aide-conversation-agent-ecrit")
        agent_says(
            live_server,
            agent,
            conversation_id,
            "Bonjour, je vérifie votre retrait auprès de l'opérateur.",
        )
        answer = phone.locator(".msg.agent", has_text="je vérifie votre retrait")
        expect(answer).to_be_visible()
        expect(phone.get_by_text("L'agent écrit…")).to_be_hidden()
        assert phone.evaluate("window.notReloaded") is True

        # The person's typing and read marker reach the agent.
        phone.get_by_label("Votre message").press_sequentially("Merci")
        desk.wait_for_function(
            "window.received.some((f) => f.type === 'ecrit' && f.cote === 'utilisateur')"
        )
        desk.wait_for_function(
            "window.received.some((f) => f.type === 'lu' && f.cote === 'utilisateur')"
        )
        phone.get_by_role("button", name="Envoyer", exact=True).click()
        expect(phone.locator(".msg.mine", has_text="Merci")).not_to_have_class(
            re.compile(r"\bsending\b")
        )
        # The agent read it: the person sees it under their last message.
        thanks = int(phone.locator(".msg.mine", has_text="Merci").get_attribute("data-id") or 0)
        desk.evaluate(
            "(id) => window.agentSocket.send(JSON.stringify({ type: 'lu', id_message: id }))",
            thanks,
        )
        expect(phone.locator(".msg.mine", has_text="Merci")).to_contain_text("Vu par le support")

        # A claim on the withdrawal, then the agent's decision arriving live.
        phone.get_by_role("button", name="Faire une réclamation").click()
        phone.get_by_label("Motif").select_option("non_recu")
        phone.get_by_label("Description").fill(
            "Le retrait a échoué mais je ne vois pas l'argent revenir."
        )
        shoot(phone, "aide-reclamation-formulaire")
        assert phone.evaluate(AUDIT) == []  # the dialog: named controls, readable text
        phone.get_by_role("button", name="Envoyer la réclamation").click()
        claim = phone.locator(".claim")
        expect(claim).to_contain_text("En cours d'examen")
        expect(phone.get_by_role("button", name="Faire une réclamation")).to_have_count(0)
        claim_id = int(claim.get_attribute("data-id") or 0)
        decided = httpx.post(
            f"{live_server}/api/admin/reclamations/{claim_id}/decision",
            json={
                "resolution": "sans_suite",
                "motif": "Le retrait refusé vous a déjà été rendu.",
            },
            headers=agent.headers,
        )
        assert decided.status_code == 200, decided.text
        expect(claim).to_contain_text("Classée sans suite")
        expect(claim).to_contain_text("Le retrait refusé vous a déjà été rendu.")
        assert phone.evaluate("window.notReloaded") is True
        shoot(phone, "aide-conversation")
        assert phone.evaluate(AUDIT) == []

        # Away from the screen, a new answer counts as unread in « Mes conversations ».
        phone.goto("/#/aide")
        agent_says(live_server, agent, conversation_id, "Avez-vous d'autres questions ?")
        phone.reload()
        item = phone.get_by_role("link", name=re.compile("Retrait refusé"))
        expect(item.locator(".unread-count")).to_have_text("1")
        shoot(phone, "aide-mes-conversations")

    def test_opened_from_its_notification_and_caught_up(
        self,
        *,
        phone: Page,
        tmp_path: Path,
        shoot: Shoot,
        agent: Agent,
        live_server: str,
        make_person: Callable[..., Person],
        open_as: Callable[[Page, Person, str], None],
    ) -> None:
        person = make_person()
        conversation_id = open_conversation(live_server, person, "Mon code PIN")
        agent_says(live_server, agent, conversation_id, "Bonjour, que se passe-t-il ?")

        sockets: list[WebSocketRoute] = []

        def relay(socket: WebSocketRoute) -> None:
            sockets.append(socket)
            socket.connect_to_server()

        phone.route_web_socket(re.compile(r"/ws/assistance/"), relay)
        open_as(phone, person, "#/notifications")
        phone.locator(".notification").first.click()
        expect(phone).to_have_url(re.compile(rf"#/aide/conversations/{conversation_id}$"))
        expect(phone.locator('ol.chat[data-live="true"]')).to_be_attached()
        expect(phone.locator(".msg.agent")).to_contain_text("que se passe-t-il")
        expect(phone.locator(".help-head .conversation-status")).to_have_text(
            "En attente de votre réponse"
        )

        # Cut: what the agent writes meanwhile comes with the catch-up (`apres`).
        sockets[0].close(code=4000, reason="Réseau coupé")
        expect(phone.locator("ol.chat")).not_to_have_attribute("data-live", "true")
        agent_says(live_server, agent, conversation_id, "Je débloque votre compte.")
        expect(phone.locator('ol.chat[data-live="true"]')).to_be_attached()
        expect(phone.locator(".msg", has_text="Je débloque votre compte.")).to_have_count(1)
        assert len(sockets) >= 2
        # A screenshot: uploaded privately, shown through its signed link.
        phone.locator(".help-form input[type=file]").set_input_files(
            str(png(tmp_path / "capture.png", 120, 80, (200, 120, 30)))
        )
        picture = phone.get_by_alt_text("Image jointe par vous")
        expect(picture).to_be_visible()
        assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
        assert "/api/assistance/pieces/" in (picture.get_attribute("src") or "")
        shoot(phone, "aide-conversation-capture")

        # Each message once, in order.
        assert phone.locator(".msg-text").all_inner_texts() == [
            "Bonjour, j'ai une question sur mon compte.",
            "Bonjour, que se passe-t-il ?",
            "Je débloque votre compte.",
        ]

    def test_from_a_transaction_receipt(
        self,
        *,
        phone: Page,
        live_server: str,
        make_person: Callable[..., Person],
        fund: Callable[[Person, int], None],
        open_as: Callable[[Page, Person, str], None],
    ) -> None:
        person = make_person()
        fund(person, 3_000)
        history = httpx.get(f"{live_server}/api/transactions", headers=person.headers())
        reference = history.json()["data"][0]["reference"]
        open_as(phone, person, f"#/transactions/{reference}")
        phone.get_by_role("link", name="Un problème ? Contacter le support").click()
        expect(phone.get_by_label("Opération concernée (facultatif)")).to_have_value(
            f"t:{reference}"
        )
        phone.get_by_label("Message", exact=True).fill("Ce dépôt a été compté deux fois ?")
        phone.get_by_role("button", name="Envoyer").click()
        conversation_id = conversation_id_of(phone)
        expect(phone.get_by_label("Transaction concernée")).to_contain_text(reference)
        # Back on the form about the same transaction: the open conversation is offered.
        phone.goto(f"/#/aide/nouvelle?transaction={reference}")
        offered = phone.get_by_role("link", name="Dépôt")
        expect(offered).to_have_attribute("href", f"#/aide/conversations/{conversation_id}")
