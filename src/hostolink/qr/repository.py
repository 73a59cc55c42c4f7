"""Every query of the QR code domain.

Constants that select a partial index (`type_qr = 'statique' AND statut = 'actif'` of
uq_qr_code_paiement_statique_actif, `type_compte = 'utilisateur'` of
uq_compte_utilisateur_devise) are rendered as literals: a prepared statement's generic plan
only uses a partial index when it sees the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.kit.money import CURRENCY
from hostolink.models import Compte, EtablissementSante, QrCodePaiement, Utilisateur
from hostolink.models.compte import user_wallet_of

STATIC = "statique"
DYNAMIC = "dynamique"
ACTIVE = "actif"
USED = "utilise"
REVOKED = "revoque"
DYNAMIC_LIST_LIMIT = 50


def _const(value: str) -> ColumnElement[Any]:
    return literal(value, literal_execute=True)


@dataclass(frozen=True)
class WalletRow:
    id_compte: int
    statut: str
    devise: str


@dataclass(frozen=True)
class QrRow:
    """A QR code with what the database's clock says of it (`expired`)."""

    id_qr_code: int
    id_compte: int
    code: str
    type_qr: str
    montant: int | None
    devise: str
    libelle: str | None
    statut: str
    date_creation: datetime
    date_expiration: datetime | None
    expired: bool


@dataclass(frozen=True)
class Recipient:
    type_compte: str
    prenom: str | None
    nom: str | None
    telephone: str | None
    etablissement: str | None


_QR_COLUMNS = (
    QrCodePaiement.id_qr_code,
    QrCodePaiement.id_compte,
    QrCodePaiement.code,
    QrCodePaiement.type_qr,
    QrCodePaiement.montant,
    QrCodePaiement.devise,
    QrCodePaiement.libelle,
    QrCodePaiement.statut,
    QrCodePaiement.date_creation,
    QrCodePaiement.date_expiration,
    # now() is the transaction's start: one clock for the check and for `mark_used`.
    func.coalesce(QrCodePaiement.date_expiration <= func.now(), False).label("expired"),
)


def _qr(row: Any) -> QrRow:
    return QrRow(**row._mapping)


async def user_wallet(session: AsyncSession, *, user_id: int) -> WalletRow | None:
    query = select(Compte.id_compte, Compte.statut, Compte.devise).where(user_wallet_of(user_id))
    row = (await session.execute(query)).first()
    return WalletRow(row.id_compte, row.statut, row.devise) if row else None


async def active_static(session: AsyncSession, *, compte_id: int) -> QrRow | None:
    query = select(*_QR_COLUMNS).where(
        QrCodePaiement.id_compte == compte_id,
        QrCodePaiement.type_qr == _const(STATIC),
        QrCodePaiement.statut == _const(ACTIVE),
    )
    row = (await session.execute(query)).first()
    return _qr(row) if row else None


async def insert_static(session: AsyncSession, *, compte_id: int, code: str) -> None:
    """Does nothing when the account already has its static code, or (rarely) `code` is
    taken: no conflict target, so either unique index applies. Against a concurrent first
    request, PostgreSQL waits for the other transaction to end, then does nothing."""
    statement = (
        insert(QrCodePaiement)
        .values(id_compte=compte_id, code=code, type_qr=STATIC, devise=CURRENCY)
        .on_conflict_do_nothing()
    )
    await session.execute(statement)


async def insert_dynamic(
    session: AsyncSession,
    *,
    compte_id: int,
    code: str,
    montant: int,
    devise: str,
    libelle: str | None,
    ttl_seconds: int,
) -> QrRow | None:
    """None when `code` is taken (draw another)."""
    statement = (
        insert(QrCodePaiement)
        .values(
            id_compte=compte_id,
            code=code,
            type_qr=DYNAMIC,
            montant=montant,
            devise=devise,
            libelle=libelle,
            date_expiration=func.now() + timedelta(seconds=ttl_seconds),
        )
        .on_conflict_do_nothing(index_elements=[QrCodePaiement.code])
        .returning(*_QR_COLUMNS)
    )
    row = (await session.execute(statement)).first()
    return _qr(row) if row else None


async def by_code(session: AsyncSession, *, code: str, for_update: bool = False) -> QrRow | None:
    query = select(*_QR_COLUMNS).where(QrCodePaiement.code == code)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return _qr(row) if row else None


async def owned_by_user(
    session: AsyncSession, *, code: str, user_id: int, for_update: bool = False
) -> QrRow | None:
    """A QR code of the person's own wallet (any other answers None: not found)."""
    query = (
        select(*_QR_COLUMNS)
        .join(Compte, Compte.id_compte == QrCodePaiement.id_compte)
        .where(
            QrCodePaiement.code == code,
            user_wallet_of(user_id),
        )
    )
    if for_update:
        query = query.with_for_update(of=QrCodePaiement)
    row = (await session.execute(query)).first()
    return _qr(row) if row else None


async def active_dynamic(session: AsyncSession, *, compte_id: int) -> list[QrRow]:
    query = (
        select(*_QR_COLUMNS)
        .where(
            QrCodePaiement.id_compte == compte_id,
            QrCodePaiement.type_qr == _const(DYNAMIC),
            QrCodePaiement.statut == _const(ACTIVE),
            QrCodePaiement.date_expiration > func.now(),
        )
        .order_by(QrCodePaiement.date_creation.desc(), QrCodePaiement.id_qr_code.desc())
        .limit(DYNAMIC_LIST_LIMIT)
    )
    return [_qr(row) for row in (await session.execute(query)).all()]


async def recipient(session: AsyncSession, *, compte_id: int) -> Recipient | None:
    query = (
        select(
            Compte.type_compte,
            Utilisateur.prenom,
            Utilisateur.nom,
            Utilisateur.telephone,
            EtablissementSante.nom.label("etablissement"),
        )
        .outerjoin(Utilisateur, Utilisateur.id_user == Compte.id_user)
        .outerjoin(
            EtablissementSante, EtablissementSante.id_etablissement == Compte.id_etablissement
        )
        .where(Compte.id_compte == compte_id)
    )
    row = (await session.execute(query)).first()
    return Recipient(**row._mapping) if row else None


async def set_status(session: AsyncSession, *, qr_id: int, statut: str) -> None:
    await session.execute(
        update(QrCodePaiement)
        .where(QrCodePaiement.id_qr_code == qr_id)
        .values(statut=statut)
        .execution_options(synchronize_session=False)
    )


async def mark_used(session: AsyncSession, *, qr_id: int) -> str | None:
    """Consume an active dynamic code: its code, or None when nothing changed (a static
    code, or one no longer active: `type_and_status` tells which)."""
    statement = (
        update(QrCodePaiement)
        .where(
            QrCodePaiement.id_qr_code == qr_id,
            QrCodePaiement.type_qr == _const(DYNAMIC),
            QrCodePaiement.statut == _const(ACTIVE),
        )
        .values(statut=USED, date_utilisation=func.now())
        .returning(QrCodePaiement.code)
        .execution_options(synchronize_session=False)
    )
    code: str | None = (await session.execute(statement)).scalar()
    return code


async def type_and_status(session: AsyncSession, *, qr_id: int) -> tuple[str, str] | None:
    query = select(QrCodePaiement.type_qr, QrCodePaiement.statut).where(
        QrCodePaiement.id_qr_code == qr_id
    )
    row = (await session.execute(query)).first()
    return (row.type_qr, row.statut) if row else None
