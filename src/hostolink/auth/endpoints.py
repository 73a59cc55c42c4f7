"""The onboarding routes the owner's Flutter app calls (API_CONTRACT.md): paths, field names
and the `success` / `message` fields are fixed; statuses are honest."""

from __future__ import annotations

from fastapi import Depends, Request, status
from starlette.responses import Response

from hostolink.auth.deps import (
    AuthServiceDep,
    RateLimitsDep,
    limit_client,
    public_router,
)
from hostolink.auth.schemas import (
    Answer,
    CheckUserAnswer,
    DefinePasswordBody,
    ForgotPasswordBody,
    GenerateOtpBody,
    IdentifierBody,
    LoginAnswer,
    LoginBody,
    OtpSentAnswer,
    RefreshBody,
    RegisterAnswer,
    RegisterBody,
    ResetPasswordBody,
    TokensAnswer,
    VerifyOtpBody,
    VerifyPinBody,
)
from hostolink.auth.service import Tokens, channel_label
from hostolink.db import SessionDep
from hostolink.errors import MethodNotAllowed
from hostolink.kit.deps import client_ip
from hostolink.kit.responses import json_answer

router = public_router(tags=["Inscription et connexion"], dependencies=[Depends(limit_client)])


def _tokens(tokens: Tokens, message: str) -> TokensAnswer:
    return TokensAnswer(
        message=message,
        token=tokens.access,
        refresh_token=tokens.refresh,
        expires_in=tokens.expires_in,
    )


@router.post(
    "/api/check-user", summary="L'utilisateur existe-t-il ?", response_model=CheckUserAnswer
)
@router.post(
    "/admin/utilisateurs/check-user",
    summary="L'utilisateur existe-t-il ? (alias)",
    response_model=CheckUserAnswer,
)
async def check_user(body: IdentifierBody, auth: AuthServiceDep, limits: RateLimitsDep) -> Response:
    await limits.identifier(body.identifier)
    exists, has_password = await auth.status(body.identifier)
    answer = CheckUserAnswer(exists=exists, identifier=body.identifier, has_password=has_password)
    return json_answer(answer)


