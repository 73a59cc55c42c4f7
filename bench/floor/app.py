"""The floor application: plain ASGI, one asyncpg pool, stdlib `json`.

Each handler does the database work of our route (the same statements, compiled from the
product's repositories by `sql.py`; asyncpg prepares each once per connection and keeps it
in its statement cache) and answers the same JSON. It leaves out what a product needs and a
floor does not: no middleware (request ids, security headers, metrics, logging, error
reporting), no rate limits, no permission checks beyond the token's own, no pydantic
validation of the query or body beyond the fields used, no OpenAPI. The product's per-process
caches (parsed identifiers, verified tokens, sources' licences) are kept, so the floor does
not do more work than ours; the directory's cache of encoded answers (and its ETag) is not:
the floor is the floor of the work, and every request runs the statements the product runs
when its cache misses (read pool in autocommit: no BEGIN / COMMIT).

Configuration (environment): FLOOR_DATABASE_URL (a plain libpq URL), JWT_SECRET, and
HOSTOLINK_DB_CONNECTIONS (10 by default, as the product: connections per worker).
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, quote

import asyncpg
import jwt
import phonenumbers

from bench.floor.sql import Compiled, compile_statement
from hostolink.kit.geo import EARTH_RADIUS_M, haversine_m

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]

POOL: asyncpg.Pool | None = None
JSON_HEADERS = [(b"content-type", b"application/json")]


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


async def answer(send: Send, status: int, body: bytes) -> None:
    headers = [*JSON_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def iso(moment: datetime | None) -> str | None:
    """A datetime as pydantic writes it (UTC as `Z`)."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


class _Captured(Exception):
    def __init__(self, statement: Any) -> None:
        super().__init__("captured")
        self.statement = statement


class _Capture:
    """In place of a session: the first statement a repository function runs, not run."""

    async def execute(self, statement: Any, *_: Any, **__: Any) -> Any:
        raise _Captured(statement)

    scalars = execute


def first_statement(read: Any, **kwargs: Any) -> Any:
    coroutine = read(_Capture(), **kwargs)
    try:
        coroutine.send(None)
    except _Captured as captured:
        return captured.statement
    finally:
        coroutine.close()
    raise RuntimeError(f"{read.__name__} ran no statement")


class Statements:
    """Compiled at the worker's start, after the imports of the product's repositories."""

    def __init__(self) -> None:
        from hostolink.auth import principal, repository  # noqa: PLC0415
        from hostolink.health import repository as directory  # noqa: PLC0415
        from hostolink.health.repository import Filters  # noqa: PLC0415
        from hostolink.social import repository as social  # noqa: PLC0415

        self.status_by_phone = compile_statement(repository.identifier_status("+225"))
        self.status_by_email = compile_statement(repository.identifier_status("a@b"))
        self.principal = compile_statement(principal.PRINCIPAL_BY_SESSION)
        self.summaries = compile_statement(directory.SUMMARIES_BY_IDS)
        self._nearest: dict[bool, Compiled] = {}
        self._matching: dict[bool, Compiled] = {}
        # The feed's first page: the product's own SQL text ($1 viewer, $2 rows), as is.
        self.feed = social.FEED_SQL[(False, False)]
        self.vocabulary = compile_statement(first_statement(directory.vocabulary))
        self._directory = directory
        self._filters = Filters
        marker = 987_654_321
        # The detail's reads, built by the repository's own functions: what it shows beyond
        # the summary (and where a merged record leads), its numbers, hours and sources.
        self.get = compile_statement(
            first_statement(directory.detail_fields, establishment_id=marker)
        )
        self.phones = self._capture(directory.phones, marker)
        self.hours = self._capture(directory.hours, marker)
        self.provenance = self._capture(directory.provenance, marker)

    @staticmethod
    def _capture(read: Any, marker: int) -> Compiled:
        return compile_statement(first_statement(read, establishment_id=marker), {"id": marker})

    def matching(self, *, single_word: bool) -> Compiled:
        """The search statement (no filter), with its words, name prefix and limit as
        arguments; one per shape (one word or more)."""
        found = self._matching.get(single_word)
        if found is None:
            tsquery, prefix, limit = "zzfloorquery:*", "zzfloorprefix", 987_655
            statement = first_statement(
                self._directory.matching,
                tsquery=tsquery,
                filters=self._filters(),
                moment=None,
                name_prefix=prefix,
                single_word=single_word,
                limit=limit,
            )
            roles = {"tsquery": tsquery, "prefix": prefix, "limit": limit}
            found = self._matching[single_word] = compile_statement(statement, roles)
        return found

    def nearest(self, *, categories: bool) -> Compiled:
        """The near-me statement of the repository for one filter shape (with or without
        categories), built by `repository.nearest` itself: its values are bound parameters
        (`lon`, `lat`, `limite`, `categories`), given at execution."""
        found = self._nearest.get(categories)
        if found is None:
            statement = first_statement(
                self._directory.nearest,
                lon=1.234567,
                lat=7.654321,
                filters=self._filters(("pharmacie",) if categories else ()),
                limit=987_654,
            )
            found = self._nearest[categories] = compile_statement(statement)
        return found

    def licences(self, sources: list[str]) -> Compiled:
        """Compiled on a cache miss of the licences only (a handful per process)."""
        return compile_statement(first_statement(self._directory.licences, sources=sources))


