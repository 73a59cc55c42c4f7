"""Back-office API: the list of people. Every route here needs `utilisateurs:lire` (read from
the database with the caller)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel

from hostolink.admin import repository
from hostolink.auth import permissions
from hostolink.auth.deps import authenticated_router, require
from hostolink.db import SessionDep
from hostolink.users.schemas import UserOut

router = authenticated_router(tags=["Administration"])
_READ_USERS = [Depends(require(permissions.USERS_READ))]

Page = Annotated[int, Query(ge=1, le=100_000, description="Numéro de page (à partir de 1).")]
Limit = Annotated[int, Query(ge=1, le=200, description="Nombre d'éléments par page.")]
Search = Annotated[
    str | None, Query(max_length=100, description="Recherche (e-mail, téléphone, nom).")
]


class UsersAnswer(BaseModel):
    success: bool = True
    total: int
    utilisateurs: list[UserOut]


class UsersPage(UsersAnswer):
    page: int
    limit: int
    pages: int


@router.get(
    "/admin/utilisateurs",
    summary="Liste des utilisateurs (route de l'application)",
    dependencies=_READ_USERS,
)
async def list_users_legacy(
    session: SessionDep, page: Page = 1, limit: Limit = 100, q: Search = None
) -> UsersAnswer:
    total, people = await repository.list_users(
        session, search=q, offset=(page - 1) * limit, limit=limit
    )
    return UsersAnswer(total=total, utilisateurs=[UserOut.of(p) for p in people])


@router.get(
    "/api/admin/utilisateurs", summary="Liste paginée des utilisateurs", dependencies=_READ_USERS
)
async def list_users(
    session: SessionDep, page: Page = 1, limit: Limit = 50, q: Search = None
) -> UsersPage:
    total, people = await repository.list_users(
        session, search=q, offset=(page - 1) * limit, limit=limit
    )
    pages = (total + limit - 1) // limit
    return UsersPage(
        total=total,
        utilisateurs=[UserOut.of(p) for p in people],
        page=page,
        limit=limit,
        pages=pages,
    )
