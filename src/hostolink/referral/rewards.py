"""Paying a referral bonus: one ledger transaction from the marketing system account to both
wallets, run by the durable job queue after the campaign's validation delay.

Everything is decided in one database transaction, on locked rows, in this order (no other
path takes them in another order, so nothing can deadlock):
1. the `parrainage` row (FOR UPDATE): still `en_validation`, else nothing to do — a job run
   twice, or two jobs, pay once;
2. the first deposit not reversed meanwhile, both people active with an active wallet, the
   invitee's number (keyed hash) never rewarded before, the inviter not sharing it;
3. the campaign row (FOR UPDATE): still active, and `budget_engage + both bonuses <= budget`
   — concurrent payments queue here, so the budget is never overdrawn;
4. both wallets (`ledger.lock`), each bonus within its KYC balance cap;
5. the posting, the reward row (UNIQUE per invitee and per number), the budget.
A refusal is recorded on the referral (`non_eligible` and the reason the person reads); no
partial payment: both bonuses or none."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.db import Database
from hostolink.jobs import queue
from hostolink.jobs.queue import Job
from hostolink.jobs.worker import Worker
from hostolink.kit.crypto import keyed_hash
from hostolink.kit.keys import derive_key
from hostolink.kit.money import format_xof, sentence
from hostolink.models import (
    CampagneParrainage,
    Compte,
    Parrainage,
    RecompenseParrainage,
    Transaction,
    Utilisateur,
)
from hostolink.models.base import utcnow
from hostolink.models.compte import user_wallet_of
from hostolink.referral.service import REWARD_JOB
from hostolink.wallet import ledger
from hostolink.wallet import repository as wallet_repository
from hostolink.wallet.ledger import Movement
from hostolink.wallet.notify import NoticeWriter
from hostolink.wallet.reference_data import SystemAccount, ensure_system_account
from hostolink.wallet.repository import Notice

logger = logging.getLogger("hostolink.referral")

LABEL = "Bonus de parrainage"
REVERSED = "premier dépôt contre-passé"
BUDGET_SPENT = "budget épuisé"
CAMPAIGN_OVER = "campagne arrêtée avant le versement"
ALREADY_REWARDED = "ce numéro a déjà reçu un bonus de parrainage"
SELF_REFERRAL = "auto-parrainage"
INVITEE_INACTIVE = "compte du filleul suspendu, fermé ou supprimé"
INVITER_INACTIVE = "compte du parrain suspendu, fermé ou supprimé"
INVITEE_CAP = "le bonus dépasserait le plafond de solde du filleul"
INVITER_CAP = "le bonus dépasserait le plafond de solde du parrain"


def identifier_key(signing_key: str) -> str:
    return derive_key(signing_key, "parrainage-identifiant").hex()


def identifier_hash(key: str, person: Utilisateur) -> str | None:
    """The keyed hash of a person's phone (else e-mail): the same number always gives the
    same hash, which says nothing about it without the key."""
    identifier = person.telephone or person.email
    return None if identifier is None else keyed_hash(key, "parrainage", identifier)


@dataclass(frozen=True)
class Outcome:
    paid: bool
    reason: str | None = None
    notices: tuple[Notice, ...] = ()


async def _wallet(session: AsyncSession, user_id: int) -> int | None:
    found: int | None = await session.scalar(
        select(Compte.id_compte).where(user_wallet_of(user_id))
    )
    return found


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check(condition: bool, reason: str) -> None:
    if not condition:
        raise _Refused(reason)


async def pay(session: AsyncSession, *, referral_id: int, key: str) -> Outcome | None:
    """Pay (or refuse, with its reason) the referral's bonus. None: nothing to do (already
    decided). Nothing commits here."""
    referral = await session.scalar(
        select(Parrainage).where(Parrainage.id_parrainage == referral_id).with_for_update()
    )
    if referral is None or referral.statut != "en_validation" or referral.id_campagne is None:
        return None
    try:
        return await _pay(session, referral, key)
    except _Refused as refused:
        referral.statut = "non_eligible"
        referral.motif = refused.reason
        referral.date_modification = utcnow()
        return Outcome(False, refused.reason)


async def _people(
    session: AsyncSession, referral: Parrainage, key: str
) -> tuple[Utilisateur, Utilisateur, str]:
    """(inviter, invitee, the invitee's identifier hash), or refused."""
    deposit_status = await session.scalar(
        select(Transaction.statut).where(
            Transaction.id_transaction == referral.id_transaction_depot
        )
    )
    _check(deposit_status == "reussie", REVERSED)
    invitee = await session.get(Utilisateur, referral.id_filleul)
    inviter = await session.get(Utilisateur, referral.id_parrain)
    invitee_hash = identifier_hash(key, invitee) if invitee else None
    inviter_hash = identifier_hash(key, inviter) if inviter else None
    if invitee is None or not invitee.actif or invitee_hash is None:
        raise _Refused(INVITEE_INACTIVE)
    if inviter is None or not inviter.actif or inviter_hash is None:
        raise _Refused(INVITER_INACTIVE)
    _check(invitee_hash != inviter_hash, SELF_REFERRAL)
    earlier = await session.scalar(
        select(RecompenseParrainage.id_recompense).where(
            RecompenseParrainage.empreinte_identifiant == invitee_hash
        )
    )
    _check(earlier is None, ALREADY_REWARDED)
    return inviter, invitee, invitee_hash


async def _pay(session: AsyncSession, referral: Parrainage, key: str) -> Outcome:
    inviter, invitee, invitee_hash = await _people(session, referral, key)
    campaign = await session.scalar(
        select(CampagneParrainage)
        .where(CampagneParrainage.id_campagne == referral.id_campagne)
        .with_for_update()
    )
    if campaign is None or not campaign.active:
        raise _Refused(CAMPAIGN_OVER)
    inviter_bonus, invitee_bonus = campaign.montant_parrain, campaign.montant_filleul
    total = inviter_bonus + invitee_bonus
    _check(campaign.budget_engage + total <= campaign.budget, BUDGET_SPENT)
    inviter_wallet = await _wallet(session, inviter.id_user)
    invitee_wallet = await _wallet(session, invitee.id_user)
    if invitee_wallet is None:
        raise _Refused(INVITEE_INACTIVE)
    if inviter_wallet is None:
        raise _Refused(INVITER_INACTIVE)
    await ensure_system_account(session, SystemAccount.MARKETING)
    locked = await ledger.lock(
        session, [inviter_wallet, invitee_wallet], system_codes=[SystemAccount.MARKETING]
    )
    for wallet_id, bonus, inactive, over_cap in (
        (invitee_wallet, invitee_bonus, INVITEE_INACTIVE, INVITEE_CAP),
        (inviter_wallet, inviter_bonus, INVITER_INACTIVE, INVITER_CAP),
    ):
        account = locked[wallet_id]
        _check(account.is_active, inactive)
        limits = account.limits
        _check(limits is None or account.solde + bonus <= limits.solde_max, over_cap)
    (marketing,) = (a.id for a in locked.accounts.values() if a.is_system)
    movement = Movement.start(locked)
    movement.add(marketing, -total)
    if inviter_bonus:
        movement.add(inviter_wallet, inviter_bonus)
    if invitee_bonus:
        movement.add(invitee_wallet, invitee_bonus)
    reference = ledger.new_reference()
    transaction_id = await wallet_repository.post(
        session,
        movement.posting(
            reference=reference,
            type_transaction="bonus_parrainage",
            montant=total,
            frais=0,
            source=marketing,
            destination=invitee_wallet,
            initiator=None,
            description=LABEL,
            motif=f"Campagne « {campaign.nom} »",
            qr=None,
            operation=None,
            reverses=None,
        ),
    )
    session.add(
        RecompenseParrainage(
            id_parrainage=referral.id_parrainage,
            id_campagne=campaign.id_campagne,
            id_parrain=inviter.id_user,
            id_filleul=invitee.id_user,
            empreinte_identifiant=invitee_hash,
            montant_parrain=inviter_bonus,
            montant_filleul=invitee_bonus,
            id_transaction=transaction_id,
        )
    )
    await session.execute(
        update(CampagneParrainage)
        .where(CampagneParrainage.id_campagne == campaign.id_campagne)
        .values(budget_engage=CampagneParrainage.budget_engage + total)
    )
    referral.statut = "recompense"
    referral.motif = None
    referral.date_modification = utcnow()
    await session.flush()
    return Outcome(True, None, _notices(inviter, invitee, campaign, reference, transaction_id))


def _notices(
    inviter: Utilisateur,
    invitee: Utilisateur,
    campaign: CampagneParrainage,
    reference: str,
    transaction_id: int,
) -> tuple[Notice, ...]:
    link = {"reference": reference}
    name = invitee.prenom or "Votre filleul"
    notices = []
    if campaign.montant_parrain:
        text = sentence(
            f"{name} a fait son premier dépôt : vous recevez "
            f"{format_xof(campaign.montant_parrain)} de bonus de parrainage"
        )
        notices.append(Notice(inviter.id_user, "argent_recu", LABEL, text, link, transaction_id))
    if campaign.montant_filleul:
        text = sentence(
            f"Bienvenue sur Hostolink : vous recevez {format_xof(campaign.montant_filleul)} de "
            "bonus de parrainage"
        )
        notices.append(Notice(invitee.id_user, "argent_recu", LABEL, text, link, transaction_id))
    return tuple(notices)


class Rewards:
    """The reward job's handler: the payment and the job's completion commit together; the
    notices are written after the commit."""

    def __init__(self, db: Database, *, signing_key: str, notices: NoticeWriter | None) -> None:
        self._db = db
        self._key = identifier_key(signing_key)
        self._notices = notices

    async def run(self, referral_id: int, *, job: Job | None = None) -> Outcome | None:
        async with self._db.sessionmaker() as session, session.begin():
            outcome = await pay(session, referral_id=referral_id, key=self._key)
            if job is not None:
                await queue.complete(await session.connection(), job.id, attempt=job.attempt)
        if outcome is not None and not outcome.paid:
            logger.info("referral %s not rewarded: %s", referral_id, outcome.reason)
        if outcome is not None and outcome.notices and self._notices is not None:
            await self._notices.write(list(outcome.notices))
        return outcome

    async def run_job(self, job: Job) -> None:
        await self.run(int(job.payload["id_parrainage"]), job=job)


def install(
    worker: Worker, db: Database, *, signing_key: str, notices: NoticeWriter | None
) -> Rewards:
    rewards = Rewards(db, signing_key=signing_key, notices=notices)
    worker.handlers[REWARD_JOB] = rewards.run_job
    return rewards
