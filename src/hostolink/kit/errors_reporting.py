"""Error reporting to Sentry: off unless `SENTRY_DSN` is set, and then strict about what leaves.

Without a DSN nothing happens: `sentry_sdk` is not even imported, no middleware is added, and
the one call on the request path (`note_user`, from `deps.current_principal`) reads a context
variable and finds nothing.

With a DSN, each process (an API worker, `hostolink worker`: both build the app with
`create_app`) initialises the SDK once, with our own short list of integrations instead of
the SDK's defaults and auto-detected ones (those would patch Starlette, httpx, SQLAlchemy,
Redis… process-wide, and some read request bodies):

- events: every log record at ERROR or above, of any logger (`LoggingIntegration`). A bug in
  a request is logged once, with its traceback, by `middleware.UnhandledErrorMiddleware` (or
  by the `Exception` handler of errors.py for what a middleware outside it raised), a job
  abandoned after its last attempt by the worker: one record, one event. The same exception
  logged again further out (uvicorn's "Exception in ASGI application" when the response had
  already started) is dropped by `DedupeIntegration`. An uncaught exception that ends the
  process (`ExcepthookIntegration`) too; pending events are sent at exit (`Atexit…`).
- each event carries the tags `request_id` (hostolink.logging.request_id_var), `route` (the
  route template) and `method`, the person's numeric id (`user.id`) when the request was
  authenticated, and as request data only the method and the path, path parameters that are
  secrets (`/p/{jeton}`) masked.
- never: request bodies, headers, cookies, query strings, local variables of frames,
  breadcrumbs (the log platform has the story of a request: the request id joins them), the
  SDK's list of installed packages, the command line. `_before_send` is the last line: it
  rebuilds the request data from ours, masks values under keys that name secrets
  (password, pin, otp, secret, token, jeton, cle, carte, numero_carte, cvv…) and, in every
  string, card numbers (13–19 digits passing Luhn), codes next to code/otp/pin, `Bearer …`
  tokens, JWTs, `key=value` pairs with such keys, e-mail addresses, phone numbers and the
  parameters and DETAIL lines that SQLAlchemy and PostgreSQL quote in their messages. An
  event it fails to scrub is dropped (the SDK drops an event whose `before_send` raises).

Traces stay OpenTelemetry's job (hostolink.kit.telemetry). `SENTRY_TRACES_SAMPLE_RATE` above
0 adds one transaction per sampled request (probes excepted), named by its route, without
child spans.
"""

from __future__ import annotations

import inspect
import logging
import re
from contextvars import ContextVar
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hostolink import __version__
from hostolink.config import Settings
from hostolink.logging import request_id_var

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sentry_sdk.types import Event, Hint

logger = logging.getLogger("hostolink.errors_reporting")

MASK = "[masqué]"
# Load balancer probes: a transaction every few seconds that nobody reads.
PROBES = frozenset({"/health", "/ready"})


@dataclass(frozen=True)
class _Options:
    dsn: str
    environment: str
    traces_sample_rate: float


_active: _Options | None = None


def install(app: FastAPI, settings: Settings) -> bool:
    """Reporting for this process and `app` when `SENTRY_DSN` is set; returns whether it is on.
    Idempotent: the SDK is initialised again only when the options change (a test suite
    builds many apps). Never a reason not to start: a DSN the SDK refuses logs a warning."""
    if settings.sentry_dsn is None or not settings.sentry_dsn.get_secret_value().strip():
        return False
    options = _Options(
        dsn=settings.sentry_dsn.get_secret_value().strip(),
        environment=settings.sentry_environment or settings.env.value,
        traces_sample_rate=settings.sentry_traces_sample_rate,
    )
    if not _initialise(options):
        return False
    # Added after UnhandledErrorMiddleware, so outside it: its log of a bug is written while
    # the request's facts are still set.
    app.add_middleware(RequestFacts, traced=options.traces_sample_rate > 0)
    return True


