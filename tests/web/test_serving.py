"""The web app's files as the server serves them: the shell with its security policy, the
manifest an install needs, the service worker at scope `/`, and every file the shell or the
service worker names actually there."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import httpx
from PIL import Image

from hostolink.web.endpoints import STATIC_DIR, precache_list

VIEWS = (
    "onboarding",
    "wallet",
    "operations",
    "health",
    "social",
    "rooms",
    "notifications",
    "profile",
)


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def _precache(source: str) -> list[str]:
    match = re.search(r"const PRECACHE = \[(.*?)\];", source, re.S)
    assert match, "sw.js names no PRECACHE list"
    return re.findall(r"[\"']([^\"']+)[\"']", match.group(1))


class TestShell:
    async def test_index_is_html_with_a_strict_policy(self, client: httpx.AsyncClient) -> None:
        answer = await client.get("/")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        assert '<html lang="fr">' in answer.text
        policy = _directives(answer.headers["content-security-policy"])
        assert policy["script-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "https://tile.openstreetmap.org" in policy["img-src"]
        assert {"'self'", "ws:", "wss:"} <= set(policy["connect-src"])
        assert answer.headers["x-content-type-options"] == "nosniff"

    async def test_no_inline_script_or_style(self, client: httpx.AsyncClient) -> None:
        html = (await client.get("/")).text
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
        assert "<style" not in html
        assert " style=" not in html
        assert re.search(r"\son[a-z]+=", html) is None

    async def test_every_file_the_shell_names_is_served(self, client: httpx.AsyncClient) -> None:
        html = (await client.get("/")).text
        urls = re.findall(r'(?:href|src)="(/[^"#]*)"', html)
        assert "/app/js/main.js" in urls
        assert "/app/app.css" in urls
        for url in urls:
            answer = await client.get(url)
            assert answer.status_code == 200, url
        css = (await client.get("/app/app.css")).text
        for icon in re.findall(r"url\((/app/[^)]+)\)", css):
            assert (await client.get(icon)).status_code == 200, icon

    async def test_scripts_are_javascript(self, client: httpx.AsyncClient) -> None:
        for url in ("/app/js/main.js", "/app/js/core.js", "/app/vendor/jsqr/jsQR.js"):
            answer = await client.get(url)
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/javascript"), url
            assert answer.headers["x-content-type-options"] == "nosniff"

    async def test_main_loads_all_eight_view_modules(self, client: httpx.AsyncClient) -> None:
        main = (await client.get("/app/js/main.js")).text
        for view in VIEWS:
            assert f"'./views/{view}.js'" in main
            assert (await client.get(f"/app/js/views/{view}.js")).status_code == 200

    async def test_static_files_answer_304_when_unchanged(self, client: httpx.AsyncClient) -> None:
        first = await client.get("/app/app.css")
        again = await client.get("/app/app.css", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304

    async def test_nothing_outside_the_static_folder(self, client: httpx.AsyncClient) -> None:
        for path in ("/app/../endpoints.py", "/app/%2e%2e/endpoints.py", "/app/nope.js"):
            answer = await client.get(path)
            assert answer.status_code == 404, path


class TestInstallable:
    async def test_manifest(self, client: httpx.AsyncClient) -> None:
        answer = await client.get("/manifest.webmanifest")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/manifest+json")
        manifest = answer.json()
        assert manifest["lang"].startswith("fr")
        assert manifest["short_name"] == "Hostolink"
        assert manifest["start_url"].startswith("/")
        assert manifest["scope"] == "/"
        assert manifest["display"] == "standalone"
        sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
        for icon in manifest["icons"]:
            image = await client.get(icon["src"])
            assert image.status_code == 200
            assert image.headers["content-type"] == "image/png"
            width, height = Image.open(io.BytesIO(image.content)).size
            assert f"{width}x{height}" == icon["sizes"]

    async def test_service_worker_at_scope_root(self, client: httpx.AsyncClient) -> None:
        answer = await client.get("/sw.js")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/javascript")
        assert answer.headers["service-worker-allowed"] == "/"
        assert answer.headers["cache-control"] == "no-cache"
        assert "__HOSTOLINK_" not in answer.text
        main = (await client.get("/app/js/main.js")).text
        assert "register('/sw.js', { scope: '/' })" in main

    async def test_every_precached_file_is_served(self, client: httpx.AsyncClient) -> None:
        listed = _precache((await client.get("/sw.js")).text)
        assert "/" in listed
        for required in ("/app/app.css", "/app/js/core.js", "/app/js/main.js"):
            assert required in listed
        assert "/app/vendor/jsqr/jsQR.js" in listed
        assert {f"/app/js/views/{view}.js" for view in VIEWS} <= set(listed)
        for url in listed:
            assert (await client.get(url)).status_code == 200, url

    def test_precache_leaves_out_developer_files(self) -> None:
        listed = precache_list()
        assert not [url for url in listed if url.endswith((".md", ".py")) or "LICENSE" in url]

    async def test_api_answers_are_never_precached(self, client: httpx.AsyncClient) -> None:
        source = (await client.get("/sw.js")).text
        assert "/api/" not in json.dumps(_precache(source))


class TestVendoredLibrary:
    def test_jsqr_matches_its_recorded_checksum(self) -> None:
        folder = STATIC_DIR / "vendor" / "jsqr"
        readme = (folder / "README.md").read_text(encoding="utf-8")
        recorded = re.search(r"sha256 de `jsQR.js` \| `([0-9a-f]{64})`", readme)
        assert recorded
        digest = hashlib.sha256((folder / "jsQR.js").read_bytes()).hexdigest()
        assert digest == recorded.group(1)
        assert "Apache" in Path(folder / "LICENSE").read_text(encoding="utf-8")


class TestCompression:
    async def test_app_files_are_gzipped_and_api_answers_are_not(
        self, client: httpx.AsyncClient
    ) -> None:
        raw = (STATIC_DIR / "js" / "core.js").read_bytes()
        answer = await client.get("/app/js/core.js", headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200
        assert answer.headers["content-encoding"] == "gzip"
        assert answer.content == raw  # httpx decodes; the bytes are the file's
        assert int(answer.headers["content-length"]) < len(raw) // 2
        plain = await client.get("/app/js/core.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.content == raw
        api = await client.get("/health", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in api.headers
