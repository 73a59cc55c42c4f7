"""`hostolink seed`, directory part: the establishments of the two open-data files
(`opendata.dataset`), written in a few bulk statements.

Idempotent, keyed on the provenance `(source, identifiant_source)`, unique in the table:
- every source row already recorded → nothing is read beyond the files' ids, nothing
  written (this runs at each `hostolink serve`);
- an establishment whose source rows are all recorded is left alone, even if its data in the
  files changed or an administrator edited it;
- a source row not recorded yet, that merges with an establishment already written, is
  attached to it as one more provenance (the establishment itself is not rewritten: it may
  have been edited since);
- the rest is created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.health.categories import normalized_name, search_text
from hostolink.health.opendata import dataset, matching
from hostolink.health.opendata.dataset import Establishment
from hostolink.health.opendata.matching import Provenance
from hostolink.models import (
    EtablissementSante,
    HoraireEtablissement,
    ListeNumeroEtablissementSante,
    Localisation,
    ProvenanceEtablissement,
)

COUNTRY = "CI"
PHONE_LABEL = "Standard"
# Two `hostolink seed` at once (two terminals, two instances starting) wait for each other
# instead of racing on the provenance unique key.
_LOCK_KEY = 0x686F73746F5F6431  # "hosto_d1"

SourceKey = tuple[str, str]
PlaceKey = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class _Plan:
    new: list[Establishment]
    attach: list[tuple[int, Provenance]]  # (id_etablissement, provenance)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


async def _recorded(session: AsyncSession) -> dict[SourceKey, int]:
    rows = await session.execute(
        select(
            ProvenanceEtablissement.source,
            ProvenanceEtablissement.identifiant_source,
            ProvenanceEtablissement.id_etablissement,
        ).where(ProvenanceEtablissement.source.in_((matching.WHO, matching.OSM)))
    )
    return {(source, key): establishment for source, key, establishment in rows}


def _plan(establishments: list[Establishment], recorded: dict[SourceKey, int]) -> _Plan:
    plan = _Plan(new=[], attach=[])
    for establishment in establishments:
        keys = [(p.source, p.identifiant_source) for p in establishment.provenances]
        known = [recorded[key] for key in keys if key in recorded]
        if not known:
            plan.new.append(establishment)
            continue
        # Rows already written under several establishments are not merged here (an
        # administrator merges establishments): the new rows join the oldest one.
        target = min(known)
        plan.attach.extend(
            (target, provenance)
            for provenance, key in zip(establishment.provenances, keys, strict=True)
            if key not in recorded
        )
    return plan


def _place(establishment: Establishment) -> PlaceKey:
    return (establishment.region, establishment.ville, establishment.commune)


async def _places(session: AsyncSession, wanted: set[PlaceKey]) -> dict[PlaceKey, int]:
    """`localisation` ids of the places, created when missing."""
    if wanted:
        rows = [
            {"pays": COUNTRY, "region": region, "ville": ville, "commune": commune}
            for region, ville, commune in sorted(wanted, key=str)
        ]
        await session.execute(pg_insert(Localisation).values(rows).on_conflict_do_nothing())
    found = await session.execute(
        select(
            Localisation.region,
            Localisation.ville,
            Localisation.commune,
            Localisation.id_localisation,
        ).where(Localisation.pays == COUNTRY)
    )
    return {(region, ville, commune): id_ for region, ville, commune, id_ in found}


def _row(establishment: Establishment, place: int) -> dict[str, Any]:
    return {
        "nom": establishment.nom,
        "nom_normalise": normalized_name(establishment.nom),
        "texte_recherche": search_text(
            nom=establishment.nom,
            categorie=establishment.categorie,
            commune=establishment.commune,
            ville=establishment.ville,
            region=establishment.region,
            adresse=establishment.adresse,
            services=establishment.services,
        ),
        "categorie": establishment.categorie,
        "secteur": establishment.secteur,
        "adresse": establishment.adresse,
        "id_localisation": place,
        "geo": establishment.geo,
        "services": list(establishment.services),
        "ouvert_24h": establishment.ouvert_24h,
        "urgences": establishment.urgences,
        "verifie": False,
    }


def _provenance_row(id_etablissement: int, provenance: Provenance) -> dict[str, Any]:
    return {
        "id_etablissement": id_etablissement,
        "source": provenance.source,
        "identifiant_source": provenance.identifiant_source,
        "licence": provenance.licence,
        "attribution": provenance.attribution,
        "donnees": provenance.donnees,
    }


def _children(
    ids: Sequence[int], establishments: list[Establishment]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    hours: list[dict[str, Any]] = []
    phones: list[dict[str, Any]] = []
    provenances: list[dict[str, Any]] = []
    for id_, establishment in zip(ids, establishments, strict=True):
        hours.extend(
            {
                "id_etablissement": id_,
                "jour_semaine": interval.weekday,
                "heure_ouverture": interval.opens,
                "heure_fermeture": interval.closes,
            }
            for interval in establishment.intervals
        )
        phones.extend(
            {
                "id_etablissement": id_,
                "numero": phone.numero,
                "libelle": PHONE_LABEL,
                "type_numero": "standard",
                "confiance": phone.confiance,
                "numero_source": phone.numero_source,
                "ordre": position,
            }
            for position, phone in enumerate(establishment.phones, start=1)
        )
        provenances.extend(_provenance_row(id_, p) for p in establishment.provenances)
    return hours, phones, provenances


async def _create(session: AsyncSession, establishments: list[Establishment]) -> None:
    places = await _places(session, {_place(e) for e in establishments})
    rows = [_row(e, places[_place(e)]) for e in establishments]
    ids = (
        await session.scalars(
            insert(EtablissementSante).returning(
                EtablissementSante.id_etablissement, sort_by_parameter_order=True
            ),
            rows,
        )
    ).all()
    hours, phones, provenances = _children(ids, establishments)
    for model, values in (
        (HoraireEtablissement, hours),
        (ListeNumeroEtablissementSante, phones),
        (ProvenanceEtablissement, provenances),
    ):
        if values:
            await session.execute(insert(model), values)


async def seed_directory(session: AsyncSession) -> list[str]:
    """Write the establishments of the open-data files; return what was done, in French."""
    keys = dataset.source_keys()
    if keys <= (await _recorded(session)).keys():
        return [f"annuaire : à jour ({_number(len(keys))} lignes sources déjà importées)"]
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    recorded = await _recorded(session)  # again: another seed may have run while we waited
    establishments = dataset.build_directory()
    plan = _plan(establishments, recorded)
    if plan.new:
        await _create(session, plan.new)
    if plan.attach:
        await session.execute(
            insert(ProvenanceEtablissement),
            [_provenance_row(id_, provenance) for id_, provenance in plan.attach],
        )
    return [_summary(establishments, plan)]


def _summary(establishments: list[Establishment], plan: _Plan) -> str:
    who = sum(1 for e in establishments for p in e.provenances if p.source == matching.WHO)
    osm = sum(1 for e in establishments for p in e.provenances if p.source == matching.OSM)
    merged = who + osm - len(establishments)
    summary = (
        f"annuaire : {_count(len(plan.new), 'établissement créé', 'établissements créés')} "
        f"({_number(who)} + {_number(osm)} lignes sources, {_number(merged)} fusionnées)"
    )
    if plan.attach:
        attached = _count(len(plan.attach), "ligne rattachée", "lignes rattachées")
        summary += f", {attached} à des fiches existantes"
    return summary


def _count(value: int, singular: str, plural: str) -> str:
    return f"{_number(value)} {singular if value <= 1 else plural}"
