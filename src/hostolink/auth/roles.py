"""The roles and their named permissions: reference data, written by `hostolink seed`
(run by `serve`) so that the table always matches this code."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import RolePermission


@dataclass(frozen=True)
class Role:
    id: int
    code: str
    label: str
    permissions: tuple[str, ...]


_PERSON = ("profil:gerer", "portefeuille:utiliser", "social:publier", "discussions:participer")

ROLES: tuple[Role, ...] = (
    Role(1, "user", "Utilisateur", _PERSON),
    Role(
        2,
        "etablissement",
        "Gestionnaire d'établissement de santé",
        ("etablissement:gerer", "paiements:recevoir"),
    ),
    Role(3, "expert", "Expert santé", ("discussions:repondre",)),
    Role(4, "agent", "Agent du support", ("support:repondre", "utilisateurs:lire")),
    Role(
        5,
        "admin",
        "Administrateur",
        (
            "utilisateurs:lire",
            "utilisateurs:suspendre",
            "kyc:valider",
            "moderation:gerer",
            "transactions:lire",
            "transactions:annuler",
            "annuaire:gerer",
            "contenus:gerer",
        ),
    ),
    Role(6, "super_admin", "Super-administrateur", ("roles:attribuer", "frais:gerer")),
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
