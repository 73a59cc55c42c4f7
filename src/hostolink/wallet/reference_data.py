"""Reference data of the wallet, written by `hostolink seed`: the default limits per KYC tier
and the system accounts of double entry. Re-running the seed changes nothing, and never
overwrites limits an administrator has edited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.kit.money import CURRENCY
from hostolink.models import Compte, PlafondKyc


@dataclass(frozen=True)
class Tier:
    niveau: int
    libelle: str
    solde_max: int
    operation_max: int
    envoi_jour: int
    envoi_mois: int
    retrait_jour: int
    retrait_mois: int


# Documented defaults (README, "Plafonds"): an unverified wallet can hold and move small
# sums only; each verified step raises the caps. Administrators edit them in `plafond_kyc`.
DEFAULT_TIERS = (
    Tier(0, "Non vérifié", 200_000, 100_000, 100_000, 500_000, 50_000, 200_000),
    Tier(1, "Identité déclarée", 1_000_000, 300_000, 500_000, 2_000_000, 200_000, 1_000_000),
    Tier(2, "Identité vérifiée", 2_000_000, 1_000_000, 1_000_000, 5_000_000, 500_000, 2_000_000),
    Tier(
        3,
        "Vérification renforcée",
        10_000_000,
        5_000_000,
        5_000_000,
        20_000_000,
        2_000_000,
        10_000_000,
    ),
)


# Every provider adapter that may carry money (providers/registry.py): each has a float and a
# withdrawal-hold account, written by the seed whether or not it is configured.
PROVIDER_ADAPTERS = ("sandbox", "wave", "mtn_momo", "orange_money", "hub2", "djamo")


class SystemAccount:
    """Codes of the system accounts (`compte.code_systeme`)."""

    FEES = "frais"  # Hostolink's fees
    ADJUSTMENTS = "ajustements"  # counterpart of administrators' credits and debits
    SUSPENSE = "attente"  # money whose owner is not known yet
    MARKETING = "marketing.parrainage"  # referral bonuses (a company expense: below zero)

    ALL = (FEES, ADJUSTMENTS, SUSPENSE, MARKETING)


def system_account_number(code: str) -> str:
    return f"SYS-{code.upper().replace('.', '-')}"[:20]


def provider_accounts(adapter: str) -> tuple[str, str]:
    """The two system accounts of a provider adapter: its float (what the provider holds for
    us, booked negative: deposits take from it, payouts give back) and the withdrawals held
    while the provider has not confirmed them (the hold, so money cannot leave twice)."""
    return f"fournisseur.{adapter}", f"retraits.{adapter}"


def provider_account_number(code: str) -> str:
    kind, _, adapter = code.partition(".")
    return f"SYS-{kind[0].upper()}-{adapter.upper()}"[:20]


def account_number(code: str) -> str:
    """The account number the seed gives the system account `code`."""
    if code.startswith(("fournisseur.", "retraits.")):
        return provider_account_number(code)
    return system_account_number(code)


async def sync_limits(session: AsyncSession) -> None:
    rows = [
        {
            "niveau_kyc": tier.niveau,
            "libelle": tier.libelle,
            "solde_max": tier.solde_max,
            "montant_max_operation": tier.operation_max,
            "plafond_envoi_journalier": tier.envoi_jour,
            "plafond_envoi_mensuel": tier.envoi_mois,
            "plafond_retrait_journalier": tier.retrait_jour,
            "plafond_retrait_mensuel": tier.retrait_mois,
        }
        for tier in DEFAULT_TIERS
    ]
    await session.execute(insert(PlafondKyc).values(rows).on_conflict_do_nothing())


async def ensure_system_account(
    session: AsyncSession, code: str, number: str | None = None
) -> None:
    statement = insert(Compte).values(
        numero_compte=number or system_account_number(code),
        type_compte="systeme",
        code_systeme=code,
        devise=CURRENCY,
        solde=0,
        statut="actif",
    )
    await session.execute(statement.on_conflict_do_nothing())


async def sync_wallet_reference_data(session: AsyncSession) -> None:
    await sync_limits(session)
    for code in SystemAccount.ALL:
        await ensure_system_account(session, code)
    for adapter in PROVIDER_ADAPTERS:
        for code in provider_accounts(adapter):
            await ensure_system_account(session, code, account_number(code))
