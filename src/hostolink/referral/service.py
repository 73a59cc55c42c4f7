"""The referral's life: a code used at registration makes a `parrainage` row; the invitee's
first credited deposit decides whether a bonus is due and schedules its payment
(`rewards.py`) after the campaign's validation delay; the person reads their code, link,
invitees and rewards.

The two hooks run inside other domains' transactions (registration, deposit credit) as one
or two short statements each, and never raise for a referral reason: an unknown code, no
campaign, a deposit below the minimum only change what the referral row says."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.kit.masking import mask_phone
from hostolink.kit.money import format_xof
from hostolink.models import (
    CampagneParrainage,
    Parrainage,
    RecompenseParrainage,
    Transaction,
    Utilisateur,
)
from hostolink.referral import codes
from hostolink.referral.schemas import (
    CampaignTerms,
    InviteeOut,
    ReferralOverview,
    RewardOut,
)

REWARD_JOB = "parrainage.recompenser"
NO_CAMPAIGN = "aucune campagne de parrainage en cours à l'inscription"
BELOW_MINIMUM = "premier dépôt inférieur au minimum de la campagne"

# The code's owner invites the new person, under the campaign whose window holds now (none:
# recorded as not eligible). Never the person themselves; a second row for an invitee is
# refused by the unique index (nothing happens).
_REFER = text(
    """
INSERT INTO parrainage (id_parrain, id_filleul, id_campagne, code_utilise, statut, motif)
SELECT c.id_user, :filleul, camp.id_campagne, c.code,
       CASE WHEN camp.id_campagne IS NULL THEN 'non_eligible' ELSE 'inscrit' END,
       CASE WHEN camp.id_campagne IS NULL THEN CAST(:no_campaign AS varchar) END
FROM code_parrainage c
LEFT JOIN campagne_parrainage camp
       ON camp.active AND camp.date_debut <= now() AND camp.date_fin > now()
WHERE c.code = :code AND c.id_user <> :filleul
ON CONFLICT (id_filleul) DO NOTHING
"""
)

# The invitee's first credited deposit (the row is still `inscrit` only until then; two
# deposits credited at once queue on the row and the second finds it changed). At or above
# the campaign's minimum: the reward job, due after the validation delay, in the same
# transaction (it exists if and only if the credit committed).
_FIRST_DEPOSIT = text(
    """
WITH premier AS (
    UPDATE parrainage p
    SET statut = CASE WHEN :montant >= c.depot_minimum THEN 'en_validation'
                      ELSE 'non_eligible' END,
        motif = CASE WHEN :montant >= c.depot_minimum THEN NULL
                     ELSE CAST(:below AS varchar) END,
        id_transaction_depot = :id_transaction,
        date_modification = now()
    FROM campagne_parrainage c
    WHERE p.id_filleul = :id_user AND p.statut = 'inscrit' AND c.id_campagne = p.id_campagne
    RETURNING p.id_parrainage, p.statut, c.delai_validation_heures
)
INSERT INTO tache (file, nom, charge, cle_unicite, tentatives_max, date_execution)
SELECT 'defaut', CAST(:job AS varchar), jsonb_build_object('id_parrainage', id_parrainage),
       'parrainage:' || id_parrainage, 10,
       now() + make_interval(hours => delai_validation_heures)
