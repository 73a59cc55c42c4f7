"""Routes of the help desk's conversations: a person's own (`/api/assistance/...`), the
agents' desk (`/api/admin/assistance/...`, permission `support:repondre`), the attachments'
signed links (public: the link is the credential) and the WebSockets (live.py).

The author of anything written here is the token's principal; bodies refuse unknown fields
with 422 (F-14). Live frames go out in background tasks, which run after the response, hence
after the request's session committed: no socket ever shows what rolled back."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, File, Path, Query, Request, UploadFile
from starlette.responses import Response

from hostolink.auth import permissions
from hostolink.auth.deps import (
    CurrentUser,
    authenticated_router,
    limit_client,
    public_router,
    require,
)
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.kit.deps import SettingsDep
from hostolink.kit.params import INT8_MAX, big_id
from hostolink.media import service as media
from hostolink.media.deps import StorageDep
from hostolink.support.conversations import desk, figures, service
from hostolink.support.conversations.attachments import PATH as PIECES
from hostolink.support.conversations.attachments import LinksDep, serve
from hostolink.support.conversations.live import (
    announce,
    publish_conversation,
    within_limit,
    ws_router,
)
from hostolink.support.conversations.schemas import (
    AgentConversationAnswer,
    AgentConversationsAnswer,
    AgentDetailAnswer,
    AgentMessageCreate,
    ConversationAnswer,
    ConversationCreate,
    ConversationsAnswer,
    DetailAnswer,
    DoneAnswer,
    FiguresAnswer,
    Masking,
    MessageAnswer,
    MessageCreate,
    MessagesAnswer,
    ReadMark,
    Resolution,
    Take,
    Transfer,
    UploadAnswer,
    UploadOut,
)

__all__ = ["admin_router", "public", "router", "ws_router"]

router = authenticated_router(tags=["Assistance"])
public = public_router(tags=["Assistance"])
admin_router = authenticated_router(tags=["Administration — assistance"])
Agent = Annotated[Principal, Depends(require(permissions.SUPPORT_ANSWER))]

PATH = "/api/assistance/conversations"
ADMIN_PATH = "/api/admin/assistance/conversations"
ConversationId = Annotated[int, big_id("Identifiant de la conversation.")]
MessageId = Annotated[int, big_id("Identifiant du message.")]
Limit = Annotated[int, Query(ge=1, le=service.MAX_PAGE, description="Éléments par page.")]
Cursor = Annotated[str | None, Query(max_length=200, description="`curseur_suivant` reçu.")]
Before = Annotated[
    int | None,
    Query(ge=1, le=INT8_MAX, description="`curseur_suivant` de la page précédente (plus récente)."),
]
After = Annotated[
    int | None,
    Query(
        ge=1,
        le=INT8_MAX,
        description="Dernier message reçu : les suivants, du plus ancien au plus récent.",
    ),
]
ImageFile = Annotated[UploadFile, File(description="Image JPEG, PNG ou WebP.")]


# ------------------------------------------------------------------------- the person


@router.post(
    PATH,
    status_code=201,
    response_model=ConversationAnswer,
    summary="Ouvrir une conversation avec le support",
    responses={404: {"description": "Transaction ou opération introuvable."}},
)
async def open_conversation(
    body: ConversationCreate,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> ConversationAnswer:
    """Sujet, premier message, pièce jointe facultative, et au plus une de mes transactions
    ou opérations. Au plus 5 nouvelles conversations par heure."""
    await within_limit(request.app, user.id, "conversation")
    conversation_id, message_id = await service.create(session, actor=user, body=body)
    view = await service.conversation_view(session, conversation_id, side="utilisateur")
    background.add_task(announce, request.app, conversation_id, message_ids=(message_id,))
    return ConversationAnswer(message="Conversation ouverte : le support vous répondra.", data=view)


@router.get(PATH, response_model=ConversationsAnswer, summary="Mes conversations avec le support")
async def my_conversations(
    user: CurrentUser,
    session: SessionDep,
    statut: Annotated[str, Query(description="ouvertes, resolues ou toutes.")] = "toutes",
    curseur: Cursor = None,
    limite: Limit = 20,
) -> ConversationsAnswer:
    """De l'activité la plus récente à la plus ancienne."""
    items, following = await service.list_mine(
        session, actor=user, statut=statut, cursor=curseur, limit=limite
    )
    return ConversationsAnswer(data=items, curseur_suivant=following)


