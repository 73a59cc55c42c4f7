"""The back-office job desk (`/admin/taches`): the background queue by kind and state, the
abandoned jobs with their last error (retry or cancel them, with a motif, audited), the
failing jobs waiting for their next attempt, the deposits and withdrawals stuck in
reconciliation, each with the operation page's « Interroger le fournisseur maintenant », and
the operators' queue « à vérifier » (past the horizon, decided on the operation's page)."""

from __future__ import annotations

from sqladmin import BaseView, expose
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from hostolink.admin import job_desk as desk
from hostolink.auth import permissions as p
from hostolink.backoffice.pages import _act, _actor, _db, _motif, _person, _render
from hostolink.jobs.deps import worker_of
from hostolink.kit.deps import settings_of

IDENTITY = "taches"
PAGE_SIZE = 50
STUCK_LIMIT = 50


class JobDeskPage(BaseView):
    name = "Tâches de fond"
    identity = IDENTITY
    icon = "fa-solid fa-gears"
    category = "Exploitation"

    @expose("/taches", identity=IDENTITY)
    async def page(self, request: Request) -> Response:
        cursor = request.query_params.get("curseur") or None
        viewer = _person()
        settings = settings_of(self._admin_ref.app)
        async with _db(self).sessionmaker() as session:
            kinds = await desk.overview(session)
            abandoned, following = await desk.abandoned(session, cursor=cursor, limit=PAGE_SIZE)
            failing = await desk.retrying(session, limit=PAGE_SIZE)
            stuck = []
            waiting = []
            if p.OPERATIONS_READ in viewer.permissions:
                stuck = await desk.stuck_operations(
                    session,
                    delay_seconds=settings.reconciliation_delay_seconds,
                    limit=STUCK_LIMIT,
                )
                waiting = await desk.to_verify(session, limit=STUCK_LIMIT)
        return await _render(
            self,
            request,
            "backoffice/jobs.html",
            kinds=kinds,
            abandoned=abandoned,
            following=following,
            first_page=cursor is None,
            failing=failing,
            stuck=stuck,
            to_verify=waiting,
            horizon=_hours(settings.reconciliation_horizon_hours),
            can_read_operations=p.OPERATIONS_READ in viewer.permissions,
            can_verify=p.OPERATIONS_MANAGE in viewer.permissions,
            age=desk.human_age,
            delay=settings.reconciliation_delay_seconds,
        )

    @expose("/taches/{id_tache:int}/relance", methods=["POST"], identity=IDENTITY)
    async def retry(self, request: Request) -> Response:
        job_id = request.path_params["id_tache"]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            line = await desk.retry(
                session, actor=_actor(request), job_id=job_id, motif=_motif(form)
            )
            return f"Tâche n° {line.id_tache} ({line.nom}) relancée."

        response = await _act(self, request, "/admin/taches", work)
        worker_of(self._admin_ref.app).wake()  # after the commit: run it now, not at the poll
        return response

    @expose("/taches/{id_tache:int}/annulation", methods=["POST"], identity=IDENTITY)
    async def cancel(self, request: Request) -> Response:
        job_id = request.path_params["id_tache"]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            line = await desk.cancel(
                session, actor=_actor(request), job_id=job_id, motif=_motif(form)
            )
            return f"Tâche n° {line.id_tache} ({line.nom}) annulée."

        return await _act(self, request, "/admin/taches", work)


def _hours(hours: float) -> str:
    """The horizon as an operator reads it: « 24 h », or « 7 s » on a CI product."""
    if hours >= 1 and float(hours).is_integer():
        return f"{int(hours)} h"
    return desk.human_age(hours * 3600)
