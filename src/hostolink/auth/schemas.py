"""Request and response bodies of the onboarding contract (API_CONTRACT.md).

Field names are fixed by the owner's Flutter app (`identifier`, `otpCode`, `confirmPassword`,
`token`, `refresh_token`, `compte_verifier`…). Unknown fields are ignored, as the app sends a
few the contract does not use (`id_user`, …).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hostolink.auth.secret_policy import (
    PASSWORD_MAX_LENGTH,
    POLICY_IN_WORDS,
    check_secret_for,
    check_secret_shape,
)
from hostolink.kit.identifiers import InvalidIdentifier, parse_identifier


def _normalise_identifier(value: str) -> str:
    try:
        return parse_identifier(value).value
    except InvalidIdentifier as exc:
        raise ValueError(str(exc)) from exc


def _check_password(value: str) -> str:
    """A PIN of 4 to 6 digits or a password of 8 to 128 characters (auth.secret_policy)."""
    return check_secret_shape(value)


def _check_otp(value: str) -> str:
    value = value.strip()
    if len(value) != 6 or not value.isdigit():
        raise ValueError("Le code doit comporter 6 chiffres.")
    return value


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("Ce champ ne peut pas être vide.")
    return value


IdentifierField = Annotated[
    str,
    AfterValidator(_normalise_identifier),
    Field(
        max_length=320,
        description="E-mail ou numéro de téléphone, dans n'importe quelle écriture usuelle.",
        examples=["0701020304"],
    ),
]
NewPassword = Annotated[
    str,
    AfterValidator(_check_password),
    Field(description=POLICY_IN_WORDS, examples=["MonMotDePasse123", "739164"]),
]
OtpCode = Annotated[str, AfterValidator(_check_otp), Field(examples=["123456"])]
Secret = Annotated[str, AfterValidator(_not_blank), Field(max_length=PASSWORD_MAX_LENGTH)]
Channel = Literal["email", "sms"]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class IdentifierBody(Body):
    identifier: IdentifierField


class RegisterBody(Body):
    identifier: IdentifierField
    code_invitation_utilise: Annotated[str | None, Field(max_length=50)] = None
    fcm_token: Annotated[str | None, Field(max_length=4096)] = None


class DefinePasswordBody(Body):
    identifier: IdentifierField
    password: NewPassword
    confirmPassword: str | None = None  # noqa: N815 - the Flutter app's field name

    @field_validator("password")
    @classmethod
    def _not_own_digits(cls, value: str, info: ValidationInfo) -> str:
        """A PIN must not come from the identifier's digits (validated just before)."""
        identifier = info.data.get("identifier")
        if isinstance(identifier, str):
            check_secret_for(value, identifier)
        return value

    @model_validator(mode="after")
    def _passwords_match(self) -> DefinePasswordBody:
        if self.confirmPassword is not None and self.confirmPassword != self.password:
            raise ValueError("Les deux mots de passe ne correspondent pas.")
        return self


class GenerateOtpBody(Body):
    identifier: IdentifierField
    moyen_envoyer: Annotated[
        Channel | None,
        Field(description="Canal d'envoi du code ; par défaut celui de l'identifiant."),
    ] = None


class VerifyOtpBody(Body):
    identifier: IdentifierField
    otpCode: OtpCode  # noqa: N815 - the Flutter app's field name


class VerifyPinBody(Body):
    identifier: IdentifierField
    pin: Secret | None = Field(
        default=None,
        description="Le secret du compte : PIN de 4 à 6 chiffres ou mot de passe.",
        examples=["739164"],
    )
    otpCode: Secret | None = Field(  # noqa: N815
        default=None,
        description="Accepté comme PIN : la note du propriétaire montre `otpCode` ici par erreur.",
    )

    @model_validator(mode="after")
    def _one_secret(self) -> VerifyPinBody:
        if self.pin is None and self.otpCode is None:
            raise ValueError("Le PIN est obligatoire.")
        return self

    @property
    def secret(self) -> str:
        return self.pin if self.pin is not None else str(self.otpCode)


class LoginBody(Body):
    identifier: IdentifierField
    password: Secret


class RefreshBody(Body):
    refresh_token: Annotated[str, AfterValidator(_not_blank), Field(max_length=200)]


class ForgotPasswordBody(GenerateOtpBody):
    pass


class ResetPasswordBody(DefinePasswordBody):
    otpCode: OtpCode  # noqa: N815


# ---------------------------------------------------------------------------- responses


class Answer(BaseModel):
    success: bool = True
    message: str


class CheckUserAnswer(BaseModel):
    success: bool = True
    exists: bool
    identifier: str
    has_password: bool


class RegisterAnswer(Answer):
    id_user: int


class OtpSentAnswer(Answer):
    moyen: Channel


class TokensAnswer(Answer):
    token: str = Field(description="Jeton d'accès JWT (15 minutes).")
    refresh_token: str = Field(description="Jeton de rafraîchissement, à usage unique.")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 scheme name
    expires_in: int
    compte_verifier: bool = True


class LoginAnswer(Answer):
    compte_verifier: bool
    token: str | None = None
    refresh_token: str | None = None
    token_type: Literal["bearer"] | None = None
    expires_in: int | None = None
    moyen: Channel | None = None