FROM premier WHERE statut = 'en_validation'
ON CONFLICT (cle_unicite) WHERE statut IN ('en_attente', 'en_cours') DO NOTHING
"""
)


async def on_registered(session: AsyncSession, user_id: int, invitation: str | None) -> None:
    """After `register-user`: the referral, when the code they typed belongs to someone (an
    unknown code is kept on the person, nothing else). The person's own code is drawn when
    they first open their referral page (`code_of`), not here: a registration then costs
    no extra statement (issue 24's measure: +0.43 ms of CPU, 591 → 525 registrations/s)."""
    code = codes.normalise(invitation)
    if code is None:
        return
    await session.execute(_REFER, {"filleul": user_id, "code": code, "no_campaign": NO_CAMPAIGN})


async def on_deposit_credited(
    session: AsyncSession, *, user_id: int, transaction_id: int, amount: int
) -> None:
    """A deposit was just credited to the person's wallet (in the caller's transaction)."""
    await session.execute(
        _FIRST_DEPOSIT,
        {
            "id_user": user_id,
            "id_transaction": transaction_id,
            "montant": amount,
            "below": BELOW_MINIMUM,
            "job": REWARD_JOB,
        },
    )


# ----------------------------------------------------------------------------- reading


async def current_campaign(session: AsyncSession) -> CampagneParrainage | None:
    found: CampagneParrainage | None = await session.scalar(
        select(CampagneParrainage).where(
            CampagneParrainage.active,
            CampagneParrainage.date_debut <= text("now()"),
            CampagneParrainage.date_fin > text("now()"),
        )
    )
    return found


def terms(campaign: CampagneParrainage) -> CampaignTerms:
    delay = campaign.delai_validation_heures
    after = "dès ce dépôt crédité" if delay == 0 else f"{delay} h après ce dépôt"
    text_fr = (
        f"Invitez vos proches : quand un filleul inscrit avec votre code fait un premier dépôt "
        f"d'au moins {format_xof(campaign.depot_minimum)}, vous recevez "
        f"{format_xof(campaign.montant_parrain)} et lui {format_xof(campaign.montant_filleul)}, "
        f"{after}. Offre valable pour les inscriptions jusqu'au "
        f"{campaign.date_fin:%d/%m/%Y}, dans la limite du budget de la campagne."
    )
    return CampaignTerms(
        nom=campaign.nom,
        montant_parrain=campaign.montant_parrain,
        montant_filleul=campaign.montant_filleul,
        depot_minimum=campaign.depot_minimum,
        date_fin=campaign.date_fin,
        delai_validation_heures=delay,
        conditions=text_fr,
    )


def status_label(statut: str, motif: str | None) -> str:
    if statut == "inscrit":
        return "inscrit"
    if statut == "en_validation":
        return "premier dépôt en validation"
    if statut == "recompense":
        return "récompensé"
    return f"non éligible : {motif or 'conditions non remplies'}"


async def overview(session: AsyncSession, *, user_id: int, public_url: str) -> ReferralOverview:
    code = await codes.code_of(session, user_id)
    campaign = await current_campaign(session)
    invitees = (
        await session.execute(
            select(
                Parrainage.statut,
                Parrainage.motif,
                Parrainage.date_creation,
                Utilisateur.prenom,
                Utilisateur.telephone,
            )
            .join(Utilisateur, Utilisateur.id_user == Parrainage.id_filleul)
            .where(Parrainage.id_parrain == user_id)
            .order_by(Parrainage.date_creation.desc(), Parrainage.id_parrainage.desc())
            .limit(200)
        )
    ).all()
    rewards = (
        await session.execute(
            select(
                RecompenseParrainage.id_parrain,
                RecompenseParrainage.montant_parrain,
                RecompenseParrainage.montant_filleul,
                RecompenseParrainage.date_creation,
                Transaction.reference,
            )
            .join(Transaction, Transaction.id_transaction == RecompenseParrainage.id_transaction)
            .where(
                or_(
                    RecompenseParrainage.id_parrain == user_id,
                    RecompenseParrainage.id_filleul == user_id,
                )
            )
            .order_by(RecompenseParrainage.date_creation.desc())
            .limit(200)
        )
    ).all()
    reward_list = [_reward(row, user_id) for row in rewards]
    return ReferralOverview(
        code=code,
        lien=codes.link(public_url, code),
        campagne=terms(campaign) if campaign is not None else None,
        filleuls=[
            InviteeOut(
                prenom=row.prenom or "Nouveau membre",
                telephone=mask_phone(row.telephone),
                date=row.date_creation,
                statut=row.statut,
                statut_libelle=status_label(row.statut, row.motif),
            )
            for row in invitees
        ],
        recompenses=reward_list,
        total_recu=sum(r.montant for r in reward_list),
    )


def _reward(row: Any, user_id: int) -> RewardOut:
    as_inviter = row.id_parrain == user_id
    return RewardOut(
        role="parrain" if as_inviter else "filleul",
        montant=row.montant_parrain if as_inviter else row.montant_filleul,
        date=row.date_creation,
        reference=row.reference,
        libelle="Bonus de parrainage",
    )
