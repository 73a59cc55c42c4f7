"""Thematic rooms in two real browsers: two people join a room an administrator opened and
talk live over the WebSocket; a message posted over REST reaches the open page too; the
read marker follows what was shown."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from people import Person, make_admin, make_person, png, sign_in
from playwright.sync_api import Page, WebSocketRoute, expect

Shoot = Callable[[Page, str], Path]
SENDING = re.compile(r"\bsending\b")  # a message typed, not yet acknowledged


Room = dict[str, object]


@pytest.fixture(scope="module")
def new_room(live_server: str, database_url: str) -> Callable[[str], Room]:
    """new_room(title): a room opened by an administrator (titles are unique)."""
    admin = make_admin(live_server, database_url)

    def create(title: str) -> Room:
        answer = httpx.post(
            f"{live_server}/api/admin/thematiques",
            json={
                "titre": title,
                "sous_titre": "Grossesse, allaitement, vaccins",
                "description": "Questions aux sages-femmes et pédiatres de Hostolink.",
            },
            headers=admin.headers,
        )
        assert answer.status_code == 201, answer.text
        data: Room = answer.json()["data"]
        return data

    return create


def read_marker(base: str, person: Person, room_id: object, expected: int) -> dict[str, object]:
    """The room as the person sees it, once the page's read marker reached `expected`."""
    deadline = time.monotonic() + 15
    while True:
        data: dict[str, object] = httpx.get(
            f"{base}/api/thematiques/{room_id}", headers=person.headers
        ).json()["data"]
        if data["id_dernier_message_lu"] == expected or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


def open_room(page: Page, person: Person, title: str) -> None:
    sign_in(page, person, "#/thematiques")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Rejoindre ce salon").click()
    # Subscribed: nothing published from now on is missed.
    expect(page.locator('ol.chat[data-live="true"]')).to_be_attached()


def say(page: Page, text: str) -> None:
    page.get_by_label("Votre message").fill(text)
    page.get_by_role("button", name="Envoyer").click()


