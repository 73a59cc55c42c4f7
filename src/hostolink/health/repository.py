"""Every query of the directory.

Public reads show only live establishments: visible, and not merged into another one.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    SmallInteger,
    String,
    Time,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import (
    EtablissementSante,
    HoraireEtablissement,
    ListeNumeroEtablissementSante,
    Localisation,
    Media,
    ProvenanceEtablissement,
)

# Search ties are broken by category, from the establishments most people look for.
PRIORITY = ("chu", "centre_hospitalier_regional", "hopital_general", "clinique", "pharmacie")

E = EtablissementSante
H = HoraireEtablissement
N = ListeNumeroEtablissementSante
L = Localisation
P = ProvenanceEtablissement


@dataclass(frozen=True)
class Moment:
    """A moment in Abidjan: ISO weekday and time of day."""

    weekday: int
    clock: time


@dataclass(frozen=True)
class Filters:
    categories: tuple[str, ...] = ()
    open_now: Moment | None = None
    always_open: bool = False
    emergencies: bool = False
    region: str | None = None
    commune: str | None = None


def live() -> ColumnElement[bool]:
    return and_(E.visible.is_(True), E.id_fusionne_dans.is_(None))


def _open_at(moment: Moment) -> ColumnElement[bool]:
    return exists().where(
        H.id_etablissement == E.id_etablissement,
        H.jour_semaine == moment.weekday,
        H.heure_ouverture <= moment.clock,
        H.heure_fermeture > moment.clock,
    )


def _open_now_column() -> ColumnElement[bool | None]:
    """Open at the moment bound as `jour` / `heure`; NULL when the hours are unknown."""
    has_hours = exists().where(H.id_etablissement == E.id_etablissement)
    open_then = exists().where(
        H.id_etablissement == E.id_etablissement,
        H.jour_semaine == bindparam("jour", type_=SmallInteger),
        H.heure_ouverture <= bindparam("heure", type_=Time),
        H.heure_fermeture > bindparam("heure", type_=Time),
    )
    return case((E.ouvert_24h, true()), (has_hours, open_then), else_=literal(None))


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions = [live()]
    if filters.categories:
        conditions.append(E.categorie.in_(filters.categories))
    if filters.always_open:
        conditions.append(E.ouvert_24h.is_(True))
    if filters.emergencies:
        conditions.append(E.urgences.is_(True))
    if filters.open_now is not None:
        conditions.append(or_(E.ouvert_24h.is_(True), _open_at(filters.open_now)))
    if filters.region is not None or filters.commune is not None:
        places = select(L.id_localisation)
        if filters.region is not None:
            places = places.where(func.lower(L.region) == filters.region.lower())
        if filters.commune is not None:
            places = places.where(func.lower(L.commune) == filters.commune.lower())
        conditions.append(E.id_localisation.in_(places.scalar_subquery()))
    return conditions


def _summaries() -> Select[Any]:
    """Everything a list item shows, one row per establishment."""
    first_phone = (
        select(N.numero, N.libelle, N.type_numero, N.confiance, N.numero_source)
        .where(N.id_etablissement == E.id_etablissement, N.actif.is_(True))
        .order_by(N.ordre, N.id_numero)
        .limit(1)
        .lateral("premier_numero")
    )
    sources = (
        select(func.array_agg(func.distinct(P.source)))
        .where(P.id_etablissement == E.id_etablissement)
        .scalar_subquery()
    )
    columns: tuple[Any, ...] = (
        E.id_etablissement,
        E.nom,
        E.nom_normalise,
        E.categorie,
        E.secteur,
        E.adresse,
        E.geo,
        E.urgences,
        E.ouvert_24h,
        E.verifie,
        L.region,
        L.ville,
        L.commune,
        _open_now_column().label("ouvert_maintenant"),
        first_phone.c.numero,
        first_phone.c.libelle,
        first_phone.c.type_numero,
        first_phone.c.confiance,
        first_phone.c.numero_source,
        sources.label("sources"),
        Media.url.label("photo"),
    )
    query: Select[Any] = (
        select(*columns)
        .select_from(E)
        .outerjoin(L, L.id_localisation == E.id_localisation)
        .outerjoin(first_phone, true())
        .outerjoin(Media, and_(Media.id_media == E.id_media, Media.prive.is_(False)))
    )
    return query


# Built once: constructing this statement (a lateral join and three subqueries) and its
# cache key on every request cost a third of a near-me request's CPU (profiled under load).
# Reads first find the ids (an index scan, no joins), then read the ids' summaries with it.
SUMMARIES_BY_IDS: Final = _summaries().where(
    E.id_etablissement == any_(bindparam("ids", type_=ARRAY(Integer)))
)


async def summaries_of(session: AsyncSession, *, ids: Sequence[int], moment: Moment) -> list[Any]:
    """The summaries of `ids`, in the order of `ids`."""
    if not ids:
        return []
    params = {"ids": list(ids), "jour": moment.weekday, "heure": moment.clock}
    result = await session.execute(SUMMARIES_BY_IDS, params)
    rows = {row.id_etablissement: row for row in result.all()}
    return [rows[i] for i in ids if i in rows]


@functools.cache
def _nearest_statement(
    *, categories: bool, always_open: bool, emergencies: bool, open_now: bool
) -> Select[Any]:
    """The KNN statement for one shape of filters, built once (values are bound): building
    it and its cache key on every request cost more than running it."""
    distance = E.geo.distance(
        func.point(bindparam("lon", type_=Float), bindparam("lat", type_=Float))
    )
    conditions = [live(), E.geo.is_not(None)]
    if categories:
        conditions.append(E.categorie == any_(bindparam("categories", type_=ARRAY(String))))
    if always_open:
        conditions.append(E.ouvert_24h.is_(True))
    if emergencies:
        conditions.append(E.urgences.is_(True))
    if open_now:
        open_then = exists().where(
            H.id_etablissement == E.id_etablissement,
            H.jour_semaine == bindparam("jour_filtre", type_=SmallInteger),
            H.heure_ouverture <= bindparam("heure_filtre", type_=Time),
            H.heure_fermeture > bindparam("heure_filtre", type_=Time),
        )
        conditions.append(or_(E.ouvert_24h.is_(True), open_then))
    return (
        select(E.id_etablissement, E.geo, distance.label("degres"))
        .where(*conditions)
        .order_by(distance)
        .limit(bindparam("limite", type_=Integer))
    )


async def nearest(
    session: AsyncSession, *, lon: float, lat: float, filters: Filters, limit: int
) -> Sequence[Any]:
    """Up to `limit` live establishments (id, geo, `degres`) in the order of the GiST KNN
    scan: Euclidean distance in degrees. No bounding-box condition: with one, the planner
    estimates few rows, reads every row of the box and sorts them instead of walking the
    index nearest first (measured: 14 ms instead of 0.24 ms in central Abidjan). The
    region and commune filters are not used here (lists only)."""
    statement = _nearest_statement(
        categories=bool(filters.categories),
        always_open=filters.always_open,
        emergencies=filters.emergencies,
        open_now=filters.open_now is not None,
    )
    params: dict[str, Any] = {"lon": lon, "lat": lat, "limite": limit}
    if filters.categories:
        params["categories"] = list(filters.categories)
    if filters.open_now is not None:
        params["jour_filtre"] = filters.open_now.weekday
        params["heure_filtre"] = filters.open_now.clock
    rows: Sequence[Any] = (await session.execute(statement, params)).all()
    return rows


async def matching(
    session: AsyncSession,
    *,
    tsquery: str,
    filters: Filters,
    moment: Moment,
    name_prefix: str,
    single_word: bool,
    limit: int,
) -> list[Any]:
    """Live establishments whose search vector matches `tsquery` (a to_tsquery text built
    from folded words only), best first: full-text rank (not for one word: every match
    ranks alike, and ranking thousands of "pharmacie" rows is the query's whole cost), then
    a name starting like the query, then the category."""
    # 'simple', as the generated column: the server's default configuration may stem
    # (english on some hosts), and French place names must match word for word.
    query_value = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery)
    rank = func.ts_rank_cd(E.vecteur_recherche, query_value)
    starts = case((E.nom_normalise.startswith(name_prefix), 1.0), else_=0.0)
    # Equal scores: the bigger hospital first ("hopital bouake": the CHU before a clinic).
    weight = case(
        {category: order for order, category in enumerate(PRIORITY)},
        value=E.categorie,
        else_=len(PRIORITY),
    )
    score = starts if single_word else rank + starts
    query = (
        select(E.id_etablissement)
        .where(*_conditions(filters), E.vecteur_recherche.op("@@")(query_value))
        .order_by(score.desc(), weight, E.nom_normalise, E.id_etablissement)
        .limit(limit)
    )
    ids = list((await session.scalars(query)).all())
    return await summaries_of(session, ids=ids, moment=moment)


async def listing(
    session: AsyncSession,
    *,
    filters: Filters,
    moment: Moment,
    after: tuple[str, int] | None,
    limit: int,
) -> list[Any]:
    """Live establishments by name (keyset pagination on (nom_normalise, id))."""
    query: Select[Any] = select(E.id_etablissement).where(*_conditions(filters))
    if after is not None:
        query = query.where(tuple_(E.nom_normalise, E.id_etablissement) > tuple_(*after))
    query = query.order_by(E.nom_normalise, E.id_etablissement).limit(limit)
    ids = list((await session.scalars(query)).all())
    return await summaries_of(session, ids=ids, moment=moment)


async def summary(session: AsyncSession, *, establishment_id: int, moment: Moment) -> Any:
    found = await summaries_of(session, ids=[establishment_id], moment=moment)
    return found[0] if found else None


async def phones(session: AsyncSession, *, establishment_id: int) -> Sequence[Any]:
    query = (
        select(N.numero, N.libelle, N.type_numero, N.confiance, N.numero_source)
        .where(N.id_etablissement == establishment_id, N.actif.is_(True))
        .order_by(N.ordre, N.id_numero)
    )
    return (await session.execute(query)).all()


async def hours(session: AsyncSession, *, establishment_id: int) -> Sequence[Any]:
    query = (
        select(H.jour_semaine, H.heure_ouverture, H.heure_fermeture)
        .where(H.id_etablissement == establishment_id)
        .order_by(H.jour_semaine, H.heure_ouverture)
    )
    return (await session.execute(query)).all()


async def provenance(session: AsyncSession, *, establishment_id: int) -> Sequence[Any]:
    query = (
        select(P.source, P.licence, P.attribution)
        .where(P.id_etablissement == establishment_id)
        .distinct()
        .order_by(P.source)
    )
    return (await session.execute(query)).all()


async def licences(session: AsyncSession, *, sources: Sequence[str]) -> Sequence[Any]:
    """One (source, licence, attribution) per source, for the attribution of a page."""
    if not sources:
        return []
    query = (
        select(
            P.source,
            func.min(P.licence).label("licence"),
            func.min(P.attribution).label("attribution"),
        )
        .where(P.source.in_(sources))
        .group_by(P.source)
    )
    return (await session.execute(query)).all()


# What a detail page shows beyond the summary, and where a merged record leads: plain columns
# (no ORM object), so that the public page reads through a plain connection.
DETAIL_FIELDS: Final = select(
    E.id_etablissement,
    E.id_fusionne_dans,
    E.visible,
    E.description,
    E.email,
    E.site_web,
    E.services,
    E.date_modification,
).where(E.id_etablissement == bindparam("id", type_=Integer))


async def detail_fields(session: AsyncSession, *, establishment_id: int) -> Any:
    return (await session.execute(DETAIL_FIELDS, {"id": establishment_id})).first()


async def get(session: AsyncSession, *, establishment_id: int, lock: bool = False) -> E | None:
    query = select(E).where(E.id_etablissement == establishment_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def vocabulary(session: AsyncSession) -> list[str]:
    """Every word of the live establishments' search vectors."""
    inner = (
        "SELECT vecteur_recherche FROM etablissement_sante"
        " WHERE visible AND id_fusionne_dans IS NULL"
    )
    query = select(func.ts_stat(inner).table_valued("word").c.word)
    return list((await session.scalars(query)).all())


async def categories(session: AsyncSession) -> Sequence[Any]:
    query = (
        select(E.categorie, func.count())
        .where(live())
        .group_by(E.categorie)
        .order_by(func.count().desc())
    )
    return (await session.execute(query)).all()


async def places(session: AsyncSession) -> Sequence[Any]:
    query = (
        select(L.region, L.ville, L.commune, func.count(E.id_etablissement))
        .join(E, and_(E.id_localisation == L.id_localisation, live()))
        .group_by(L.region, L.ville, L.commune)
        .order_by(L.region, L.ville.nulls_first(), L.commune.nulls_first())
    )
    return (await session.execute(query)).all()


async def place_id(
    session: AsyncSession, *, region: str, ville: str | None, commune: str | None
) -> int:
    """The id of a place, created if new (unique on (pays, region, ville, commune), NULLs
    equal, so concurrent creations of the same place end with one row)."""
    values = {"pays": "CI", "region": region, "ville": ville, "commune": commune}
    inserted = await session.scalar(
        insert(L).values(**values).on_conflict_do_nothing().returning(L.id_localisation)
    )
    if inserted is not None:
        return int(inserted)
    found = await session.scalar(
        select(L.id_localisation).where(
            L.pays == "CI",
            L.region == region,
            L.ville.is_not_distinct_from(ville),
            L.commune.is_not_distinct_from(commune),
        )
    )
    if found is None:  # deleted between the two statements: not possible, places are kept
        raise RuntimeError("localisation introuvable après insertion")
    return int(found)


async def place_of(session: AsyncSession, *, place: int | None) -> Localisation | None:
    if place is None:
        return None
    return await session.get(L, place)
