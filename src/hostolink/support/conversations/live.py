"""Live delivery of the help desk over WebSocket, across every API process (Redis fan-out).

A second `Hub` of kind `assistance` (discussions/hub.py) lives on `app.state`: channel id =
the conversation id, channel 0 = the agents' queue. Routes:
- `/ws/assistance/conversations/{id_conversation}`: the owner (side `utilisateur`) or a
  holder of `support:repondre` (side `agent`);
- `/ws/assistance/file`: the agents' queue (`{"type": "file", "data": conversation}` on every
  creation or change).
The token comes as in discussions/live.py (query `token`, or subprotocols `bearer, <token>`);
refusals close with 4401 (log in), 4403 (not allowed), 4404 (no such conversation).

Conversation frames, server → client: `bienvenue` and `resynchronisation` (catch up from the
history with `apres`), `ping`, `accuse` (`ref`, `id_message`), `erreur` (`error`,
`message`), `message` (`data`: MessageOut), `lu` (`cote`, `id_message`), `ecrit` (`cote`,
`prenom`: typing, never stored), `conversation` (`data`: ConversationOut), `reclamation`
(`data`: a claim), `retrait` (`id_message`: hidden by a moderator). An internal note's
`message` frame reaches the agents' sockets only: the filter is here, on the server.
Client → server: `{"type": "message", "contenu", "id_media", "ref"}` (agents may add
`"interne": true`), `{"type": "ecrit"}`, `{"type": "lu", "id_message"}`, `pong`.

Everything is published after its transaction committed; a frame lost on the way costs only
the live copy (the history has the truth)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.applications import Starlette

from hostolink.auth import permissions
from hostolink.auth.deps import AUTHENTICATED_IN_HANDLER
from hostolink.auth.principal import Principal
from hostolink.db import database_of
from hostolink.discussions.hub import Runtime
from hostolink.discussions.live import (
    MAX_FRAME_CHARS,
    Refusal,
    authenticate_socket,
    credentials,
    guarded,
    heartbeat,
)
from hostolink.errors import HostolinkError, TooManyRequests
from hostolink.kit.deps import settings_of
from hostolink.kit.params import big_id
from hostolink.support.conversations import desk, repository, service
from hostolink.support.conversations.attachments import links_of
from hostolink.support.conversations.schemas import AgentMessageCreate, MessageCreate

logger = logging.getLogger("hostolink.support.live")
ws_router = APIRouter(dependencies=[Depends(AUTHENTICATED_IN_HANDLER)])
Send = Callable[[dict[str, Any]], Awaitable[None]]
Side = Literal["utilisateur", "agent"]
STATE_KEY = "support_runtime"
QUEUE_CHANNEL = 0
TYPING_EVERY = 2.0  # seconds: at most one `ecrit` per socket in this window
CONVERSATIONS_PER_HOUR = 5
MESSAGES_PER_MINUTE = 20


def support_runtime_of(app: Starlette) -> Runtime:
    """The help desk's hub and limiter, created on first use."""
    state = app.state
    runtime: Runtime | None = getattr(state, STATE_KEY, None)
    if runtime is None:
        namespace = database_of(app).engine.url.database or "hostolink"
        runtime = Runtime(
            settings_of(app), namespace, kind="assistance", room_field="id_conversation"
        )
        setattr(state, STATE_KEY, runtime)
    return runtime


async def close_support_runtime(app: Starlette) -> None:
    """Close the help desk's hub and limiter (call from the application's shutdown)."""
    runtime: Runtime | None = getattr(app.state, STATE_KEY, None)
    if runtime is not None:
        setattr(app.state, STATE_KEY, None)
        await runtime.close()


async def _publish(app: Starlette, channel: int, frame: dict[str, Any]) -> None:
    try:
        await support_runtime_of(app).hub.publish(channel, frame)
    except Exception:  # a bug or an unforeseen transport failure: only the live copy is lost
        logger.warning("live %s frame for %s failed", frame.get("type"), channel, exc_info=True)


async def publish_conversation(app: Starlette, conversation_id: int, frame: dict[str, Any]) -> None:
    """Hand a frame to the conversation's sockets in every process; never raises."""
    await _publish(app, conversation_id, frame)


async def publish_queue(app: Starlette, frame: dict[str, Any]) -> None:
    """Hand a frame to the agents' queue sockets in every process; never raises."""
    await _publish(app, QUEUE_CHANNEL, frame)