STATEMENTS: Statements | None = None


def statements() -> Statements:
    assert STATEMENTS is not None
    return STATEMENTS


def pool() -> asyncpg.Pool:
    assert POOL is not None
    return POOL


# ------------------------------------------------------------------------------ onboarding

_PUNCTUATION = re.compile(r"[\s.\-()/]")
_DIGITS = re.compile(r"\+?[0-9]{6,16}")


@lru_cache(maxsize=16_384)
def normalise(raw: str) -> str | None:
    """E.164 for a phone number (CI by default), lower case for an e-mail; None: invalid.
    Cached, as the product caches its parsed identifiers."""
    if "@" in raw:
        text = raw.strip().lower()
        return text if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) else None
    text = _PUNCTUATION.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("225") and len(text) == 13:
        text = "+" + text
    if not _DIGITS.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, "CI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


async def check_user(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    try:
        raw = json.loads(await read_body(receive))["identifier"]
    except (ValueError, KeyError, TypeError):
        raw = None
    identifier = normalise(raw) if isinstance(raw, str) and 0 < len(raw) <= 320 else None
    if identifier is None:
        await answer(send, 422, b'{"success":false,"message":"Identifiant invalide."}')
        return
    compiled = statements().status_by_email if "@" in identifier else statements().status_by_phone
    row = await pool().fetchrow(compiled.sql, *compiled.args(identifier=identifier))
    exists, has_password = (False, False) if row is None else (True, bool(row[1]))
    body = {
        "success": True,
        "exists": exists,
        "identifier": identifier,
        "has_password": has_password,
    }
    await answer(send, 200, dumps(body))


@lru_cache(maxsize=8192)
def verified_claims(token: str, key: str) -> tuple[int, float, uuid.UUID]:
    """Cached as the product caches its signature checks; expiry is checked on every use."""
    claims = jwt.decode(
        token,
        key,
        algorithms=["HS256"],
        issuer="hostolink",
        options={"require": ["exp", "iat", "sub", "iss", "typ"]},
    )
    subject = claims.get("sub")
    if claims.get("typ") != "access" or not isinstance(subject, str) or not subject.isdigit():
        raise jwt.InvalidTokenError
    return int(subject), float(claims["exp"]), uuid.UUID(str(claims["sid"]))


UNAUTHORIZED = b'{"success":false,"message":"Authentification requise."}'


async def principal(scope: dict[str, Any]) -> Any:
    """The caller's row (person, wallet, roles, permissions, session alive), read as the
    product reads it on every authenticated request; None: 401."""
    header = next((v for k, v in scope["headers"] if k == b"authorization"), b"").decode()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        user_id, expires_at, session = verified_claims(token, os.environ["JWT_SECRET"])
    except (jwt.PyJWTError, KeyError, ValueError):
        return None
    if expires_at <= time.time():
        return None
    compiled = statements().principal
    row = await pool().fetchrow(compiled.sql, *compiled.args(user_id=user_id, session=session))
    if row is None or not row["actif"] or not row["session_active"]:
        return None
    return row


async def me(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    row = await principal(scope)
    if row is None:
        await answer(send, 401, UNAUTHORIZED)
        return
    joined = row["date_inscription"]
    wallet = (
        {
            "numero_compte": row["numero_compte"],
            "solde": row["solde"],
            "devise": row["devise"],
            "statut": row["statut"],
        }
        if row["numero_compte"] is not None
        else None
    )
    data = {
        "id_user": row["id_user"],
        "nom": row["nom"],
        "prenom": row["prenom"],
        "email": row["email"],
        "telephone": row["telephone"],
        "pays": row["pays"],
        "photo_profile": row["photo_profile"],
        "date_inscription": iso(joined.replace(tzinfo=UTC)) if joined else None,
        "compte_verifier": row["compte_verifier"],
        "actif": row["actif"],
        "niveau_kyc": row["niveau_kyc"],
        "roles": sorted(set(row["roles"] or ())),
        "compte": wallet,
    }
    await answer(send, 200, dumps({"success": True, "data": data}))


# ------------------------------------------------------------------------------ directory

ABIDJAN = timezone(timedelta(0), "Africa/Abidjan")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
LICENCES: dict[str, dict[str, Any]] = {}
NOT_FOUND = b'{"success":false,"message":"\xc3\x89tablissement introuvable."}'
INVALID = b'{"success":false,"message":"Param\xc3\xa8tres invalides."}'


def moment() -> tuple[int, Any]:
    """Abidjan's weekday and time to the minute, as the product asks its statements (its
    answers are computed per minute)."""
    local = datetime.now(UTC).astimezone(ABIDJAN)
    return local.isoweekday(), local.time().replace(second=0, microsecond=0, tzinfo=None)


def phone(numero: str, libelle: str, kind: str, trust: str, source: str | None) -> dict[str, Any]:
    dialable = not (numero.startswith("+225") and len(numero) == 12)
    return {
        "numero": numero,
        "libelle": libelle,
        "type_numero": kind,
        "confiance": trust,
        "appel": "tel:" + numero if dialable else None,
        "numero_source": source,
    }


def summary(row: Any, distance_m: float | None = None) -> dict[str, Any]:
    from hostolink.health.categories import LABELS  # noqa: PLC0415 - a dict, read once

    geo = row["geo"]
    lon, lat = (geo[0], geo[1]) if geo is not None else (None, None)
    return {
        "id_etablissement": row["id_etablissement"],
        "nom": row["nom"],
        "categorie": row["categorie"],
        "categorie_libelle": LABELS.get(row["categorie"], LABELS["autre"]),
        "secteur": row["secteur"],
        "adresse": row["adresse"],
        "region": row["region"],
        "ville": row["ville"],
        "commune": row["commune"],
        "lat": lat,
        "lon": lon,
        "distance_m": round(distance_m) if distance_m is not None else None,
        "urgences": row["urgences"],
        "ouvert_24h": row["ouvert_24h"],
        "ouvert_maintenant": row["ouvert_maintenant"],
        "verifie": row["verifie"],
        "telephone": phone(
            row["numero"],
            row["libelle"],
            row["type_numero"],
            row["confiance"],
            row["numero_source"],
        )
        if row["numero"] is not None
        else None,
        "photo": row["photo"],
        "sources": sorted(row["sources"] or ()),
    }


async def summaries_of(connection: Any, ids: list[int], day: int, clock: Any) -> list[Any]:
    if not ids:
        return []
    compiled = statements().summaries
    rows = await connection.fetch(compiled.sql, *compiled.args(ids=ids, jour=day, heure=clock))
    by_id = {row["id_etablissement"]: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


async def attribution(connection: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    wanted = sorted({source for item in items for source in item["sources"]})
    missing = [source for source in wanted if source not in LICENCES]
    if missing:
        compiled = statements().licences(missing)
        for row in await connection.fetch(compiled.sql, *compiled.args()):
            LICENCES[row["source"]] = {
                "source": row["source"],
                "licence": row["licence"],
                "attribution": row["attribution"],
            }
    return [LICENCES[source] for source in wanted if source in LICENCES]


def _query(scope: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(scope["query_string"].decode())


async def near(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    query = _query(scope)
    try:
        lat, lon = float(query["lat"][0]), float(query["lon"][0])
        radius_m = int(query.get("rayon", ["5000"])[0])
        limit = int(query.get("limite", ["20"])[0])
    except (KeyError, ValueError):
        await answer(send, 422, INVALID)
        return
    categories = list(query.get("categorie", ()))
    compiled = statements().nearest(categories=bool(categories))
    day, clock = moment()
    phi_max = min(89.9, abs(lat) + math.degrees(radius_m / EARTH_RADIUS_M))
    shrink = math.cos(math.radians(phi_max)) * 0.999
    fetch = limit * 2 + 10
    # Autocommit, as the product's read pool: no BEGIN / COMMIT round trips.
    async with pool().acquire() as connection:
        while True:
            rows = await connection.fetch(
                compiled.sql,
                *compiled.args(lon=lon, lat=lat, limite=fetch, categories=categories),
            )
            scored = sorted(
                (haversine_m(lat, lon, row["geo"][1], row["geo"][0]), row["id_etablissement"])
                for row in rows
            )
            within = [item for item in scored if item[0] <= radius_m][:limit]
            if len(rows) < fetch:
                break
            bound = EARTH_RADIUS_M * math.radians(rows[-1]["degres"]) * shrink
            if bound > radius_m or (len(within) == limit and within[-1][0] <= bound):
                break
            fetch *= 4
        found = await summaries_of(connection, [i for _, i in within], day, clock)
        items = [summary(row, distance) for (distance, _), row in zip(within, found, strict=True)]
        sources = await attribution(connection, items)
    body = {"success": True, "attribution": sources, "data": items, "rayon_m": radius_m}
    await answer(send, 200, dumps(body))


VOCABULARY: Any = None


async def vocabulary(connection: Any) -> Any:
    """The product's own vocabulary class (sorted words, corrections), loaded with the same
    statement and kept as long (60 s per process)."""
    global VOCABULARY  # noqa: PLW0603 - one per worker, as the product's Directory keeps it
    from hostolink.health.service import (  # noqa: PLC0415
        VOCABULARY_TTL_SECONDS,
        Vocabulary,
    )

    cached = VOCABULARY
    if cached is not None and time.monotonic() - cached.loaded_at < VOCABULARY_TTL_SECONDS:
        return cached
    compiled = statements().vocabulary
    found = sorted(row[0] for row in await connection.fetch(compiled.sql, *compiled.args()))
    VOCABULARY = Vocabulary(found, frozenset(found), time.monotonic())
    return VOCABULARY


async def search(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    from hostolink.health.categories import QUERY_IGNORED  # noqa: PLC0415
    from hostolink.health.service import (  # noqa: PLC0415
        MAX_DROPPED_WORD_ATTEMPTS,
        MAX_QUERY_WORDS,
        Understood,
    )
    from hostolink.kit.text import words  # noqa: PLC0415

    query = _query(scope)
    text = query.get("q", [""])[0]
    try:
        limit = int(query.get("limite", ["20"])[0])
    except ValueError:
        limit = 0
    if not 2 <= len(text) <= 100 or not 1 <= limit <= 100 or "categorie" in query:
        await answer(send, 422, INVALID)
        return
    day, clock = moment()
    async with pool().acquire() as connection:  # autocommit, as the product's read pool
        known = await vocabulary(connection)
        typed = [w for w in words(text) if w not in QUERY_IGNORED][:MAX_QUERY_WORDS]
        alternatives = [known.corrections(word) for word in typed]
        understood = Understood(
            alternatives,
            corrected=any(alts[0] != w for w, alts in zip(typed, alternatives, strict=True)),
        )
        rows: list[Any] = []
        count = len(alternatives)
        compiled = statements().matching(single_word=count == 1)

        async def run(tsquery: str) -> list[Any]:
            args = compiled.args(tsquery=tsquery, prefix=understood.shown, limit=limit)
            ids = [row[0] for row in await connection.fetch(compiled.sql, *args)]
            return await summaries_of(connection, ids, day, clock)

        if alternatives:
            rows = await run(understood.tsquery(all_words=True))
            if not rows and count > 1:
                merged: dict[int, Any] = {}
                if count <= MAX_DROPPED_WORD_ATTEMPTS:
                    attempts = [
                        await run(understood.tsquery(all_words=True, without=left_out))
                        for left_out in range(count)
                    ]
                    for attempt in sorted((a for a in attempts if a), key=len):
                        for row in attempt:
                            merged.setdefault(row["id_etablissement"], row)
                rows = (
                    list(merged.values())[:limit]
                    if merged
                    else await run(understood.tsquery(all_words=False))
                )
        items = [summary(row) for row in rows]
        sources = await attribution(connection, items)
    body = {
        "success": True,
        "attribution": sources,
        "data": items,
        "requete": understood.shown,
        "corrigee": understood.corrected,
    }
    await answer(send, 200, dumps(body))


def _hours(day: int, opening: Any, closing: Any) -> dict[str, Any]:
    shown = (
        "24:00"
        if closing.hour == 23 and closing.minute == 59 and closing.second == 59
        else closing.strftime("%H:%M")
    )
    return {
        "jour": day,
        "jour_libelle": DAYS[day - 1],
        "ouverture": opening.strftime("%H:%M"),
        "fermeture": shown,
    }


async def detail(scope: dict[str, Any], receive: Receive, send: Send, ident: str) -> None:
    if not ident.isdigit():
        await answer(send, 422, INVALID)
        return
    sql = statements()
    day, clock = moment()
    async with pool().acquire() as connection:  # autocommit, as the product's read pool
        target = await connection.fetchrow(sql.get.sql, *sql.get.args(id=int(ident)))
        for _ in range(5):
            if target is None or target["id_fusionne_dans"] is None:
                break
            target = await connection.fetchrow(
                sql.get.sql, *sql.get.args(id=target["id_fusionne_dans"])
            )
        else:
            target = None
        if target is None or not target["visible"]:
            await answer(send, 404, NOT_FOUND)
            return
        ident_ = target["id_etablissement"]
        rows = await summaries_of(connection, [ident_], day, clock)
        numbers = await connection.fetch(sql.phones.sql, *sql.phones.args(id=ident_))
        opening = await connection.fetch(sql.hours.sql, *sql.hours.args(id=ident_))
        sources = await connection.fetch(sql.provenance.sql, *sql.provenance.args(id=ident_))
    data = summary(rows[0])
    lat, lon = data["lat"], data["lon"]
    to = quote(f"{lat:.6f},{lon:.6f}") if lat is not None and lon is not None else None
    provenance = [
        {"source": s["source"], "licence": s["licence"], "attribution": s["attribution"]}
        for s in sources
    ]
    data.update(
        description=target["description"],
        email=target["email"],
        site_web=target["site_web"],
        services=list(target["services"] or ()),
        telephones=[
            phone(n["numero"], n["libelle"], n["type_numero"], n["confiance"], n["numero_source"])
            for n in numbers
        ],
        horaires=[
            _hours(h["jour_semaine"], h["heure_ouverture"], h["heure_fermeture"]) for h in opening
        ],
        itineraire={
            "openstreetmap": f"https://www.openstreetmap.org/directions?to={to}",
            "google_maps": f"https://www.google.com/maps/dir/?api=1&destination={to}",
        }
        if to
        else None,
        provenance=provenance,
        visible=target["visible"],
        date_modification=iso(target["date_modification"]),
    )
    await answer(send, 200, dumps({"success": True, "attribution": provenance, "data": data}))


# ------------------------------------------------------------------------------ social


async def feed(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """The feed's first page (no `curseur`: the floor does not do the other pages)."""
    from hostolink.kit.masking import full_name  # noqa: PLC0415
    from hostolink.kit.pagination import encode_cursor  # noqa: PLC0415
    from hostolink.social.service import ANONYMOUS_NAME  # noqa: PLC0415

    query = _query(scope)
    try:
        limit = int(query.get("limite", ["20"])[0])
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100 or "curseur" in query:
        await answer(send, 422, INVALID)
        return
    viewer = await principal(scope)
    if viewer is None:
        await answer(send, 401, UNAUTHORIZED)
        return
    # One statement in autocommit, as the product's `feed_page` on its driver connection.
    rows = await pool().fetch(statements().feed, viewer["id_user"], limit + 1)
    page = rows[:limit]
    posts = [
        {
            "id_publication": row["id_publication"],
            "auteur": {
                "id_user": row["id_user"],
                "nom_affiche": full_name(row["prenom"], row["nom"]) or ANONYMOUS_NAME,
                "photo_profile": row["photo_profile"],
            },
            "titre_publication": row["titre_publication"],
            "contenu": row["contenu"],
            "medias": [
                {"id_media": m[0], "position": m[1], "url": m[2], "largeur": m[3], "hauteur": m[4]}
                for m in row["medias"]
            ],
            "compteur_like": row["compteur_like"],
            "nombre_commentaires": row["nombre_commentaires"],
            "nombre_partages": row["nombre_partages"],
            "aime_par_moi": row["aime_par_moi"],
            "date_publication": iso(row["date_publication"]),
            "date_modification": iso(row["date_modification"]),
        }
        for row in page
    ]
    following = None
    if len(rows) > limit:
        last = page[-1]
        following = encode_cursor(last["date_publication"], last["id_publication"])
    body = {"success": True, "data": {"publications": posts, "curseur_suivant": following}}
    await answer(send, 200, dumps(body))


# ------------------------------------------------------------------------------ the app


async def ready(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    await answer(send, 200, b'{"status":"ok"}')


ROUTES: dict[tuple[str, str], Callable[[dict[str, Any], Receive, Send], Awaitable[None]]] = {
    ("POST", "/api/check-user"): check_user,
    ("GET", "/api/user/me"): me,
    ("GET", "/api/etablissements/proches"): near,
    ("GET", "/api/etablissements/recherche"): search,
    ("GET", "/api/publications"): feed,
    ("GET", "/ready"): ready,
    ("GET", "/health"): ready,
}
DETAIL_PREFIX = "/api/etablissements/"


async def lifespan(receive: Receive, send: Send) -> None:
    global POOL, STATEMENTS  # noqa: PLW0603 - one pool and one set of statements per worker
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            STATEMENTS = Statements()
            # As many connections per process as the product's bound (all its pools together).
            size = int(os.environ.get("HOSTOLINK_DB_CONNECTIONS") or 10)
            POOL = await asyncpg.create_pool(
                os.environ["FLOOR_DATABASE_URL"], min_size=min(2, size), max_size=size
            )
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if POOL is not None:
                await POOL.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    path = scope["path"]
    handler = ROUTES.get((scope["method"], path))
    if handler is not None:
        await handler(scope, receive, send)
    elif scope["method"] == "GET" and path.startswith(DETAIL_PREFIX):
        await detail(scope, receive, send, path[len(DETAIL_PREFIX) :])
    else:
        await answer(send, 404, b'{"success":false,"message":"Introuvable."}')