def _initialise(options: _Options) -> bool:
    global _active  # noqa: PLW0603 (the SDK's client is process-wide: so is this)
    # Imported here: a process without a DSN never loads the SDK.
    import sentry_sdk  # noqa: PLC0415
    from sentry_sdk.integrations.atexit import AtexitIntegration  # noqa: PLC0415
    from sentry_sdk.integrations.dedupe import DedupeIntegration  # noqa: PLC0415
    from sentry_sdk.integrations.excepthook import ExcepthookIntegration  # noqa: PLC0415
    from sentry_sdk.integrations.logging import LoggingIntegration  # noqa: PLC0415

    if _active == options and sentry_sdk.get_client().is_active():
        return True
    if _active is not None:  # other options: the previous client's sender thread stops
        sentry_sdk.get_client().close(timeout=2.0)
    try:
        sentry_sdk.init(
            dsn=options.dsn,
            release=f"hostolink@{__version__}",
            environment=options.environment,
            # None, not 0: no tracing machinery at all when only errors are wanted.
            traces_sample_rate=options.traces_sample_rate or None,
            default_integrations=False,
            auto_enabling_integrations=False,
            integrations=[
                # No breadcrumbs (level=None); Sentry's log product stays off (its default).
                LoggingIntegration(level=None, event_level=logging.ERROR),
                DedupeIntegration(),
                ExcepthookIntegration(),
                AtexitIntegration(),
            ],
            **_nothing_personal(sentry_sdk),
            include_local_variables=False,
            max_request_body_size="never",
            max_breadcrumbs=0,
            before_breadcrumb=_no_breadcrumb,
            before_send=_before_send,
            before_send_transaction=_before_send,
        )
    except Exception as exc:
        # The DSN itself is not logged: it is a credential of the Sentry project.
        logger.warning("Sentry désactivé : SENTRY_DSN refusé (%s)", type(exc).__name__)
        _active = None
        return False
    _active = options
    return True


def _nothing_personal(sdk: ModuleType) -> dict[str, Any]:
    """No user details, cookies, headers, query strings, bodies, frame variables. Said with
    `data_collection` where the SDK has it (it deprecates `send_default_pii`, which means
    the same when False), with `send_default_pii=False` on older 2.x releases."""
    constructor = inspect.signature(sdk.consts.ClientConstructor.__init__)
    if "data_collection" not in constructor.parameters:
        return {"send_default_pii": False}
    off = {"mode": "off"}
    return {
        "data_collection": {
            "user_info": False,
            "cookies": off,
            "http_headers": {"request": off},
            "http_bodies": [],
            "url_query_params": off,
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
            "gen_ai": {"inputs": False, "outputs": False},
            "graphql": {"document": False, "variables": False},
        }
    }


def shutdown(timeout: float = 2.0) -> None:
    """Send what is pending, then stop reporting in this process (tests; a command that
    built an app and is done). Nothing to do when reporting was never on."""
    global _active  # noqa: PLW0603
    if _active is None:
        return
    import sentry_sdk  # noqa: PLC0415

    sentry_sdk.get_client().close(timeout=timeout)
    sentry_sdk.get_global_scope().set_client(None)
    _active = None


# --- The request's facts --------------------------------------------------------------------


@dataclass(slots=True)
class _Request:
    scope: Scope  # the router writes the matched route in it, after this was created
    user_id: int | None = None


_current: ContextVar[_Request | None] = ContextVar("hostolink_error_request", default=None)


def note_user(user_id: int) -> None:
    """The authenticated person of the current request (only the id is ever reported)."""
    facts = _current.get()
    if facts is not None:
        facts.user_id = user_id


