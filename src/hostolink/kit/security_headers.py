"""The protective headers of every answer, set in one place (pure ASGI middleware).

Every HTTP answer: `X-Content-Type-Options: nosniff`, a `Referrer-Policy`, and in production
`Strict-Transport-Security` (never elsewhere: it would pin localhost to HTTPS for a year).
HTML answers also get a `Content-Security-Policy` and `X-Frame-Options: DENY`: no page of
ours may be framed (clickjacking on the back-office's money actions), and none runs a script
or a style that is not one of our files — or, for the few constant inline blocks left (the
Swagger UI's start-up script, the sandbox's and the share page's stylesheets), their exact
digest.

The policy is strict by default (`STRICT_POLICY`); a surface that needs more (the web app:
map tiles, its WebSocket) names its own policy, by path, where the app registers this
middleware. A header the endpoint already set is left as it is (no duplicate)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What a page may load when its surface says nothing else: its own files only.
STRICT_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # Bootstrap/Tabler draw their form controls with data: SVG images.
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HSTS = "max-age=31536000; includeSubDomains"
# Pages: no address of ours (ids, references in back-office URLs) leaves the site. Other
# answers: the origin only, and nothing from HTTPS to HTTP.
HTML_REFERRER_POLICY = "same-origin"
REFERRER_POLICY = "strict-origin-when-cross-origin"


def content_security_policy(**directives: str) -> str:
    """The strict policy with some directives replaced or added (`img_src="'self' …"` for
    `img-src`)."""
    merged = {**STRICT_DIRECTIVES}
    merged.update({name.replace("_", "-"): value for name, value in directives.items()})
    return "; ".join(f"{name} {value}" for name, value in merged.items())


def source_hash(inline: str) -> str:
    """The CSP source allowing one inline `<script>` or `<style>` block, by the digest of its
    exact text (between the tags)."""
    digest = hashlib.sha256(inline.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


STRICT_POLICY = content_security_policy()
# An SVG opened on its own is a document that could run script: ours (QR codes, the card's
# picture) draw with inline styles at most, and load nothing.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """`policies` maps a path to the CSP of its HTML answers: `/` and `/docs` name only that
    path, `/sandbox` names it and everything under `/sandbox/`; the longest match wins, and
    any other HTML answer gets `STRICT_POLICY`."""

    def __init__(
        self, app: ASGIApp, *, policies: Mapping[str, str] | None = None, hsts: bool = False
    ) -> None:
        self.app = app
        self.policies = sorted((policies or {}).items(), key=lambda item: -len(item[0]))
        self.hsts = hsts

    def policy_for(self, path: str) -> str:
        for prefix, policy in self.policies:
            if path == prefix or (prefix != "/" and path.startswith(prefix.rstrip("/") + "/")):
                return policy
        return STRICT_POLICY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                message["headers"] = headers + self._missing(headers, path)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _missing(self, headers: list[tuple[bytes, bytes]], path: str) -> list[tuple[bytes, bytes]]:
        present = {name.lower() for name, _ in headers}
        content_type = next(
            (value for name, value in headers if name.lower() == b"content-type"), b""
        )
        html = content_type.lower().startswith(b"text/html")
        svg = content_type.lower().startswith(b"image/svg+xml")
        wanted = {
            b"x-content-type-options": "nosniff",
            b"referrer-policy": HTML_REFERRER_POLICY if html else REFERRER_POLICY,
        }
        if html:
            wanted[b"content-security-policy"] = self.policy_for(path)
            wanted[b"x-frame-options"] = "DENY"
        elif svg:
            wanted[b"content-security-policy"] = SVG_POLICY
        if self.hsts:
            wanted[b"strict-transport-security"] = HSTS
        return [
            (name, value.encode("latin-1")) for name, value in wanted.items() if name not in present
        ]