@router.api_route(
    "/admin/utilisateurs/check-user",
    methods=["GET", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
async def check_user_other_methods() -> Response:
    """405 for the contract's alias, as for every other route: without this the back-office
    mounted at /admin would answer these methods with its own HTML 404."""
    raise MethodNotAllowed(headers={"Allow": "POST"})


@router.post(
    "/api/register-user",
    status_code=status.HTTP_201_CREATED,
    summary="Inscrire un utilisateur (sans mot de passe)",
)
async def register_user(
    body: RegisterBody, session: SessionDep, auth: AuthServiceDep, limits: RateLimitsDep
) -> RegisterAnswer:
    await limits.identifier(body.identifier)
    user_id = await auth.register(
        session,
        identifier=body.identifier,
        invitation=body.code_invitation_utilise,
        fcm_token=body.fcm_token,
    )
    return RegisterAnswer(
        id_user=user_id,
        message="Utilisateur inscrit, redirection vers la définition du mot de passe.",
    )


@router.post("/api/define-password", summary="Définir le mot de passe après l'inscription")
async def define_password(
    body: DefinePasswordBody, session: SessionDep, auth: AuthServiceDep, limits: RateLimitsDep
) -> Answer:
    await limits.identifier(body.identifier)
    channel = await auth.define_password(
        session, identifier=body.identifier, password=body.password
    )
    sent = f"Un code de vérification a été envoyé {channel_label(channel)}."
    return Answer(message=f"Mot de passe défini. {sent}")


_GENERATE_OTP = (
    "Envoie un code à 6 chiffres par SMS ou e-mail (jamais dans la réponse). Dans la minute "
    "qui suit un envoi (par exemple juste après `define-password`, l'ordre de l'application), "
    "si le code envoyé sur le même canal est encore valable, répond 200 « Un code vient "
    "d'être envoyé… » sans en envoyer un autre ni l'annuler. Un autre canal (`moyen_envoyer`) "
    "reçoit un nouveau code. Au-delà de 5 codes par heure : 429."
)


@router.post(
    "/api/generate-otp", summary="Envoyer un code de vérification", description=_GENERATE_OTP
)
@router.post(
    "/api/generate", summary="Envoyer un code de vérification (alias)", description=_GENERATE_OTP
)
async def generate_otp(
    body: GenerateOtpBody, session: SessionDep, auth: AuthServiceDep, limits: RateLimitsDep
) -> OtpSentAnswer:
    await limits.identifier(body.identifier)
    channel, wait = await auth.send_code(
        session, identifier=body.identifier, channel=body.moyen_envoyer
    )
    if wait is not None:
        return OtpSentAnswer(
            message=(
                f"Un code vient d'être envoyé {channel_label(channel)}. Il reste valable : "
                f"patientez {wait} s avant d'en demander un autre."
            ),
            moyen=channel,
        )
    return OtpSentAnswer(
        message=f"Un code de vérification a été envoyé {channel_label(channel)}.", moyen=channel
    )


@router.post("/api/verify-otp", summary="Vérifier un code OTP")
@router.post("/api/verify", summary="Vérifier un code OTP (alias)")
async def verify_otp(
    body: VerifyOtpBody,
    request: Request,
    session: SessionDep,
    auth: AuthServiceDep,
    limits: RateLimitsDep,
) -> TokensAnswer:
    await limits.identifier(body.identifier)
    tokens = await auth.verify_code(
        session,
        identifier=body.identifier,
        code=body.otpCode,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    return _tokens(tokens, "Code OTP valide")


@router.post("/api/verify-pin", summary="Vérifier le PIN (mot de passe)")
async def verify_pin(
    body: VerifyPinBody,
    request: Request,
    session: SessionDep,
    auth: AuthServiceDep,
    limits: RateLimitsDep,
) -> Answer:
    await limits.identifier(body.identifier)
    await auth.verify_pin(
        session, identifier=body.identifier, pin=body.secret, ip=client_ip(request)
    )
    return Answer(message="PIN valide")


@router.post("/api/auth/login", summary="Se connecter")
async def login(
    body: LoginBody,
    request: Request,
    session: SessionDep,
    auth: AuthServiceDep,
    limits: RateLimitsDep,
) -> LoginAnswer:
    await limits.identifier(body.identifier)
    outcome = await auth.login(
        session,
        identifier=body.identifier,
        password=body.password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    if isinstance(outcome, Tokens):
        return LoginAnswer(
            message="Connexion réussie",
            compte_verifier=True,
            token=outcome.access,
            refresh_token=outcome.refresh,
            token_type="bearer",  # noqa: S106 - the OAuth2 scheme name
            expires_in=outcome.expires_in,
        )
    return LoginAnswer(
        message=(
            f"Compte non vérifié : un code de vérification vous a été envoyé "
            f"{channel_label(outcome)}. Saisissez-le pour finaliser la connexion."
        ),
        compte_verifier=False,
        moyen=outcome,
    )


@router.post("/api/auth/refresh", summary="Renouveler le jeton d'accès")
async def refresh(
    body: RefreshBody, request: Request, session: SessionDep, auth: AuthServiceDep
) -> TokensAnswer:
    tokens = await auth.refresh(session, token=body.refresh_token, ip=client_ip(request))
    return _tokens(tokens, "Session renouvelée")


@router.post("/api/auth/logout", summary="Se déconnecter (révoque la session)")
async def logout(body: RefreshBody, session: SessionDep, auth: AuthServiceDep) -> Answer:
    await auth.logout(session, token=body.refresh_token)
    return Answer(message="Déconnexion effectuée")


@router.post("/api/auth/forgot-password", summary="Mot de passe oublié : recevoir un code")
async def forgot_password(
    body: ForgotPasswordBody, session: SessionDep, auth: AuthServiceDep, limits: RateLimitsDep
) -> Answer:
    await limits.identifier(body.identifier)
    await auth.forgot_password(session, identifier=body.identifier, channel=body.moyen_envoyer)
    # The same answer whether or not the account exists.
    return Answer(
        message="Si un compte correspond à cet identifiant, "
        "un code de réinitialisation a été envoyé."
    )


@router.post("/api/auth/reset-password", summary="Mot de passe oublié : définir le nouveau")
async def reset_password(
    body: ResetPasswordBody, session: SessionDep, auth: AuthServiceDep, limits: RateLimitsDep
) -> Answer:
    await limits.identifier(body.identifier)
    await auth.reset_password(
        session, identifier=body.identifier, code=body.otpCode, password=body.password
    )
    return Answer(message="Mot de passe réinitialisé. Vous pouvez vous connecter.")