class RequestFacts:
    """Holds what an event needs about the request it happens in, for as long as the request
    runs (reset after it: an app called in-process, as the sandbox's notifications are,
    leaves nothing behind in its caller). With traces sampled, also one transaction a
    request, in an isolation scope of its own."""

    def __init__(self, app: ASGIApp, *, traced: bool = False) -> None:
        self.app = app
        self.traced = traced

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _current.set(_Request(scope))
        try:
            if self.traced and scope["path"] not in PROBES:
                await self._traced(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            _current.reset(token)

    async def _traced(self, scope: Scope, receive: Receive, send: Send) -> None:
        import sentry_sdk  # noqa: PLC0415

        status = 500

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with (
            sentry_sdk.isolation_scope(),
            sentry_sdk.start_transaction(op="http.server", name="http.server") as transaction,
        ):
            try:
                await self.app(scope, receive, watching_send)
            finally:
                route = _route(scope)
                # Named by the route once routed (the concrete path may carry a token).
                sentry_sdk.get_current_scope().set_transaction_name(
                    route or "route inconnue", source="route" if route else "custom"
                )
                transaction.set_http_status(status)


def _route(scope: Scope) -> str | None:
    """The template of the route the request matched (`/api/publications/{id}`), if any."""
    path = getattr(scope.get("route"), "path", None)
    return f"{scope.get('root_path', '')}{path}" if isinstance(path, str) else None


def _masked_path(scope: Scope) -> str:
    path = str(scope.get("path", ""))
    for name, value in (scope.get("path_params") or {}).items():
        if _is_secret_key(str(name)) and str(value):
            path = path.replace(str(value), MASK)
    return path


# --- Before sending ------------------------------------------------------------------------


def _no_breadcrumb(_crumb: Any, _hint: Any) -> None:
    return None


def _before_send(event: Event, _hint: Hint) -> Event | None:
    """Our facts in, everything else about the request out, then every value scrubbed. Runs
    where the event was captured (the request's context), after the SDK's serialisation."""
    data: dict[str, Any] = dict(event)
    for key in ("request", "user", "breadcrumbs", "modules"):
        data.pop(key, None)
    tags: dict[str, Any] = dict(data.get("tags") or {})
    request_id = request_id_var.get()
    if request_id:
        tags["request_id"] = request_id
    facts = _current.get()
    replace: tuple[str, str] | None = None
    if facts is not None:
        scope = facts.scope
        route = _route(scope)
        path = _masked_path(scope)
        raw_path = str(scope.get("path", ""))
        if path != raw_path:
            replace = (raw_path, path)
        tags["method"] = scope.get("method")
        data["request"] = {"method": scope.get("method"), "url": path}
        if route:
            tags["route"] = route
            data["transaction"] = route
            data["transaction_info"] = {"source": "route"}
        if facts.user_id is not None:
            data["user"] = {"id": str(facts.user_id)}
    data["tags"] = tags
    scrubbed: Event = scrub(data, replace=replace)
    return scrubbed


# Keys whose values are never sent, matched on the key's words (`newPin`, `otp_code`,
# `numero_carte`) or, for the longer ones, anywhere in it (`x-api-secret`, `motDePasse`).
_SECRET_WORDS = frozenset({"pin", "otp", "cle", "carte", "cvv", "cvc", "pan", "iban"})
_SECRET_PARTS = (
    "password",
    "passwd",
    "motdepasse",
    "secret",
    "token",
    "jeton",
    "numerocarte",
    "authorization",
    "cookie",
    "apikey",
    "privatekey",
    "signature",
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# A `code` holding six digits is a one-time code (the length of ours).
_CODE_KEY = re.compile(r"code", re.I)
_CODE_VALUE = re.compile(r"\s*\d{6}\s*")
# Written by the SDK or code, not data: left as they are (a hex id can hold a digit run that
# looks like a phone number; a source line is our program, not what it was given).
_VERBATIM = frozenset(
    {
        "event_id",
        "trace_id",
        "span_id",
        "parent_span_id",
        "timestamp",
        "start_timestamp",
        "release",
        "environment",
        "sdk",
        "platform",
        "level",
        "type",
        "pre_context",
        "context_line",
        "post_context",
        "abs_path",
        "filename",
        "module",
        "function",
    }
)
# Digits with a letter or digit right beside them are part of a word or an id, not a number.
_NB = r"(?<![0-9A-Za-z])"
_NA = r"(?![0-9A-Za-z])"
_CARD = re.compile(rf"{_NB}\d(?:[ -]?\d){{12,18}}{_NA}")
# key=value, 'key': 'value', "key": "value" (a query string, a repr, a JSON text, kwargs).
# Before the key=value rule: "Authorization: Bearer x" would otherwise lose only "Bearer".
_TOKENS = (
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*"), rf"\1{MASK}"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), MASK),
)
_PAIR = re.compile(
    r"""((?<![\w-])['"]?([A-Za-z_][\w-]*)['"]?\s*[:=]\s*)('[^'\n]*'|"[^"\n]*"|[^\s,;&}\])'"]+)"""
)
_STRING_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # SQLAlchemy quotes the statement's parameters, PostgreSQL the values behind an error.
    (re.compile(r"\[parameters: [\s\S]*?\](?=\s*(?:\(Background on this error|$))"), MASK),
    (re.compile(r"(?m)^(DETAIL:\s*).*$"), rf"\1{MASK}"),
    (re.compile(r"\b(Key \([^)]*\)=\()[^\n]*?(\))"), rf"\1{MASK}\2"),
    # A code in a sentence: "code 123456", "OTP: 4821", "123456 est votre code".
    (re.compile(rf"(?i)(code[^\d\n]{{0,20}}?){_NB}\d{{6}}{_NA}"), rf"\1{MASK}"),
    (re.compile(rf"(?i)((?:otp|pin)[^\d\n]{{0,20}}?){_NB}\d{{4,8}}{_NA}"), rf"\1{MASK}"),
    (re.compile(rf"(?i){_NB}\d{{6}}{_NA}(?=[^\d\n]{{0,20}}?(?:code|otp))"), MASK),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}"), MASK),
    (re.compile(rf"(?<![\w+])\+\d(?:[ .-]?\d){{7,14}}{_NA}"), MASK),
    (re.compile(rf"{_NB}0[1-9](?:[ .-]?\d\d){{4}}{_NA}"), MASK),
)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return MASK if 13 <= len(digits) <= 19 and _luhn(digits) else match.group()


