"""render.yaml, read as Render reads it: the blueprint's fixed values plus the secrets an
operator types in (`sync: false`) or Render generates (`generateValue`) make settings that
production accepts, the proxy and pooler settings the deployment guide prescribes, and the
migrations in the pre-deploy command rather than in every instance."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml

from hostolink.config import DatabasePooler, Settings

ROOT = Path(__file__).resolve().parent.parent
# What an operator pastes for each `sync: false` variable (shapes, not real secrets).
TYPED_IN = {
    # The password part is drawn at run time: no URL with a password is written here.
    "DATABASE_URL": "postgresql://postgres.ref:"
    + secrets.token_urlsafe(12)
    + "@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?sslmode=require",
    "CLOUDINARY_URL": "cloudinary://123:abc@hostolink",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "TWILIO_FROM": "+2250700000001",
    "SMTP_HOST": "smtp.example.ci",
    "SMTP_USERNAME": "hostolink",
    "SMTP_PASSWORD": "p" * 20,
    "SMTP_FROM": "Hostolink <no-reply@example.ci>",
}


def _web_service() -> dict[str, Any]:
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    web = [s for s in blueprint["services"] if s["type"] == "web"]
    assert len(web) == 1
    service: dict[str, Any] = web[0]
    return service


def _environment(service: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for entry in service["envVars"]:
        key = entry["key"]
        if "value" in entry:
            values[key] = str(entry["value"])
        elif entry.get("generateValue"):
            # Render draws 256 random bits, base64.
            values[key] = base64.b64encode(secrets.token_bytes(32)).decode()
        elif key in TYPED_IN:
            values[key] = TYPED_IN[key]
        elif "fromService" in entry:
            values[key] = "redis://red-xyz:6379"
    return values


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(_environment(_web_service())) + list(TYPED_IN):
        monkeypatch.delenv(key, raising=False)


@pytest.mark.usefixtures("clean_environment")
def test_the_blueprint_makes_settings_production_accepts() -> None:
    settings = Settings.model_validate(_environment(_web_service()))
    assert settings.is_production
    assert [str(network) for network in settings.proxy_networks] == ["10.0.0.0/8"]
    assert settings.proxy_hops == 2  # Render's proxy and the Cloudflare edge
    assert settings.db_pooler is DatabasePooler.TRANSACTION
    assert settings.media_backend.value == "cloudinary"
    assert settings.redis_url


def test_migrations_run_once_before_the_instances() -> None:
    service = _web_service()
    assert service["preDeployCommand"] == "hostolink migrate"
    assert service["healthCheckPath"] == "/ready"
    drain = next(
        float(e["value"])
        for e in service["envVars"]
        if e["key"] == "HOSTOLINK_SHUTDOWN_DRAIN_SECONDS"
    )
    # Requests drain, then the jobs in flight drain, then 5 s to close: before SIGKILL.
    assert 2 * drain + 5 < service["maxShutdownDelaySeconds"]


def test_no_secret_is_written_in_the_blueprint() -> None:
    for entry in _web_service()["envVars"]:
        key = entry["key"]
        if any(word in key for word in ("SECRET", "PASSWORD", "TOKEN", "KEY", "DSN", "_URL")):
            assert "value" not in entry or key == "HOSTOLINK_PUBLIC_URL", key
