"""Reading the directory: near me, search, lists by place and category, detail.

Near me: the GiST index on `geo` yields rows in KNN order of the Euclidean distance in
degrees, which is not the distance on the ground (a degree of longitude shrinks with the
cosine of the latitude). The figure shown and the final order are the exact haversine
distance; enough KNN rows are fetched that no unfetched row could be nearer (see `near`).
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.health import categories, repository
from hostolink.health.answers import AnswerCache
from hostolink.health.edits import update_establishment
from hostolink.health.errors import EstablishmentNotFound
from hostolink.health.repository import Filters, Moment
from hostolink.health.schemas import (
    DirectionsOut,
    EstablishmentDetail,
    EstablishmentSummary,
    HoursOut,
    PhoneOut,
    SourceOut,
)
from hostolink.kit import spelling
from hostolink.kit.geo import EARTH_RADIUS_M, haversine_m
from hostolink.kit.text import words

__all__ = ["Directory", "Filters", "Moment", "abidjan_moment", "update_establishment"]

# Africa/Abidjan is UTC+0 all year (no daylight saving since 1912): no tz database needed.
ABIDJAN = timezone(timedelta(0), "Africa/Abidjan")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
VOCABULARY_TTL_SECONDS = 60.0
MAX_QUERY_WORDS = 8
# Up to this many words, a query no establishment matches in full is retried without each
# word in turn (each retry is a selective AND); longer ones fall back to any word.
MAX_DROPPED_WORD_ATTEMPTS = 4


def abidjan_moment(now: datetime | None = None) -> Moment:
    local = (now or datetime.now(UTC)).astimezone(ABIDJAN)
    return Moment(weekday=local.isoweekday(), clock=local.time().replace(tzinfo=None))


def tel_uri(numero: str) -> str:
    return "tel:" + numero


def phone_dict(
    numero: str, libelle: str, type_numero: str, confiance: str, numero_source: str | None
) -> dict[str, Any]:
    """A `PhoneOut` as plain data, in its fields' order."""
    # An unconverted pre-2021 number (8 digits after +225) rings nowhere: no link to tap.
    dialable = not (numero.startswith("+225") and len(numero) == 12)
    return {
        "numero": numero,
        "libelle": libelle,
        "type_numero": type_numero,
        "confiance": confiance,
        "appel": tel_uri(numero) if dialable else None,
        "numero_source": numero_source,
    }


def phone_out(
    numero: str, libelle: str, type_numero: str, confiance: str, numero_source: str | None
) -> PhoneOut:
    return PhoneOut(**phone_dict(numero, libelle, type_numero, confiance, numero_source))


def directions(lat: float, lon: float) -> DirectionsOut:
    to = quote(f"{lat:.6f},{lon:.6f}")
    return DirectionsOut(
        openstreetmap=f"https://www.openstreetmap.org/directions?to={to}",
        google_maps=f"https://www.google.com/maps/dir/?api=1&destination={to}",
    )


def summary_dict(row: Any, distance_m: float | None = None) -> dict[str, Any]:
    """An `EstablishmentSummary` as plain data, in its fields' order: the public lists are
    encoded from these directly (no model built, nothing validated twice)."""
    lon, lat = row.geo if row.geo is not None else (None, None)
    phone = (
        phone_dict(row.numero, row.libelle, row.type_numero, row.confiance, row.numero_source)
        if row.numero is not None
        else None
    )
    return {
        "id_etablissement": row.id_etablissement,
        "nom": row.nom,
        "categorie": row.categorie,
        "categorie_libelle": categories.label(row.categorie),
        "secteur": row.secteur,
        "adresse": row.adresse,
        "region": row.region,
        "ville": row.ville,
        "commune": row.commune,
        "lat": lat,
        "lon": lon,
        "distance_m": round(distance_m) if distance_m is not None else None,
        "urgences": row.urgences,
        "ouvert_24h": row.ouvert_24h,
        "ouvert_maintenant": row.ouvert_maintenant,
        "verifie": row.verifie,
        "telephone": phone,
        "photo": row.photo,
        "sources": sorted(row.sources or ()),
    }


def summary_out(row: Any, distance_m: float | None = None) -> EstablishmentSummary:
    return EstablishmentSummary.model_validate(summary_dict(row, distance_m))


@dataclass
class Vocabulary:
    """The words establishments are found by, sorted (prefix lookups by bisection)."""

    words: list[str]
    known: frozenset[str]
    loaded_at: float

    def corrections(self, word: str) -> list[str]:
        expansion = categories.ABBREVIATIONS.get(word, "")
        if expansion and " " not in expansion:
            # "st" → "saint": names spell it out as often as not.
            return [expansion, word] if word in self.known else [expansion]
        return spelling.corrections(word, self.words, self.known)


