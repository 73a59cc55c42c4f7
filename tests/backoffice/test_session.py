"""Signing in to the back-office: French pages, lockout, permissions read on each request,
sessions that die with a suspension or a sign-out, and CSRF refused."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import grant_role
from tests.backoffice.helpers import ADMIN, ORIGIN, person, post_form, sign_in
from tests.factories import user_id_of
from tests.wallet.helpers import make_admin


async def test_the_sign_in_page_is_french_and_served_locally(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/login")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Téléphone ou e-mail" in page.text
    assert "https://" not in page.text  # every asset from our own server
    css = await client.get("/admin/statics/css/tabler.min.css")
    assert css.status_code == 200


async def test_pages_need_a_session(client: httpx.AsyncClient) -> None:
    for path in ("/admin/", "/admin/utilisateur/list", "/admin/kyc", "/admin/journal-audit/list"):
        answer = await client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["location"].endswith("/admin/login")


async def test_an_admin_signs_in_and_sees_the_dashboard(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    await make_admin(db_engine)
    answer = await sign_in(client)
    assert answer.status_code == 302
    cookie = answer.headers["set-cookie"].lower()
    assert "hostolink_admin=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    home = await client.get("/admin/")
    assert home.status_code == 200
    assert "Tableau de bord" in home.text
    assert "chart.umd.js" in home.text
    people = await client.get("/admin/utilisateur/list")
    assert people.status_code == 200
    assert ADMIN in people.text
    assert "argon2" not in people.text  # never a hash on a screen


async def test_wrong_password_then_lockout(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    await make_admin(db_engine)
    wrong = await sign_in(client, password="pas-le-bon-1")
    assert wrong.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in wrong.text
    statuses = [(await sign_in(client, password="pas-le-bon-1")).status_code for _ in range(5)]
    assert statuses[-1] == 423
    locked = await sign_in(client)  # even the right password, while locked
    assert locked.status_code == 423
    assert "bloqué" in locked.text or "verrouill" in locked.text
    assert (await client.get("/admin/")).status_code == 302


async def test_a_person_without_administration_permission_gets_no_session(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    someone = await person(client, db_engine, 1)
    refused = await sign_in(client, someone.phone)
    assert refused.status_code == 403
    assert "Accès réservé" in refused.text
    assert "hostolink_admin" not in refused.headers.get("set-cookie", "")
    assert (await client.get("/admin/")).status_code == 302


async def test_a_support_agent_reads_people_and_their_money_but_nothing_else(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    # Since issue 25 the agent reads transactions and operations: the context of a question.
    agent = await person(client, db_engine, 2)
    await grant_role(db_engine, await user_id_of(db_engine, "telephone", agent.phone), "agent")
    assert (await sign_in(client, agent.phone)).status_code == 302
    assert (await client.get("/admin/utilisateur/list")).status_code == 200
    assert (await client.get("/admin/transaction/list")).status_code == 200
    assert (await client.get("/admin/kyc")).status_code == 403
    assert (await client.get("/admin/moderation")).status_code == 403
    menu = (await client.get("/admin/utilisateur/list")).text
    assert "Vérifications d'identité" not in menu
    assert "Assistance" in menu


async def test_suspension_ends_the_back_office_session_at_once(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: object
) -> None:
    await make_admin(db_engine, super_admin=True)
    other_admin = await person(client, db_engine, 3)
    other_id = await user_id_of(db_engine, "telephone", other_admin.phone)
    await grant_role(db_engine, other_id, "admin")
    # The other admin signs in in their own browser.
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as theirs:
        assert (await sign_in(theirs, other_admin.phone)).status_code == 302
        assert (await theirs.get("/admin/")).status_code == 200
        # A super-admin suspends them from the back-office.
        assert (await sign_in(client)).status_code == 302
        done = await post_form(
            client,
            f"/admin/fiche/{other_id}",
            f"/admin/fiche/{other_id}/suspension",
            motif="Départ de l'équipe",
        )
        assert done.status_code == 303
        page = await client.get(f"/admin/fiche/{other_id}")
        assert "suspendu" in page.text
        # Their very next page is refused.
        assert (await theirs.get("/admin/")).status_code == 302


async def test_sign_out_revokes_the_session(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    await make_admin(db_engine)
    await sign_in(client)
    stolen = dict(client.cookies)
    assert (await client.get("/admin/logout")).status_code == 302
    # The cookie copied before sign-out no longer opens anything.
    client.cookies.clear()
    for name, value in stolen.items():
        client.cookies.set(name, value, path="/admin")
    assert (await client.get("/admin/")).status_code == 302


async def test_csrf_refused(client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
    await make_admin(db_engine)
    someone = await person(client, db_engine, 4)
    target = await user_id_of(db_engine, "telephone", someone.phone)
    await sign_in(client)
    page = await client.get(f"/admin/fiche/{target}")
    assert page.status_code == 200
    action = f"/admin/fiche/{target}/suspension"
    # From another site: refused whatever the body holds.
    foreign = await client.post(
        action, data={"motif": "piège"}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    # No origin at all (a non-browser replay): refused.
    assert (await client.post(action, data={"motif": "piège"})).status_code == 403
    # Our origin but no token, or a wrong one: refused.
    assert (await client.post(action, data={"motif": "piège"}, headers=ORIGIN)).status_code == 403
    wrong = await client.post(action, data={"motif": "piège", "csrf_token": "faux"}, headers=ORIGIN)
    assert wrong.status_code == 403
    # Nothing happened.
    profile = await client.get(f"/admin/fiche/{target}")
    assert "actif" in profile.text
    assert "suspendu" not in profile.text
