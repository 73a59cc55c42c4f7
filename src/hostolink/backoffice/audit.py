"""Every change made through the back-office's generic screens lands in `journal_audit` in
the same transaction as the change itself: who (the signed-in person), what (create, edit,
delete), on which row, the values before and after. sqladmin's own audit hook runs after the
commit and may drop an entry; this one cannot, since the row and its audit commit together."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, UOWTransaction

from hostolink.admin import audit
from hostolink.backoffice.session import current_admin, current_ip
from hostolink.logging import request_id_var
from hostolink.models import JournalAudit


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    try:
        json.dumps(value)
    except TypeError:
        return str(value)
    return value


def _columns(instance: Any) -> dict[str, Any]:
    state = inspect(instance)
    return {attr.key: _plain(attr.loaded_value) for attr in state.attrs if attr.key in _keys(state)}


def _keys(state: Any) -> set[str]:
    return {column.key for column in state.mapper.column_attrs}


def _key_of(instance: Any) -> str:
    identity = inspect(instance).identity
    return "-".join(str(part) for part in identity) if identity else "?"


def _changes(instance: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(instance)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _keys(state):
        history = state.attrs[key].history
        if history.has_changes():
            before[key] = _plain(history.deleted[0]) if history.deleted else None
            after[key] = _plain(history.added[0]) if history.added else None
    return before, after


def _audit(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    person = current_admin.get()
    rows: list[JournalAudit] = []
    for instance in session.dirty:
        if isinstance(instance, JournalAudit) or not session.is_modified(instance):
            continue
        before, after = _changes(instance)
        rows.append(_row(person, "modification", instance, before, after))
    for instance in session.deleted:
        rows.append(_row(person, "suppression", instance, _columns(instance), None))
    pending_new = [i for i in session.new if not isinstance(i, JournalAudit)]
    if pending_new:
        # New rows have no key before the flush: audit them once it assigned one.
        session.info.setdefault("backoffice_new", []).extend(pending_new)
    session.add_all(rows)


def _audit_new(session: Session, _flush: Any) -> None:
    created = session.info.pop("backoffice_new", [])
    person = current_admin.get()
    for instance in created:
        session.add(_row(person, "creation", instance, None, _columns(instance)))


def _row(
    person: Any, verb: str, instance: Any, before: dict[str, Any] | None, after: Any
) -> JournalAudit:
    table = instance.__table__.name
    return audit.entry(
        actor=person,
        action=f"backoffice.{table}.{verb}",
        table=table,
        key=_key_of(instance),
        before=before,
        after=after,
        ip=current_ip.get(),
        request_id=request_id_var.get(),
    )


def audited_sessionmaker(engine: Any) -> async_sessionmaker[AsyncSession]:
    """A session factory for sqladmin whose sessions write the audit rows of their changes."""

    class AuditedSession(Session):
        pass

    event.listen(AuditedSession, "before_flush", _audit)
    event.listen(AuditedSession, "after_flush_postexec", _audit_new)
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=AuditedSession)