@dataclass
class Understood:
    alternatives: list[list[str]]
    corrected: bool

    @property
    def shown(self) -> str:
        return " ".join(alts[0] for alts in self.alternatives)

    def tsquery(self, *, all_words: bool, without: int | None = None) -> str:
        # Words are folded to [0-9a-z]+, so nothing here can inject tsquery syntax.
        groups = [
            "(" + " | ".join(f"{word}:*" for word in alts) + ")"
            for position, alts in enumerate(self.alternatives)
            if position != without
        ]
        return (" & " if all_words else " | ").join(groups)


@dataclass
class Directory:
    """The directory's reads, with this process's caches: the search vocabulary, the
    sources' licences and the encoded public answers (`answers`), all emptied when the
    directory's version changes (one per app: tests build a fresh app, so fresh caches)."""

    _vocabulary: Vocabulary | None = None
    _licences: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: AnswerCache = field(default_factory=AnswerCache)

    def __post_init__(self) -> None:
        self.answers.on_change = self._forget

    def _forget(self) -> None:
        self._vocabulary = None
        self._licences.clear()

    def invalidate(self) -> None:
        """After an edit in this process: every cache, at once (other processes follow the
        version within a second)."""
        self._forget()
        self.answers.invalidate()

    async def vocabulary(self, session: AsyncSession) -> Vocabulary:
        cached = self._vocabulary
        if cached is not None and clock.monotonic() - cached.loaded_at < VOCABULARY_TTL_SECONDS:
            return cached
        found = sorted(await repository.vocabulary(session))
        self._vocabulary = Vocabulary(found, frozenset(found), clock.monotonic())
        return self._vocabulary

    async def attribution(
        self, session: AsyncSession, sources: Iterable[str]
    ) -> list[dict[str, Any]]:
        """One `SourceOut` (as plain data) per source, by source."""
        wanted = sorted(set(sources))
        missing = [source for source in wanted if source not in self._licences]
        for row in await repository.licences(session, sources=missing):
            self._licences[row.source] = {
                "source": row.source,
                "licence": row.licence,
                "attribution": row.attribution,
            }
        return [self._licences[source] for source in wanted if source in self._licences]

    async def page_attribution(
        self, session: AsyncSession, items: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        return await self.attribution(session, (s for item in items for s in item["sources"]))

    async def near(
        self,
        session: AsyncSession,
        *,
        lat: float,
        lon: float,
        radius_m: int,
        filters: Filters,
        limit: int,
        moment: Moment,
    ) -> list[dict[str, Any]]:
        """The `limit` nearest live establishments within `radius_m`, exact.

        Rows come in KNN order of the distance in degrees D. On the ground, a row at D is at
        least R·cos(φmax)·D away (φmax: the largest |latitude| in the search box), so once
        the k-th nearest haversine distance found is below that bound for the last row
        fetched, no unfetched row can be nearer; otherwise fetch more."""
        # Any row within the radius lies below this latitude (in absolute value).
        phi_max = min(89.9, abs(lat) + math.degrees(radius_m / EARTH_RADIUS_M))
        shrink = math.cos(math.radians(phi_max)) * 0.999  # 0.1 %: chord vs arc, rounding
        fetch = limit * 2 + 10
        while True:
            rows = await repository.nearest(session, lon=lon, lat=lat, filters=filters, limit=fetch)
            scored = sorted(
                (haversine_m(lat, lon, row.geo[1], row.geo[0]), row.id_etablissement)
                for row in rows
            )
            within = [item for item in scored if item[0] <= radius_m][:limit]
            if len(rows) < fetch:
                break
            bound = EARTH_RADIUS_M * math.radians(rows[-1].degres) * shrink
            if bound > radius_m or (len(within) == limit and within[-1][0] <= bound):
                break
            fetch *= 4
        found = await repository.summaries_of(
            session, ids=[identifier for _, identifier in within], moment=moment
        )
        return [
            summary_dict(row, distance) for (distance, _), row in zip(within, found, strict=True)
        ]

    async def search(
        self,
        session: AsyncSession,
        *,
        text: str,
        filters: Filters,
        limit: int,
        moment: Moment,
    ) -> tuple[list[dict[str, Any]], Understood]:
        """Every word must match (as a word prefix), after correcting words that no
        establishment contains; when that finds nothing, any word may match, best first."""
        vocabulary = await self.vocabulary(session)
        typed = [w for w in words(text) if w not in categories.QUERY_IGNORED][:MAX_QUERY_WORDS]
        alternatives = [vocabulary.corrections(word) for word in typed]
        understood = Understood(
            alternatives,
            corrected=any(alts[0] != w for w, alts in zip(typed, alternatives, strict=True)),
        )
        if not alternatives:
            return [], understood
        rows = await self._matching(session, understood, filters, moment, limit)
        return [summary_dict(row) for row in rows], understood

    async def _matching(
        self,
        session: AsyncSession,
        understood: Understood,
        filters: Filters,
        moment: Moment,
        limit: int,
    ) -> list[Any]:
        """All words; failing that, all words but one, trying each word left out and
        keeping the most specific answers first (fewest matches); failing that, or with
        many words, any word."""
        count = len(understood.alternatives)

        async def run(tsquery: str) -> list[Any]:
            return await repository.matching(
                session,
                tsquery=tsquery,
                filters=filters,
                moment=moment,
                name_prefix=understood.shown,
                single_word=count == 1,
                limit=limit,
            )

        rows = await run(understood.tsquery(all_words=True))
        if rows or count == 1:
            return rows
        if count <= MAX_DROPPED_WORD_ATTEMPTS:
            attempts = [
                await run(understood.tsquery(all_words=True, without=left_out))
                for left_out in range(count)
            ]
            merged: dict[int, Any] = {}
            for attempt in sorted((a for a in attempts if a), key=len):
                for row in attempt:
                    merged.setdefault(row.id_etablissement, row)
            if merged:
                return list(merged.values())[:limit]
        return await run(understood.tsquery(all_words=False))

    async def listing(
        self,
        session: AsyncSession,
        *,
        filters: Filters,
        after: tuple[str, int] | None,
        limit: int,
        moment: Moment,
    ) -> tuple[list[dict[str, Any]], tuple[str, int] | None]:
        rows = await repository.listing(
            session, filters=filters, moment=moment, after=after, limit=limit + 1
        )
        more = len(rows) > limit
        rows = rows[:limit]
        following = (rows[-1].nom_normalise, rows[-1].id_etablissement) if more else None
        return [summary_dict(row) for row in rows], following

    async def detail(
        self, session: AsyncSession, *, establishment_id: int, moment: Moment, admin: bool = False
    ) -> EstablishmentDetail:
        target = await _follow_merges(session, establishment_id)
        if target is None or (not target.visible and not admin):
            raise EstablishmentNotFound
        row = await repository.summary(
            session, establishment_id=target.id_etablissement, moment=moment
        )
        summary = summary_dict(row)
        numbers = await repository.phones(session, establishment_id=target.id_etablissement)
        opening = await repository.hours(session, establishment_id=target.id_etablissement)
        sources = await repository.provenance(session, establishment_id=target.id_etablissement)
        return EstablishmentDetail(
            **summary,
            description=target.description,
            email=target.email,
            site_web=target.site_web,
            services=list(target.services),
            telephones=[
                phone_out(n.numero, n.libelle, n.type_numero, n.confiance, n.numero_source)
                for n in numbers
            ],
            horaires=[
                _hours_out(h.jour_semaine, h.heure_ouverture, h.heure_fermeture) for h in opening
            ],
            itineraire=(
                directions(summary["lat"], summary["lon"])
                if summary["lat"] is not None and summary["lon"] is not None
                else None
            ),
            provenance=[
                SourceOut(source=s.source, licence=s.licence, attribution=s.attribution)
                for s in sources
            ],
            visible=target.visible,
            date_modification=target.date_modification,
        )


def _hours_out(day: int, opening: Any, closing: Any) -> HoursOut:
    shown_closing = (
        "24:00"
        if closing.hour == 23 and closing.minute == 59 and closing.second == 59
        else closing.strftime("%H:%M")
    )
    return HoursOut(
        jour=day,
        jour_libelle=DAYS[day - 1],
        ouverture=opening.strftime("%H:%M"),
        fermeture=shown_closing,
    )


async def _follow_merges(session: AsyncSession, establishment_id: int) -> Any:
    """The establishment, or the one it was merged into (a few hops at most)."""
    current = await repository.detail_fields(session, establishment_id=establishment_id)
    for _ in range(5):
        if current is None or current.id_fusionne_dans is None:
            return current
        current = await repository.detail_fields(session, establishment_id=current.id_fusionne_dans)
    return None
