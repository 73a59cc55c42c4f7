"""One error model for the whole API.

Every failure is rendered as `{"success": false, "error": "<Code>", "message": "<French>"}`
with an honest status (the owner's Flutter app reads `success` and `message`). Domain errors
subclass `HostolinkError`; anything else reaching the handler is a bug and answers 500.
"""

from __future__ import annotations

import json
import logging
import socket
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("hostolink.errors")


class HostolinkError(Exception):
    """Base of every error the API answers on purpose."""

    status_code: ClassVar[int] = 400
    message: str = "Requête invalide."

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.status = status_code or type(self).status_code
        self.headers = headers
        self.extra = extra or {}
        super().__init__(self.message)

    @property
    def code(self) -> str:
        return type(self).__name__

    def body(self) -> dict[str, Any]:
        return {"success": False, "error": self.code, "message": self.message, **self.extra}


class BadRequest(HostolinkError):
    status_code = 400


class Unauthorized(HostolinkError):
    status_code = 401
    message = "Authentification requise."
    expired_message = "Jeton expiré."


class InvalidToken(Unauthorized):
    message = "Jeton d'accès invalide ou expiré."
    expired_message = "Jeton d'accès expiré. Rafraîchissez votre session."


class SessionEnded(InvalidToken):
    """The access token's session was closed (logout, password reset, a refresh token
    replayed): refreshing will not help, signing in again will."""

    message = "Session terminée. Veuillez vous reconnecter."


class Forbidden(HostolinkError):
    status_code = 403
    message = "Accès refusé."


class NotFound(HostolinkError):
    status_code = 404
    message = "Ressource introuvable."


class WalletMissing(NotFound):
    """The account has no wallet: raised by every domain that moves or shows money (wallet,
    QR codes, cards, operations), hence here rather than in one of them."""

    message = "Aucun portefeuille n'est ouvert pour ce compte."


class MethodNotAllowed(HostolinkError):
    status_code = 405
    message = "Méthode non autorisée sur cette route."


class Conflict(HostolinkError):
    status_code = 409


class PayloadTooLarge(HostolinkError):
    status_code = 413
    message = "Requête trop volumineuse."


class NullCharacter(HostolinkError):
    """PostgreSQL text cannot hold U+0000: refused before anything reads the request."""

    status_code = 422
    message = "Le texte envoyé contient un caractère nul (\\u0000), qui n'est pas accepté."


class UnsupportedMediaType(HostolinkError):
    status_code = 415
    message = "Le corps de la requête doit être du JSON (Content-Type: application/json)."


class Locked(HostolinkError):
    status_code = 423


class TooManyRequests(HostolinkError):
    status_code = 429
    message = "Trop de requêtes. Réessayez dans quelques instants."

    def __init__(self, message: str | None = None, *, retry_after: int = 60) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(
            message,
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )


class InternalError(HostolinkError):
    """A bug: the answer says so without saying anything of it."""

    status_code = 500
    message = "Erreur interne du serveur. L'incident a été enregistré."


class ServiceUnavailable(HostolinkError):
    status_code = 503
    message = "Service momentanément indisponible. Réessayez plus tard."


# A database the process cannot reach now is a 503 the client may retry, not a bug.
DATABASE_RETRY_AFTER_SECONDS = 5
# Server (or pooler) answers that refuse or drop a connection: connection exceptions
# (class 08, PgBouncer's "no more connections allowed" among them), too_many_connections,
# cannot_connect_now (starting up, shutting down).
_REFUSED_SQLSTATES = ("08", "53300", "57P03")
_BUSY = "Le service est très sollicité en ce moment. Réessayez dans quelques secondes."
_UNREACHABLE = "Service momentanément indisponible. Réessayez dans quelques secondes."


