"""The national emergency numbers: seeded once each (by their `cle_reference`), then the
administrators' to edit or withdraw; served publicly as a small list a phone keeps offline.

Sources and confidence (reference/providers.md §B.3): SAMU 185, GSPM 180 and police secours
170 are cited by fr.wikipedia and by apps quoting gouv.ci (`confirme`); the ONPC numbers,
the child-abduction line and the utilities' numbers each have one secondary source
(`probable`); 110/111, often cited for the police, are unverified (`a_verifier`). Not
shipped: SOS Médecins (its only published number predates the 2021 plan), and the
gendarmerie, Croix-Rouge and poison-centre numbers (no source found).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.auth.principal import Principal
from hostolink.errors import NotFound
from hostolink.health.edits import dialable
from hostolink.health.schemas import (
    EmergencyNumberEdit,
    EmergencyNumberIn,
    EmergencyNumberOut,
    EmergencyNumbersAnswer,
)
from hostolink.models import ListeNumeroEtablissementSante

N = ListeNumeroEtablissementSante


@dataclass(frozen=True)
class National:
    key: str
    service: str
    numero: str
    libelle: str
    description: str
    confiance: str
    type_numero: str = "urgence"


NATIONAL: tuple[National, ...] = (
    National(
        "samu",
        "SAMU",
        "185",
        "Urgences médicales",
        "Malaise, accident, détresse vitale : le SAMU envoie une équipe médicale.",
        "confirme",
    ),
    National(
        "gspm",
        "Sapeurs-pompiers (GSPM)",
        "180",
        "Incendie, secours",
        "Groupement des sapeurs-pompiers militaires : incendie, accident, noyade. Gratuit.",
        "confirme",
    ),
    National(
        "police_secours",
        "Police secours",
        "170",
        "Police",
        "Agression, vol, danger immédiat.",
        "confirme",
    ),
    National(
        "police_111",
        "Police (autre numéro cité)",
        "111",
        "Police",
        "Numéro souvent cité pour la police ; non confirmé, préférez le 170.",
        "a_verifier",
    ),
    National(
        "onpc",
        "Protection civile (ONPC)",
        "+2252722478700",
        "Standard ONPC",
        "Office national de la protection civile : catastrophes, inondations.",
        "probable",
        "standard",
    ),
    National(
        "onpc_orange",
        "Protection civile (ONPC)",
        "+2250789323232",
        "ONPC (Orange)",
        "Office national de la protection civile, ligne mobile.",
        "probable",
        "standard",
    ),
    National(
        "onpc_mtn",
        "Protection civile (ONPC)",
        "+2250574323232",
        "ONPC (MTN)",
        "Office national de la protection civile, ligne mobile.",
        "probable",
        "standard",
    ),
    National(
        "onpc_moov",
        "Protection civile (ONPC)",
        "+2250150323232",
        "ONPC (Moov)",
        "Office national de la protection civile, ligne mobile.",
        "probable",
        "standard",
    ),
    National(
        "alerte_enlevement",
        "Alerte enlèvement d'enfant",
        "100",
        "Numéro vert",
        "Ministère de l'Intérieur : signaler la disparition ou l'enlèvement d'un enfant.",
        "probable",
        "numero_vert",
    ),
    National(
        "alerte_enlevement_whatsapp",
        "Alerte enlèvement d'enfant",
        "+2250170900600",
        "WhatsApp",
        "Ministère de l'Intérieur, signalement par WhatsApp.",
        "probable",
        "whatsapp",
    ),
    National(
        "cie",
        "CIE (électricité)",
        "179",
        "Dépannage électricité",
        "Compagnie ivoirienne d'électricité : panne, câble tombé, danger électrique.",
        "probable",
        "numero_vert",
    ),
    National(
        "sodeci",
        "SODECI (eau)",
        "175",
        "Dépannage eau",
        "Société de distribution d'eau : fuite, coupure.",
        "probable",
        "numero_vert",
    ),
)


class EmergencyNumberNotFound(NotFound):
    message = "Numéro d'urgence introuvable."


async def sync_emergency_numbers(session: AsyncSession) -> None:
    """Add the national numbers not seeded yet; never touch one already there (an
    administrator may have edited or withdrawn it)."""
    rows = [
        {
            "cle_reference": n.key,
            "service": n.service,
            "numero": n.numero,
            "libelle": n.libelle,
            "type_numero": n.type_numero,
            "description": n.description,
            "confiance": n.confiance,
            "ordre": order,
        }
        for order, n in enumerate(NATIONAL, start=1)
    ]
    statement = insert(N).values(rows)
    await session.execute(
        statement.on_conflict_do_nothing(
            index_elements=[N.cle_reference], index_where=N.cle_reference.is_not(None)
        )
    )


def _out(row: ListeNumeroEtablissementSante) -> EmergencyNumberOut:
    return EmergencyNumberOut(
        id_numero=row.id_numero,
        service=row.service or "",
        numero=row.numero,
        libelle=row.libelle,
        type_numero=row.type_numero,
        description=row.description,
        confiance=row.confiance,
        appel="tel:" + row.numero,
        ordre=row.ordre,
    )


async def public_list(session: AsyncSession) -> tuple[bytes, str]:
    """The active national numbers as JSON bytes, and their strong ETag (a digest of the
    bytes: it changes exactly when what a phone keeps offline changes)."""
    query = (
        select(N)
        .where(N.id_etablissement.is_(None), N.actif.is_(True))
        .order_by(N.ordre, N.id_numero)
    )
    rows = (await session.scalars(query)).all()
    body = EmergencyNumbersAnswer(data=[_out(row) for row in rows]).model_dump_json().encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def _get(session: AsyncSession, number_id: int) -> ListeNumeroEtablissementSante:
    row = await session.scalar(
        select(N).where(N.id_numero == number_id, N.id_etablissement.is_(None)).with_for_update()
    )
    if row is None:
        raise EmergencyNumberNotFound
    return row


def _state(row: ListeNumeroEtablissementSante) -> dict[str, object]:
    return {
        "service": row.service,
        "numero": row.numero,
        "libelle": row.libelle,
        "type_numero": row.type_numero,
        "description": row.description,
        "confiance": row.confiance,
        "ordre": row.ordre,
        "actif": row.actif,
    }


def _audit(
    session: AsyncSession,
    actor: Principal,
    action: str,
    row: ListeNumeroEtablissementSante,
    before: dict[str, object] | None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        table="liste_numero_etablissement_sante",
        key=row.id_numero,
        before=before,
        after=_state(row),
    )


async def create(
    session: AsyncSession, *, body: EmergencyNumberIn, actor: Principal
) -> EmergencyNumberOut:
    row = N(
        service=body.service,
        numero=dialable(body.numero),
        libelle=body.libelle,
        type_numero=body.type_numero,
        description=body.description,
        confiance=body.confiance,
        ordre=body.ordre,
        date_modification=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    _audit(session, actor, "numero_urgence.creation", row, None)
    return _out(row)


async def edit(
    session: AsyncSession, *, number_id: int, body: EmergencyNumberEdit, actor: Principal
) -> EmergencyNumberOut:
    row = await _get(session, number_id)
    before = _state(row)
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is None and name != "description":
            continue
        setattr(row, name, dialable(value) if name == "numero" else value)
    row.date_modification = datetime.now(UTC)
    await session.flush()
    _audit(session, actor, "numero_urgence.modification", row, before)
    return _out(row)


async def withdraw(session: AsyncSession, *, number_id: int, actor: Principal) -> None:
    row = await _get(session, number_id)
    before = _state(row)
    row.actif = False
    row.date_modification = datetime.now(UTC)
    await session.flush()
    _audit(session, actor, "numero_urgence.retrait", row, before)
