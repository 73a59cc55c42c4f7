"""Shared factories for the tests: things made in the real test database (PostgreSQL, never
mocked) or through the public API, once, for every folder.

- `asgi_client(app)`: an HTTP client talking to an application in-process;
- `scalar`, `execute`: one SQL statement on the tests' engine;
- `user_id_of(engine, column, value)`: the id of the person with that phone or e-mail;
- `numbered(make, client, engine, count)`: the test people 1…count, made by `make`;
- `funded_people(client, engine, count, amount)`: people 1…count, each credited `amount`;
- `member(client, engine, n)`: the n-th test person, named, with their user id and roles;
- `image(engine, owner)`: an image already stored (a row of `media`: uploading is the media
  package's business);
- `wallet_owner(client, engine, n)`: the n-th test person and the ids of their wallet;
- `provider_operation(engine, owner, …)`: a deposit or withdrawal row at a provider, in the
  state and at the age a test needs (what the supervision and the metrics read);
- `production_values(**changes)`: the settings of a production start, secrets drawn at run
  time (a change to None removes the setting)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from tests.wallet.helpers import Person


@contextlib.asynccontextmanager
async def asgi_client(
    app: Any, *, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        yield http


async def scalar(engine: AsyncEngine, sql: str, **params: object) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql), params)


async def execute(engine: AsyncEngine, sql: str, **params: object) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(sql), params)


async def user_id_of(engine: AsyncEngine, column: str, value: str) -> int:
    """The id of the person whose `column` (telephone, email) is `value`."""
    # `column` is a literal of the test code, never input.
    sql = f"SELECT id_user FROM utilisateur WHERE {column} = :v"  # noqa: S608
    found = await scalar(engine, sql, v=value)
    assert found is not None
    return int(found)


T = TypeVar("T")


async def numbered(
    make: Callable[[httpx.AsyncClient, AsyncEngine, int], Awaitable[T]],
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    count: int,
) -> list[T]:
    """The test people 1…count, made one after the other by `make` (`person`, `member`…)."""
    return [await make(client, engine, n) for n in range(1, count + 1)]


async def funded_people(
    client: httpx.AsyncClient, engine: AsyncEngine, count: int, amount: int
) -> list[Person]:
    """The test people 1…count (verified wallets), then an administrator who credits each of
    them `amount` XOF through the API (an adjustment, as an operator makes it)."""
    # Imported here: tests/conftest.py uses this module, and the wallet helpers import it.
    from tests.wallet.helpers import admin_token, credit, person  # noqa: PLC0415

    people = await numbered(person, client, engine, count)
    admin = await admin_token(client, engine)
    for someone in people:
        await credit(client, admin, someone.numero_compte, amount)
    return people


@dataclass(frozen=True)
class Member:
    """Someone signed up, by their user id and access token."""

    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def member(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    n: int,
    *,
    prenom: str = "Awa",
    nom: str = "Koné",
    roles: tuple[str, ...] = (),
) -> Member:
    """The n-th test person (a verified wallet, see `tests.wallet.helpers.person`), named
    `prenom nom`, given `roles` (codes of role_permission) in the database."""
    # Imported here: tests/conftest.py uses this module, and the wallet helpers import it.
    from tests.wallet.helpers import person  # noqa: PLC0415

    someone = await person(client, engine, n)
    async with engine.begin() as connection:
        user_id = await connection.scalar(
            text(
                "UPDATE utilisateur SET prenom = :p, nom = :n WHERE telephone = :t"
                " RETURNING id_user"
            ),
            {"p": prenom, "n": nom, "t": someone.phone},
        )
    assert user_id is not None
    for code in roles:
        await execute(
            engine,
            "INSERT INTO utilisateur_role (id_user, id_role)"
            " SELECT :u, id_role FROM role_permission WHERE code = :c",
            u=user_id,
            c=code,
        )
    return Member(int(user_id), someone.token)


async def image(engine: AsyncEngine, owner: int | None, *, usage: str = "publication") -> int:
    """An 800×600 WebP of `owner` (None: the platform's), private when it is an identity
    document."""
    async with engine.begin() as connection:
        media_id = await connection.scalar(
            text(
                "INSERT INTO media (id_user, stockage, cle_stockage, url, type_mime, largeur,"
                " hauteur, taille_octets, usage, prive)"
                " VALUES (:u, 'local', 'test/' || gen_random_uuid(), 'https://img.test/x.webp',"
                " 'image/webp', 800, 600, 1000, :usage, :private) RETURNING id_media"
            ),
            {"u": owner, "usage": usage, "private": usage == "identite"},
        )
    return int(media_id)


async def wallet_owner(client: httpx.AsyncClient, engine: AsyncEngine, n: int) -> dict[str, int]:
    """The n-th test person, signed up through the API: `{"u": id_user, "c": id_compte}`."""
    # Imported here: tests/conftest.py uses this module, and the wallet helpers import it.
    from tests.wallet.helpers import person  # noqa: PLC0415

    who = await person(client, engine, n)
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT id_user, id_compte FROM compte WHERE numero_compte = :n"),
                {"n": who.numero_compte},
            )
        ).one()
    return {"u": int(row.id_user), "c": int(row.id_compte)}


async def provider_operation(
    engine: AsyncEngine,
    owner: dict[str, int],
    *,
    statut: str,
    sens: str = "depot",
    gateway: str = "sandbox",
    rail: str | None = None,
    created: datetime | str = "now()",
    settled: datetime | str | None = None,
) -> None:
    """A row of `operation_fournisseur` for 1 000 XOF to +2250700000001. `created` and `settled`
    are timestamps, or SQL expressions given as text (e.g. `now() - make_interval(secs => 60)`);
    `rail` defaults to `gateway`."""
    created_sql, created_value = _timestamp(created, "created")
    settled_sql, settled_value = _timestamp(settled, "settled")
    # The timestamps are SQL written by the test code, never input.
    sql = (
        "INSERT INTO operation_fournisseur (fournisseur, passerelle, sens, id_user, id_compte,"  # noqa: S608
        " montant, compte_externe, statut, date_creation, date_finalisation)"
        f" VALUES (:rail, :gateway, :sens, :u, :c, 1000, '+2250700000001', :statut,"
        f" {created_sql}, {settled_sql})"
    )
    await execute(
        engine,
        sql,
        rail=rail or gateway,
        gateway=gateway,
        sens=sens,
        statut=statut,
        **created_value,
        **settled_value,
        **owner,
    )


def _timestamp(value: datetime | str | None, name: str) -> tuple[str, dict[str, object]]:
    """A bound parameter for a datetime (or NULL), the SQL itself for an expression (a literal
    of the test code, never input)."""
    if isinstance(value, str):
        return value, {}
    return f":{name}", {name: value}


def production_values(**changes: Any) -> dict[str, Any]:
    """What a production start needs set: fresh secrets (none written in the repository),
    Twilio for SMS, Cloudinary for images, no trusted proxy; `changes` on top, None
    removing a setting."""
    values: dict[str, Any] = {
        "HOSTOLINK_ENV": "production",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "CARD_ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "QR_SIGNING_KEYS": "1:" + secrets.token_urlsafe(32),
        "HOSTOLINK_SMS_SENDER": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "t" * 32,
        "TWILIO_FROM": "+2250701020304",
        "CLOUDINARY_URL": "cloudinary://cle:secret@hostolink",
        "HOSTOLINK_TRUSTED_PROXIES": "none",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}