def database_unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 for an exception that means "no database connection now": the process's
    pool stayed busy for db.POOL_TIMEOUT_SECONDS, the server or the pooler refused a
    connection (too many clients, starting up, down), or dropped it. None for the rest."""
    if isinstance(exc, PoolTimeout):
        message = _BUSY
    elif isinstance(exc, DBAPIError):
        sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
        if not (exc.connection_invalidated or sqlstate.startswith(_REFUSED_SQLSTATES)):
            return None
        message = _BUSY if sqlstate == "53300" else _UNREACHABLE
    elif isinstance(exc, ConnectionError | socket.gaierror):
        # asyncpg lets these through SQLAlchemy unwrapped when it cannot even connect.
        message = _UNREACHABLE
    else:
        return None
    wait = DATABASE_RETRY_AFTER_SECONDS
    return ServiceUnavailable(
        message, headers={"Retry-After": str(wait)}, extra={"retry_after": wait}
    )


# Pydantic's error types, in words a French-speaking user understands.
_VALIDATION_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_type": "Ce champ doit être une chaîne de caractères.",
    "string_too_short": "Ce champ est trop court.",
    "string_too_long": "Ce champ est trop long.",
    "int_type": "Ce champ doit être un nombre entier.",
    "int_parsing": "Ce champ doit être un nombre entier.",
    "bool_type": "Ce champ doit être un booléen.",
    "bool_parsing": "Ce champ doit être un booléen.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "json_invalid": "Le corps de la requête n'est pas un JSON valide.",
    "model_attributes_type": "Le corps de la requête doit être un objet JSON.",
    "dict_type": "Le corps de la requête doit être un objet JSON.",
    "literal_error": "Valeur non autorisée.",
    "enum": "Valeur non autorisée.",
    "greater_than": "La valeur est trop petite.",
    "greater_than_equal": "La valeur est trop petite.",
    "less_than": "La valeur est trop grande.",
    "less_than_equal": "La valeur est trop grande.",
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    fields = []
    for error in exc.errors():
        kind = str(error.get("type", ""))
        # For malformed JSON the "location" is the decoder's character offset, not a field.
        parts = () if kind == "json_invalid" else error.get("loc", ())
        location = [str(part) for part in parts if part != "body"]
        if kind == "value_error":
            # Our own validators raise ValueError with a French sentence.
            message = str(error.get("ctx", {}).get("error", error.get("msg", "")))
        else:
            message = _VALIDATION_MESSAGES.get(kind, "Valeur invalide.")
        fields.append({"champ": ".".join(location) or "corps", "message": message})
    return fields


def _validation_status(fields: list[dict[str, str]], exc: RequestValidationError) -> int:
    # Malformed JSON is a 400 (the request itself is broken); a well-formed body with bad
    # values is a 422.
    if any(error.get("type") == "json_invalid" for error in exc.errors()):
        return 400
    return 422


class RefusedWhileReading(StarletteHTTPException):
    """Carries a `HostolinkError` raised while the body is read (from an ASGI `receive`):
    FastAPI turns any other exception met there into a generic 400, but lets HTTP
    exceptions through to the handlers below."""

    def __init__(self, error: HostolinkError) -> None:
        super().__init__(status_code=error.status)
        self.error = error


def domain_answer(exc: HostolinkError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def answer_to(exc: BaseException, method: str, path: str) -> JSONResponse | None:
    """The answer to an error raised while serving a request: the error's own for ours, 503
    when the database is unavailable, None for anything else (a bug: the 500 path). The
    application's exception handlers answer with it, and so does `hot_routes`."""
    if isinstance(exc, HostolinkError):
        return domain_answer(exc)
    error = database_unavailable(exc)
    if error is None:
        return None
    # The driver's message only: SQLAlchemy's would carry the statement's parameters.
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    logger.warning(
        "database unavailable on %s %s: %s: %s", method, path, type(cause).__name__, cause
    )
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HostolinkError)
    async def _domain(_: Request, exc: HostolinkError) -> JSONResponse:
        return domain_answer(exc)

    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        response = answer_to(exc, request.method, request.url.path)
        if response is None:
            raise exc  # any other database error is a bug: the 500 path, unchanged
        return response

    for kind in (PoolTimeout, DBAPIError, ConnectionError, socket.gaierror):
        app.add_exception_handler(kind, _unavailable)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = _field_errors(exc)
        status = _validation_status(fields, exc)
        first = fields[0] if fields else {"champ": "corps", "message": "Requête invalide."}
        message = (
            first["message"]
            if first["champ"] == "corps"
            else f"{first['champ']} : {first['message']}"
        )
        body = {"success": False, "error": "ValidationError", "message": message, "champs": fields}
        return JSONResponse(body, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, RefusedWhileReading):
            return JSONResponse(exc.error.body(), status_code=exc.error.status)
        messages = {
            404: ("NotFound", "Route introuvable."),
            405: ("MethodNotAllowed", "Méthode non autorisée sur cette route."),
            413: ("PayloadTooLarge", PayloadTooLarge.message),
        }
        code, message = messages.get(exc.status_code, ("HttpError", str(exc.detail)))
        return JSONResponse(
            {"success": False, "error": code, "message": message},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    # The usual path for a bug is middleware.UnhandledErrorMiddleware, inside the request's
    # context; this handler (Starlette's outermost layer) only catches what a middleware
    # outside it raised.
    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(InternalError().body(), status_code=500)


def error_response(exc: HostolinkError) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body of an error, for pure ASGI middleware that answers early."""
    payload = json.dumps(exc.body(), ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    for key, value in (exc.headers or {}).items():
        headers.append((key.lower().encode(), value.encode()))
    return exc.status, headers, payload
