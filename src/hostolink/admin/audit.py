"""The audit log: writing a row for an administrator's action, and browsing the log (newest
first, cursor-paginated, filtered by actor, action prefix, target and dates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from hostolink.auth.principal import Principal
from hostolink.kit.deps import client_ip
from hostolink.kit.pagination import decode_cursor, encode_cursor
from hostolink.logging import request_id_var
from hostolink.models import JournalAudit, Utilisateur

MAX_PAGE = 100


@dataclass(frozen=True)
class Actor:
    """Who acts, from where: the token's principal, never a body field."""

    principal: Principal
    ip: str | None
    request_id: str | None


def actor_of(principal: Principal, request: Request) -> Actor:
    """The audit actor of a request: its principal, client address and request id (the one
    the middleware validated, not the raw header)."""
    request_id = request_id_var.get() or request.headers.get("x-request-id")
    return Actor(principal, client_ip(request), request_id)


def entry(
    *,
    actor: Actor | Principal | None,
    action: str,
    table: str,
    key: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    motif: str | None = None,
    ip: str | None = None,
    request_id: str | None = None,
) -> JournalAudit:
    """The audit row of one action: every row of `journal_audit` is built here.

    `actor` is an `Actor` (a request's principal with its client address and request id),
    a bare `Principal` (the address and request id, if known, passed as `ip` and
    `request_id`), or None for the system. `before` and `after` are stored as JSON: dates
    and times as ISO 8601 text, tuples as lists."""
    if isinstance(actor, Actor):
        actor_id: int | None = actor.principal.id
        ip, request_id = actor.ip, actor.request_id
    else:
        actor_id = actor.id if actor is not None else None
    return JournalAudit(
        id_acteur=actor_id,
        action=action,
        table_cible=table,
        cle_cible=str(key),
        avant=_jsonable(before),
        apres=_jsonable(after),
        motif=motif,
        adresse_ip=ip,
        id_requete=request_id,
    )


def record(
    session: AsyncSession | Session,
    *,
    actor: Actor | Principal | None,
    action: str,
    table: str,
    key: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    motif: str | None = None,
    ip: str | None = None,
    request_id: str | None = None,
) -> None:
    """Adds the audit row of one action to the session: it commits with the change it
    records, or not at all."""
    session.add(
        entry(
            actor=actor,
            action=action,
            table=table,
            key=key,
            before=before,
            after=after,
            motif=motif,
            ip=ip,
            request_id=request_id,
        )
    )


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {name: _json_value(value) for name, value in values.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    return value


@dataclass(frozen=True)
class JournalFilters:
    acteur: int | None = None
    action: str | None = None
    table_cible: str | None = None
    cle_cible: str | None = None
    du: date | None = None
    au: date | None = None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(filters: JournalFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.acteur is not None:
        conditions.append(JournalAudit.id_acteur == filters.acteur)
    if filters.action:
        pattern = _escape_like(filters.action) + "%"
        conditions.append(JournalAudit.action.like(pattern, escape="\\"))
    if filters.table_cible:
        conditions.append(JournalAudit.table_cible == filters.table_cible)
    if filters.cle_cible:
        conditions.append(JournalAudit.cle_cible == filters.cle_cible)
    if filters.du:
        conditions.append(JournalAudit.date_action >= _start_of(filters.du))
    if filters.au:
        conditions.append(JournalAudit.date_action < _start_of(filters.au + timedelta(days=1)))
    return conditions


async def browse(
    session: AsyncSession, *, filters: JournalFilters, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page of rows (with the actor's names) and the cursor of the next page, if any."""
    conditions = _conditions(filters)
    if cursor:
        moment, audit_id = decode_cursor(cursor)
        conditions.append(
            tuple_(JournalAudit.date_action, JournalAudit.id_audit) < (moment, audit_id)
        )
    query = (
        select(
            JournalAudit,
            Utilisateur.prenom,
            Utilisateur.nom,
            Utilisateur.email,
            Utilisateur.telephone,
        )
        .outerjoin(Utilisateur, Utilisateur.id_user == JournalAudit.id_acteur)
        .where(*conditions)
        .order_by(JournalAudit.date_action.desc(), JournalAudit.id_audit.desc())
        .limit(limit + 1)
    )
    rows = list((await session.execute(query)).all())
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1].JournalAudit
        following = encode_cursor(last.date_action, last.id_audit)
    return rows, following


def display_name(row: Any) -> str | None:
    names = " ".join(part for part in (row.prenom, row.nom) if part)
    return names or row.email or row.telephone or None
