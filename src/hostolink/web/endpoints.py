"""Serves the web app: the shell at `/`, its manifest, its service worker (scope `/`) and the
static files under `/app/`. Nothing here reads the database: the app uses the public API.

The router is public (the files hold no data; the API they call checks every request).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from functools import cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from hostolink.auth.deps import public_router
from hostolink.kit.security_headers import content_security_policy

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Replaced in sw.js by a digest of every static file: a new release changes the service
# worker's bytes, so browsers install it and drop the previous release's cache.
BUILD_MARKER = "__HOSTOLINK_BUILD__"
PRECACHE_MARKER = "__HOSTOLINK_PRECACHE__"
# Files the service worker stores at install: the whole shell (a view added by anyone is
# cached without touching sw.js), except what only developers read.
NOT_PRECACHED = {".md", ".py", ".map", ".ts"}
NOT_PRECACHED_NAMES = {"LICENSE", "sw.js", "index.html", "manifest.webmanifest"}

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")

# The shell loads only its own files. Map tiles come from OpenStreetMap when online, the
# pictures of posts and profiles from Cloudinary in production; the WebSocket of the rooms
# needs ws:/wss:. No inline script or style anywhere. Set on `/` by the security-headers
# middleware (hostolink.kit.security_headers), with nosniff and the referrer policy.
CONTENT_SECURITY_POLICY = content_security_policy(
    img_src="'self' data: blob: https://tile.openstreetmap.org https://res.cloudinary.com",
    connect_src="'self' ws: wss:",
    media_src="'self' blob:",
    worker_src="'self'",
    manifest_src="'self'",
)
SHELL_HEADERS = {
    # Camera for the QR scanner, geolocation for the map; nothing else.
    "Permissions-Policy": "camera=(self), geolocation=(self), microphone=()",
    # Always revalidated: the shell names the current files.
    "Cache-Control": "no-cache",
}

router = public_router(tags=["Application web"])
_static = StaticFiles(directory=STATIC_DIR)


@cache
def build_id() -> str:
    """Digest of the static files, computed once per process."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def precache_list() -> list[str]:
    """URLs of the static files the service worker precaches."""
    return [
        f"/app/{path.relative_to(STATIC_DIR).as_posix()}"
        for path in sorted(STATIC_DIR.rglob("*"))
        if path.is_file()
        and path.suffix not in NOT_PRECACHED
        and path.name not in NOT_PRECACHED_NAMES
        and not path.name.startswith(".")
    ]


@router.get("/", include_in_schema=False)
async def shell() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=SHELL_HEADERS)


@router.get("/suppression-compte", include_in_schema=False)
async def account_deletion_page() -> FileResponse:
    """The public page the app stores ask for: the shell, whose account-deletion view
    (js/views/account-deletion.js) explains, signs in and deletes through the public API."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=SHELL_HEADERS)


@router.get("/manifest.webmanifest", include_in_schema=False)
async def manifest() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "manifest.webmanifest",
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/sw.js", include_in_schema=False)
async def service_worker() -> Response:
    source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    return Response(
        source.replace(BUILD_MARKER, build_id()).replace(
            PRECACHE_MARKER, json.dumps(precache_list())
        ),
        media_type="text/javascript",
        headers={
            "Service-Worker-Allowed": "/",
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/app/{path:path}", include_in_schema=False)
async def static_file(path: str, request: Request) -> Response:
    # Starlette's StaticFiles resolves the path inside the folder (no `..` escape) and
    # answers ETag / Last-Modified / 304. A router cannot carry a mount, hence this route.
    try:
        response = await _static.get_response(path, request.scope)
    except HTTPException as exc:
        if exc.status_code == 404:
            return Response("Fichier introuvable.", status_code=404, media_type="text/plain")
        raise
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "no-cache")
    return response
