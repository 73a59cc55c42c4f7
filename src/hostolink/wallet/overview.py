"""The caller's wallet at a glance: balance, account number, status, the money held by
withdrawals not final yet, and what is left of each limit today and this month."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.principal import Principal
from hostolink.errors import WalletMissing
from hostolink.models import Compte, OperationFournisseur, PlafondKyc
from hostolink.models.operation_fournisseur import STATUTS_EN_COURS
from hostolink.wallet.ledger import rolled_counters, today
from hostolink.wallet.schemas import WalletLimitsOut, WalletOut


async def overview(session: AsyncSession, *, principal: Principal) -> WalletOut:
    if principal.compte is None:
        raise WalletMissing
    row = (
        await session.execute(
            select(Compte, PlafondKyc)
            .outerjoin(PlafondKyc, PlafondKyc.niveau_kyc == principal.niveau_kyc)
            .where(Compte.id_compte == principal.compte.id_compte)
        )
    ).one()
    account, limits = row
    used = rolled_counters(account, today())
    plafonds = None
    if limits is not None:
        plafonds = WalletLimitsOut(
            niveau_kyc=limits.niveau_kyc,
            libelle=limits.libelle,
            solde_max=limits.solde_max,
            montant_max_operation=limits.montant_max_operation,
            envoi_journalier=limits.plafond_envoi_journalier,
            envoi_journalier_restant=max(0, limits.plafond_envoi_journalier - used.envoi_jour),
            envoi_mensuel=limits.plafond_envoi_mensuel,
            envoi_mensuel_restant=max(0, limits.plafond_envoi_mensuel - used.envoi_mois),
            retrait_journalier=limits.plafond_retrait_journalier,
            retrait_journalier_restant=max(
                0, limits.plafond_retrait_journalier - used.retrait_jour
            ),
            retrait_mensuel=limits.plafond_retrait_mensuel,
            retrait_mensuel_restant=max(0, limits.plafond_retrait_mensuel - used.retrait_mois),
        )
    return WalletOut(
        numero_compte=account.numero_compte,
        solde=account.solde,
        devise=account.devise,
        statut=account.statut,
        montant_bloque=await held(session, account.id_compte),
        plafonds=plafonds,
    )


async def held(session: AsyncSession, account_id: int) -> int:
    """Amount + fee of this account's withdrawals not final yet: money that left the balance
    for the provider's hold account, and comes back only if the withdrawal fails (or an
    operator decides so). The hold account is shared by everyone: the operations say whose."""
    total = await session.scalar(
        select(
            func.coalesce(func.sum(OperationFournisseur.montant + OperationFournisseur.frais), 0)
        )
        .where(OperationFournisseur.id_compte == account_id)
        .where(OperationFournisseur.sens == "retrait")
        .where(OperationFournisseur.statut.in_(STATUTS_EN_COURS))
    )
    return int(total or 0)
