"""Settings, from the environment only (never from a file in the repository)."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Values that must never sign a production token (the previous back end fell back to these).
WEAK_SECRETS = frozenset(
    {"", "secret", "secretkey", "defaultsecret", "default_secret", "your_jwt_secret", "changeme"}
)
MIN_SECRET_LENGTH = 32
# The metrics token is guessed online only (and compared in constant time): 24 characters of
# a random value are far out of reach.
MIN_METRICS_TOKEN_LENGTH = 24


logger = logging.getLogger("hostolink.config")


class DatabasePooler(StrEnum):
    """What stands between the process and PostgreSQL (db.engine_options reads it)."""

    AUTO = "auto"  # a transaction pooler on port 6543 or with `?pgbouncer=true`
    TRANSACTION = "transaction"  # PgBouncer `pool_mode=transaction`, Supabase port 6543
    SESSION = "session"  # PgBouncer `pool_mode=session`, Supabase's pooler on port 5432
    NONE = "none"  # PostgreSQL itself


# Each of a process's four pools (db.ConnectionSplit) needs one connection.
MIN_DB_CONNECTIONS = 4


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SmsSender(StrEnum):
    OUTBOX = "outbox"
    TWILIO = "twilio"


class EmailSender(StrEnum):
    OUTBOX = "outbox"
    SMTP = "smtp"


class MediaStorage(StrEnum):
    CLOUDINARY = "cloudinary"
    LOCAL = "local"


# The value that says "no proxy in front: X-Forwarded-For is never read" in production.
NO_PROXY = "none"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    env: Environment = Field(default=Environment.DEVELOPMENT, alias="HOSTOLINK_ENV")
    data_dir: Path = Field(default=Path(".hostolink"), alias="HOSTOLINK_DATA_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    # Database connections of one process (an API worker, or `hostolink worker`), all its
    # pools together: a hard bound, split between them by db.ConnectionSplit. A request that
    # finds them all busy waits for one. The server, or the pooler's client limit, must
    # allow instances × WEB_CONCURRENCY × this, plus about 5 for the CLI and migrations
    # (docs/deploiement.md). 10: two workers stay at 20 connections, a third of the 60 that
    # Supabase's smallest computes accept directly, a tenth of the 200 clients of its pooler.
    db_connections: int = Field(
        default=10, alias="HOSTOLINK_DB_CONNECTIONS", ge=MIN_DB_CONNECTIONS, le=200
    )
    # Deprecated: the former size of each pool (a process could open five times it). Read
    # as HOSTOLINK_DB_CONNECTIONS when that one is unset, with a warning.
    db_pool_size_deprecated: int | None = Field(
        default=None, alias="HOSTOLINK_DB_POOL_SIZE", ge=1, le=200
    )
    # `transaction` for a PgBouncer in transaction mode on any port; `auto` recognises only
    # Supabase's (port 6543) and URLs carrying `?pgbouncer=true`.
    db_pooler: DatabasePooler = Field(default=DatabasePooler.AUTO, alias="HOSTOLINK_DB_POOLER")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    # Redis (shared rate limits, room fan-out) is a helper, never a reason to fail a request:
    # a call that has not connected or answered within these gives up, the process does
    # without Redis (its own counters, local delivery) and leaves it alone for
    # REDIS_RETRY_SECONDS before trying again. Same region: a round trip takes about 1 ms.
    redis_connect_timeout_seconds: float = Field(
        default=0.25, alias="REDIS_CONNECT_TIMEOUT_SECONDS", gt=0, le=10
    )
    redis_timeout_seconds: float = Field(default=0.5, alias="REDIS_TIMEOUT_SECONDS", gt=0, le=10)
    redis_retry_seconds: float = Field(default=5.0, alias="REDIS_RETRY_SECONDS", gt=0, le=300)
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    workers: int = Field(default=1, alias="WEB_CONCURRENCY", ge=1, le=64)
    cors_origins: Annotated[list[str], NoDecode] = Field(default=[], alias="CORS_ORIGINS")
    public_url: str = Field(default="http://localhost:3000", alias="HOSTOLINK_PUBLIC_URL")
    # Reverse proxies in front of us (middleware.ClientAddressMiddleware). Their addresses
    # or networks, comma-separated: only a connection from one of them may tell us, through
    # X-Forwarded-For, who the client is. `none` (or empty outside production): nobody.
    # Render: `10.0.0.0/8` (its proxy's private network) with 2 hops (Render's proxy and
    # the Cloudflare edge in front of it, each appending the address it saw).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[], alias="HOSTOLINK_TRUSTED_PROXIES"
    )
    # How many proxies append to X-Forwarded-For on the way in: the client is the entry that
    # many places from its right end. One too many and a client can choose its address.
    proxy_hops: int = Field(default=1, alias="HOSTOLINK_PROXY_HOPS", ge=1, le=10)
    # On SIGTERM, requests in flight get this long to finish (new connections are refused at
    # once), then the jobs in flight as long again before they are handed back: 2 × 12 s + 5 s
    # of closing fit in the 30 s Render waits before SIGKILL.
    shutdown_drain_seconds: float = Field(
        default=12.0, alias="HOSTOLINK_SHUTDOWN_DRAIN_SECONDS", ge=0, le=300
    )

    jwt_secret: SecretStr | None = Field(default=None, alias="JWT_SECRET")
    access_token_ttl_seconds: int = Field(default=15 * 60, alias="ACCESS_TOKEN_TTL_SECONDS")
    refresh_token_ttl_seconds: int = Field(
        default=30 * 24 * 3600, alias="REFRESH_TOKEN_TTL_SECONDS"
    )

    # argon2id m=19 MiB, t=4: twice the time cost of the profile OWASP rates equal to
    # bcrypt cost 10 (m=19 MiB, t=2). Larger memory was tried: two 64 MiB hashes at once
    # fight over memory bandwidth and halve login throughput (bench/README.md).
    # Tests lower it for speed; production may raise it.
    argon2_time_cost: int = Field(default=4, alias="ARGON2_TIME_COST", ge=1)
    argon2_memory_kib: int = Field(default=19 * 1024, alias="ARGON2_MEMORY_KIB", ge=8)
    argon2_parallelism: int = Field(default=1, alias="ARGON2_PARALLELISM", ge=1)
    # Hashes computed at once by one API process: more threads than its share of the cores
    # only thrash the CPU and starve the event loop. Default: cores / worker processes.
    hashing_threads: int | None = Field(default=None, alias="HOSTOLINK_HASHING_THREADS", ge=1)

    otp_ttl_seconds: int = Field(default=300, alias="OTP_TTL_SECONDS")
    otp_max_attempts: int = Field(default=5, alias="OTP_MAX_ATTEMPTS")
    otp_resend_interval_seconds: int = Field(default=60, alias="OTP_RESEND_INTERVAL_SECONDS")
    otp_max_per_hour: int = Field(default=5, alias="OTP_MAX_PER_HOUR")

    lockout_threshold: int = Field(default=5, alias="LOCKOUT_THRESHOLD")
    lockout_base_seconds: int = Field(default=60, alias="LOCKOUT_BASE_SECONDS")
    lockout_max_seconds: int = Field(default=24 * 3600, alias="LOCKOUT_MAX_SECONDS")

    rate_limit_enabled: bool = Field(default=True, alias="RATE_LIMIT_ENABLED")
    rate_limit_per_ip_per_minute: int = Field(default=60, alias="RATE_LIMIT_PER_IP_PER_MINUTE")
    rate_limit_per_identifier_per_minute: int = Field(
        default=10, alias="RATE_LIMIT_PER_IDENTIFIER_PER_MINUTE"
    )
    # Public directory reads (near me, search, lists): a map being panned asks often.
    directory_rate_limit_per_minute: int = Field(
        default=300, alias="DIRECTORY_RATE_LIMIT_PER_MINUTE"
    )
    max_body_bytes: int = Field(default=256 * 1024, alias="HOSTOLINK_MAX_BODY_BYTES")
    # multipart/form-data uploads (a photo of a QR code, later profile pictures, KYC files).
    max_upload_bytes: int = Field(default=8 * 1024 * 1024, alias="HOSTOLINK_MAX_UPLOAD_BYTES")

    sms_sender: SmsSender = Field(default=SmsSender.OUTBOX, alias="HOSTOLINK_SMS_SENDER")
    email_sender: EmailSender = Field(default=EmailSender.OUTBOX, alias="HOSTOLINK_EMAIL_SENDER")
    twilio_account_sid: str | None = Field(default=None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(default=None, alias="TWILIO_AUTH_TOKEN")
    twilio_from: str | None = Field(default=None, alias="TWILIO_FROM")
    twilio_api_base: str = Field(default="https://api.twilio.com", alias="TWILIO_API_BASE")
    smtp_host: str | None = Field(default=None, alias="SMTP_HOST")
    smtp_port: int = Field(default=587, alias="SMTP_PORT")
    smtp_username: str | None = Field(default=None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, alias="SMTP_PASSWORD")
    smtp_from: str = Field(default="Hostolink <no-reply@hostolink.local>", alias="SMTP_FROM")
    smtp_starttls: bool = Field(default=True, alias="SMTP_STARTTLS")
    smtp_use_tls: bool = Field(default=False, alias="SMTP_USE_TLS")

    # Wallet. A PIN confirmation (step-up) token lets the app send several payments in a
    # few minutes without asking for the PIN each time (and without an argon2 check each).
    pin_token_ttl_seconds: int = Field(default=300, alias="PIN_TOKEN_TTL_SECONDS", ge=30, le=900)
    idempotency_ttl_hours: int = Field(default=24, alias="IDEMPOTENCY_TTL_HOURS", ge=1, le=24 * 30)
    # QR payloads are signed with the first key; every listed key still verifies, so a key
    # is rotated by putting a new one first and dropping the old one once its QR codes are
    # gone. Format: "kid:secret,kid:secret" (kid: 1–4 letters or digits).
    qr_signing_keys: SecretStr | None = Field(default=None, alias="QR_SIGNING_KEYS")
    qr_dynamic_ttl_seconds: int = Field(
        default=15 * 60, alias="QR_DYNAMIC_TTL_SECONDS", ge=30, le=7 * 24 * 3600
    )
    # Virtual cards: issuer prefix (BIN) and the AES-256 key of the card number at rest
    # (base64 of 32 bytes). Outside production both keys are derived from the signing key.
    card_bin: str = Field(default="99912300", alias="CARD_BIN", pattern=r"^[0-9]{6,8}$")
    card_encryption_key: SecretStr | None = Field(default=None, alias="CARD_ENCRYPTION_KEY")

    # Deposits and withdrawals (providers/). A provider without credentials is listed as
    # unavailable; the service boots anyway. The sandbox is our own simulated provider, the
    # default everywhere but production.
    sandbox_provider: bool | None = Field(default=None, alias="SANDBOX_PROVIDER")
    # Probability that the sandbox delivers a notification twice (providers do).
    sandbox_duplicate_rate: float = Field(default=0.2, alias="SANDBOX_DUPLICATE_RATE", ge=0, le=1)
    sandbox_payout_delay_seconds: float = Field(
        default=2.0, alias="SANDBOX_PAYOUT_DELAY_SECONDS", ge=0, le=600
    )
    provider_timeout_seconds: float = Field(
        default=15.0, alias="PROVIDER_TIMEOUT_SECONDS", gt=0, le=120
    )
    # Reconciliation (operations/transitions.py, README « Dépôts et retraits »): money moves
    # only on a provider's definitive answer or an operator's decision. An operation still
    # pending is asked about after RECONCILIATION_DELAY_SECONDS, then twice as long after
    # each check (2 min, 4, 8…) up to the maximum interval; past the horizon without a
    # definitive answer it goes to the operators' « à vérifier » queue (a withdrawal's money
    # still held) and is still asked about. The horizon takes fractions of an hour (the CI
    # product runs with a few seconds to show the queue); providers' own expiry of a deposit
    # session comes long before the default.
    reconciliation_delay_seconds: int = Field(
        default=120, alias="RECONCILIATION_DELAY_SECONDS", ge=1, le=24 * 3600
    )
    reconciliation_max_interval_minutes: int = Field(
        default=60, alias="HOSTOLINK_RECONCILIATION_MAX_INTERVAL_MINUTES", ge=1, le=24 * 60
    )
    reconciliation_horizon_hours: float = Field(
        default=24.0, alias="HOSTOLINK_RECONCILIATION_HORIZON_HOURS", gt=0, le=24 * 30
    )
    # The sandbox's payment sessions expire like Wave's: past this, its status call reports
    # the session expired (a definitive answer) and the deposit closes as « expirée ».
    sandbox_deposit_expiry_minutes: int = Field(
        default=30, alias="SANDBOX_DEPOSIT_EXPIRY_MINUTES", ge=1, le=7 * 24 * 60
    )
    # In-process worker of the durable job queue (`tache`); `hostolink worker` runs it alone.
    worker_enabled: bool = Field(default=True, alias="HOSTOLINK_WORKER")
    # A claimed job is its worker's for the lease, renewed every third of it while the
    # handler runs. The handler is cancelled at the timeout, below the lease: a worker cut
    # off from the database (its renewals failing) has stopped before another may claim the
    # job, so a job never runs twice at once. Concurrency: handlers run at once per process;
    # they share the requests pool but hold a connection only for their short transactions,
    # never while a provider answers.
    job_lease_seconds: float = Field(
        default=120.0, alias="HOSTOLINK_JOB_LEASE_SECONDS", ge=10, le=3600
    )
    job_timeout_seconds: float = Field(
        default=90.0, alias="HOSTOLINK_JOB_TIMEOUT_SECONDS", gt=0, le=3600
    )
    job_concurrency: int = Field(default=10, alias="HOSTOLINK_JOB_CONCURRENCY", ge=1, le=100)
    # Retention (jobs/retention.py; README, « Rétention des données »): one purge for the
    # whole cluster per interval. OTPs are the send history the hourly limit counts: kept
    # more than an hour. Refresh tokens go once their whole family is dead (reuse detection
    # needs the rotated ones while a token of the family lives). Webhooks: processed ones,
    # past the providers' retry horizon (hours to a few days); the notification that decided
    # an operation is its evidence and stays. Idempotency keys go at their own expiry.
    retention_interval_minutes: int = Field(
        default=60, alias="HOSTOLINK_RETENTION_INTERVAL_MINUTES", ge=1, le=24 * 60
    )
    retention_otp_hours: int = Field(
        default=24, alias="HOSTOLINK_RETENTION_OTP_HOURS", ge=2, le=24 * 365
    )
    retention_refresh_token_days: int = Field(
        default=30, alias="HOSTOLINK_RETENTION_REFRESH_TOKEN_DAYS", ge=1, le=3650
    )
    retention_webhook_days: int = Field(
        default=30, alias="HOSTOLINK_RETENTION_WEBHOOK_DAYS", ge=7, le=3650
    )
    retention_job_days: int = Field(default=7, alias="HOSTOLINK_RETENTION_JOB_DAYS", ge=1, le=3650)
    retention_abandoned_job_days: int = Field(
        default=90, alias="HOSTOLINK_RETENTION_ABANDONED_JOB_DAYS", ge=7, le=3650
    )
    retention_ledger_check_days: int = Field(
        default=90, alias="HOSTOLINK_RETENTION_LEDGER_CHECK_DAYS", ge=1, le=3650
    )
    # Identity documents (KYC) of a person who deleted their account are kept this many
    # years after the deletion, then erased by the purge: the AML/CFT law of the UEMOA
    # (loi uniforme LBC/FT, transposed in Côte d'Ivoire by the ordonnance n° 2023-875 after
    # the loi n° 2016-992) and the BCEAO's instructions to electronic-money issuers require
    # customer identification records to be kept for at least ten years after the business
    # relationship ends. Never below 5 (the oldest rule's figure): a setting, not a loophole.
    retention_kyc_years: int = Field(default=10, alias="HOSTOLINK_RETENTION_KYC_YEARS", ge=5, le=30)
    # Help desk (support/): a claim resolved by moving at least this much money (francs CFA)
    # needs a second person's approval (four eyes); below it, the agent's decision is final.
    # 0: every resolution that moves money is approved by a second person.
    support_approval_threshold: int = Field(
        default=10_000, alias="HOSTOLINK_SUPPORT_APPROVAL_THRESHOLD", ge=0
    )
    # Prometheus metrics (hostolink.metrics; docs/supervision/README.md). `/metrics` is on
    # the main port: Render routes one public port per web service, and a scraper hosted
    # elsewhere (Grafana Cloud's agent) could not reach a second one. So it takes a token
    # (`Authorization: Bearer …`); in production without one the route answers 404, outside
    # production it is open unless a token is set. HOSTOLINK_METRICS=false: no middleware,
    # no route (the benchmark's baseline). The figures read from the database at scrape time
    # are cached per process for HOSTOLINK_METRICS_CACHE_SECONDS, so a scraper cannot load
    # it. The ledger check (`hostolink ledger verify`) runs once per interval for the whole
    # cluster, stopped at its timeout (at most 2/3 of the job timeout); its result is a gauge.
    metrics_enabled: bool = Field(default=True, alias="HOSTOLINK_METRICS")
    metrics_token: SecretStr | None = Field(default=None, alias="HOSTOLINK_METRICS_TOKEN")
    metrics_cache_seconds: float = Field(
        default=10.0, alias="HOSTOLINK_METRICS_CACHE_SECONDS", ge=0, le=300
    )
    ledger_check_interval_minutes: int = Field(
        default=15, alias="HOSTOLINK_LEDGER_CHECK_INTERVAL_MINUTES", ge=1, le=7 * 24 * 60
    )
    ledger_check_timeout_seconds: float = Field(
        default=60.0, alias="HOSTOLINK_LEDGER_CHECK_TIMEOUT_SECONDS", gt=0, le=3600
    )

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token_is_long(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_METRICS_TOKEN_LENGTH:
            raise ValueError(
                f"HOSTOLINK_METRICS_TOKEN: at least {MIN_METRICS_TOKEN_LENGTH} characters "
                "(Render's generateValue draws 44)"
            )
        return value

    @field_validator("job_timeout_seconds")
    @classmethod
    def _timeout_below_lease(cls, value: float, info: ValidationInfo) -> float:
        lease = info.data.get("job_lease_seconds")
        if lease is not None and value >= lease:
            raise ValueError(
                f"HOSTOLINK_JOB_TIMEOUT_SECONDS ({value:g}) must stay below "
                f"HOSTOLINK_JOB_LEASE_SECONDS ({lease:g}): a job would run twice at once"
            )
        return value

    wave_api_key: SecretStr | None = Field(default=None, alias="WAVE_API_KEY")
    wave_webhook_secret: SecretStr | None = Field(default=None, alias="WAVE_WEBHOOK_SECRET")
    wave_base_url: str = Field(default="https://api.wave.com", alias="WAVE_BASE_URL")
    # MTN MoMo (providers/mtn_momo, docs/fournisseurs.md) runs on two platforms, each with its
    # own base URL and credentials: "classic" (proxy.momoapi.mtn.com, or MTN's sandbox; API
    # user + API key) and "openapi" (MTN's newer MoMo API platform, momoapi.momo.africa; User
    # ID + Credential Token from the Partner Portal). MTN_MOMO_PLATFORM is where NEW operations
    # go; each operation remembers its platform and is always read there (a transaction exists
    # only on the platform that created it), so a platform keeps its credentials until its
    # pending operations are final. The target environment and currency are the same on both;
    # the newer platform's subscription keys default to the shared ones.
    mtn_momo_platform: str = Field(
        default="classic", alias="MTN_MOMO_PLATFORM", pattern=r"^(classic|openapi)$"
    )
    mtn_momo_environment: str = Field(default="mtnivorycoast", alias="MTN_MOMO_ENVIRONMENT")
    mtn_momo_currency: str = Field(default="XOF", alias="MTN_MOMO_CURRENCY")
    mtn_momo_collection_key: SecretStr | None = Field(
        default=None, alias="MTN_MOMO_COLLECTION_SUBSCRIPTION_KEY"
    )
    mtn_momo_disbursement_key: SecretStr | None = Field(
        default=None, alias="MTN_MOMO_DISBURSEMENT_SUBSCRIPTION_KEY"
    )
    mtn_momo_base_url: str = Field(
        default="https://proxy.momoapi.mtn.com", alias="MTN_MOMO_BASE_URL"
    )
    mtn_momo_api_user: str | None = Field(default=None, alias="MTN_MOMO_API_USER")
    mtn_momo_api_key: SecretStr | None = Field(default=None, alias="MTN_MOMO_API_KEY")
    mtn_momo_openapi_base_url: str = Field(
        default="https://momoapi.momo.africa", alias="MTN_MOMO_OPENAPI_BASE_URL"
    )
    mtn_momo_openapi_user_id: str | None = Field(default=None, alias="MTN_MOMO_OPENAPI_USER_ID")
    mtn_momo_openapi_credential_token: SecretStr | None = Field(
        default=None, alias="MTN_MOMO_OPENAPI_CREDENTIAL_TOKEN"
    )
    mtn_momo_openapi_collection_key: SecretStr | None = Field(
        default=None, alias="MTN_MOMO_OPENAPI_COLLECTION_SUBSCRIPTION_KEY"
    )
    mtn_momo_openapi_disbursement_key: SecretStr | None = Field(
        default=None, alias="MTN_MOMO_OPENAPI_DISBURSEMENT_SUBSCRIPTION_KEY"
    )
    orange_money_base_url: str = Field(
        default="https://api.orange.com", alias="ORANGE_MONEY_BASE_URL"
    )
    # "dev" (Orange's sandbox, currency OUV) or "ci" (production Côte d'Ivoire, XOF).
    orange_money_environment: str = Field(default="ci", alias="ORANGE_MONEY_ENVIRONMENT")
    orange_money_client_id: str | None = Field(default=None, alias="ORANGE_MONEY_CLIENT_ID")
    orange_money_client_secret: SecretStr | None = Field(
        default=None, alias="ORANGE_MONEY_CLIENT_SECRET"
    )
    orange_money_merchant_key: SecretStr | None = Field(
        default=None, alias="ORANGE_MONEY_MERCHANT_KEY"
    )
    hub2_base_url: str = Field(default="https://api.hub2.io", alias="HUB2_BASE_URL")
    hub2_environment: str = Field(default="live", alias="HUB2_ENVIRONMENT")
    hub2_api_key: SecretStr | None = Field(default=None, alias="HUB2_API_KEY")
    hub2_merchant_id: str | None = Field(default=None, alias="HUB2_MERCHANT_ID")
    hub2_webhook_secret: SecretStr | None = Field(default=None, alias="HUB2_WEBHOOK_SECRET")
    # The name the payer sees on the operator's prompt instead of "Hub2" (`overrideBusinessName`,
    # mandatory for aggregators per Hub2's reference).
    hub2_business_name: str = Field(default="Hostolink", alias="HUB2_BUSINESS_NAME")
    # No default: Djamo gives its API address at onboarding (staging and production differ),
    # and a guessed host would receive our key. Required in production with DJAMO_API_KEY.
    djamo_base_url: str | None = Field(default=None, alias="DJAMO_BASE_URL")
    djamo_api_key: SecretStr | None = Field(default=None, alias="DJAMO_API_KEY")
    djamo_webhook_secret: SecretStr | None = Field(default=None, alias="DJAMO_WEBHOOK_SECRET")

    cloudinary_url: SecretStr | None = Field(default=None, alias="CLOUDINARY_URL")
    # Where images and identity documents go: Cloudinary (required in production), or the
    # local disk under data_dir — in production only by this explicit choice, for a single
    # instance with a persistent disk mounted on HOSTOLINK_DATA_DIR (docs/deploiement.md).
    media_storage: MediaStorage | None = Field(default=None, alias="HOSTOLINK_MEDIA_STORAGE")
    # Images (media/): accepted size and dimensions; stored under data_dir/media without
    # CLOUDINARY_URL.
    media_max_bytes: int = Field(default=5 * 1024 * 1024, alias="MEDIA_MAX_BYTES", ge=1024)
    media_max_side_px: int = Field(default=6000, alias="MEDIA_MAX_SIDE_PX", ge=64)
    # Push (notifications/): a Firebase service account, as JSON text or a file path.
    firebase_credentials: SecretStr | None = Field(default=None, alias="FIREBASE_CREDENTIALS")
    # Thematic rooms over WebSocket (discussions/).
    websocket_heartbeat_seconds: float = Field(
        default=25.0, alias="WEBSOCKET_HEARTBEAT_SECONDS", gt=0
    )
    discussion_messages_per_minute: int = Field(
        default=30, alias="DISCUSSION_MESSAGES_PER_MINUTE", ge=1
    )
    # OpenTelemetry tracing (hostolink.kit.telemetry): on when a collector is named, by its
    # base URL (/v1/traces is appended) or by the traces URL itself; the other standard
    # OTEL_* variables (headers, sampler, service name) are read from the environment. Off
    # otherwise: spans nobody collects would be work for nothing on every request.
    otlp_endpoint: str | None = Field(default=None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    otlp_traces_endpoint: str | None = Field(
        default=None, alias="OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    )
    # Error reporting to Sentry (hostolink.kit.errors_reporting): on when a DSN is set, off
    # otherwise (the SDK is then not even imported). The environment defaults to
    # HOSTOLINK_ENV; a sample rate of 0 sends errors only, no transactions.
    sentry_dsn: SecretStr | None = Field(default=None, alias="SENTRY_DSN")
    sentry_environment: str | None = Field(default=None, alias="SENTRY_ENVIRONMENT")
    sentry_traces_sample_rate: float = Field(
        default=0.0, alias="SENTRY_TRACES_SAMPLE_RATE", ge=0, le=1
    )
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # JSON lines for a log platform (production); readable lines in a developer's terminal.
    log_json: bool | None = Field(default=None, alias="LOG_JSON")

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        if [item.lower() for item in value] == [NO_PROXY]:
            return [NO_PROXY]
        for item in value:
            if item == "*":
                raise ValueError(
                    "HOSTOLINK_TRUSTED_PROXIES: '*' would let any client choose its address; "
                    "name the proxy's addresses or networks (Render: 10.0.0.0/8)"
                )
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"HOSTOLINK_TRUSTED_PROXIES: {item!r} is not an address or network"
                ) from exc
        return value

    @model_validator(mode="after")
    def _deprecated_pool_size(self) -> Settings:
        legacy = self.db_pool_size_deprecated
        if legacy is None:
            return self
        if "db_connections" in self.model_fields_set:
            logger.warning(
                "HOSTOLINK_DB_POOL_SIZE est obsolète et ignoré : HOSTOLINK_DB_CONNECTIONS=%d "
                "borne les connexions de chaque processus",
                self.db_connections,
            )
            return self
        self.db_connections = max(MIN_DB_CONNECTIONS, legacy)
        logger.warning(
            "HOSTOLINK_DB_POOL_SIZE est obsolète : lu comme HOSTOLINK_DB_CONNECTIONS=%d "
            "(toutes les connexions d'un processus, et non plus celles de chaque pool)",
            self.db_connections,
        )
        return self

    @model_validator(mode="after")
    def _production_is_strict(self) -> Settings:
        if self.env is not Environment.PRODUCTION:
            return self
        problems: list[str] = []
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if secret.lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH:
            problems.append(
                f"JWT_SECRET must be set to a random value of {MIN_SECRET_LENGTH}+ chars"
            )
        if not self.database_url:
            problems.append("DATABASE_URL must be set (no embedded database in production)")
        # Derived keys would change with JWT_SECRET: rotating it must not unreadable every
        # card number nor void every printed QR code.
        if self.card_encryption_key is None:
            problems.append("CARD_ENCRYPTION_KEY must be set (base64 of 32 random bytes)")
        if self.qr_signing_keys is None:
            problems.append("QR_SIGNING_KEYS must be set (kid:secret[,kid:secret…])")
        if self.sms_sender is SmsSender.OUTBOX and self.email_sender is EmailSender.OUTBOX:
            problems.append("configure a real OTP sender (HOSTOLINK_SMS_SENDER or _EMAIL_SENDER)")
        if not self.trusted_proxies:
            problems.append(
                "HOSTOLINK_TRUSTED_PROXIES must name the reverse proxy (Render: 10.0.0.0/8, "
                f"with HOSTOLINK_PROXY_HOPS=2), or be '{NO_PROXY}' when clients connect directly"
            )
        if self.media_storage is None and not self.cloudinary_url:
            problems.append(
                "CLOUDINARY_URL must be set (images and identity documents), or "
                "HOSTOLINK_MEDIA_STORAGE=local on a single instance with a persistent disk"
            )
        if self.media_storage is MediaStorage.CLOUDINARY and not self.cloudinary_url:
            problems.append("HOSTOLINK_MEDIA_STORAGE=cloudinary needs CLOUDINARY_URL")
        djamo_key = self.djamo_api_key.get_secret_value().strip() if self.djamo_api_key else ""
        if djamo_key and not (self.djamo_base_url or "").strip():
            problems.append(
                "DJAMO_BASE_URL must be set with DJAMO_API_KEY (the address Djamo gives at "
                "onboarding: there is no safe default)"
            )
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def media_backend(self) -> MediaStorage:
        if self.media_storage is not None:
            return self.media_storage
        return MediaStorage.CLOUDINARY if self.cloudinary_url else MediaStorage.LOCAL

    @property
    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        if self.trusted_proxies == [NO_PROXY]:
            return []
        return [ipaddress.ip_network(item, strict=False) for item in self.trusted_proxies]

    @property
    def db_pool_size(self) -> int:
        """Deprecated name of `db_connections`."""
        return self.db_connections

    @property
    def hashing_concurrency(self) -> int:
        if self.hashing_threads is not None:
            return self.hashing_threads
        return max(1, (os.cpu_count() or 1) // self.workers)

    @property
    def json_logs(self) -> bool:
        return self.is_production if self.log_json is None else self.log_json

    @property
    def sandbox_enabled(self) -> bool:
        """The simulated provider: on by default outside production, never in production."""
        if self.is_production:
            return False
        return True if self.sandbox_provider is None else self.sandbox_provider

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    def signing_key(self) -> str:
        """The JWT/HMAC key. Outside production an unset key is generated once and kept in the
        data folder, so tokens survive restarts and every worker process signs with the same key."""
        if self.jwt_secret is not None and self.jwt_secret.get_secret_value():
            return self.jwt_secret.get_secret_value()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # Written aside, then linked into place: worker processes starting together on a
            # fresh folder all end up reading the one complete key (a plain write let one
            # of them read an empty file and sign with an empty key).
            draft = path.with_name(f"secret_key.{os.getpid()}.tmp")
            draft.write_text(secrets.token_urlsafe(48))
            draft.chmod(0o600)
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process won: use its key
            finally:
                draft.unlink()
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
