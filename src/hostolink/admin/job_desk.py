"""The operators' job desk: what the queue holds (depth and age by kind and state, the
abandoned jobs, the operations stuck in reconciliation and those waiting for an operator's
decision, « à vérifier ») and what an operator may do to a job
— retry an abandoned one, cancel a waiting or abandoned one — each with a motif, audited in
`journal_audit` in the transaction of the change. Shared by the back-office page and the
JSON API (admin/jobs.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.admin.audit import Actor
from hostolink.errors import Conflict, NotFound
from hostolink.kit.pagination import decode_cursor, encode_cursor
from hostolink.models import Tache
from hostolink.models.tache import STATUTS
from hostolink.providers.registry import RAILS

MAX_PAGE = 100
_SUMMARY_LENGTH = 160
_ID_VALUE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class JobNotFound(NotFound):
    message = "Tâche introuvable."


class JobStateConflict(Conflict):
    message = "Cette tâche ne peut pas recevoir cette action dans son état actuel."


# ---------------------------------------------------------------------------- overview


@dataclass
class KindOverview:
    """One kind of job (`nom`): how many in each state and how old the oldest of each is;
    among the waiting ones, how many are due and for how long the oldest due has waited."""

    nom: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUTS, 0))
    oldest_seconds: dict[str, float] = field(default_factory=dict)
    due: int = 0
    oldest_due_seconds: float | None = None


# A job is due when it waits past its date, or runs past a lease nobody renewed (its worker
# died): both are what a worker would claim now.
_OVERVIEW = text(
    """
SELECT nom, statut, count(*) AS n,
       extract(epoch FROM now() - min(date_creation)) AS plus_ancienne,
       count(*) FILTER (WHERE due) AS dues,
       extract(epoch FROM now() - min(date_execution) FILTER (WHERE due)) AS retard
FROM (
    SELECT nom, statut, date_creation, date_execution,
           (statut = 'en_attente' AND date_execution <= now())
           OR (statut = 'en_cours' AND verrouille_jusqu_a < now()) AS due
    FROM tache
) t
GROUP BY nom, statut
ORDER BY nom, statut
"""
)


async def overview(session: AsyncSession) -> list[KindOverview]:
    kinds: dict[str, KindOverview] = {}
    for row in await session.execute(_OVERVIEW):
        kind = kinds.setdefault(row.nom, KindOverview(row.nom))
        kind.counts[row.statut] = int(row.n)
        kind.oldest_seconds[row.statut] = max(0.0, float(row.plus_ancienne))
        if row.dues:
            kind.due += int(row.dues)
            late = max(0.0, float(row.retard))
            kind.oldest_due_seconds = max(late, kind.oldest_due_seconds or 0.0)
    return list(kinds.values())


# ------------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class JobLine:
    id_tache: int
    nom: str
    statut: str
    tentatives: int
    tentatives_max: int
    derniere_erreur: str | None
    resume: str
    date_creation: datetime
    date_execution: datetime
    date_fin: datetime | None

    @classmethod
    def of(cls, job: Tache) -> JobLine:
        return cls(
            id_tache=job.id_tache,
            nom=job.nom,
            statut=job.statut,
            tentatives=job.tentatives,
            tentatives_max=job.tentatives_max,
            derniere_erreur=job.derniere_erreur,
            resume=payload_summary(job.charge),
            date_creation=job.date_creation,
            date_execution=job.date_execution,
            date_fin=job.date_fin,
        )


def payload_summary(payload: dict[str, Any]) -> str:
    """The payload as an operator may read it. Payloads hold ids by design, but nothing
    guarantees a handler never put more: numbers and flags are shown, text only for `id_…`
    keys that look like an identifier, anything else as « … »."""
    parts: list[str] = []
    for key in sorted(payload):
        value = payload[key]
        if value is None or isinstance(value, bool):
            shown = "—" if value is None else ("oui" if value else "non")
        elif isinstance(value, int):
            shown = str(value)
        elif key.startswith("id_") and isinstance(value, str) and _ID_VALUE.match(value):
            shown = value
        else:
            shown = "…"
        parts.append(f"{key} = {shown}")
    summary = ", ".join(parts) or "—"
    return summary if len(summary) <= _SUMMARY_LENGTH else summary[: _SUMMARY_LENGTH - 1] + "…"


async def abandoned(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[JobLine], str | None]:
    """Abandoned jobs, the most recently abandoned first, and the next page's cursor."""
    query = select(Tache).where(Tache.statut == "abandonnee")
    if cursor:
        moment, job_id = decode_cursor(cursor)
        query = query.where(tuple_(Tache.date_fin, Tache.id_tache) < (moment, job_id))
    query = query.order_by(Tache.date_fin.desc(), Tache.id_tache.desc()).limit(limit + 1)
    jobs = list((await session.scalars(query)).all())
    following = None
    if len(jobs) > limit:
        jobs = jobs[:limit]
        last = jobs[-1]
        following = encode_cursor(last.date_fin or last.date_creation, last.id_tache)
    return [JobLine.of(job) for job in jobs], following


async def retrying(session: AsyncSession, *, limit: int) -> list[JobLine]:
    """Waiting jobs that have already failed: the next attempt is scheduled."""
    query = (
        select(Tache)
        .where(Tache.statut == "en_attente", Tache.derniere_erreur.is_not(None))
        .order_by(Tache.date_execution, Tache.id_tache)
        .limit(limit)
    )
    return [JobLine.of(job) for job in (await session.scalars(query)).all()]


# ---------------------------------------------------------------------------- actions


def _state(job: Tache) -> dict[str, Any]:
    return {
        "statut": job.statut,
        "tentatives": job.tentatives,
        "derniere_erreur": job.derniere_erreur,
    }


