"""The back-office at `/admin`: sqladmin for the screens, our sign-in, permissions, audit and
French. `mount(app)` is called once by the application factory, after the API routes (the
app's own `/admin/utilisateurs` contract routes stay in front of the mount)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import FastAPI
from sqladmin import Admin, i18n
from sqladmin.authentication import login_required
from sqladmin.authorization import AuthorizationBackend
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import WebSocketRoute

from hostolink.auth.deps import auth_service_of
from hostolink.backoffice import pages
from hostolink.backoffice.audit import audited_sessionmaker
from hostolink.backoffice.job_desk import JobDeskPage
from hostolink.backoffice.referral import ReferralPage
from hostolink.backoffice.session import BackofficeAuth, SameOriginMiddleware, current_admin
from hostolink.backoffice.supervision import SupervisionPage
from hostolink.backoffice.support import SupportDeskPage, desk_socket
from hostolink.backoffice.support_claims import ClaimsPage
from hostolink.backoffice.support_help import HelpPage
from hostolink.backoffice.views import MODEL_VIEWS, PERMISSIONS
from hostolink.db import database_of
from hostolink.kit.deps import settings_of, signing_key_of
from hostolink.kit.keys import derive_key

HERE = Path(__file__).resolve().parent
_READ_ACTIONS = frozenset({"list", "details"})


def _install_french() -> None:
    """sqladmin ships no French catalogue: ours (fr.po, its 61 strings) is compiled in memory
    and registered under « fr », the only locale the back-office uses."""
    if "fr" in i18n.translations:
        return
    with (HERE / "fr.po").open("rb") as source:
        catalog = read_po(source, locale="fr")
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    i18n.translations["fr"] = Translations(fp=compiled, domain="admin")


class NamedPermissions(AuthorizationBackend):
    """Each screen and button asks for the permission its view names (views.PERMISSIONS,
    pages.PERMISSIONS); the signed-in person's permissions were read at authentication."""

    def has_permission(
        self, request: Request, identity: str, action: str, obj: Any | None = None
    ) -> bool:
        person = current_admin.get()
        if person is None:
            return False
        needed = PERMISSIONS.get(identity) or pages.PERMISSIONS.get(identity)
        if needed is None:
            return False
        read, write = needed
        wanted = read if action in _READ_ACTIONS or action.startswith("action:") else write
        return wanted is not None and wanted in person.permissions


class BackOffice(Admin):
    @login_required
    async def index(self, request: Request) -> Response:
        # The home page is the dashboard.
        return await pages.dashboard(self, request)


def mount(app: FastAPI) -> BackOffice:
    _install_french()
    settings = settings_of(app)
    auth = BackofficeAuth(
        db=database_of(app),
        auth=auth_service_of(app),
        secret_key=derive_key(signing_key_of(app), "backoffice-session").hex(),
        secure=settings.is_production,
    )
    site = BackOffice(
        app,
        session_maker=audited_sessionmaker(database_of(app).engine),
        base_url="/admin",
        title="Hostolink — administration",
        templates_dir=str(HERE / "templates"),
        middlewares=[Middleware(SameOriginMiddleware)],
        authentication_backend=auth,
        authorization_backend=NamedPermissions(),
        i18n_config=i18n.I18nConfig(
            default_locale="fr", language_cookie_name=None, language_header_name=None
        ),
    )
    auth.templates = site.templates
    app.state.backoffice = site
    site.templates.env.globals["csrf_token"] = pages.csrf_token
    site.admin.mount("/statique", pages.static_files(), name="backoffice_static")
    for view in MODEL_VIEWS:
        site.add_view(view)
    for page in (*pages.PAGES, JobDeskPage, SupervisionPage, ReferralPage):
        site.add_view(page)
    for page in (SupportDeskPage, ClaimsPage, HelpPage):
        site.add_view(page)
    # The help desk's live page: a WebSocket behind the back-office cookie (support.py).
    site.admin.state.site = site
    site.admin.router.routes.append(
        WebSocketRoute("/ws/assistance/{id_conversation:int}", desk_socket)
    )
    return site
