"""`role_permission` and `utilisateur_role`: what a person may do comes from the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, DateTime, ForeignKey, Integer, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class RolePermission(Base):
    __tablename__ = "role_permission"

    id_role: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    libelle: Mapped[str] = mapped_column(String(100), nullable=False)
    permissions: Mapped[list[str]] = mapped_column(
        ARRAY(String(60)), nullable=False, server_default="{}"
    )


class UtilisateurRole(Base):
    __tablename__ = "utilisateur_role"

    id_user: Mapped[int] = mapped_column(
        Integer, ForeignKey("utilisateur.id_user", ondelete="CASCADE"), primary_key=True
    )
    id_role: Mapped[int] = mapped_column(
        SmallInteger, ForeignKey("role_permission.id_role", ondelete="RESTRICT"), primary_key=True
    )
    attribue_par: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("utilisateur.id_user", ondelete="SET NULL")
    )
    date_attribution: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
