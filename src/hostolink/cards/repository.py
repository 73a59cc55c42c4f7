"""Every query of the card domain."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import CarteBancaire, Compte
from hostolink.models.base import utcnow
from hostolink.models.compte import user_wallet_of

VIRTUAL = "virtuelle"
CANCELLED = "annulee"


@dataclass(frozen=True)
class NewCard:
    id_compte: int
    id_user: int
    nom_titulaire: str
    bin: str
    derniers_chiffres: str
    pan_chiffre: bytes
    empreinte_pan: str
    mois_expiration: int
    annee_expiration: int

    def __repr__(self) -> str:  # the ciphertext and fingerprint are nobody's business
        return f"NewCard(id_compte={self.id_compte}, id_user={self.id_user})"


async def wallet_id(session: AsyncSession, *, user_id: int) -> int | None:
    """The person's XOF wallet account."""
    query = select(Compte.id_compte).where(user_wallet_of(user_id))
    result: int | None = await session.scalar(query)
    return result


async def live_virtual_card(session: AsyncSession, *, compte_id: int) -> CarteBancaire | None:
    """The account's virtual card that is not cancelled (at most one: partial unique index
    uq_carte_bancaire_virtuelle_par_compte, whose predicate the literals let the planner use)."""
    query = select(CarteBancaire).where(
        CarteBancaire.id_compte == compte_id,
        CarteBancaire.type_carte == literal(VIRTUAL, literal_execute=True),
        CarteBancaire.statut != literal(CANCELLED, literal_execute=True),
    )
    result: CarteBancaire | None = await session.scalar(query)
    return result


async def insert_card(session: AsyncSession, card: NewCard) -> int | None:
    """The new card's id, or None when a unique index refused it: either another request
    just issued the account's card (uq_carte_bancaire_virtuelle_par_compte; the insert
    waits for that transaction and then does nothing), or — astronomically rarely — the
    fingerprint of the random PAN is taken. The caller tells them apart by reading again.
    DO NOTHING without a conflict target covers both without aborting the transaction."""
    statement = (
        insert(CarteBancaire)
        .values(
            id_compte=card.id_compte,
            id_user=card.id_user,
            nom_titulaire=card.nom_titulaire,
            bin=card.bin,
            derniers_chiffres=card.derniers_chiffres,
            pan_chiffre=card.pan_chiffre,
            empreinte_pan=card.empreinte_pan,
            mois_expiration=card.mois_expiration,
            annee_expiration=card.annee_expiration,
            type_carte=VIRTUAL,
            statut="active",
        )
        .on_conflict_do_nothing()
        .returning(CarteBancaire.id_carte)
    )
    result: int | None = (await session.execute(statement)).scalar_one_or_none()
    return result


async def update_card(session: AsyncSession, card: CarteBancaire, **values: str) -> CarteBancaire:
    """Change a card's status or printed name; the returned object is the updated row."""
    statement = (
        update(CarteBancaire)
        .where(CarteBancaire.id_carte == card.id_carte)
        .values(**values, date_modification=utcnow())
        .returning(CarteBancaire)
        .execution_options(populate_existing=True)
    )
    updated: CarteBancaire = (await session.execute(statement)).scalar_one()
    return updated
