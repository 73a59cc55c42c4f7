"""Changing the directory: create, edit (administrators and approved managers), merge.

Every change recomputes what search and near-me read (folded name, search text, `geo`), so
an establishment is findable the moment it is saved — the previous back end never filled
the position of self-registered establishments (S-4) and interpolated coordinates into SQL
(F-15); here coordinates are validated floats bound as parameters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.auth.principal import Principal
from hostolink.errors import BadRequest, Conflict
from hostolink.health import categories, repository
from hostolink.health.errors import EstablishmentNotFound
from hostolink.health.schemas import (
    AdminEstablishmentEdit,
    EstablishmentCreate,
    EstablishmentEdit,
    HoursIn,
    PhoneIn,
)
from hostolink.kit.identifiers import InvalidIdentifier, normalize_phone
from hostolink.media.service import owned_media
from hostolink.models import (
    Compte,
    EtablissementSante,
    HoraireEtablissement,
    ListeNumeroEtablissementSante,
    MembreEtablissement,
    ProvenanceEtablissement,
)

_SHORT_CODE = re.compile(r"[0-9]{2,6}")
# Data typed in by Hostolink's own users (administrators, approved managers).
OWN_LICENCE = "Données Hostolink"
_AUDITED = (
    "nom",
    "categorie",
    "secteur",
    "description",
    "adresse",
    "id_localisation",
    "email",
    "site_web",
    "services",
    "ouvert_24h",
    "urgences",
    "verifie",
    "visible",
    "id_media",
)


class InvalidPhone(BadRequest):
    message = "Numéro de téléphone invalide."


def dialable(raw: str) -> str:
    """A number someone can call: a short code (2–6 digits) as is, anything else in E.164."""
    compact = re.sub(r"[\s.\-()/]", "", raw)
    if _SHORT_CODE.fullmatch(compact):
        return compact
    try:
        return normalize_phone(raw)
    except InvalidIdentifier as exc:
        raise InvalidPhone(f"Numéro de téléphone invalide : « {raw} ».") from exc


def opening_rows(hours: Sequence[HoursIn]) -> list[tuple[int, time, time]]:
    """(weekday, opening, closing) rows: an interval crossing midnight is split in two (the
    table wants closing > opening); overlapping intervals of a day are joined."""
    pieces: list[tuple[int, time, time]] = []
    for interval in hours:
        opening, closing = interval.ouverture, interval.fermeture
        if closing == time(0) or closing <= opening:
            pieces.append((interval.jour, opening, time.max))
            if closing != time(0):
                pieces.append((interval.jour % 7 + 1, time(0), closing))
        else:
            pieces.append((interval.jour, opening, closing))
    joined: list[tuple[int, time, time]] = []
    for day, opening, closing in sorted(pieces):
        if joined and joined[-1][0] == day and opening <= joined[-1][2]:
            joined[-1] = (day, joined[-1][1], max(closing, joined[-1][2]))
        else:
            joined.append((day, opening, closing))
    return joined


def _snapshot(row: EtablissementSante) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in _AUDITED}
    values["geo"] = list(row.geo) if row.geo is not None else None
    return values


async def _place(session: AsyncSession, row: EtablissementSante, edit: EstablishmentEdit) -> None:
    fields = edit.model_fields_set & {"region", "ville", "commune"}
    if not fields:
        return
    current = await repository.place_of(session, place=row.id_localisation)
    region = edit.region if "region" in fields else (current.region if current else None)
    ville = edit.ville if "ville" in fields else (current.ville if current else None)
    commune = edit.commune if "commune" in fields else (current.commune if current else None)
    if not region:
        raise BadRequest("Indiquez la région de l'établissement.")
    row.id_localisation = await repository.place_id(
        session, region=region, ville=ville or None, commune=commune or None
    )


async def _search_text(session: AsyncSession, row: EtablissementSante) -> None:
    place = await repository.place_of(session, place=row.id_localisation)
    row.nom_normalise = categories.normalized_name(row.nom)
    row.texte_recherche = categories.search_text(
        nom=row.nom,
        categorie=row.categorie,
        commune=place.commune if place else None,
        ville=place.ville if place else None,
        region=place.region if place else None,
        adresse=row.adresse,
        services=row.services,
    )


async def _replace_phones(
    session: AsyncSession, establishment_id: int, phones: Sequence[PhoneIn]
) -> None:
    numbers = [dialable(phone.numero) for phone in phones]
    await session.execute(
        delete(ListeNumeroEtablissementSante).where(
            ListeNumeroEtablissementSante.id_etablissement == establishment_id
        )
    )
    for order, (phone, number) in enumerate(zip(phones, numbers, strict=True)):
        session.add(
            ListeNumeroEtablissementSante(
                id_etablissement=establishment_id,
                numero=number,
                libelle=phone.libelle,
                type_numero=phone.type_numero,
                confiance="confirme",
                numero_source=phone.numero[:40],
                ordre=order,
            )
        )


async def _replace_hours(
    session: AsyncSession, establishment_id: int, hours: Sequence[HoursIn]
) -> None:
    await session.execute(
        delete(HoraireEtablissement).where(
            HoraireEtablissement.id_etablissement == establishment_id
        )
    )
    for day, opening, closing in opening_rows(hours):
        session.add(
            HoraireEtablissement(
                id_etablissement=establishment_id,
                jour_semaine=day,
                heure_ouverture=opening,
                heure_fermeture=closing,
            )
        )


async def _record_source(session: AsyncSession, establishment_id: int, source: str) -> None:
    await session.execute(
        insert(ProvenanceEtablissement)
        .values(
            id_etablissement=establishment_id,
            source=source,
            identifiant_source=f"{source}:{establishment_id}",
            licence=OWN_LICENCE,
        )
        .on_conflict_do_nothing()
    )


def _audit(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    key: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    motif: str | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        table="etablissement_sante",
        key=key,
        before=before,
        after=after,
        motif=motif,
    )


async def _apply(
    session: AsyncSession, row: EtablissementSante, edit: EstablishmentEdit, actor: Principal
) -> None:
    if edit.id_media is not None:  # before any change: a query would autoflush them
        await owned_media(session, user_id=actor.id, ids=[edit.id_media], usage="etablissement")
    simple = edit.model_fields_set - {
        "region",
        "ville",
        "commune",
        "lat",
        "lon",
        "telephones",
        "horaires",
    }
    for name in simple:
        value = getattr(edit, name)
        if value is None and name in {
            "nom",
            "categorie",
            "ouvert_24h",
            "urgences",
            "visible",
            "verifie",
        }:
            raise BadRequest(f"« {name} » ne peut pas être vide.")
        setattr(row, name, value if value is not None or name != "services" else [])
    if edit.lat is not None and edit.lon is not None:
        row.geo = (edit.lon, edit.lat)
    await _place(session, row, edit)
    await session.flush()
    if edit.telephones is not None:
        await _replace_phones(session, row.id_etablissement, edit.telephones)
    if edit.horaires is not None:
        await _replace_hours(session, row.id_etablissement, edit.horaires)
    await _search_text(session, row)
    row.date_modification = datetime.now(UTC)


async def update_establishment(
    session: AsyncSession,
    *,
    establishment_id: int,
    edit: EstablishmentEdit,
    actor: Principal,
    source: str,
) -> EtablissementSante:
    """Apply `edit` (`source`: "gestionnaire" or "administrateur"; the caller checked that
    the actor may). Only an administrator's edit may carry `visible` / `verifie`."""
    if source != "administrateur" and isinstance(edit, AdminEstablishmentEdit):
        raise BadRequest("Champs réservés aux administrateurs.")
    row = await repository.get(session, establishment_id=establishment_id, lock=True)
    if row is None or row.id_fusionne_dans is not None:
        raise EstablishmentNotFound
    before = _snapshot(row)
    await _apply(session, row, edit, actor)
    await _record_source(session, row.id_etablissement, source)
    await session.flush()
    after = _snapshot(row)
    changed = {k for k in after if after[k] != before[k]}
    _audit(
        session,
        actor=actor,
        action=f"etablissement.modification.{source}",
        key=row.id_etablissement,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed}
        | ({"telephones": True} if edit.telephones is not None else {})
        | ({"horaires": True} if edit.horaires is not None else {}),
    )
    return row


