"""The FastAPI application: one factory used by `hostolink serve` (each worker process calls
it), by the tests and by the OpenAPI/Postman generators."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import text

from hostolink import __version__
from hostolink.account.deletion.endpoints import router as account_deletion_router
from hostolink.account.export import endpoints as account_export
from hostolink.account.export import job as account_export_job
from hostolink.account.identifier.endpoints import router as identifier_router
from hostolink.account.security.endpoints import router as account_security_router
from hostolink.account.sessions import notice as new_device_notice
from hostolink.account.sessions.endpoints import router as account_sessions_router
from hostolink.admin.endpoints import router as admin_router
from hostolink.admin.governance import router as governance_router
from hostolink.admin.jobs import router as jobs_admin_router
from hostolink.announcements import endpoints as announcements
from hostolink.auth.deps import RateLimits, public_router
from hostolink.auth.endpoints import router as auth_router
from hostolink.auth.service import AuthService, password_hashing
from hostolink.backoffice import site as backoffice
from hostolink.cards.endpoints import router as cards_router
from hostolink.config import Settings, get_settings
from hostolink.contacts.endpoints import router as contacts_router
from hostolink.db import Database, resolve_database_url
from hostolink.discussions import endpoints as discussions
from hostolink.discussions.hub import close_runtime as close_discussions
from hostolink.errors import install_error_handlers
from hostolink.establishments.endpoints import admin_router as management_admin_router
from hostolink.establishments.endpoints import router as management_router
from hostolink.health.endpoints import admin_router as directory_admin_router
from hostolink.health.endpoints import public as directory_router
from hostolink.health.service import Directory
from hostolink.hot_routes import HotRoutes
from hostolink.jobs import retention
from hostolink.jobs.worker import Periodic, Worker
from hostolink.kit import errors_reporting, telemetry
from hostolink.kit import openapi as openapi_document
from hostolink.kit.keys import derive_key
from hostolink.kit.ratelimit import RateLimiter, RedisOptions, build_rate_limiter
from hostolink.kit.security_headers import (
    SecurityHeadersMiddleware,
    content_security_policy,
    source_hash,
)
from hostolink.kyc import endpoints as kyc
from hostolink.logging import configure_logging
from hostolink.media import endpoints as media
from hostolink.media.storage import build_storage
from hostolink.messaging.senders import build_senders
from hostolink.metrics import endpoint as metrics
from hostolink.metrics.http import MetricsMiddleware
from hostolink.middleware import (
    BodyGuardMiddleware,
    ClientAddressMiddleware,
    RequestContextMiddleware,
    StaticCompressionMiddleware,
    UnhandledErrorMiddleware,
)
from hostolink.moderation import endpoints as moderation
from hostolink.notifications import endpoints as notifications
from hostolink.notifications.push import push_configured, push_handlers
from hostolink.operations.endpoints import admin_router as operations_admin_router
from hostolink.operations.endpoints import public as operations_public_router
from hostolink.operations.endpoints import router as operations_router
from hostolink.operations.flow import Operations
from hostolink.providers.registry import build_providers
from hostolink.providers.sandbox import SandboxProvider
from hostolink.providers.sandbox.endpoints import CONTENT_SECURITY_POLICY as SANDBOX_POLICY
from hostolink.providers.sandbox.endpoints import router as sandbox_router
from hostolink.qr.endpoints import router as qr_router
from hostolink.referral import endpoints as referral
from hostolink.referral import rewards as referral_rewards
from hostolink.referral import service as referral_service
from hostolink.social import endpoints as social
from hostolink.social import share_page
from hostolink.support.canned import endpoints as support_canned
from hostolink.support.claims import endpoints as support_claims
from hostolink.support.conversations import endpoints as assistance
from hostolink.support.conversations.live import close_support_runtime
from hostolink.support.faq import endpoints as support_faq
from hostolink.users.endpoints import router as users_router
from hostolink.wallet import ledger_check
from hostolink.wallet.endpoints import admin_router as wallet_admin_router
from hostolink.wallet.endpoints import router as wallet_router
from hostolink.wallet.notify import NoticeWriter
from hostolink.web import endpoints as web

# `hostolink serve` resolves the database once (starting the embedded server if needed) and
# hands the URL to its worker processes through this variable.
RESOLVED_URL_ENV = "HOSTOLINK_RESOLVED_DATABASE_URL"
logger = logging.getLogger("hostolink.app")

DESCRIPTION = """
API de **Hostolink**, la super-app santé et paiements pour la Côte d'Ivoire.