async def announce(
    app: Starlette,
    conversation_id: int,
    *,
    message_ids: tuple[int, ...] = (),
    conversation: bool = True,
) -> None:
    """After a commit: the `message` frames of `message_ids`, then the conversation's new
    state (`conversation` on its channel, `file` on the queue). Never raises.

    The messages leave as soon as they are read: building the two views of the
    conversation (the person's, the agents') takes several more queries, and the person
    waits for the answer, not for its status (bench/results/2026-12-05-support.md)."""
    person_view = agent_view = None
    try:
        signer = links_of(app)
        async with database_of(app).sessionmaker() as session:
            for message_id in message_ids:
                message = await service.message_view(session, message_id, signer=signer)
                await publish_conversation(
                    app,
                    conversation_id,
                    {"type": "message", "data": message.model_dump(mode="json")},
                )
            if conversation:
                person_view = await service.conversation_view(
                    session, conversation_id, side="utilisateur"
                )
                agent_view = await desk.agent_view(session, conversation_id)
    except Exception:
        logger.warning("live frames for conversation %s not built", conversation_id, exc_info=True)
        return
    if person_view is not None and agent_view is not None:
        await publish_conversation(
            app,
            conversation_id,
            {"type": "conversation", "data": person_view.model_dump(mode="json")},
        )
        await publish_queue(app, {"type": "file", "data": agent_view.model_dump(mode="json")})


async def within_limit(app: Starlette, user_id: int, what: str) -> None:
    """429 (French, Retry-After) past 5 new conversations an hour or 20 messages a minute;
    Redis away lets everything through (the limiter fails open, as the rooms' does)."""
    runtime = support_runtime_of(app)
    if what == "conversation":
        limit, window, text = CONVERSATIONS_PER_HOUR, 3600, "Trop de conversations ouvertes"
    else:
        limit, window, text = MESSAGES_PER_MINUTE, 60, "Trop de messages"
    key = f"assistance:{runtime.namespace}:{what}:{user_id}"
    decision = await runtime.limiter.hit(key, limit, window)
    if not decision.allowed:
        wait = decision.retry_after
        raise TooManyRequests(f"{text} : réessayez dans {wait} secondes.", retry_after=wait)


# ------------------------------------------------------------------------------ sockets


async def _side(app: Starlette, principal: Principal, conversation_id: int) -> Side:
    async with database_of(app).sessionmaker() as session:
        found = await repository.conversation(session, conversation_id)
    if found is None:
        raise Refusal(4404, "Conversation introuvable.")
    if found.id_user == principal.id:
        return "utilisateur"
    if permissions.SUPPORT_ANSWER in principal.permissions:
        return "agent"
    # Someone else's conversation is not even said to exist.
    raise Refusal(4404, "Conversation introuvable.")


async def _open(websocket: WebSocket) -> Principal | None:
    """Accept, then authenticate; None once the socket is closed with the refusal."""
    token, subprotocol = credentials(websocket)
    await websocket.accept(subprotocol=subprotocol)
    return await guarded(websocket, authenticate_socket(websocket, token))


@ws_router.websocket("/ws/assistance/conversations/{id_conversation}")
async def conversation_socket(
    websocket: WebSocket, id_conversation: Annotated[int, big_id("Conversation.")]
) -> None:
    principal = await _open(websocket)
    if principal is not None:
        await serve_conversation(websocket, principal, id_conversation)


@ws_router.websocket("/ws/assistance/file")
async def queue_socket(websocket: WebSocket) -> None:
    principal = await _open(websocket)
    if principal is None:
        return
    if permissions.SUPPORT_ANSWER not in principal.permissions:
        await websocket.close(code=4403, reason="Réservé aux agents du support.")
        return
    async with support_runtime_of(websocket.app).hub.subscribe(QUEUE_CHANNEL) as queue:
        send = _sender(websocket)
        await send({"type": "bienvenue", "file": True})
        await _run(websocket, send, queue, side="agent", receive=_drain(websocket))


def _sender(websocket: WebSocket) -> Send:
    lock = asyncio.Lock()

    async def send(frame: dict[str, Any]) -> None:
        async with lock:  # one writer at a time on the socket
            await websocket.send_json(frame)

    return send


async def _drain(websocket: WebSocket) -> None:
    while True:
        await websocket.receive_text()  # the queue socket only listens (pong ignored)


async def _run(
    websocket: WebSocket,
    send: Send,
    queue: asyncio.Queue[dict[str, Any]],
    *,
    side: Side,
    receive: Awaitable[None],
) -> None:
    tasks = [
        asyncio.create_task(heartbeat(send, settings_of(websocket.app))),
        asyncio.create_task(_forward(send, queue, side)),
    ]
    try:
        await receive
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def visible_to(frame: dict[str, Any], side: Side) -> bool:
    """Internal notes never reach the person's sockets."""
    if side == "agent" or frame.get("type") != "message":
        return True
    data = frame.get("data")
    return not (isinstance(data, dict) and data.get("interne"))