@router.get(
    PATH + "/{id_conversation}", response_model=DetailAnswer, summary="Une de mes conversations"
)
async def my_conversation(
    id_conversation: ConversationId, user: CurrentUser, session: SessionDep
) -> DetailAnswer:
    """Avec l'objet lié (transaction ou opération) et les réclamations."""
    return DetailAnswer(
        data=await service.detail(session, actor=user, conversation_id=id_conversation)
    )


@router.get(
    PATH + "/{id_conversation}/messages",
    response_model=MessagesAnswer,
    summary="Messages d'une de mes conversations",
)
async def my_messages(
    *,
    id_conversation: ConversationId,
    user: CurrentUser,
    session: SessionDep,
    signer: LinksDep,
    avant: Before = None,
    apres: After = None,
    limite: Limit = 30,
) -> MessagesAnswer:
    """Du plus récent au plus ancien (`avant` pour la page suivante) ou, avec `apres`, ce qui
    a été écrit depuis ce message (rattrapage après reconnexion)."""
    await service.owned(session, id_conversation, user.id)
    items, following = await service.history(
        session,
        conversation_id=id_conversation,
        with_notes=False,
        before=avant,
        after=apres,
        limit=limite,
        signer=signer,
    )
    return MessagesAnswer(data=items, curseur_suivant=following)


@router.post(
    PATH + "/{id_conversation}/messages",
    status_code=201,
    response_model=MessageAnswer,
    summary="Écrire au support",
)
async def write(
    *,
    id_conversation: ConversationId,
    body: MessageCreate,
    user: CurrentUser,
    session: SessionDep,
    signer: LinksDep,
    request: Request,
    background: BackgroundTasks,
) -> MessageAnswer:
    """Au plus 20 messages par minute. Écrire dans une conversation résolue la rouvre."""
    await within_limit(request.app, user.id, "message")
    message = await service.post_as_person(
        session, actor=user, conversation_id=id_conversation, body=body
    )
    view = await service.message_view(session, message.id_message, signer=signer)
    background.add_task(announce, request.app, id_conversation, message_ids=(view.id_message,))
    return MessageAnswer(data=view)


async def _read_frame(request: Request, conversation_id: int, side: str, message_id: int) -> None:
    frame = {"type": "lu", "cote": side, "id_message": message_id}
    await publish_conversation(request.app, conversation_id, frame)


