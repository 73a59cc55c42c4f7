"""Bodies of the change-password route. Field names are French, as the rest of our own API
(`mot_de_passe_actuel`, `nouveau_mot_de_passe`, `confirmation`); the new secret follows the
PIN-or-password policy of auth.secret_policy."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from hostolink.auth.schemas import Answer, Body, NewPassword, Secret


class ChangePasswordBody(Body):
    mot_de_passe_actuel: Annotated[
        Secret, Field(description="Le PIN ou mot de passe actuel.", examples=["MonMotDePasse123"])
    ]
    nouveau_mot_de_passe: NewPassword
    confirmation: Annotated[
        str,
        Field(
            max_length=128,
            description="Le nouveau PIN ou mot de passe, saisi une seconde fois.",
            examples=["739164"],
        ),
    ]

    @model_validator(mode="after")
    def _consistent(self) -> ChangePasswordBody:
        if self.confirmation != self.nouveau_mot_de_passe:
            raise ValueError("Les deux saisies du nouveau mot de passe ne correspondent pas.")
        if self.nouveau_mot_de_passe == self.mot_de_passe_actuel:
            raise ValueError("Le nouveau mot de passe doit être différent de l'actuel.")
        return self


class PasswordChangedAnswer(Answer):
    sessions_terminees: int = Field(
        description="Nombre d'autres sessions (appareils) fermées par ce changement."
    )
