"""Who money goes to: a wallet found by phone (any writing), e-mail, account number, saved
contact or QR code, and how a party is shown to the other one (short name, masked phone —
never the full identifiers of someone else)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.db import Database
from hostolink.kit.account_numbers import is_valid_account_number
from hostolink.kit.identifiers import InvalidIdentifier, parse_identifier
from hostolink.kit.masking import display_name, mask_phone
from hostolink.wallet import repository
from hostolink.wallet.errors import UnknownRecipient
from hostolink.wallet.schemas import PartyOut


@dataclass(frozen=True)
class Party:
    id_compte: int
    numero_compte: str
    type_compte: str
    statut: str
    id_user: int | None
    prenom: str | None
    nom: str | None
    telephone: str | None
    email: str | None
    actif: bool
    etablissement: str | None = None

    @classmethod
    def of(cls, row: Any) -> Party:
        return cls(
            id_compte=row.id_compte,
            numero_compte=row.numero_compte,
            type_compte=row.type_compte,
            statut=row.statut,
            id_user=row.id_user,
            prenom=row.prenom,
            nom=row.nom,
            telephone=row.telephone,
            email=row.email,
            actif=bool(row.actif) if row.actif is not None else True,
            etablissement=getattr(row, "etablissement", None),
        )

    def shown(self) -> PartyOut:
        return show(
            type_compte=self.type_compte,
            numero_compte=self.numero_compte,
            prenom=self.prenom,
            nom=self.nom,
            telephone=self.telephone,
            email=self.email,
            etablissement=self.etablissement,
        )


def show(
    *,
    type_compte: str,
    numero_compte: str | None,
    prenom: str | None,
    nom: str | None,
    telephone: str | None,
    email: str | None,
    etablissement: str | None = None,
) -> PartyOut:
    if type_compte == "systeme":
        return PartyOut(nom_affiche="Hostolink", type="systeme")
    if type_compte == "marchand":
        # A health establishment: its public name, never its managers' identities.
        return PartyOut(
            nom_affiche=etablissement or "Établissement de santé",
            numero_compte=numero_compte,
            type=type_compte,
        )
    name = display_name(prenom, nom)
    if not name:
        name = mask_phone(telephone) if telephone else "Utilisateur Hostolink"
    return PartyOut(
        nom_affiche=name,
        telephone_masque=mask_phone(telephone) if telephone else None,
        numero_compte=numero_compte,
        type=type_compte,
    )


async def _one(db: Database, statement: Select[*tuple[Any, ...]], value: object) -> Party:
    row = await db.read_one(statement, {"value": value})
    if row is None or not row.actif:
        raise UnknownRecipient
    return Party.of(row)


async def by_text(db: Database, raw: str) -> Party:
    """A phone number in any usual writing, an e-mail, or a Hostolink account number."""
    candidate = raw.strip().replace(" ", "").upper()
    if candidate.startswith("HL") and is_valid_account_number(candidate):
        return await _one(db, repository.PARTY_BY_NUMBER, candidate)
    try:
        identifier = parse_identifier(raw)
    except InvalidIdentifier as exc:
        raise UnknownRecipient(str(exc), status_code=422) from exc
    statement = repository.PARTY_BY_EMAIL if "@" in identifier.value else repository.PARTY_BY_PHONE
    return await _one(db, statement, identifier.value)


async def by_user(db: Database, user_id: int) -> Party:
    return await _one(db, repository.PARTY_BY_USER, user_id)


async def by_account(session: AsyncSession, account_id: int) -> Party:
    row = (await session.execute(repository.PARTY_BY_ACCOUNT, {"value": account_id})).first()
    if row is None:
        raise UnknownRecipient
    return Party.of(row)