def _is_secret_key(key: str) -> bool:
    words = [word.lower() for word in _WORD.findall(key)]
    if _SECRET_WORDS.intersection(words):
        return True
    flat = "".join(words) or key.lower()
    return any(part in flat for part in _SECRET_PARTS)


def _is_secret(key: str, value: object) -> bool:
    if _is_secret_key(key):
        return True
    return bool(
        _CODE_KEY.search(key)
        and isinstance(value, str | int)
        and _CODE_VALUE.fullmatch(str(value).strip("'\""))
    )


def _pair(match: re.Match[str]) -> str:
    return f"{match.group(1)}{MASK}" if _is_secret(match.group(2), match.group(3)) else match[0]


def scrub_text(text: str) -> str:
    """`text` with card numbers, secrets in key=value form, codes, tokens, e-mail addresses
    and phone numbers masked."""
    text = _CARD.sub(_card, text)
    for pattern, replacement in _TOKENS:
        text = pattern.sub(replacement, text)
    text = _PAIR.sub(_pair, text)
    for pattern, replacement in _STRING_RULES:
        text = pattern.sub(replacement, text)
    return text


def scrub(value: Any, *, replace: tuple[str, str] | None = None) -> Any:
    """A copy of `value` (JSON-like data) with every secret masked (see the module's doc);
    `replace` swaps a concrete path for its masked form in every string first."""
    if isinstance(value, dict):
        result: dict[Any, Any] = {}
        for key, item in value.items():
            name = str(key)
            if name in _VERBATIM:
                result[key] = item
            elif _is_secret(name, item):
                result[key] = MASK
            else:
                result[key] = scrub(item, replace=replace)
        return result
    if isinstance(value, list | tuple):
        return [scrub(item, replace=replace) for item in value]
    if isinstance(value, str):
        if replace is not None and replace[0]:
            value = value.replace(*replace)
        return scrub_text(value)
    return value