async def _locked(session: AsyncSession, job_id: int) -> Tache:
    # FOR UPDATE: a worker's claim (SKIP LOCKED) passes over the row while we decide.
    job = await session.get(Tache, job_id, with_for_update=True)
    if job is None:
        raise JobNotFound
    return job


async def retry(session: AsyncSession, *, actor: Actor, job_id: int, motif: str) -> JobLine:
    """An abandoned job runs again, at once, with its full count of attempts."""
    job = await _locked(session, job_id)
    if job.statut != "abandonnee":
        raise JobStateConflict(
            f"Seule une tâche abandonnée peut être relancée (celle-ci est « {job.statut} »)."
        )
    if job.cle_unicite is not None:
        twin = await session.scalar(
            select(Tache.id_tache).where(
                Tache.cle_unicite == job.cle_unicite,
                Tache.statut.in_(("en_attente", "en_cours")),
            )
        )
        if twin is not None:
            raise JobStateConflict(
                f"Une tâche identique (n° {twin}) est déjà en attente ou en cours : "
                "inutile de relancer celle-ci."
            )
    before = _state(job)
    job.statut = "en_attente"
    job.tentatives = 0
    job.date_execution = datetime.now(UTC)
    job.date_fin = None
    job.verrouille_jusqu_a = None
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # the same key enqueued meanwhile (uq_tache_cle_unicite)
        raise JobStateConflict("Une tâche identique vient d'être mise en file.") from exc
    audit.record(
        session,
        actor=actor,
        action="tache.relance",
        table="tache",
        key=str(job.id_tache),
        before=before,
        after=_state(job),
        motif=motif,
    )
    return JobLine.of(job)


async def cancel(session: AsyncSession, *, actor: Actor, job_id: int, motif: str) -> JobLine:
    """A waiting or abandoned job will not run (a running one cannot be stopped from here:
    its handler may be applying its effect right now)."""
    job = await _locked(session, job_id)
    if job.statut == "en_cours":
        raise JobStateConflict(
            "Tâche en cours d'exécution : elle ne peut pas être annulée maintenant. "
            "Réessayez quand la tentative sera finie."
        )
    if job.statut not in ("en_attente", "abandonnee"):
        raise JobStateConflict(f"Tâche déjà finie (« {job.statut} ») : rien à annuler.")
    before = _state(job)
    job.statut = "annulee"
    job.date_fin = datetime.now(UTC)
    job.verrouille_jusqu_a = None
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="tache.annulation",
        table="tache",
        key=str(job.id_tache),
        before=before,
        after=_state(job),
        motif=motif,
    )
    return JobLine.of(job)


# --------------------------------------------------------------- stuck in reconciliation


@dataclass(frozen=True)
class StuckOperation:
    reference: str
    sens: str
    fournisseur: str
    nom_fournisseur: str
    statut: str
    montant: int
    frais: int
    devise: str
    age_seconds: float
    nombre_verifications: int
    date_prochaine_verification: datetime | None

    @property
    def montant_bloque(self) -> int:
        """What a withdrawal holds of its owner's money (a deposit holds nothing)."""
        return self.montant + self.frais if self.sens == "retrait" else 0


_STUCK = text(
    """
SELECT reference, sens, fournisseur, statut, montant, frais, devise, nombre_verifications,
       date_prochaine_verification, extract(epoch FROM now() - date_creation) AS age
FROM operation_fournisseur
WHERE statut IN ('initiee', 'en_attente')
  AND date_creation < now() - make_interval(secs => :delay)
ORDER BY date_creation, id_operation
LIMIT :limit
"""
)
# The operators' queue: past the reconciliation's horizon without a definitive answer.
_TO_VERIFY = text(
    """
SELECT reference, sens, fournisseur, statut, montant, frais, devise, nombre_verifications,
       date_prochaine_verification, extract(epoch FROM now() - date_creation) AS age
FROM operation_fournisseur
WHERE statut = 'a_verifier'
ORDER BY date_creation, id_operation
LIMIT :limit
"""
)


def _stuck(row: Any) -> StuckOperation:
    return StuckOperation(
        reference=str(row.reference),
        sens=row.sens,
        fournisseur=row.fournisseur,
        nom_fournisseur=RAILS[row.fournisseur].name
        if row.fournisseur in RAILS
        else row.fournisseur,
        statut=row.statut,
        montant=int(row.montant),
        frais=int(row.frais),
        devise=row.devise,
        age_seconds=float(row.age),
        nombre_verifications=int(row.nombre_verifications),
        date_prochaine_verification=row.date_prochaine_verification,
    )


async def stuck_operations(
    session: AsyncSession, *, delay_seconds: int, limit: int
) -> list[StuckOperation]:
    """Deposits and withdrawals still pending past the reconciliation delay, oldest first:
    reconciliation keeps asking their provider, with a growing interval."""
    rows = await session.execute(_STUCK, {"delay": delay_seconds, "limit": limit})
    return [_stuck(row) for row in rows]


async def to_verify(session: AsyncSession, *, limit: int) -> list[StuckOperation]:
    """Operations « à vérifier », oldest first: the provider gave no definitive answer within
    the horizon. A withdrawal's money is still held; an operator checks with the provider by
    other means and decides on the operation's page (« Clore à la main », audited). The
    provider is still asked meanwhile: its own answer may close one first."""
    rows = await session.execute(_TO_VERIFY, {"limit": limit})
    return [_stuck(row) for row in rows]


def human_age(seconds: float | None) -> str:
    """« 45 s », « 12 min », « 3 h 05 », « 4 j 2 h »."""
    if seconds is None:
        return "—"
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h {minutes % 60:02d}"
    return f"{hours // 24} j {hours % 24} h"
