"""A wallet's statement (its ledger entries, newest first, cursor-paginated) and receipts.

History reads `ecriture`, not `transaction`: every movement has an entry on each account it
touches, so both sides of a transfer, a merchant payment, a deposit or a reversal appear in
their own history by construction (the previous back end lost payments to establishments
from the payer's history, M-13).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hostolink.auth.principal import Principal
from hostolink.errors import WalletMissing
from hostolink.kit.pagination import decode_cursor, encode_cursor
from hostolink.models import Compte, Ecriture, EtablissementSante, Transaction, Utilisateur
from hostolink.wallet import parties
from hostolink.wallet.errors import TransactionNotFound
from hostolink.wallet.parties import show
from hostolink.wallet.schemas import (
    EntryOut,
    HistoryFilters,
    HistoryItem,
    PartyOut,
    ReceiptData,
)

MAX_PAGE = 100


_Other = aliased(Compte, name="autre")
_OtherUser = aliased(Utilisateur, name="autre_user")


def _history_query(account_id: int) -> Select[*tuple[Any, ...]]:
    # The other side of a movement: the header's destination when I am its source, else
    # its source (a fee entry's counterpart is the payer, shown only to administrators).
    other = case(
        (Transaction.id_compte_source == account_id, Transaction.id_compte_destination),
        else_=Transaction.id_compte_source,
    )
    return (
        select(
            Ecriture.id_ecriture,
            Ecriture.montant,
            Ecriture.solde_apres,
            Ecriture.date_creation,
            Transaction.reference,
            Transaction.type_transaction,
            Transaction.statut,
            Transaction.frais,
            Transaction.description,
            Transaction.id_compte_source,
            Transaction.id_compte_destination,
            _Other.type_compte.label("autre_type"),
            _Other.numero_compte.label("autre_numero"),
            _OtherUser.prenom.label("autre_prenom"),
            _OtherUser.nom.label("autre_nom"),
            _OtherUser.telephone.label("autre_telephone"),
            EtablissementSante.nom.label("autre_etablissement"),
        )
        .join(Transaction, Transaction.id_transaction == Ecriture.id_transaction)
        .outerjoin(_Other, _Other.id_compte == other)
        .outerjoin(_OtherUser, _OtherUser.id_user == _Other.id_user)
        .outerjoin(
            EtablissementSante, EtablissementSante.id_etablissement == _Other.id_etablissement
        )
        .where(Ecriture.id_compte == account_id)
    )


async def history(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: HistoryFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[HistoryItem], str | None]:
    if principal.compte is None:
        raise WalletMissing
    return await account_history(
        session,
        account_id=principal.compte.id_compte,
        filters=filters,
        cursor=cursor,
        limit=limit,
    )


async def account_history(
    session: AsyncSession,
    *,
    account_id: int,
    filters: HistoryFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[HistoryItem], str | None]:
    """Any account's statement (a person's wallet, an establishment's merchant account):
    the caller has checked who may read it."""
    query = _history_query(account_id)
    if filters.type:
        query = query.where(Transaction.type_transaction == filters.type)
    if filters.sens == "entrant":
        query = query.where(Ecriture.montant > 0)
    elif filters.sens == "sortant":
        query = query.where(Ecriture.montant < 0)
    if filters.du:
        query = query.where(Ecriture.date_creation >= datetime.combine(filters.du, time(), UTC))
    if filters.au:
        end = datetime.combine(filters.au, time(), UTC) + timedelta(days=1)
        query = query.where(Ecriture.date_creation < end)
    if cursor:
        moment, entry_id = decode_cursor(cursor)
        query = query.where(
            tuple_(Ecriture.date_creation, Ecriture.id_ecriture) < tuple_(moment, entry_id)
        )
    query = query.order_by(Ecriture.date_creation.desc(), Ecriture.id_ecriture.desc())
    rows = (await session.execute(query.limit(limit + 1))).all()
    items = [_item(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.date_creation, last.id_ecriture)
    return items, next_cursor


def _item(row: Any) -> HistoryItem:
    outgoing = row.montant < 0
    counterpart = None
    if row.autre_numero is not None:
        counterpart = show(
            type_compte=row.autre_type,
            numero_compte=row.autre_numero,
            prenom=row.autre_prenom,
            nom=row.autre_nom,
            telephone=row.autre_telephone,
            email=None,
            etablissement=row.autre_etablissement,
        )
    return HistoryItem(
        reference=row.reference,
        type_transaction=row.type_transaction,
        statut=row.statut,
        sens="sortant" if outgoing else "entrant",
        montant=abs(row.montant) - (row.frais if outgoing else 0),
        frais=row.frais if outgoing else 0,
        solde_apres=row.solde_apres,
        contrepartie=counterpart,
        description=row.description,
        date=row.date_creation,
    )


# ----------------------------------------------------------------------------- receipt


# Transaction types whose one posting credits several people's wallets.
MULTI_CREDIT = frozenset({"bonus_parrainage"})


async def _party(session: AsyncSession, account_id: int | None) -> tuple[PartyOut | None, Any]:
    if account_id is None:
        return None, None
    party = await parties.by_account(session, account_id)
    return party.shown(), party.id_user


async def receipt(
    session: AsyncSession,
    *,
    principal: Principal,
    reference: str,
    as_admin: bool,
    account_id: int | None = None,
) -> ReceiptData:
    """Visible to its parties and to administrators; anyone else gets the same 404 as for a
    reference that does not exist. With `account_id` (an account the caller may read, such
    as the merchant account of an establishment they manage), visible when that account is
    its source or destination instead."""
    header = await session.scalar(
        select(Transaction).where(Transaction.reference == reference.strip().upper())
    )
    if header is None:
        raise TransactionNotFound
    source, source_user = await _party(session, header.id_compte_source)
    destination, destination_user = await _party(session, header.id_compte_destination)
    if account_id is not None:
        visible = account_id in {header.id_compte_source, header.id_compte_destination}
    else:
        visible = principal.id in {source_user, destination_user}
    amount = header.montant
    if not as_admin and account_id is None and principal.compte is not None:
        # A transaction that credits several wallets (a referral bonus pays the inviter
        # and the invitee at once) names one of them as its destination: each credited
        # person sees it as theirs, with their own share as its amount.
        own = principal.compte.id_compte
        parties_ = {header.id_compte_source, header.id_compte_destination}
        if own not in parties_ or header.type_transaction in MULTI_CREDIT:
            share = await session.scalar(
                select(Ecriture.montant).where(
                    Ecriture.id_transaction == header.id_transaction, Ecriture.id_compte == own
                )
            )
            if share is not None and share > 0:
                visible = True
                amount = share
                if header.id_compte_destination != own:
                    destination, _ = await _party(session, own)
    if not as_admin and not visible:
        raise TransactionNotFound
    reversed_ref = None
    if header.id_transaction_annulee is not None:
        reversed_ref = await session.scalar(
            select(Transaction.reference).where(
                Transaction.id_transaction == header.id_transaction_annulee
            )
        )
    reversed_by = await session.scalar(
        select(Transaction.reference).where(
            Transaction.id_transaction_annulee == header.id_transaction
        )
    )
    entries = None
    if as_admin:
        rows = await session.execute(
            select(Compte.numero_compte, Compte.type_compte, Ecriture.montant, Ecriture.solde_apres)
            .join(Compte, Compte.id_compte == Ecriture.id_compte)
            .where(Ecriture.id_transaction == header.id_transaction)
            .order_by(Ecriture.id_ecriture)
        )
        entries = [
            EntryOut(
                numero_compte=r.numero_compte,
                type_compte=r.type_compte,
                montant=r.montant,
                solde_apres=r.solde_apres,
            )
            for r in rows
        ]
    return ReceiptData(
        reference=header.reference,
        type_transaction=header.type_transaction,
        statut=header.statut,
        montant=amount,
        frais=header.frais,
        devise=header.devise,
        source=source,
        destination=destination,
        description=header.description,
        motif=header.motif if as_admin else None,
        reference_annulee=reversed_ref,
        contre_passee_par=reversed_by,
        date=header.date_creation,
        ecritures=entries,
    )
