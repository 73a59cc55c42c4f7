"""Declarative base shared by every table, with a naming convention so that constraint
names are stable across autogenerate runs and readable in error messages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Aware UTC now, for `timestamptz` columns."""
    return datetime.now(UTC)


def naive_utcnow() -> datetime:
    """Naive UTC now, for the owner's `timestamp` (without time zone) columns."""
    return datetime.now(UTC).replace(tzinfo=None)
