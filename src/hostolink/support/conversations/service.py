"""A person's conversations with the help desk, and what both sides share: the views of a
conversation and of a message (also the `data` of the live frames), the history, the read
markers and the system messages. The agents' actions are desk.py.

The author is always the caller (`actor`); services never commit (one request is one
transaction) and never publish: the caller publishes the returned views once its
transaction has committed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.principal import Principal
from hostolink.errors import BadRequest, HostolinkError, NotFound
from hostolink.kit.pagination import decode_cursor, encode_cursor
from hostolink.models import ConversationAssistance, MessageAssistance
from hostolink.models.assistance import STATUTS_OUVERTS
from hostolink.support.claims import repository as claims_repository
from hostolink.support.claims import views as claim_views
from hostolink.support.conversations import repository
from hostolink.support.conversations.attachments import Links
from hostolink.support.conversations.schemas import (
    STATUS_LABELS,
    AgentConversationOut,
    AgentOut,
    AttachmentOut,
    ConversationCreate,
    ConversationDetail,
    ConversationOut,
    LastMessageOut,
    MessageCreate,
    MessageOut,
    ObjectOut,
    PersonOut,
)

Side = Literal["utilisateur", "agent"]
MAX_PAGE = 100
HIDDEN_EXCERPT = "Message masqué"
FILTERS = {
    "ouvertes": STATUTS_OUVERTS,
    "resolues": ("resolue",),
    "toutes": (*STATUTS_OUVERTS, "resolue"),
}


class Unprocessable(HostolinkError):
    status_code = 422


class ConversationNotFound(NotFound):
    message = "Conversation introuvable."


class TransactionNotFound(NotFound):
    message = "Transaction introuvable."


class OperationNotFound(NotFound):
    message = "Opération introuvable."


class AttachmentRefused(Unprocessable):
    message = "Pièce jointe introuvable : téléversez-la d'abord (POST /api/assistance/pieces)."


class MessageNotInConversation(BadRequest):
    message = "Ce message n'existe pas dans cette conversation."


class UnknownFilter(Unprocessable):
    message = "statut : valeur non autorisée (ouvertes, resolues, toutes)."


def now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------------------- views


def _last(row: Any) -> LastMessageOut | None:
    if row.dernier_date is None:
        return None
    hidden = row.dernier_statut == "masque"
    extract = HIDDEN_EXCERPT if hidden else (row.dernier_contenu or "Image")
    return LastMessageOut(extrait=extract, auteur=row.dernier_auteur, date_envoi=row.dernier_date)


def conversation_out(row: Any, *, side: Side) -> ConversationOut:
    conversation: ConversationAssistance = row.ConversationAssistance
    values: dict[str, Any] = {
        "id_conversation": conversation.id_conversation,
        "sujet": conversation.sujet,
        "statut": conversation.statut,
        "libelle_statut": STATUS_LABELS[conversation.statut],
        "agent": (
            AgentOut(id_user=conversation.id_agent, prenom=row.agent_prenom)
            if conversation.id_agent is not None
            else None
        ),
        "reference_transaction": row.reference_transaction,
        "reference_operation": row.reference_operation,
        "date_creation": conversation.date_creation,
        "date_dernier_message": conversation.date_dernier_message,
        "date_premiere_reponse": conversation.date_premiere_reponse,
        "date_resolution": conversation.date_resolution,
        "non_lus": int(row.non_lus or 0),
        "dernier_message": _last(row),
    }
    if side == "utilisateur":
        return ConversationOut(**values)
    person = PersonOut(
        id_user=conversation.id_user,
        prenom=row.personne_prenom,
        nom=row.personne_nom,
        telephone=row.personne_telephone,
    )
    return AgentConversationOut(**values, personne=person)


async def conversation_view(
    session: AsyncSession, conversation_id: int, *, side: Side
) -> ConversationOut:
    """The conversation as `side` sees it (the agents' variant names the person)."""
    row = await repository.conversation_row(session, conversation_id, side=side)
    if row is None:
        raise ConversationNotFound
    return conversation_out(row, side=side)


def message_out(row: Any, *, signer: Links) -> MessageOut:
    message: MessageAssistance = row.MessageAssistance
    hidden = message.statut == "masque"
    attachment = None
    if message.id_media is not None and not hidden:
        attachment = AttachmentOut(
            id_media=message.id_media,
            url=signer.url(message.id_media),
            largeur=row.largeur,
            hauteur=row.hauteur,
        )
    return MessageOut(
        id_message=message.id_message,
        id_conversation=message.id_conversation,
        auteur=message.auteur,  # the CHECK names the three
        prenom_auteur=None if message.auteur == "systeme" else row.prenom_auteur,
        interne=message.interne,
        contenu=None if hidden else message.contenu,
        piece_jointe=attachment,
        statut=message.statut,
        date_envoi=message.date_envoi,
    )


async def message_view(session: AsyncSession, message_id: int, *, signer: Links) -> MessageOut:
    """A stored message as both sides see it (the `data` of a `message` frame)."""
    row = await repository.message_row(session, message_id)
    if row is None:
        raise MessageNotInConversation
    return message_out(row, signer=signer)


async def linked_object(
    session: AsyncSession, conversation: ConversationAssistance
) -> ObjectOut | None:
    if conversation.id_transaction is not None:
        found = await repository.transaction(session, conversation.id_transaction)
        if found is None:
            return None
        return ObjectOut(
            genre="transaction",
            reference=found.reference,
            type=found.type_transaction,
            montant=found.montant,
            devise=found.devise,
            statut=found.statut,
            date=found.date_creation,
            fournisseur=None,
        )
    if conversation.id_operation is not None:
        operation = await repository.operation(session, conversation.id_operation)
        if operation is None:
            return None
        return ObjectOut(
            genre="operation",
            reference=str(operation.reference),
            type=operation.sens,
            montant=operation.montant,
            devise=operation.devise,
            statut=operation.statut,
            date=operation.date_creation,
            fournisseur=operation.fournisseur,
        )
    return None


# --------------------------------------------------------------------- the person's side


async def owned(
    session: AsyncSession, conversation_id: int, user_id: int, *, for_update: bool = False
) -> ConversationAssistance:
    """The person's own conversation; someone else's answers the same 404 as none."""
    conversation = await repository.conversation(session, conversation_id, for_update=for_update)
    if conversation is None or conversation.id_user != user_id:
        raise ConversationNotFound
    return conversation


async def check_attachment(session: AsyncSession, media_id: int | None, owner_id: int) -> None:
    if (
        media_id is not None
        and await repository.usable_media(session, media_id, owner_id=owner_id) is None
    ):
        raise AttachmentRefused


async def add_message(
    session: AsyncSession,
    conversation: ConversationAssistance,
    *,
    author: Principal | None,
    side: Literal["utilisateur", "agent", "systeme"],
    contenu: str | None,
    media_id: int | None = None,
    internal: bool = False,
) -> MessageAssistance:
    moment = now()
    message = MessageAssistance(
        id_conversation=conversation.id_conversation,
        id_auteur=author.id if author is not None else None,
        auteur=side,
        interne=internal,
        contenu=contenu,
        id_media=media_id,
        date_envoi=moment,
    )
    session.add(message)
    if not internal:
        conversation.date_dernier_message = moment
    await session.flush()
    return message


async def create(
    session: AsyncSession, *, actor: Principal, body: ConversationCreate
) -> tuple[int, int]:
    """Open a conversation with its first message: (id_conversation, id_message)."""
    transaction_id = operation_id = None
    if body.reference_transaction is not None:
        transaction_id = await repository.owned_transaction(
            session, body.reference_transaction, actor.id
        )
        if transaction_id is None:
            raise TransactionNotFound
    if body.reference_operation is not None:
        operation_id = await repository.owned_operation(session, body.reference_operation, actor.id)
        if operation_id is None:
            raise OperationNotFound
    await check_attachment(session, body.id_media, actor.id)
    moment = now()
    conversation = ConversationAssistance(
        id_user=actor.id,
        sujet=body.sujet,
        statut="nouvelle",
        id_transaction=transaction_id,
        id_operation=operation_id,
        date_creation=moment,
        date_dernier_message=moment,
    )
    session.add(conversation)
    await session.flush()
    message = await add_message(
        session,
        conversation,
        author=actor,
        side="utilisateur",
        contenu=body.message,
        media_id=body.id_media,
    )
    # The person has seen what they wrote.
    conversation.dernier_lu_utilisateur = message.id_message
    await session.flush()
    return conversation.id_conversation, message.id_message


async def list_mine(
    session: AsyncSession, *, actor: Principal, statut: str, cursor: str | None, limit: int
) -> tuple[list[ConversationOut], str | None]:
    statuses = FILTERS.get(statut)
    if statuses is None:
        raise UnknownFilter
    after = decode_cursor(cursor) if cursor else None
    rows = list(
        await repository.conversations_of(
            session, user_id=actor.id, statuses=statuses, after=after, limit=limit + 1
        )
    )
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1].ConversationAssistance
        following = encode_cursor(last.date_dernier_message, last.id_conversation)
    return [conversation_out(row, side="utilisateur") for row in rows], following