async def create_establishment(
    session: AsyncSession, *, body: EstablishmentCreate, actor: Principal
) -> EtablissementSante:
    row = EtablissementSante(
        nom=body.nom,
        nom_normalise=categories.normalized_name(body.nom),
        categorie=body.categorie,
        geo=(body.lon, body.lat),
        services=[],
    )
    session.add(row)
    await _apply(session, row, body, actor)
    await _record_source(session, row.id_etablissement, "administrateur")
    await session.flush()
    _audit(
        session,
        actor=actor,
        action="etablissement.creation",
        key=row.id_etablissement,
        before=None,
        after=_snapshot(row),
    )
    return row


async def merge(
    session: AsyncSession, *, source_id: int, target_id: int, motif: str, actor: Principal
) -> EtablissementSante:
    """Merge a duplicate into the establishment that stays: the duplicate is hidden and
    points to it, its sources (and their licences) and the numbers the target lacks move to
    the target. Refused when the duplicate has an account (members or a wallet)."""
    if source_id == target_id:
        raise BadRequest("Un établissement ne peut pas être fusionné avec lui-même.")
    first, second = sorted((source_id, target_id))
    rows = {
        row.id_etablissement: row
        for row in [
            await repository.get(session, establishment_id=first, lock=True),
            await repository.get(session, establishment_id=second, lock=True),
        ]
        if row is not None
    }
    duplicate, kept = rows.get(source_id), rows.get(target_id)
    if duplicate is None or kept is None:
        raise EstablishmentNotFound
    if duplicate.id_fusionne_dans is not None or kept.id_fusionne_dans is not None:
        raise Conflict("L'un des deux établissements est déjà fusionné.")
    if await _has_account(session, source_id):
        raise Conflict(
            "Cet établissement a des gestionnaires ou un compte marchand : fusionnez dans "
            "l'autre sens."
        )
    await session.execute(
        update(ProvenanceEtablissement)
        .where(ProvenanceEtablissement.id_etablissement == source_id)
        .values(id_etablissement=target_id)
    )
    await _move_missing_numbers(session, source_id=source_id, target_id=target_id)
    duplicate.id_fusionne_dans = target_id
    duplicate.visible = False
    now = datetime.now(UTC)
    duplicate.date_modification = now
    kept.date_modification = now
    _audit(
        session,
        actor=actor,
        action="etablissement.fusion",
        key=source_id,
        before={"id_fusionne_dans": None, "visible": True},
        after={"id_fusionne_dans": target_id, "visible": False},
        motif=motif,
    )
    return kept


async def _has_account(session: AsyncSession, establishment_id: int) -> bool:
    member = await session.scalar(
        select(MembreEtablissement.id_user)
        .where(MembreEtablissement.id_etablissement == establishment_id)
        .limit(1)
    )
    wallet = await session.scalar(
        select(Compte.id_compte).where(Compte.id_etablissement == establishment_id).limit(1)
    )
    return member is not None or wallet is not None


async def _move_missing_numbers(session: AsyncSession, *, source_id: int, target_id: int) -> None:
    numbers = ListeNumeroEtablissementSante
    kept = select(numbers.numero).where(numbers.id_etablissement == target_id)
    await session.execute(
        update(numbers)
        .where(numbers.id_etablissement == source_id, numbers.numero.not_in(kept))
        .values(id_etablissement=target_id, ordre=numbers.ordre + 100)
    )