async def _forward(send: Send, queue: asyncio.Queue[dict[str, Any]], side: Side) -> None:
    while True:
        frame = await queue.get()
        if visible_to(frame, side):
            await send(frame)


async def serve_conversation(
    websocket: WebSocket, principal: Principal, conversation_id: int
) -> None:
    """The conversation's socket loop, on an accepted socket whose `principal` is
    authenticated (by a token here, by the back-office session cookie there): checks access
    (closes 4404), then `bienvenue`, the frames, and what the client sends."""
    side = await guarded(websocket, _side(websocket.app, principal, conversation_id))
    if side is None:
        return
    async with support_runtime_of(websocket.app).hub.subscribe(conversation_id) as queue:
        send = _sender(websocket)
        await send({"type": "bienvenue", "id_conversation": conversation_id, "cote": side})
        client = _Client(websocket, send, principal, conversation_id, side)
        await _run(websocket, send, queue, side=side, receive=client.receive())


def _error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "erreur", "error": code, "message": message, **extra}


class _Client:
    """What one socket sends: messages, typing, read markers."""

    def __init__(
        self,
        websocket: WebSocket,
        send: Send,
        principal: Principal,
        conversation_id: int,
        side: Side,
    ) -> None:
        self.websocket = websocket
        self.app: Starlette = websocket.app
        self.send = send
        self.principal = principal
        self.conversation_id = conversation_id
        self.side = side
        self.typed_at: float | None = None

    async def receive(self) -> None:
        while True:
            text = await self.websocket.receive_text()
            frame: Any = None
            if len(text) <= MAX_FRAME_CHARS:
                with contextlib.suppress(ValueError):
                    frame = json.loads(text)
            if not isinstance(frame, dict):
                await self.send(_error("TrameInvalide", "Trame invalide : envoyez un objet JSON."))
                continue
            kind = frame.pop("type", "message")
            if kind in ("pong", "ping"):
                continue
            handler = {"message": self.message, "ecrit": self.typing, "lu": self.read}.get(kind)
            if handler is None:
                await self.send(_error("TrameInvalide", "Type de trame inconnu."))
                continue
            await handler(frame)

    async def typing(self, frame: dict[str, Any]) -> None:
        now = asyncio.get_running_loop().time()
        if self.typed_at is not None and now - self.typed_at < TYPING_EVERY:
            return  # at most one indicator per socket every 2 s
        self.typed_at = now
        typing = {"type": "ecrit", "cote": self.side, "prenom": self.principal.prenom}
        await publish_conversation(self.app, self.conversation_id, typing)

    async def read(self, frame: dict[str, Any]) -> None:
        message_id = frame.get("id_message")
        if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id < 1:
            await self.send(_error("ValidationError", "id_message : entier attendu."))
            return
        try:
            async with database_of(self.app).sessionmaker() as session, session.begin():
                await service.mark_read(
                    session,
                    conversation_id=self.conversation_id,
                    side=self.side,
                    message_id=message_id,
                )
        except HostolinkError as exc:
            await self.send(_error(exc.code, exc.message))
            return
        marker = {"type": "lu", "cote": self.side, "id_message": message_id}
        await publish_conversation(self.app, self.conversation_id, marker)

    async def message(self, frame: dict[str, Any]) -> None:
        ref = frame.pop("ref", None)
        try:
            if self.side == "utilisateur":
                await within_limit(self.app, self.principal.id, "message")
                body: MessageCreate = MessageCreate.model_validate(frame)
            else:
                body = AgentMessageCreate.model_validate(frame)
        except ValidationError:
            await self.send(_error("ValidationError", "Message invalide.", ref=ref))
            return
        except TooManyRequests as exc:
            wait = exc.extra.get("retry_after") if exc.extra else None
            await self.send(_error(exc.code, exc.message, retry_after=wait, ref=ref))
            return
        try:
            async with database_of(self.app).sessionmaker() as session, session.begin():
                if isinstance(body, AgentMessageCreate):
                    stored = await desk.post_as_agent(
                        session,
                        actor=self.principal,
                        conversation_id=self.conversation_id,
                        body=body,
                    )
                else:
                    stored = await service.post_as_person(
                        session,
                        actor=self.principal,
                        conversation_id=self.conversation_id,
                        body=body,
                    )
                message_id = stored.id_message
        except HostolinkError as exc:
            await self.send(_error(exc.code, exc.message, ref=ref))
            return
        await self.send({"type": "accuse", "ref": ref, "id_message": message_id})
        await announce(self.app, self.conversation_id, message_ids=(message_id,))
