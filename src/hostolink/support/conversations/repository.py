"""Every query of the help desk's conversations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, String, and_, any_, cast, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hostolink.kit.pagination import id_window
from hostolink.models import (
    Compte,
    ConversationAssistance,
    Media,
    MessageAssistance,
    OperationFournisseur,
    RolePermission,
    Transaction,
    Utilisateur,
    UtilisateurRole,
)

PUBLISHED = "publie"
EXCERPT_CHARS = 120
Conversation = ConversationAssistance
Message = MessageAssistance
_Agent = aliased(Utilisateur, name="agent")
_Person = aliased(Utilisateur, name="personne")
_Author = aliased(Utilisateur, name="auteur_message")


async def conversation(
    session: AsyncSession, conversation_id: int, *, for_update: bool = False
) -> Conversation | None:
    query = select(Conversation).where(Conversation.id_conversation == conversation_id)
    if for_update:
        # Status, assignment and read markers change one request at a time.
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def owned_transaction(session: AsyncSession, reference: str, user_id: int) -> int | None:
    """The id of a transaction one of whose sides is the person's own account."""
    mine = select(Compte.id_compte).where(Compte.id_user == user_id)
    query = select(Transaction.id_transaction).where(
        Transaction.reference == reference.strip().upper(),
        or_(Transaction.id_compte_source.in_(mine), Transaction.id_compte_destination.in_(mine)),
    )
    return await session.scalar(query.limit(1))


async def owned_operation(session: AsyncSession, reference: str, user_id: int) -> int | None:
    try:
        value = uuid.UUID(reference.strip())
    except ValueError:
        return None
    query = select(OperationFournisseur.id_operation).where(
        OperationFournisseur.reference == value, OperationFournisseur.id_user == user_id
    )
    return await session.scalar(query.limit(1))


async def usable_media(session: AsyncSession, media_id: int, *, owner_id: int) -> Media | None:
    """A private attachment uploaded by `owner_id` for the help desk."""
    query = select(Media).where(
        Media.id_media == media_id,
        Media.usage == "assistance",
        Media.prive.is_(True),
        Media.id_user == owner_id,
    )
    return (await session.scalars(query)).first()


async def attachment(session: AsyncSession, media_id: int) -> Media | None:
    """The only media the help desk's signed links ever serve."""
    query = select(Media).where(
        Media.id_media == media_id, Media.usage == "assistance", Media.prive.is_(True)
    )
    return (await session.scalars(query)).first()


def _unread(side: str) -> Any:
    """The other side's public messages after this side's read marker."""
    if side == "utilisateur":
        marker, others = Conversation.dernier_lu_utilisateur, Message.auteur != "utilisateur"
    else:
        marker, others = Conversation.dernier_lu_agent, Message.auteur == "utilisateur"
    return (
        select(func.count(Message.id_message))
        .where(
            Message.id_conversation == Conversation.id_conversation,
            Message.id_message > func.coalesce(marker, 0),
            Message.interne.is_(False),
            Message.statut == PUBLISHED,
            others,
        )
        .correlate(Conversation)
        .scalar_subquery()
    )


def _last_message() -> Any:
    return (
        select(Message.id_message)
        .where(
            Message.id_conversation == Conversation.id_conversation,
            Message.interne.is_(False),
        )
        .order_by(Message.id_message.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )


_Last = aliased(MessageAssistance, name="dernier")


def conversations_query(side: str) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Conversation,
            _Agent.prenom.label("agent_prenom"),
            _Person.prenom.label("personne_prenom"),
            _Person.nom.label("personne_nom"),
            _Person.telephone.label("personne_telephone"),
            Transaction.reference.label("reference_transaction"),
            cast(OperationFournisseur.reference, String).label("reference_operation"),
            _unread(side).label("non_lus"),
            func.left(_Last.contenu, EXCERPT_CHARS).label("dernier_contenu"),
            _Last.statut.label("dernier_statut"),
            _Last.auteur.label("dernier_auteur"),
            _Last.date_envoi.label("dernier_date"),
        )
        .join(_Person, _Person.id_user == Conversation.id_user)
        .outerjoin(_Agent, _Agent.id_user == Conversation.id_agent)
        .outerjoin(Transaction, Transaction.id_transaction == Conversation.id_transaction)
        .outerjoin(
            OperationFournisseur, OperationFournisseur.id_operation == Conversation.id_operation
        )
        .outerjoin(_Last, _Last.id_message == _last_message())
    )


async def conversation_row(
    session: AsyncSession, conversation_id: int, *, side: str
) -> Row[*tuple[Any, ...]] | None:
    query = conversations_query(side).where(Conversation.id_conversation == conversation_id)
    return (await session.execute(query)).first()


def _page(
    query: Select[*tuple[Any, ...]], after: tuple[datetime, int] | None, limit: int
) -> Select[*tuple[Any, ...]]:
    if after is not None:
        moment, last_id = after
        query = query.where(
            or_(
                Conversation.date_dernier_message < moment,
                and_(
                    Conversation.date_dernier_message == moment,
                    Conversation.id_conversation < last_id,
                ),
            )
        )
    return query.order_by(
        Conversation.date_dernier_message.desc(), Conversation.id_conversation.desc()
    ).limit(limit)