async def detail(
    session: AsyncSession, *, actor: Principal, conversation_id: int
) -> ConversationDetail:
    conversation = await owned(session, conversation_id, actor.id)
    view = await conversation_view(session, conversation_id, side="utilisateur")
    claims = await claims_repository.rows(session, conversation_id=conversation_id)
    return ConversationDetail(
        **view.model_dump(),
        objet=await linked_object(session, conversation),
        reclamations=[claim_views.person_out(row) for row in claims],
    )


@dataclass(frozen=True)
class Page:
    """A history page: back from `before`, or the catch-up after `after`."""

    before: int | None
    after: int | None
    limit: int


async def history(
    session: AsyncSession,
    *,
    conversation_id: int,
    with_notes: bool,
    page: Page,
    signer: Links,
) -> tuple[list[MessageOut], int | None]:
    before, after, limit = page.before, page.after, page.limit
    if before is not None and after is not None:
        raise BadRequest("Indiquez « avant » ou « apres », pas les deux.")
    rows = list(
        await repository.messages(
            session,
            conversation_id,
            with_notes=with_notes,
            before=before,
            after=after,
            limit=limit + 1,
        )
    )
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        # Catching up goes forward (pass it as `apres`), paging goes back (as `avant`).
        following = rows[-1].MessageAssistance.id_message
    return [message_out(row, signer=signer) for row in rows], following