Les routes d'inscription (`/api/check-user`, `/api/register-user`, `/api/define-password`,
`/api/generate-otp`, `/api/verify-otp`, `/api/verify-pin`, `/api/auth/login`…) suivent le
contrat de l'application Flutter existante. Toutes les réponses portent `success` et, en cas
d'erreur, `error` (code) et `message` (en français), avec un statut HTTP honnête.

Authentification : `Authorization: Bearer <token>` (jeton d'accès de 15 minutes, renouvelé
avec `/api/auth/refresh`).
"""


# An inline <script> block (no src attribute): its exact text, as the browser hashes it.
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def _swagger_dir() -> Path:
    """Swagger UI 5.x as the `fastapi-swagger` wheel ships it. Only its files are used: its
    `patch_fastapi` builds the page on each request, with absolute URLs and routes of its own."""
    return Path(str(resources.files("fastapi_swagger") / "resources"))


class _SwaggerFiles(StaticFiles):
    """The files the docs page loads, and nothing else of the folder (it is a Python package:
    its `__init__.py` and `__pycache__` sit beside them)."""

    FILES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if path not in self.FILES:
            return "", None
        return super().lookup_path(path)


health_router = public_router(tags=["Supervision"])


@health_router.get("/health", summary="Le processus répond")
async def health() -> dict[str, object]:
    return {"success": True, "status": "ok", "version": __version__}


@health_router.get(
    "/ready", summary="Prêt à servir : la base de données répond", response_model=None
)
async def ready(request: Request) -> JSONResponse | dict[str, object]:
    """L'état de chaque dépendance dans `dependances` : `base_de_donnees` (`ok` ou
    `indisponible`) et `redis` (`ok`, `indisponible` ou `non_configure`).

    503 seulement quand la base de données ne répond pas. Sans Redis, l'instance sert quand
    même, en mode dégradé (`status` : `degrade`) : limites de débit comptées par processus,
    messages des salons en direct diffusés dans le processus puis rattrapés."""
    # Only the database decides. Redis is shared: when it blips, it blips for every instance,
    # and answering 503 would pull them all out of the load balancer at once, turning a
    # degraded service into a full outage.
    database, redis = await asyncio.gather(
        _database_state(request.app.state.db),
        _redis_state(request.app.state.rate_limits.limiter),
    )
    dependencies = {"base_de_donnees": database, "redis": redis}
    if database != "ok":
        return JSONResponse(
            {
                "success": False,
                "error": "NotReady",
                "message": "Base de données injoignable.",
                "dependances": dependencies,
            },
            status_code=503,
        )
    status = "degrade" if redis == "indisponible" else "ready"
    return {"success": True, "status": status, "dependances": dependencies}


async def _database_state(db: Database) -> str:
    try:
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means "not ready"
        logger.warning("readiness check failed", exc_info=True)
        return "indisponible"
    return "ok"


async def _redis_state(limiter: RateLimiter) -> str:
    reachable = await limiter.reachable()  # bounded by the Redis timeouts
    if reachable is None:
        return "non_configure"
    return "ok" if reachable else "indisponible"


def _telemetry(settings: Settings, db: Database) -> tuple[TelemetryConfig, bool]:
    """Tracing when a collector is named (hostolink.kit.telemetry): request spans, the SQL of
    every engine of `db`, outgoing HTTP calls; and whether it is on. A bad configuration
    warns and serves untraced."""
    tracer_provider = telemetry.configure_tracing(settings)
    telemetry.instrument_database(db, tracer_provider)
    if tracer_provider is not None:
        # SQL spans come from SQLAlchemy's execution layer, which the fast reads skip (and
        # request spans from FastAPI's, which the hot routes skip: see create_app).
        db.fast_reads = False
    return telemetry.fastapi_config(tracer_provider), tracer_provider is not None


async def _close_live(app: FastAPI) -> None:
    """The live rooms' and the help desk's hubs and limiters."""
    await close_discussions(app)
    await close_support_runtime(app)


def create_app(settings: Settings | None = None, *, database_url: str | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, json_lines=settings.json_logs)
    url = database_url or os.environ.get(RESOLVED_URL_ENV) or resolve_database_url(settings)
    db = Database(url, connections=settings.db_connections, pooler=settings.db_pooler)
    limiter = build_rate_limiter(settings.redis_url, RedisOptions.from_settings(settings))

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        worker: Worker = application.state.worker
        if settings.workers > 1 and not settings.redis_url:
            logger.warning(
                "%d processus sans REDIS_URL : limites de débit et salons de discussion en "
                "direct propres à chaque processus (voir docs/deploiement.md)",
                settings.workers,
            )
        if settings.worker_enabled:
            worker.start()
        yield
        await worker.stop()
        await _close_live(application)  # Redis pub/sub listeners, rate limiters
        if application.state.sandbox is not None:
            await application.state.sandbox.close()
        await application.state.provider_http.aclose()
        await limiter.close()
        await db.dispose()

    telemetry_config, traced = _telemetry(settings, db)
    app = FastAPI(
        title="Hostolink API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        telemetry=telemetry_config,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.signing_key = settings.signing_key()
    app.state.rate_limits = RateLimits(limiter, settings)
    app.state.notices = NoticeWriter(db, push=push_configured(settings))
    app.state.directory = Directory()
    app.state.auth_service = AuthService(
        db=db,
        settings=settings,
        hashing=password_hashing(settings),
        senders=build_senders(settings),
        limiter=limiter,
    )
    app.state.auth_service.on_registered.append(referral_service.on_registered)

    _money_in_and_out(app, settings, db)

    install_error_handlers(app)
    openapi_document.install(app)
    for router in (
        health_router,
        auth_router,
        users_router,
        identifier_router,
        wallet_router,
        qr_router,
        cards_router,
        contacts_router,
        account_deletion_router,
        admin_router,
        wallet_admin_router,
        operations_router,
        operations_public_router,
        operations_admin_router,
        sandbox_router,
        directory_router,
        directory_admin_router,
        management_router,
        management_admin_router,
        media.router,
        media.public,
        media.admin_router,
        social.router,
        social.public,
        moderation.router,
        discussions.router,
        discussions.public,
        discussions.admin_router,
        discussions.ws_router,
        notifications.router,
        announcements.router,
        announcements.public,
        announcements.admin_router,
        kyc.router,
        kyc.public,
        kyc.admin_router,
        governance_router,
        jobs_admin_router,
        account_security_router,
        account_export.router,
        account_export.public,
        referral.router,
        referral.public,
        referral.admin_router,
        support_claims.router,
        support_claims.admin_router,
        support_faq.public,
        support_faq.admin_router,
        support_canned.router,
        assistance.router,
        assistance.public,
        assistance.admin_router,
        assistance.ws_router,
        account_sessions_router,
        web.router,
    ):
        app.include_router(router)
    if settings.metrics_enabled:
        metrics.install(app, settings, db)  # GET /metrics, behind its token
    docs_policy = _mount_docs(app)
    backoffice.mount(app)  # after the routes: the contract's /admin/utilisateurs stay in front

    # Listed from the innermost out: the last one added sees the request first.
    if not traced:  # traced, FastAPI makes the request spans
        app.add_middleware(HotRoutes, application=app)
    app.add_middleware(StaticCompressionMiddleware)
    app.add_middleware(
        BodyGuardMiddleware,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    # Inside CORS and the request context: a bug's 500 still carries both.
    app.add_middleware(UnhandledErrorMiddleware)
    # Sentry when SENTRY_DSN is set: the SDK once per process, and just outside the line
    # above, the request's facts (route, user) its log of a bug is reported with.
    errors_reporting.install(app, settings)
    if settings.metrics_enabled:
        # Requests by route template. Outside the last resort: a bug's 500 is counted as
        # such; inside CORS: a preflight it answers alone is not a request of the API.
        app.add_middleware(MetricsMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RequestContextMiddleware)
    # nosniff, the referrer policy and HSTS (production) on every answer; the CSP and
    # X-Frame-Options on every page, strict unless its surface needs more. Outside
    # everything that may answer (the body guard, CORS preflights, a bug's 500).
    app.add_middleware(
        SecurityHeadersMiddleware,
        policies={
            "/": web.CONTENT_SECURITY_POLICY,
            "/suppression-compte": web.CONTENT_SECURITY_POLICY,
            "/docs": docs_policy,
            "/sandbox": SANDBOX_POLICY,
            "/p": share_page.CONTENT_SECURITY_POLICY,
        },
        hsts=settings.is_production,
    )
    # Outermost: everything after it (the access log included) sees the real client.
    app.add_middleware(
        ClientAddressMiddleware, trusted=settings.proxy_networks, hops=settings.proxy_hops
    )
    return app


def _money_in_and_out(app: FastAPI, settings: Settings, db: Database) -> None:
    """Providers, the sandbox, the job worker and the deposit/withdrawal flow."""
    app.state.provider_http = httpx.AsyncClient(timeout=settings.provider_timeout_seconds)
    sandbox = None
    if settings.sandbox_enabled:
        # The simulated operator keeps its operations in the database (any process serves
        # them) and calls our notification URL from the process that decided, through the
        # whole ASGI stack (middleware included), whatever port we listen on.
        sandbox = SandboxProvider(
            secret=derive_key(app.state.signing_key, "sandbox-webhook").hex(),
            public_url=settings.public_url,
            deliverer=httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=settings.public_url
            ),
            engine=db.engine,
            duplicate_rate=settings.sandbox_duplicate_rate,
            payout_delay_seconds=settings.sandbox_payout_delay_seconds,
            deposit_expiry_seconds=settings.sandbox_deposit_expiry_minutes * 60,
        )
    app.state.sandbox = sandbox
    providers = build_providers(settings, app.state.provider_http, sandbox=sandbox)
    worker = Worker.from_settings(db, settings)
    # Before any request: with Firebase credentials, it switches push on for the sessions.
    worker.handlers.update(push_handlers(settings, db))
    operations = Operations(
        db=db, providers=providers, settings=settings, notices=app.state.notices, worker=worker
    )
    worker.periodic.append(Periodic("reconciliation", 10.0, operations.reconcile))
    purge = retention.install(worker, db, settings, build_storage(settings))
    # The export's job, and its sweep of expired archives in the retention purge.
    app.state.exports = account_export_job.install(worker, db, settings, purge)
    ledger_check.install(worker, db, settings)  # once per interval for the cluster
    referral_rewards.install(
        worker, db, signing_key=app.state.signing_key, notices=app.state.notices
    )
    new_device_notice.install(worker, db, app.state.auth_service.senders)
    app.state.worker = worker
    app.state.operations = operations


def _mount_docs(app: FastAPI) -> str:
    """Swagger UI 5.x from the `fastapi-swagger` wheel: no CDN, works offline. Returns the
    page's Content-Security-Policy: our files, and FastAPI's inline start-up script by its
    digest."""
    app.mount("/static/swagger", _SwaggerFiles(directory=_swagger_dir()), name="swagger")
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Hostolink API — documentation",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/swagger/favicon-32x32.png",
    )
    html = bytes(page.body).decode("utf-8")
    inline = _INLINE_SCRIPT.findall(html)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(html)

    return content_security_policy(
        script_src=" ".join(("'self'", *(source_hash(script) for script in inline)))
    )
