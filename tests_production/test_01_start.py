"""The artefact starts as production runs it, and every surface answers through the proxy."""

from __future__ import annotations

import pytest

from tests_production.people import TALLY, client
from tests_production.stack import Stack


async def test_both_instances_are_ready_and_report_their_dependencies(stack: Stack) -> None:
    for name in ("a", "b"):
        async with client(stack.instance_url(name), source="127.0.0.1") as http:
            ready = await http.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["dependances"] == {"base_de_donnees": "ok", "redis": "ok"}


async def test_the_installed_wheel_serves_every_surface(stack: Stack) -> None:
    async with client(stack.url) as http:
        for path, marker in [
            ("/health", '"status":"ok"'),
            ("/docs", "swagger-ui"),
            ("/openapi.json", '"openapi"'),
            ("/", "<html"),
            ("/admin/login", "<form"),  # the back-office's templates and catalogue, from the wheel
            ("/admin/statique/backoffice.css", ""),
        ]:
            answer = await http.get(path)
            assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
            assert marker in answer.text.replace(": ", ":"), path


async def test_production_has_no_sandbox(stack: Stack) -> None:
    async with client(stack.url) as http:
        answer = await http.get("/sandbox")
        assert answer.status_code == 404
        providers = (await http.get("/api/fournisseurs")).json()
    codes = {p["code"]: p for p in providers["data"]}
    assert codes["wave"]["depot"]["disponible"] is True
    assert codes["wave"]["retrait"]["disponible"] is True
    assert "sandbox" not in codes or codes["sandbox"]["depot"]["disponible"] is False


def test_the_schema_was_migrated_once_before_the_instances(stack: Stack) -> None:
    """Render's preDeployCommand did it; the instances only checked it."""
    again = stack.hostolink("migrate")
    assert "migrée" in again.stdout
    for name in ("a", "b"):
        log = stack.log(f"instance-{name}").read_text()
        assert "Running upgrade" not in log


@pytest.mark.parametrize("variable", ["CLOUDINARY_URL", "HOSTOLINK_TRUSTED_PROXIES"])
def test_production_refuses_to_start_wrong(stack: Stack, variable: str) -> None:
    refused = stack.hostolink("serve", "--port", "1", check=False, **{variable: ""})
    assert refused.returncode != 0
    assert variable in refused.stderr + refused.stdout


@pytest.mark.parametrize("command", ["postman", "merise"])
def test_development_commands_are_refused_in_french(stack: Stack, command: str) -> None:
    """The wheel carries no hostolink_devtools: an operator is told where to run them."""
    refused = stack.hostolink(command, check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "outil de développement : lancez-le depuis un clone du dépôt" in refused.stderr


def test_no_server_error_so_far() -> None:
    assert not TALLY.server_errors, TALLY.server_errors