async def conversations_of(
    session: AsyncSession,
    *,
    user_id: int,
    statuses: Sequence[str],
    after: tuple[datetime, int] | None,
    limit: int,
) -> Sequence[Row[*tuple[Any, ...]]]:
    query = conversations_query("utilisateur").where(
        Conversation.id_user == user_id, Conversation.statut.in_(statuses)
    )
    return (await session.execute(_page(query, after, limit))).all()


async def queue(
    session: AsyncSession,
    *,
    statuses: Sequence[str],
    agent_id: int | None,
    search: str | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Sequence[Row[*tuple[Any, ...]]]:
    query = conversations_query("agent").where(Conversation.statut.in_(statuses))
    if agent_id is not None:
        query = query.where(Conversation.id_agent == agent_id)
    if search:
        pattern = f"%{search.replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                Conversation.sujet.ilike(pattern),
                _Person.prenom.ilike(pattern),
                _Person.nom.ilike(pattern),
                _Person.telephone.ilike(pattern),
            )
        )
    return (await session.execute(_page(query, after, limit))).all()


def _messages() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Message,
            _Author.prenom.label("prenom_auteur"),
            Media.largeur,
            Media.hauteur,
        )
        .outerjoin(_Author, _Author.id_user == Message.id_auteur)
        .outerjoin(Media, Media.id_media == Message.id_media)
    )


async def messages(
    session: AsyncSession,
    conversation_id: int,
    *,
    with_notes: bool,
    before: int | None,
    after: int | None,
    limit: int,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Newest first (before `before`), or oldest first after `after` (catch-up)."""
    query = _messages().where(Message.id_conversation == conversation_id)
    if not with_notes:
        query = query.where(Message.interne.is_(False))
    query = id_window(query, Message.id_message, before=before, after=after)
    return (await session.execute(query.limit(limit))).all()


async def message_row(session: AsyncSession, message_id: int) -> Row[*tuple[Any, ...]] | None:
    return (await session.execute(_messages().where(Message.id_message == message_id))).first()


async def message(session: AsyncSession, message_id: int) -> Message | None:
    return await session.get(Message, message_id)


async def visible_message(
    session: AsyncSession, conversation_id: int, message_id: int, *, with_notes: bool
) -> bool:
    query = select(literal(1)).where(
        Message.id_message == message_id, Message.id_conversation == conversation_id
    )
    if not with_notes:
        query = query.where(Message.interne.is_(False))
    return (await session.scalar(query)) is not None


async def move_marker(
    session: AsyncSession, conversation_id: int, *, side: str, message_id: int
) -> None:
    # The marker only moves forward: a late request from another device never rewinds it.
    column = "dernier_lu_utilisateur" if side == "utilisateur" else "dernier_lu_agent"
    current = getattr(Conversation, column)
    await session.execute(
        update(Conversation)
        .where(Conversation.id_conversation == conversation_id)
        .values({column: func.greatest(func.coalesce(current, 0), message_id)})
    )


async def transaction(session: AsyncSession, transaction_id: int) -> Transaction | None:
    return await session.get(Transaction, transaction_id)


async def operation(session: AsyncSession, operation_id: int) -> OperationFournisseur | None:
    return await session.get(OperationFournisseur, operation_id)


async def recent_transactions(session: AsyncSession, user_id: int) -> Sequence[Transaction]:
    mine = select(Compte.id_compte).where(Compte.id_user == user_id)
    query = (
        select(Transaction)
        .where(
            or_(
                Transaction.id_compte_source.in_(mine),
                Transaction.id_compte_destination.in_(mine),
            )
        )
        .order_by(Transaction.id_transaction.desc())
        .limit(10)
    )
    return (await session.scalars(query)).all()


async def recent_operations(session: AsyncSession, user_id: int) -> Sequence[OperationFournisseur]:
    query = (
        select(OperationFournisseur)
        .where(OperationFournisseur.id_user == user_id)
        .order_by(OperationFournisseur.id_operation.desc())
        .limit(10)
    )
    return (await session.scalars(query)).all()


async def person(session: AsyncSession, user_id: int) -> Utilisateur | None:
    return await session.get(Utilisateur, user_id)


async def holds_permission(session: AsyncSession, user_id: int, permission: str) -> bool:
    """Whether an active account's roles grant `permission`."""
    query = (
        select(literal(1))
        .select_from(UtilisateurRole)
        .join(RolePermission, RolePermission.id_role == UtilisateurRole.id_role)
        .join(Utilisateur, Utilisateur.id_user == UtilisateurRole.id_user)
        .where(
            UtilisateurRole.id_user == user_id,
            Utilisateur.actif.is_(True),
            literal(permission) == any_(RolePermission.permissions),
        )
        .limit(1)
    )
    return (await session.scalar(query)) is not None
