"""The agents' help desk in the back-office (`/admin/assistance`): the queue by filter with
its counts and the age of the oldest new conversation, and one conversation with its
messages (internal notes apart), the reply form, take / hand over / resolve, the person's
context within the agent's permissions and the conversation's claims.

Every action goes through the help desk's own services (support/conversations, the API's),
in one transaction, then publishes its live frames after the commit, as the API routes do.
The conversation page stays live through `/admin/ws/assistance/{id}`: a WebSocket opened
with the back-office session cookie that runs the API's own socket loop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqladmin import BaseView, expose
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

from hostolink.admin.job_desk import human_age
from hostolink.auth import permissions as p
from hostolink.backoffice.pages import _act, _db, _person, _render
from hostolink.backoffice.session import current_admin
from hostolink.errors import HostolinkError
from hostolink.kit.deps import settings_of
from hostolink.support.canned import service as canned
from hostolink.support.claims import repository as claims_repository
from hostolink.support.claims import views as claim_views
from hostolink.support.conversations import desk, live, service
from hostolink.support.conversations.attachments import links_of
from hostolink.support.conversations.schemas import AgentMessageCreate

IDENTITY = "assistance"
FILTERS = (
    ("nouvelles", "Nouvelles"),
    ("miennes", "Les miennes"),
    ("attente_utilisateur", "En attente de la personne"),
    ("resolues", "Résolues"),
    ("toutes", "Toutes"),
)
RESOLUTIONS = {
    "contre_passation": "Contre-passation",
    "ajustement_credit": "Ajustement crédit",
    "ajustement_debit": "Ajustement débit",
    "sans_suite": "Sans suite",
}
PAGE_SIZE = 50
SHOWN_MESSAGES = 200  # the latest ones; older ones are rarely needed on the desk

_COUNTS = text(
    """
    SELECT
      count(*) FILTER (WHERE statut = 'nouvelle') AS nouvelles,
      count(*) FILTER (WHERE id_agent = :me AND statut <> 'resolue') AS miennes,
      count(*) FILTER (WHERE statut = 'attente_utilisateur') AS attente_utilisateur,
      count(*) FILTER (WHERE statut = 'resolue') AS resolues,
      count(*) AS toutes,
      extract(epoch FROM now() - min(date_creation) FILTER (WHERE statut = 'nouvelle'))
        AS plus_ancienne
    FROM conversation_assistance
    """
)
# Who can be handed a conversation: the active holders of support:repondre.
_AGENTS = text(
    """
    SELECT DISTINCT u.id_user, u.prenom, u.nom
    FROM utilisateur u
    JOIN utilisateur_role ur ON ur.id_user = u.id_user
    JOIN role_permission rp ON rp.id_role = ur.id_role
    WHERE u.actif AND :permission = ANY(rp.permissions)
    ORDER BY u.prenom, u.nom, u.id_user
    LIMIT 200
    """
)


def when(value: datetime | None) -> str:
    """« il y a 12 min (05/12 09:14) »: the age first, the agent works by it."""
    if value is None:
        return "—"
    age = human_age((datetime.now(UTC) - value).total_seconds())
    return f"il y a {age} ({value.strftime('%d/%m %H:%M')})"


def stamp(value: datetime | str | None) -> str:
    """« 05/12/2026 09:14 » from a datetime or the ISO text of the context's rows."""
    if value is None:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%d/%m/%Y %H:%M")


async def queue_counts(session: AsyncSession, me: int) -> tuple[dict[str, int], float | None]:
    row = (await session.execute(_COUNTS, {"me": me})).one()
    counts = {code: int(getattr(row, code)) for code, _label in FILTERS}
    oldest = float(row.plus_ancienne) if row.plus_ancienne is not None else None
    return counts, oldest


