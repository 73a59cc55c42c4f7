"""Administrators' campaigns: list (budget used and left), create, change. Each change is
checked, written with its audit row (before, after, mandatory reason) in one transaction,
and the database keeps the rules however it is reached: at most one active campaign (a
partial unique index), a budget never below what was already paid (a CHECK)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.admin.audit import Actor
from hostolink.errors import Conflict, HostolinkError, NotFound
from hostolink.models import CampagneParrainage, Parrainage, RecompenseParrainage
from hostolink.models.base import utcnow
from hostolink.referral.schemas import CampaignBody, CampaignOut, CampaignPatch

FIELDS = (
    "nom",
    "montant_parrain",
    "montant_filleul",
    "depot_minimum",
    "budget",
    "date_debut",
    "date_fin",
    "active",
    "delai_validation_heures",
)


class CampaignNotFound(NotFound):
    message = "Campagne de parrainage introuvable."


class AnotherActive(Conflict):
    message = (
        "Une autre campagne de parrainage est déjà active : désactivez-la avant d'en activer "
        "une nouvelle."
    )


class InvalidCampaign(HostolinkError):
    status_code = 422


def _values(campaign: CampagneParrainage) -> dict[str, Any]:
    return {name: getattr(campaign, name) for name in FIELDS}


def _check(values: dict[str, Any], *, committed: int) -> None:
    if values["montant_parrain"] + values["montant_filleul"] <= 0:
        raise InvalidCampaign("Au moins un des deux bonus doit être supérieur à 0 F CFA.")
    for name in ("date_debut", "date_fin"):
        if values[name].tzinfo is None:
            values[name] = values[name].replace(tzinfo=UTC)
    if values["date_fin"] <= values["date_debut"]:
        raise InvalidCampaign("La date de fin doit être postérieure à la date de début.")
    if values["budget"] < committed:
        raise InvalidCampaign(
            f"Le budget ne peut pas être inférieur aux bonus déjà versés ({committed} F CFA)."
        )
    if values["budget"] < values["montant_parrain"] + values["montant_filleul"]:
        raise InvalidCampaign("Le budget doit couvrir au moins une paire de bonus.")


async def _active_elsewhere(session: AsyncSession, campaign_id: int | None) -> bool:
    query = select(CampagneParrainage.id_campagne).where(CampagneParrainage.active)
    if campaign_id is not None:
        query = query.where(CampagneParrainage.id_campagne != campaign_id)
    return (await session.scalar(query)) is not None


async def _flush(session: AsyncSession) -> None:
    """The unique index decides between two administrators activating at once."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if "uq_campagne_parrainage_active" in str(exc.orig):
            raise AnotherActive from exc
        raise


async def create(session: AsyncSession, *, actor: Actor, body: CampaignBody) -> CampaignOut:
    values = body.model_dump(include=set(FIELDS))
    _check(values, committed=0)
    if values["active"] and await _active_elsewhere(session, None):
        raise AnotherActive
    campaign = CampagneParrainage(**values, id_modifie_par=actor.principal.id)
    session.add(campaign)
    await _flush(session)
    audit.record(
        session,
        actor=actor,
        action="parrainage.campagne.creation",
        table="campagne_parrainage",
        key=campaign.id_campagne,
        before=None,
        after=_values(campaign),
        motif=body.motif,
    )
    return await one(session, campaign.id_campagne)


async def update(
    session: AsyncSession, *, actor: Actor, campaign_id: int, body: CampaignPatch
) -> CampaignOut:
    campaign = await session.scalar(
        select(CampagneParrainage)
        .where(CampagneParrainage.id_campagne == campaign_id)
        .with_for_update()
    )
    if campaign is None:
        raise CampaignNotFound
    before = _values(campaign)
    changes = body.model_dump(include=set(FIELDS), exclude_unset=True, exclude_none=True)
    values = {**before, **changes}
    _check(values, committed=campaign.budget_engage)
    changed = {k: v for k, v in values.items() if v != before[k]}
    if not changed:
        return await one(session, campaign_id)
    if changed.get("active") and await _active_elsewhere(session, campaign_id):
        raise AnotherActive
    for name, value in changed.items():
        setattr(campaign, name, value)
    campaign.id_modifie_par = actor.principal.id
    campaign.date_modification = utcnow()
    await _flush(session)
    audit.record(
        session,
        actor=actor,
        action="parrainage.campagne.modification",
        table="campagne_parrainage",
        key=campaign_id,
        before={k: before[k] for k in changed},
        after=changed,
        motif=body.motif,
    )
    return await one(session, campaign_id)


def _listing() -> Any:
    invitees = (
        select(func.count())
        .where(Parrainage.id_campagne == CampagneParrainage.id_campagne)
        .scalar_subquery()
    )
    rewards = (
        select(func.count())
        .where(RecompenseParrainage.id_campagne == CampagneParrainage.id_campagne)
        .scalar_subquery()
    )
    return select(CampagneParrainage, invitees.label("filleuls"), rewards.label("recompenses"))


def _out(campaign: CampagneParrainage, invitees: int, rewards: int) -> CampaignOut:
    now = datetime.now(UTC)
    return CampaignOut(
        **_values(campaign),
        id_campagne=campaign.id_campagne,
        budget_engage=campaign.budget_engage,
        budget_restant=campaign.budget - campaign.budget_engage,
        en_cours=campaign.active and campaign.date_debut <= now < campaign.date_fin,
        filleuls=invitees,
        recompenses=rewards,
    )


async def listing(session: AsyncSession) -> list[CampaignOut]:
    rows = await session.execute(
        _listing().order_by(CampagneParrainage.active.desc(), CampagneParrainage.date_debut.desc())
    )
    return [_out(row[0], row.filleuls, row.recompenses) for row in rows]


async def one(session: AsyncSession, campaign_id: int) -> CampaignOut:
    row = (
        await session.execute(
            _listing()
            .where(CampagneParrainage.id_campagne == campaign_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise CampaignNotFound
    return _out(row[0], row.filleuls, row.recompenses)