def reopen_for_person(conversation: ConversationAssistance) -> None:
    """The person wrote: it is the desk's turn again (a resolved conversation reopens)."""
    if conversation.statut in ("resolue", "attente_utilisateur"):
        conversation.statut = "en_cours" if conversation.id_agent is not None else "nouvelle"
        conversation.date_resolution = None


async def post_as_person(
    session: AsyncSession, *, actor: Principal, conversation_id: int, body: MessageCreate
) -> MessageAssistance:
    conversation = await owned(session, conversation_id, actor.id, for_update=True)
    await check_attachment(session, body.id_media, actor.id)
    reopen_for_person(conversation)
    message = await add_message(
        session,
        conversation,
        author=actor,
        side="utilisateur",
        contenu=body.contenu,
        media_id=body.id_media,
    )
    conversation.dernier_lu_utilisateur = message.id_message
    await session.flush()
    return message


async def mark_read(
    session: AsyncSession, *, conversation_id: int, side: Side, message_id: int
) -> None:
    """Move `side`'s read marker (forward only) to a message the side may see."""
    visible = await repository.visible_message(
        session, conversation_id, message_id, with_notes=side == "agent"
    )
    if not visible:
        raise MessageNotInConversation
    await repository.move_marker(session, conversation_id, side=side, message_id=message_id)


async def system_message(
    session: AsyncSession, *, conversation_id: int, text: str
) -> MessageAssistance:
    """Add a `systeme` message (a claim decided…) and bump `date_dernier_message`; never
    commits. Publish `message_view(...)` after the commit."""
    conversation = await repository.conversation(session, conversation_id, for_update=True)
    if conversation is None:
        raise ConversationNotFound
    return await add_message(session, conversation, author=None, side="systeme", contenu=text)