class SupportDeskPage(BaseView):
    name = "Assistance"
    identity = IDENTITY
    icon = "fa-solid fa-headset"
    category = "Assistance"

    @expose("/assistance", identity=IDENTITY)
    async def queue(self, request: Request) -> Response:
        viewer = _person()
        filtre = request.query_params.get("filtre", "nouvelles")
        if filtre not in dict(FILTERS):
            filtre = "nouvelles"
        q = request.query_params.get("q", "").strip()[:100]
        cursor = request.query_params.get("curseur") or None
        async with _db(self).sessionmaker() as session:
            try:
                items, following = await desk.queue(
                    session,
                    actor=viewer,
                    filtre=filtre,
                    search=q or None,
                    cursor=cursor,
                    limit=PAGE_SIZE,
                )
            except HostolinkError:  # a cursor from elsewhere: the first page
                items, following = await desk.queue(
                    session,
                    actor=viewer,
                    filtre=filtre,
                    search=q or None,
                    cursor=None,
                    limit=PAGE_SIZE,
                )
            counts, oldest = await queue_counts(session, viewer.id)
        return await _render(
            self,
            request,
            "backoffice/support_queue.html",
            items=items,
            following=following,
            filtre=filtre,
            filters=FILTERS,
            q=q,
            counts=counts,
            oldest_new=oldest,
            age=human_age,
            when=when,
        )

    @expose("/assistance/{id_conversation:int}", identity=IDENTITY)
    async def conversation(self, request: Request) -> Response:
        viewer = _person()
        conversation_id = request.path_params["id_conversation"]
        async with _db(self).sessionmaker() as session:
            try:
                detail = await desk.detail(session, actor=viewer, conversation_id=conversation_id)
            except HostolinkError as error:
                raise HTTPException(error.status, error.message) from error
            newest, _older = await service.history(
                session,
                conversation_id=conversation_id,
                with_notes=True,
                page=service.Page(before=None, after=None, limit=SHOWN_MESSAGES),
                signer=links_of(self._admin_ref.app),
            )
            claim_list = [
                claim_views.agent_out(row)
                for row in await claims_repository.rows(session, conversation_id=conversation_id)
            ]
            answers = await canned.listing(session, all_of_them=False)
            agents = (await session.execute(_AGENTS, {"permission": p.SUPPORT_ANSWER})).all()
        return await _render(
            self,
            request,
            "backoffice/support_conversation.html",
            conv=detail,
            messages=newest[::-1],
            claims=claim_list,
            canned=answers,
            agents=agents,
            me=viewer.id,
            back=f"/admin/assistance/{conversation_id}",
            **viewer_rights(self._admin_ref.app),
        )

    @expose("/assistance/{id_conversation:int}/messages", identity=IDENTITY)
    async def messages(self, request: Request) -> Response:
        """The messages after `apres` (notes included), for the page's catch-up after its
        socket was cut: the same JSON as the API's agents' route."""
        conversation_id = request.path_params["id_conversation"]
        after = request.query_params.get("apres", "0")
        async with _db(self).sessionmaker() as session:
            try:
                await desk.conversation(session, conversation_id)
            except HostolinkError as error:
                raise HTTPException(error.status, error.message) from error
            found, following = await service.history(
                session,
                conversation_id=conversation_id,
                with_notes=True,
                page=service.Page(
                    before=None, after=int(after) if after.isdigit() else 0, limit=100
                ),
                signer=links_of(self._admin_ref.app),
            )
        return JSONResponse(
            {
                "success": True,
                "data": [m.model_dump(mode="json") for m in found],
                "curseur_suivant": following,
            }
        )

    @expose("/assistance/{id_conversation:int}/prise", methods=["POST"], identity=IDENTITY)
    async def take(self, request: Request) -> Response:
        async def work(session: AsyncSession, form: dict[str, str], conversation_id: int) -> str:
            await desk.take(
                session,
                actor=_person(),
                conversation_id=conversation_id,
                force=form.get("forcer") == "1",
            )
            return "Conversation prise : vous la suivez."

        return await self._change(request, work)

    @expose("/assistance/{id_conversation:int}/transfert", methods=["POST"], identity=IDENTITY)
    async def transfer(self, request: Request) -> Response:
        async def work(session: AsyncSession, form: dict[str, str], conversation_id: int) -> str:
            target = form.get("id_agent", "")
            if not target.isdigit():
                raise HostolinkError(
                    "Choisissez l'agent qui reprend la conversation.", status_code=422
                )
            await desk.transfer(
                session, actor=_person(), conversation_id=conversation_id, agent_id=int(target)
            )
            return "Conversation transférée."

        return await self._change(request, work)

    @expose("/assistance/{id_conversation:int}/messages", methods=["POST"], identity=IDENTITY)
    async def answer(self, request: Request) -> Response:
        async def work(
            session: AsyncSession, form: dict[str, str], conversation_id: int
        ) -> tuple[str, int]:
            internal = form.get("interne") in {"1", "on"}
            try:
                body = AgentMessageCreate(contenu=form.get("contenu") or None, interne=internal)
            except ValidationError:
                raise HostolinkError(
                    "Écrivez un message (4 000 caractères au plus).", status_code=422
                ) from None
            posted = await desk.post_as_agent(
                session, actor=_person(), conversation_id=conversation_id, body=body
            )
            said = "Note interne ajoutée." if internal else "Réponse envoyée à la personne."
            return said, posted.id_message

        return await self._change(request, work)

    @expose("/assistance/{id_conversation:int}/resolution", methods=["POST"], identity=IDENTITY)
    async def resolve(self, request: Request) -> Response:
        async def work(session: AsyncSession, form: dict[str, str], conversation_id: int) -> str:
            await desk.resolve(session, actor=_person(), conversation_id=conversation_id, text=None)
            return "Conversation résolue : la personne est prévenue."

        return await self._change(request, work)

    async def _change(self, request: Request, change: Any) -> Response:
        """Run `change(session, form, id)` as one audited transaction (`_act`), then show
        the new message (if any) and the conversation's new state on the live screens."""
        conversation_id = request.path_params["id_conversation"]
        done: list[tuple[int, ...]] = []

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            outcome = await change(session, form, conversation_id)
            said, message_ids = outcome if isinstance(outcome, tuple) else (outcome, None)
            done.append(() if message_ids is None else (message_ids,))
            return str(said)

        response = await _act(self, request, f"/admin/assistance/{conversation_id}", work)
        for message_ids in done:  # committed (a failed action rolled back and left nothing)
            await live.announce(self._admin_ref.app, conversation_id, message_ids=message_ids)
        return response