class TestLiveRoom:
    def test_two_people_chat(
        self,
        *,
        new_phone: Callable[[], Page],
        new_room: Callable[[str], Room],
        live_server: str,
        outbox: Callable[[str], str],
        shoot: Shoot,
        tmp_path: Path,
    ) -> None:
        room = new_room("Santé de la mère et du nouveau-né")
        title = str(room["titre"])
        awa = make_person(live_server, outbox, prenom="Awa", nom="Koné")
        yao = make_person(live_server, outbox, prenom="Yao", nom="Kouassi")
        first, second = new_phone(), new_phone()

        sign_in(first, awa, "#/thematiques")
        expect(first.get_by_role("link", name=title)).to_contain_text("Rejoindre")
        shoot(first, "salons")
        first.get_by_role("link", name=title).click()
        join = first.get_by_role("button", name="Rejoindre ce salon")
        expect(join).to_be_visible()  # the room is drawn, not « Chargement… »
        shoot(first, "salon-rejoindre")
        join.click()
        expect(first.locator('ol.chat[data-live="true"]')).to_be_attached()
        open_room(second, yao, title)

        say(first, "Bonjour, mon bébé a de la fièvre depuis hier.")
        mine = first.locator(".msg.mine", has_text="de la fièvre")
        expect(mine).to_be_visible()
        expect(mine).not_to_have_class(SENDING)  # acknowledged by the server
        theirs = second.locator(".msg", has_text="de la fièvre")
        expect(theirs).to_contain_text("Awa Koné")

        say(second, "Donnez-lui à boire souvent et consultez si la fièvre dépasse 39 °C.")
        expect(first.locator(".msg:not(.mine)", has_text="consultez")).to_contain_text(
            "Yao Kouassi"
        )

        # A photo: uploaded, then delivered live to the other person.
        first.locator(".chat-form input[type=file]").set_input_files(
            str(png(tmp_path / "thermometre.png", 90, 60, (180, 40, 40)))
        )
        photo = second.get_by_alt_text("Image envoyée par Awa Koné")
        expect(photo).to_be_visible()
        assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
        expect(first.locator(".msg.mine img")).to_have_count(1)

        # A message written through REST (another device) reaches the open page live.
        answer = httpx.post(
            f"{live_server}/api/thematiques/{room['id_thematique']}/messages",
            json={"contenu": "Pensez au carnet de vaccination."},
            headers=yao.headers,
        )
        assert answer.status_code == 201, answer.text
        expect(first.locator(".msg", has_text="carnet de vaccination")).to_have_count(1)
        expect(second.locator(".msg", has_text="carnet de vaccination")).to_have_count(1)
        shoot(first, "salon-discussion")

        # Each message is shown once, in order.
        texts = first.locator(".msg .msg-text").all_inner_texts()
        assert texts == [
            "Bonjour, mon bébé a de la fièvre depuis hier.",
            "Donnez-lui à boire souvent et consultez si la fièvre dépasse 39 °C.",
            "Pensez au carnet de vaccination.",
        ]

        # The page moved Awa's read marker to the last message shown.
        last = answer.json()["data"]["id_message"]
        expect(first.locator(f'.msg[data-id="{last}"]')).to_be_visible()
        first.goto("/#/thematiques")
        expect(first.get_by_role("link", name=title)).not_to_contain_text("Rejoindre")
        mark = read_marker(live_server, awa, room["id_thematique"], last)
        assert mark["id_dernier_message_lu"] == last
        assert mark["non_lus"] == 0

    def test_history_when_coming_back(
        self,
        phone: Page,
        new_room: Callable[[str], Room],
        live_server: str,
        outbox: Callable[[str], str],
    ) -> None:
        # Two writers: each stays under the per-person limit of messages per minute.
        awa = make_person(live_server, outbox)
        yao = make_person(live_server, outbox, prenom="Yao", nom="Kouassi")
        room_id = new_room("Vaccination des enfants")["id_thematique"]
        for person in (awa, yao):
            url = f"{live_server}/api/thematiques/{room_id}/membres"
            joined = httpx.post(url, headers=person.headers)
            assert joined.status_code == 201, joined.text
        for n in range(35):
            answer = httpx.post(
                f"{live_server}/api/thematiques/{room_id}/messages",
                json={"contenu": f"Message numéro {n + 1}"},
                headers=(awa, yao)[n % 2].headers,
            )
            assert answer.status_code == 201, answer.text
        sign_in(phone, awa, f"#/thematiques/{room_id}")
        expect(phone.locator(".msg-text").last).to_have_text("Message numéro 35")
        expect(phone.locator(".msg")).to_have_count(30)
        phone.get_by_role("button", name="Messages plus anciens").click()
        expect(phone.locator(".msg")).to_have_count(35)
        expect(phone.locator(".msg-text").first).to_have_text("Message numéro 1")
        expect(phone.get_by_role("button", name="Messages plus anciens")).to_be_hidden()

    def test_reconnects_and_catches_up(
        self,
        phone: Page,
        new_room: Callable[[str], Room],
        live_server: str,
        outbox: Callable[[str], str],
    ) -> None:
        room = new_room("Nutrition et diabète")
        awa = make_person(live_server, outbox)
        yao = make_person(live_server, outbox, prenom="Yao", nom="Kouassi")
        url = f"{live_server}/api/thematiques/{room['id_thematique']}/membres"
        assert httpx.post(url, headers=yao.headers).status_code == 201
        # Every socket of the page goes through this route, so the test can cut it.
        sockets: list[WebSocketRoute] = []

        def relay(socket: WebSocketRoute) -> None:
            sockets.append(socket)
            socket.connect_to_server()

        phone.route_web_socket(re.compile(r"/ws/thematiques/"), relay)
        open_room(phone, awa, str(room["titre"]))
        say(phone, "Le manioc fait-il monter la glycémie ?")
        expect(phone.locator(".msg.mine", has_text="manioc")).not_to_have_class(SENDING)

        sockets[0].close(code=4000, reason="Réseau coupé")
        expect(phone.locator("ol.chat")).not_to_have_attribute("data-live", "true")
        # Written while the page is cut off: delivered by the catch-up (`apres`).
        messages = f"{live_server}/api/thematiques/{room['id_thematique']}/messages"
        answer = httpx.post(
            messages,
            json={"contenu": "Oui, préférez l'attiéké en petite quantité."},
            headers=yao.headers,
        )
        assert answer.status_code == 201, answer.text
        expect(phone.locator('ol.chat[data-live="true"]')).to_be_attached()
        expect(phone.locator(".msg", has_text="attiéké")).to_have_count(1)
        assert len(sockets) >= 2  # a second socket: the page reconnected
        say(phone, "Merci !")
        expect(phone.locator(".msg.mine", has_text="Merci !")).not_to_have_class(SENDING)
        texts = phone.locator(".msg .msg-text").all_inner_texts()
        assert texts == [
            "Le manioc fait-il monter la glycémie ?",
            "Oui, préférez l'attiéké en petite quantité.",
            "Merci !",
        ]

    def test_catches_up_when_told_to_resynchronise(
        self,
        phone: Page,
        new_room: Callable[[str], Room],
        live_server: str,
        outbox: Callable[[str], str],
    ) -> None:
        """The server lost Redis for a while: frames published meanwhile never came, though
        the socket stayed open. `resynchronisation` makes the page catch up (`apres`) on the
        same socket."""
        room = new_room("Paludisme : prévenir et soigner")
        room_id = room["id_thematique"]
        awa = make_person(live_server, outbox)
        yao = make_person(live_server, outbox, prenom="Yao", nom="Kouassi")
        url = f"{live_server}/api/thematiques/{room_id}"
        assert httpx.post(f"{url}/membres", headers=yao.headers).status_code == 201
        sockets: list[WebSocketRoute] = []
        lost: list[str] = []
        outage = {"now": False}

        def relay(socket: WebSocketRoute) -> None:
            sockets.append(socket)
            server = socket.connect_to_server()

            def to_page(message: str | bytes) -> None:
                live = isinstance(message, str) and json.loads(message)["type"] == "message"
                if outage["now"] and live:
                    lost.append(str(message))  # never delivered, as while Redis was away
                    return
                socket.send(message)

            server.on_message(to_page)

        phone.route_web_socket(re.compile(r"/ws/thematiques/"), relay)
        open_room(phone, awa, str(room["titre"]))
        outage["now"] = True
        answer = httpx.post(
            f"{url}/messages",
            json={"contenu": "Dormez sous une moustiquaire imprégnée."},
            headers=yao.headers,
        )
        assert answer.status_code == 201, answer.text
        deadline = time.monotonic() + 15
        while not lost and time.monotonic() < deadline:
            phone.wait_for_timeout(50)  # the relay runs while the page waits
        assert lost, "the message frame never reached the relay"
        expect(phone.locator(".msg", has_text="moustiquaire")).to_have_count(0)

        outage["now"] = False
        sockets[0].send(json.dumps({"type": "resynchronisation", "id_thematique": room_id}))
        expect(phone.locator(".msg", has_text="moustiquaire")).to_have_count(1)
        expect(phone.locator('ol.chat[data-live="true"]')).to_be_attached()
        assert len(sockets) == 1  # caught up on the same socket: no reconnection


