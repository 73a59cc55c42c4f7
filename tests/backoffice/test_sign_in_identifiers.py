"""The back-office reads a phone number the way the API does (issue 21, finding C): an
operator whose identifier is a phone number signs in with `07…`, `+225 07 …` or `00225…`,
not only with the E.164 form, and the lockout counts every writing against one account."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backoffice.helpers import sign_in
from tests.wallet.helpers import make_admin

E164 = "+2250771653733"
WRITINGS = [
    "0771653733",
    "07 71 65 37 33",
    "+225 07 71 65 37 33",
    "+2250771653733",
    "002250771653733",
    "2250771653733",
]
REFUSED = "Identifiant ou mot de passe incorrect."


@pytest.mark.parametrize("typed", WRITINGS)
async def test_an_operator_signs_in_with_any_writing_of_the_number(
    client: httpx.AsyncClient, db_engine: AsyncEngine, typed: str
) -> None:
    await make_admin(db_engine, E164)
    answer = await sign_in(client, typed)
    assert answer.status_code == 302, answer.text[:300]
    assert "hostolink_admin=" in answer.headers["set-cookie"]
    assert (await client.get("/admin/")).status_code == 200


async def test_a_wrong_password_is_refused_alike_whatever_the_writing(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    await make_admin(db_engine, E164)
    for typed in ("0771653733", E164, "0709080706", "pas-un-numero"):
        refused = await sign_in(client, typed, password="pas-le-bon-1")
        assert refused.status_code == 401, typed
        assert REFUSED in refused.text
        assert "hostolink_admin" not in refused.headers.get("set-cookie", "")
    assert (await client.get("/admin/")).status_code == 302


async def test_failures_in_several_writings_lock_the_one_account(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    await make_admin(db_engine, E164)
    statuses = [
        (await sign_in(client, WRITINGS[n % len(WRITINGS)], password="pas-le-bon-1")).status_code
        for n in range(6)
    ]
    assert statuses[-1] == 423
    locked = await sign_in(client, E164)  # even the right password, while locked
    assert locked.status_code == 423
    assert (await client.get("/admin/")).status_code == 302