def viewer_rights(app: Any) -> dict[str, Any]:
    """What the signed-in agent may do or see beyond the desk itself."""
    held = _person().permissions
    return {
        "can_answer": p.SUPPORT_ANSWER in held,
        "can_propose": p.CLAIMS_RESOLVE in held,
        "can_approve": p.CLAIMS_APPROVE in held,
        "can_read_people": p.USERS_READ in held,
        "can_read_transactions": p.TRANSACTIONS_READ in held,
        "can_read_operations": p.OPERATIONS_READ in held,
        "resolutions": RESOLUTIONS,
        "stamp": stamp,
        "threshold": settings_of(app).support_approval_threshold,
    }


async def desk_socket(websocket: WebSocket) -> None:
    """`/admin/ws/assistance/{id}`: the conversation page's live feed, for the signed-in
    agent. Authenticated by the back-office cookie (looked up in the database like every
    page), refused from another site's page (a WebSocket has no same-origin rule of its
    own), then the API's own socket loop with the agent's principal."""
    site = websocket.app.state.site  # the back-office's own Starlette application
    origin = websocket.headers.get("origin", "")
    host = websocket.headers.get("host", "")
    await websocket.accept()
    if not origin or origin.split("://", 1)[-1] != host:
        await websocket.close(code=4403, reason="Origine refusée.")
        return
    person = await site.authentication_backend.principal(websocket)
    if person is None:
        await websocket.close(code=4401, reason="Session terminée : reconnectez-vous.")
        return
    if p.SUPPORT_ANSWER not in person.permissions:
        await websocket.close(code=4403, reason="Permission requise : support:repondre.")
        return
    current_admin.set(person)
    # The API's loop reads the API application (database, hubs, settings) from the scope.
    websocket.scope["app"] = site.app
    await live.serve_conversation(websocket, person, websocket.path_params["id_conversation"])
