"""Administrator accounts, made from the command line only (`hostolink create-admin`):
no route lets anyone grant themselves a role."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth import repository
from hostolink.auth.secret_policy import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from hostolink.auth.service import password_hashing
from hostolink.config import Settings
from hostolink.kit.identifiers import Identifier
from hostolink.models import Utilisateur
from hostolink.models.base import utcnow


async def create_admin(
    session: AsyncSession,
    *,
    settings: Settings,
    identifier: Identifier,
    password: str,
    super_admin: bool = False,
    nom: str | None = None,
    prenom: str | None = None,
) -> str:
    """Create the person (verified, with a wallet) or promote an existing one; the password
    is (re)set either way. Returns a French sentence for the CLI."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise ValueError(
            f"le mot de passe doit contenir de {PASSWORD_MIN_LENGTH} "
            f"à {PASSWORD_MAX_LENGTH} caractères."
        )
    user = await repository.user_by_identifier(session, identifier.value, for_update=True)
    created = user is None
    if user is None:
        user_id = await repository.create_person(session, identifier=identifier.value)
        user = await session.get(Utilisateur, user_id)
        if user is None:  # inserted just above, in this transaction
            raise RuntimeError("administrator row vanished")
    user.mdp = await password_hashing(settings).hash(password)
    # Whoever runs this command on the server vouches for the identifier: no OTP here, and
    # no `verification_compte` row either, since nothing was proven by a code.
    user.compte_verifier = True
    user.actif = True
    user.nom = nom or user.nom
    user.prenom = prenom or user.prenom
    user.date_modification = utcnow()
    for role in ("admin", "super_admin") if super_admin else ("admin",):
        await repository.grant_role(session, user_id=user.id_user, role_code=role)
    what = "créé" if created else "promu"
    role_name = "super-administrateur" if super_admin else "administrateur"
    return f"{role_name.capitalize()} {what} : {identifier.value} (id_user {user.id_user})."
