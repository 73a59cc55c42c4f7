"""The agents' side of the help desk (permission `support:repondre`): the queue, taking and
handing over a conversation, answers and internal notes, resolution and moderation.

Services never commit and never publish (the endpoints publish after the commit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.auth import permissions
from hostolink.auth.principal import Principal
from hostolink.errors import Conflict, NotFound
from hostolink.kit.pagination import decode_cursor, encode_cursor
from hostolink.models import ConversationAssistance, MessageAssistance
from hostolink.models.assistance import STATUTS_OUVERTS
from hostolink.support.claims import repository as claims_repository
from hostolink.support.claims import views as claim_views
from hostolink.support.conversations import context, notify, repository
from hostolink.support.conversations.schemas import (
    AgentConversationDetail,
    AgentConversationOut,
    AgentMessageCreate,
)
from hostolink.support.conversations.service import (
    ConversationNotFound,
    Unprocessable,
    add_message,
    check_attachment,
    conversation_out,
    conversation_view,
    linked_object,
    now,
)

QUEUE_FILTERS = {
    "nouvelles": ("nouvelle",),
    "miennes": STATUTS_OUVERTS,
    "attente_utilisateur": ("attente_utilisateur",),
    "resolues": ("resolue",),
    "ouvertes": STATUTS_OUVERTS,
    "toutes": (*STATUTS_OUVERTS, "resolue"),
}


class UnknownQueueFilter(Unprocessable):
    message = (
        "filtre : valeur non autorisée (nouvelles, miennes, attente_utilisateur, resolues, "
        "ouvertes, toutes)."
    )


class TakenByAnother(Conflict):
    message = "Un autre agent suit déjà cette conversation : reprenez-la avec « forcer »."


class NotAnAgent(Unprocessable):
    message = "Cette personne n'est pas un agent du support."


class MessageNotFound(NotFound):
    message = "Message introuvable."


class AlreadyHidden(Conflict):
    message = "Ce message est déjà masqué."


async def conversation(
    session: AsyncSession, conversation_id: int, *, for_update: bool = False
) -> ConversationAssistance:
    found = await repository.conversation(session, conversation_id, for_update=for_update)
    if found is None:
        raise ConversationNotFound
    return found


async def queue(
    session: AsyncSession,
    *,
    actor: Principal,
    filtre: str,
    search: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AgentConversationOut], str | None]:
    statuses = QUEUE_FILTERS.get(filtre)
    if statuses is None:
        raise UnknownQueueFilter
    after: tuple[datetime, int] | None = decode_cursor(cursor) if cursor else None
    rows = list(
        await repository.queue(
            session,
            statuses=statuses,
            agent_id=actor.id if filtre == "miennes" else None,
            search=search.strip() if search else None,
            after=after,
            limit=limit + 1,
        )
    )
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1].ConversationAssistance
        following = encode_cursor(last.date_dernier_message, last.id_conversation)
    views = [conversation_out(row, side="agent") for row in rows]
    return [v for v in views if isinstance(v, AgentConversationOut)], following


async def agent_view(session: AsyncSession, conversation_id: int) -> AgentConversationOut:
    view = await conversation_view(session, conversation_id, side="agent")
    if not isinstance(view, AgentConversationOut):  # pragma: no cover - side="agent"
        raise ConversationNotFound
    return view


async def detail(
    session: AsyncSession, *, actor: Principal, conversation_id: int
) -> AgentConversationDetail:
    found = await conversation(session, conversation_id)
    view = await agent_view(session, conversation_id)
    claims = await claims_repository.rows(session, conversation_id=conversation_id)
    subject = await linked_object(session, found)
    return AgentConversationDetail(
        **view.model_dump(),
        objet=subject,
        reclamations=[claim_views.agent_out(row) for row in claims],
        contexte=await context.of_person(
            session, viewer=actor, user_id=found.id_user, subject=subject
        ),
    )


def _audit(
    session: AsyncSession, actor: Principal, action: str, conversation_id: int, **values: Any
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        table="conversation_assistance",
        key=conversation_id,
        before=values.get("before"),
        after=values.get("after"),
        motif=values.get("motif"),
    )


async def take(
    session: AsyncSession, *, actor: Principal, conversation_id: int, force: bool
) -> None:
    found = await conversation(session, conversation_id, for_update=True)
    if found.id_agent not in (None, actor.id) and not force:
        raise TakenByAnother
    before = found.id_agent
    found.id_agent = actor.id
    if found.statut == "nouvelle":
        found.statut = "en_cours"
    if before not in (None, actor.id):
        _audit(
            session,
            actor,
            "assistance.reprise",
            conversation_id,
            before={"id_agent": before},
            after={"id_agent": actor.id},
        )
    await session.flush()


async def transfer(
    session: AsyncSession, *, actor: Principal, conversation_id: int, agent_id: int
) -> None:
    found = await conversation(session, conversation_id, for_update=True)
    if not await repository.holds_permission(session, agent_id, permissions.SUPPORT_ANSWER):
        raise NotAnAgent
    before = found.id_agent
    found.id_agent = agent_id
    if found.statut == "nouvelle":
        found.statut = "en_cours"
    _audit(
        session,
        actor,
        "assistance.transfert",
        conversation_id,
        before={"id_agent": before},
        after={"id_agent": agent_id},
    )
    await session.flush()


async def post_as_agent(
    session: AsyncSession, *, actor: Principal, conversation_id: int, body: AgentMessageCreate
) -> MessageAssistance:
    """A public answer (the person's turn; notified) or an internal note (nothing else
    changes)."""
    found = await conversation(session, conversation_id, for_update=True)
    await check_attachment(session, body.id_media, actor.id)
    message = await add_message(
        session,
        found,
        author=actor,
        side="agent",
        contenu=body.contenu,
        media_id=body.id_media,
        internal=body.interne,
    )
    found.dernier_lu_agent = max(found.dernier_lu_agent or 0, message.id_message)
    if not body.interne:
        if found.id_agent is None:
            found.id_agent = actor.id
        found.statut = "attente_utilisateur"
        found.date_resolution = None
        if found.date_premiere_reponse is None:
            found.date_premiere_reponse = message.date_envoi
        await notify.answered(session, found, message)
    await session.flush()
    return message


async def resolve(
    session: AsyncSession, *, actor: Principal, conversation_id: int, text: str | None
) -> MessageAssistance | None:
    """Mark resolved, after an optional last public answer (not notified twice)."""
    found = await conversation(session, conversation_id, for_update=True)
    message = None
    if text is not None:
        message = await add_message(
            session, found, author=actor, side="agent", contenu=text, internal=False
        )
        found.dernier_lu_agent = max(found.dernier_lu_agent or 0, message.id_message)
        if found.date_premiere_reponse is None:
            found.date_premiere_reponse = message.date_envoi
    if found.id_agent is None:
        found.id_agent = actor.id
    found.statut = "resolue"
    found.date_resolution = now()
    await notify.resolved(session, found)
    await session.flush()
    return message


async def mask(
    session: AsyncSession, *, actor: Principal, message_id: int, motif: str
) -> MessageAssistance:
    """Hide a message from both sides (moderation), audited with its motif."""
    message = await repository.message(session, message_id)
    if message is None:
        raise MessageNotFound
    if message.statut == "masque":
        raise AlreadyHidden
    message.statut = "masque"
    audit.record(
        session,
        actor=actor,
        action="assistance.masquage",
        table="message_assistance",
        key=message_id,
        before={"statut": "publie"},
        after={"statut": "masque"},
        motif=motif,
    )
    await session.flush()
    return message
