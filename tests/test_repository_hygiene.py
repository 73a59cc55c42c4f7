"""Two flaws of the previous back end that a test can rule out for good: a route registered
twice (S-6) and secrets committed to the repository (F-16)."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute, APIWebSocketRoute

from hostolink.app import create_app
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent

# Shapes of real credentials, precise enough not to match our tests' fake values.
SECRET_SHAPES = {
    "clé privée": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----"),
    "compte de service Google": re.compile(r'"private_key":\s*"-----BEGIN'),
    "URL Cloudinary avec secret": re.compile(r"cloudinary://\d{6,}:[A-Za-z0-9_-]{20,}@"),
    # Real Wave keys are long random strings; the tests' fake one says what it is.
    "clé Wave": re.compile(r"wave_(?:ci|sn)_prod_(?!test)[A-Za-z0-9_-]{20,}"),
    "clé AWS": re.compile(r"AKIA[0-9A-Z]{16}"),
    "URL PostgreSQL avec mot de passe": re.compile(
        r"postgres(?:ql)?://[^:/\s]+:(?!\$|<|\{|\*)[^@\s]{6,}@(?!127\.0\.0\.1|localhost|db\.example)"
    ),
}


def _endpoints(routes: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of every endpoint, through FastAPI's included routers."""
    found: list[tuple[str, str]] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found += [(method, prefix + route.path) for method in sorted(route.methods)]
        elif isinstance(route, APIWebSocketRoute):
            found.append(("WS", prefix + route.path))
        elif hasattr(route, "original_router"):  # an included router (FastAPI ≥ 0.121)
            inner = prefix + str(getattr(route.include_context, "prefix", "") or "")
            found += _endpoints(route.original_router.routes, inner)
    return found


def test_no_route_is_registered_twice() -> None:
    """S-6: one controller registered in two modules served its routes twice."""
    routes = _endpoints(list(create_app(make_settings()).routes))
    twice = [key for key, count in Counter(routes).items() if count > 1]
    assert not twice, f"registered twice: {twice}"
    assert len(routes) > 100  # the table is really read


def test_no_secret_in_tracked_files() -> None:
    """F-16: the previous back end tracked `.env`, Firebase service accounts, SMTP and
    Cloudinary credentials. Secrets come from the environment only."""
    tracked = (
        subprocess.run(
            ["/usr/bin/env", "git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    assert not [name for name in tracked if Path(name).name in {".env", "secret_key"}]
    found: list[str] = []
    for name in filter(None, tracked):
        path = ROOT / name
        if path.suffix in {".png", ".jpg", ".webp", ".ico", ".woff2", ".gz"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [
            f"{name}: {label}" for label, shape in SECRET_SHAPES.items() if shape.search(text)
        ]
    assert not found, found
