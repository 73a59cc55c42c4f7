"""The roles and their named permissions: reference data, written by `hostolink seed`
(run by `serve`) so that the table always matches this code."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth import permissions
from hostolink.models import RolePermission


@dataclass(frozen=True)
class Role:
    id: int
    code: str
    label: str
    permissions: tuple[str, ...]


_PERSON = (
    permissions.PROFILE_MANAGE,
    permissions.WALLET_USE,
    permissions.SOCIAL_POST,
    permissions.DISCUSSIONS_TAKE_PART,
)

ROLES: tuple[Role, ...] = (
    Role(1, "user", "Utilisateur", _PERSON),
    Role(
        2,
        "etablissement",
        "Gestionnaire d'établissement de santé",
        (permissions.ESTABLISHMENT_MANAGE, permissions.PAYMENTS_RECEIVE),
    ),
    Role(3, "expert", "Expert santé", (permissions.DISCUSSIONS_ANSWER,)),
    Role(
        4,
        "agent",
        "Agent du support",
        (
            permissions.SUPPORT_ANSWER,
            permissions.USERS_READ,
            # A person's recent transactions and operations, the context of their question.
            permissions.TRANSACTIONS_READ,
            permissions.OPERATIONS_READ,
            permissions.CLAIMS_RESOLVE,
            permissions.HELP_MANAGE,
        ),
    ),
    Role(5, "admin", "Administrateur", permissions.ADMINISTRATION),
    # Every administration permission as well: a super-administrator acts without also
    # holding the admin role (removing it must not lock them out of the back-office).
    Role(
        6,
        "super_admin",
        "Super-administrateur",
        permissions.ADMINISTRATION + permissions.SUPER_ADMINISTRATION,
    ),
)


ROLE_IDS: dict[str, int] = {role.code: role.id for role in ROLES}


async def sync_roles(session: AsyncSession) -> None:
    for role in ROLES:
        statement = insert(RolePermission).values(
            id_role=role.id, code=role.code, libelle=role.label, permissions=list(role.permissions)
        )
        statement = statement.on_conflict_do_update(
            index_elements=[RolePermission.id_role],
            set_={"code": role.code, "libelle": role.label, "permissions": list(role.permissions)},
        )
        await session.execute(statement)
