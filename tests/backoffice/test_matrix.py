"""Every back-office screen × {anonymous, user, expert, support agent, admin, super-admin}:
a screen opens exactly for the people whose roles hold the permission it names, read from
the mounted site itself, so a screen added without a permission fails here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.auth.roles import ROLES
from hostolink.backoffice import pages, views
from tests.auth.helpers import grant_role
from tests.backoffice.helpers import sign_in
from tests.factories import user_id_of
from tests.wallet.helpers import ADMIN, make_admin, person

ACTORS = ("anonyme", "user", "expert", "agent", "admin", "super_admin")
_PERMISSIONS = {role.code: set(role.permissions) for role in ROLES}


def _screens(app: Any) -> dict[str, str]:
    """identity → a GET URL of that screen, for every view mounted on /admin."""
    site = app.state.backoffice
    screens: dict[str, str] = {}
    for view in site._views:
        identity = view.identity
        if getattr(view, "is_model", False):
            screens[identity] = f"/admin/{identity}/list"
    screens.update(
        {
            "tableau-de-bord": "/admin/tableau-de-bord",
            "fiche": "/admin/fiche/{me}",
            "kyc": "/admin/kyc",
            "recu": "/admin/transactions/HL-INCONNUE",
            "suivi": "/admin/operations/00000000-0000-0000-0000-000000000000",
            "demandes": "/admin/demandes",
            "moderation": "/admin/moderation",
            "taches": "/admin/taches",
            "supervision": "/admin/supervision",
            "parrainage": "/admin/parrainage",
            "assistance": "/admin/assistance",
            "reclamations": "/admin/reclamations",
            "aide": "/admin/aide",
        }
    )
    return screens


# A screen's other GET routes (the JSON a page refreshes itself from), under its permission.
EXTRA_URLS = {
    "supervision": ("/admin/supervision/donnees",),
    # 404 for a made-up conversation: the page itself was allowed.
    "assistance": ("/admin/assistance/999999", "/admin/assistance/999999/messages"),
}


def test_every_screen_names_its_permission(app: Any) -> None:
    site = app.state.backoffice
    for view in site._views:
        assert view.identity in views.PERMISSIONS or view.identity in pages.PERMISSIONS, (
            f"« {view.identity} » has no permission declared"
        )
    assert set(_screens(app)) == {v.identity for v in site._views}


async def _sign_in_as(client: httpx.AsyncClient, engine: AsyncEngine, actor: str) -> int:
    if actor == "anonyme":
        return 0
    if actor in {"admin", "super_admin"}:
        await make_admin(engine, super_admin=actor == "super_admin")
        answer = await sign_in(client, ADMIN)
        assert answer.status_code == 302
        return await user_id_of(engine, "email", ADMIN)
    someone = await person(client, engine, 60)
    user_id = await user_id_of(engine, "telephone", someone.phone)
    if actor != "user":
        await grant_role(engine, user_id, actor)
    answer = await sign_in(client, someone.phone)
    assert answer.status_code == (302 if actor == "agent" else 403)
    return user_id


@pytest.mark.parametrize("actor", ACTORS)
async def test_screens_by_actor(
    actor: str, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    me = await _sign_in_as(client, db_engine, actor)
    held = set().union(*(_PERMISSIONS[c] for c in ({"user", actor} & _PERMISSIONS.keys())))
    cells = 0
    screens = _screens(app)
    urls = list(screens.items())
    urls += [(i, url) for i, more in EXTRA_URLS.items() for url in more]
    for identity, url in urls:
        read = (views.PERMISSIONS.get(identity) or pages.PERMISSIONS[identity])[0]
        answer = await client.get(url.format(me=me))
        cells += 1
        if actor in {"anonyme", "user", "expert"}:
            assert answer.status_code == 302, (url, answer.status_code)
            assert answer.headers["location"].endswith("/admin/login")
        elif read in held:
            # 404 for the made-up transaction and operation: the page itself was allowed.
            assert answer.status_code in {200, 404}, (url, answer.status_code)
        else:
            assert answer.status_code == 403, (url, answer.status_code)
    assert cells == len(screens) + sum(len(more) for more in EXTRA_URLS.values())