@router.post(
    PATH + "/{id_conversation}/lu",
    response_model=DoneAnswer,
    summary="Marquer une de mes conversations comme lue jusqu'à un message",
)
async def my_read_mark(
    *,
    id_conversation: ConversationId,
    body: ReadMark,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> DoneAnswer:
    await service.owned(session, id_conversation, user.id)
    await service.mark_read(
        session, conversation_id=id_conversation, side="utilisateur", message_id=body.id_message
    )
    background.add_task(_read_frame, request, id_conversation, "utilisateur", body.id_message)
    return DoneAnswer(message="Marque de lecture enregistrée.")


@router.post(
    PIECES,
    status_code=201,
    response_model=UploadAnswer,
    summary="Téléverser une pièce jointe pour le support (image privée)",
    dependencies=[Depends(limit_client)],
)
async def upload(
    *,
    fichier: ImageFile,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    signer: LinksDep,
) -> UploadAnswer:
    """L'image n'est jamais publique : on la voit par un lien signé valable une heure."""
    data = await media.read_bounded(fichier, settings.media_max_bytes)
    row = await media.upload(
        session,
        storage=storage,
        user_id=user.id,
        usage="assistance",
        data=data,
        max_side=settings.media_max_side_px,
    )
    out = UploadOut(
        id_media=row.id_media,
        url=signer.url(row.id_media),
        largeur=row.largeur,
        hauteur=row.hauteur,
        type_mime=row.type_mime,
    )
    return UploadAnswer(data=out)


@public.get(
    PIECES + "/{jeton}",
    summary="Pièce jointe de l'assistance, par lien signé (une heure)",
    response_class=Response,
    responses={403: {"description": "Lien altéré."}, 410: {"description": "Lien expiré."}},
)
async def attachment(
    jeton: Annotated[str, Path(max_length=120)],
    session: SessionDep,
    settings: SettingsDep,
    signer: LinksDep,
) -> Response:
    return await serve(session, settings=settings, signer=signer, token=jeton)


# ------------------------------------------------------------------------------ agents


@admin_router.get(
    ADMIN_PATH, response_model=AgentConversationsAnswer, summary="File des conversations"
)
async def desk_queue(
    *,
    agent: Agent,
    session: SessionDep,
    filtre: Annotated[
        str,
        Query(description="nouvelles, miennes, attente_utilisateur, resolues, ouvertes ou toutes."),
    ] = "ouvertes",
    q: Annotated[str | None, Query(max_length=100, description="Sujet, nom, téléphone.")] = None,
    curseur: Cursor = None,
    limite: Limit = 30,
) -> AgentConversationsAnswer:
    items, following = await desk.queue(
        session, actor=agent, filtre=filtre, search=q, cursor=curseur, limit=limite
    )
    return AgentConversationsAnswer(data=items, curseur_suivant=following)


@admin_router.get(
    ADMIN_PATH + "/{id_conversation}",
    response_model=AgentDetailAnswer,
    summary="Une conversation, avec le contexte de la personne",
)
async def desk_conversation(
    id_conversation: ConversationId, agent: Agent, session: SessionDep
) -> AgentDetailAnswer:
    """Le contexte ne montre transactions et opérations qu'aux agents qui peuvent les lire."""
    return AgentDetailAnswer(
        data=await desk.detail(session, actor=agent, conversation_id=id_conversation)
    )


@admin_router.get(
    ADMIN_PATH + "/{id_conversation}/messages",
    response_model=MessagesAnswer,
    summary="Messages d'une conversation, notes internes comprises",
)
async def desk_messages(
    *,
    id_conversation: ConversationId,
    agent: Agent,
    session: SessionDep,
    signer: LinksDep,
    avant: Before = None,
    apres: After = None,
    limite: Limit = 30,
) -> MessagesAnswer:
    await desk.conversation(session, id_conversation)
    items, following = await service.history(
        session,
        conversation_id=id_conversation,
        with_notes=True,
        before=avant,
        after=apres,
        limit=limite,
        signer=signer,
    )
    return MessagesAnswer(data=items, curseur_suivant=following)


async def _changed(
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
    conversation_id: int,
    text: str,
) -> AgentConversationAnswer:
    view = await desk.agent_view(session, conversation_id)
    background.add_task(announce, request.app, conversation_id)
    return AgentConversationAnswer(message=text, data=view)


@admin_router.post(
    ADMIN_PATH + "/{id_conversation}/prise",
    response_model=AgentConversationAnswer,
    summary="Prendre une conversation",
    responses={409: {"description": "Un autre agent la suit (reprendre avec « forcer »)."}},
)
async def take(
    *,
    id_conversation: ConversationId,
    agent: Agent,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
    body: Take | None = None,
) -> AgentConversationAnswer:
    force = body.forcer if body is not None else False
    await desk.take(session, actor=agent, conversation_id=id_conversation, force=force)
    return await _changed(session, request, background, id_conversation, "Conversation prise.")


@admin_router.post(
    ADMIN_PATH + "/{id_conversation}/transfert",
    response_model=AgentConversationAnswer,
    summary="Confier une conversation à un autre agent",
)
async def transfer(
    *,
    id_conversation: ConversationId,
    body: Transfer,
    agent: Agent,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> AgentConversationAnswer:
    await desk.transfer(
        session, actor=agent, conversation_id=id_conversation, agent_id=body.id_agent
    )
    return await _changed(session, request, background, id_conversation, "Conversation confiée.")


@admin_router.post(
    ADMIN_PATH + "/{id_conversation}/messages",
    status_code=201,
    response_model=MessageAnswer,
    summary="Répondre à la personne, ou ajouter une note interne",
)
async def answer(
    *,
    id_conversation: ConversationId,
    body: AgentMessageCreate,
    agent: Agent,
    session: SessionDep,
    signer: LinksDep,
    request: Request,
    background: BackgroundTasks,
) -> MessageAnswer:
    """Une réponse publique attend la personne et la notifie ; une note interne
    (`interne`) ne lui est jamais montrée."""
    message = await desk.post_as_agent(
        session, actor=agent, conversation_id=id_conversation, body=body
    )
    view = await service.message_view(session, message.id_message, signer=signer)
    background.add_task(announce, request.app, id_conversation, message_ids=(view.id_message,))
    return MessageAnswer(data=view)


@admin_router.post(
    ADMIN_PATH + "/{id_conversation}/resolution",
    response_model=AgentConversationAnswer,
    summary="Marquer une conversation résolue",
)
async def resolve(
    *,
    id_conversation: ConversationId,
    agent: Agent,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
    body: Resolution | None = None,
) -> AgentConversationAnswer:
    """Avec un dernier message facultatif ; la personne est notifiée."""
    text = body.message if body is not None else None
    message = await desk.resolve(session, actor=agent, conversation_id=id_conversation, text=text)
    view = await desk.agent_view(session, id_conversation)
    ids = (message.id_message,) if message is not None else ()
    background.add_task(announce, request.app, id_conversation, message_ids=ids)
    return AgentConversationAnswer(message="Conversation résolue.", data=view)


@admin_router.post(
    ADMIN_PATH + "/{id_conversation}/lu",
    response_model=DoneAnswer,
    summary="Marquer une conversation comme lue par le support",
)
async def desk_read_mark(
    *,
    id_conversation: ConversationId,
    body: ReadMark,
    agent: Agent,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> DoneAnswer:
    await desk.conversation(session, id_conversation)
    await service.mark_read(
        session, conversation_id=id_conversation, side="agent", message_id=body.id_message
    )
    background.add_task(_read_frame, request, id_conversation, "agent", body.id_message)
    return DoneAnswer(message="Marque de lecture enregistrée.")


async def _withdraw(request: Request, conversation_id: int, message_id: int) -> None:
    frame = {"type": "retrait", "id_conversation": conversation_id, "id_message": message_id}
    await publish_conversation(request.app, conversation_id, frame)


@admin_router.post(
    "/api/admin/assistance/messages/{id_message}/masquage",
    response_model=DoneAnswer,
    summary="Masquer un message (modération, motif journalisé)",
)
async def hide(
    *,
    id_message: MessageId,
    body: Masking,
    agent: Agent,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> DoneAnswer:
    message = await desk.mask(session, actor=agent, message_id=id_message, motif=body.motif)
    background.add_task(_withdraw, request, message.id_conversation, id_message)
    return DoneAnswer(message="Message masqué.")


@admin_router.get(
    "/api/admin/assistance/statistiques",
    response_model=FiguresAnswer,
    summary="Indicateurs du support (délais de première réponse et de résolution)",
)
async def statistics(
    _: Agent,
    session: SessionDep,
    jours: Annotated[int, Query(ge=1, le=365, description="Période, en jours.")] = 30,
) -> FiguresAnswer:
    return FiguresAnswer(data=await figures.figures(session, jours))