class TestModeration:
    def test_a_reported_message_leaves_open_pages_once_hidden(
        self,
        *,
        new_phone: Callable[[], Page],
        new_room: Callable[[str], Room],
        live_server: str,
        database_url: str,
        outbox: Callable[[str], str],
        shoot: Shoot,
    ) -> None:
        """Yao reports Awa's message from the room; a moderator hides it; it disappears
        from both open pages without a reload, and from the history."""
        room = new_room("Diabète et alimentation")
        room_id = room["id_thematique"]
        awa = make_person(live_server, outbox, prenom="Awa", nom="Koné")
        yao = make_person(live_server, outbox, prenom="Yao", nom="Kouassi")
        first, second = new_phone(), new_phone()
        open_room(first, awa, str(room["titre"]))
        open_room(second, yao, str(room["titre"]))
        say(first, "Arrêtez l'insuline, ma tisane guérit le diabète.")
        say(first, "Bonne soirée à tous.")
        bad = second.locator(".msg", has_text="ma tisane")
        expect(bad).to_be_visible()
        expect(second.locator(".msg", has_text="Bonne soirée")).to_be_visible()
        # My own messages carry no report button.
        expect(first.get_by_role("button", name=re.compile("^Signaler"))).to_have_count(0)

        bad.get_by_role("button", name="Signaler le message de Awa Koné").click()
        dialog = second.get_by_role("dialog")
        expect(dialog).to_contain_text("Signaler le message")
        dialog.get_by_label("Motif").select_option("desinformation")
        dialog.get_by_label("Précisions (facultatif)").fill("Conseil dangereux.")
        shoot(second, "salon-signaler")
        dialog.get_by_role("button", name="Signaler").click()
        expect(second.locator(".toast")).to_contain_text("Signalement enregistré")

        admin = make_admin(live_server, database_url)
        queue = httpx.get(f"{live_server}/api/admin/moderation", headers=admin.headers)
        assert queue.status_code == 200, queue.text
        report = next(
            item
            for item in queue.json()["data"]["signalements"]
            if item["id_thematique"] == room_id
        )
        assert report["motif"] == "desinformation"
        hidden = httpx.post(
            f"{live_server}/api/admin/moderation/{report['id_signalement']}/masquer",
            json={"motif": "Conseil médical dangereux"},
            headers=admin.headers,
        )
        assert hidden.status_code == 200, hidden.text

        for page in (first, second):
            expect(page.locator(".msg", has_text="ma tisane")).to_have_count(0)
            expect(page.locator(".msg", has_text="Bonne soirée")).to_have_count(1)
        second.reload()
        expect(second.locator(".msg", has_text="Bonne soirée")).to_be_visible()
        expect(second.locator(".msg", has_text="ma tisane")).to_have_count(0)

    def test_a_message_hidden_while_cut_off_is_gone_after_reconnecting(
        self,
        *,
        phone: Page,
        new_room: Callable[[str], Room],
        live_server: str,
        database_url: str,
        outbox: Callable[[str], str],
    ) -> None:
        """The `retrait` frame is missed while the page has no socket: the catch-up after
        reconnecting drops what the history no longer serves."""
        room = new_room("Hypertension au quotidien")
        room_id = room["id_thematique"]
        awa = make_person(live_server, outbox)
        yao = make_person(live_server, outbox, prenom="Yao", nom="Kouassi")
        url = f"{live_server}/api/thematiques/{room_id}"
        assert httpx.post(f"{url}/membres", headers=yao.headers).status_code == 201
        for text in ("Le sel de régime est une arnaque, mangez salé.", "Marchez 30 minutes."):
            answer = httpx.post(f"{url}/messages", json={"contenu": text}, headers=yao.headers)
            assert answer.status_code == 201, answer.text
        bad_id = httpx.get(f"{url}/messages", headers=yao.headers).json()["data"]["messages"][1][
            "id_message"
        ]
        cut_off = {"now": False}
        sockets: list[WebSocketRoute] = []

        def relay(socket: WebSocketRoute) -> None:
            sockets.append(socket)
            if cut_off["now"]:
                socket.close(code=1013, reason="Réseau coupé")
            else:
                socket.connect_to_server()

        phone.route_web_socket(re.compile(r"/ws/thematiques/"), relay)
        open_room(phone, awa, str(room["titre"]))
        expect(phone.locator(".msg", has_text="arnaque")).to_have_count(1)

        cut_off["now"] = True
        sockets[0].close(code=4000, reason="Réseau coupé")
        expect(phone.locator("ol.chat")).not_to_have_attribute("data-live", "true")
        reported = httpx.post(
            f"{url}/messages/{bad_id}/signalement",
            json={"motif": "desinformation"},
            headers=awa.headers,
        )
        assert reported.status_code == 201, reported.text
        admin = make_admin(live_server, database_url)
        hidden = httpx.post(
            f"{live_server}/api/admin/moderation/{reported.json()['data']['id_signalement']}"
            "/masquer",
            json={"motif": "Conseil médical dangereux"},
            headers=admin.headers,
        )
        assert hidden.status_code == 200, hidden.text
        # Still cut off: the page cannot know yet.
        expect(phone.locator(".msg", has_text="arnaque")).to_have_count(1)

        cut_off["now"] = False
        expect(phone.locator('ol.chat[data-live="true"]')).to_be_attached(timeout=20_000)
        expect(phone.locator(".msg", has_text="arnaque")).to_have_count(0)
        expect(phone.locator(".msg", has_text="Marchez 30 minutes")).to_have_count(1)
