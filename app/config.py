"""Settings read from the environment (and .env), validated once at start-up."""

from __future__ import annotations

import secrets
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.round_windows import validate_windows

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def parse_windows(text: str) -> tuple[tuple[int, int], ...]:
    try:
        pairs = [part.strip().split("-") for part in text.split(",")]
        return tuple((int(first), int(last)) for first, last in pairs)
    except ValueError as exc:
        raise ValueError("use first-last month pairs, e.g. 1-4,5-8,9-12") from exc


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str | None = None
    # Loopback unless told otherwise: the demo zone's passwords are public. The container sets
    # 0.0.0.0, since it is reached through the host's published port.
    host: str = Field(default="127.0.0.1", min_length=1, max_length=255)
    port: int = Field(default=8000, ge=1, le=65535)
    # Worker processes of `serve` on the one port (uvicorn's own variable name).
    web_concurrency: int = Field(default=1, ge=1, le=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    secret_key: str | None = None
    access_token_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    timezone: str = "Asia/Shanghai"
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None
    seed_demo: bool | None = None
    data_dir: Path = PROJECT_ROOT / ".data"
    # Connections each worker keeps open: enough for the requests it serves at once (each
    # holds one while it runs), so that none is opened and closed per request.
    db_pool_size: int = Field(default=20, ge=1, le=200)
    # Extra connections opened in a burst beyond the pool and closed when returned; unset,
    # as many as DB_POOL_SIZE.
    db_max_overflow: int | None = Field(default=None, ge=0, le=200)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # How long a worker may answer from its cache of users and API keys (a backstop: every
    # revocation evicts them at once through PostgreSQL's NOTIFY); 0 turns the cache off.
    principal_cache_seconds: float = Field(default=30.0, ge=0, le=300)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Failed logins per account from one client address, and per client address across
    # accounts, within the window; beyond them that address gets 429 until the window passes.
    login_max_failures: int = Field(default=10, ge=1)
    login_address_max_failures: int = Field(default=50, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    # Proxies whose X-Forwarded-For names the client (addresses or networks); none by default,
    # so the client is the TCP peer and the header cannot be forged.
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list
    )
    # Argon2 hashes running at once per replica (each in a worker thread, 64 MiB each).
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    idempotency_hours: int = Field(default=24, ge=1)
    # Requests one API key may make per window (shared by all replicas through PostgreSQL).
    api_key_rate_limit: int = Field(default=600, ge=1)
    api_key_rate_window_seconds: int = Field(default=60, ge=1, le=3600)
    # Bulk imports: their own, larger body limit (the rest of the API keeps max_body_bytes).
    import_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    import_max_rows: int = Field(default=100_000, ge=1)
    # Run uploaded import jobs in this replica, and its reaper of abandoned ones (tests of the
    # upload alone turn it off).
    import_worker_enabled: bool = True
    # A running job's heartbeat; a job silent for import_stale_seconds (its replica died) is
    # taken over by the reaper of any replica, which looks every heartbeat interval.
    import_heartbeat_seconds: float = Field(default=5.0, gt=0, le=300)
    import_stale_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Runs of one job, takeovers included: when the last one fails too the job ends `failed`.
    import_max_attempts: int = Field(default=3, ge=1, le=100)
    # Per-line parsing limits: a line over them is one row error, never the whole job's.
    import_max_line_chars: int = Field(default=65_536, ge=1024)
    import_max_depth: int = Field(default=32, ge=2, le=500)
    alert_sweep_enabled: bool = True
    # Change-feed entries older than this are pruned nightly (0: kept for ever); a consumer
    # whose cursor falls behind what was pruned gets 410 and resyncs from the exports.
    change_feed_retention_days: int = Field(default=90, ge=0, le=36_500)
    # The outbox's dispatcher (every worker polls; rows are locked, so each message is
    # dispatched once): how often it looks, how often a failing consumer is retried before
    # the message is set aside with its error, and how long dispatched messages are kept
    # (pruned nightly at 02:45 zone time; 0 keeps them).
    outbox_dispatch_enabled: bool = True
    outbox_dispatch_seconds: float = Field(default=1.0, gt=0, le=300)
    outbox_max_attempts: int = Field(default=10, ge=1, le=1000)
    outbox_retention_days: int = Field(default=7, ge=0, le=36_500)
    # The coverage rounds' windows as first-last month pairs: "1-4,5-8,9-12".
    visit_round_windows: str = "1-4,5-8,9-12"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [
                ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
            ]
        return value

    @field_validator("visit_round_windows")
    @classmethod
    def _windows(cls, value: str) -> str:
        validate_windows(parse_windows(value))
        return value

    @property
    def round_windows(self) -> tuple[tuple[int, int], ...]:
        return parse_windows(self.visit_round_windows)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        for plain in ("postgresql://", "postgres://"):
            if value.startswith(plain):
                return "postgresql+asyncpg://" + value[len(plain) :]
        if not value.startswith("postgresql+asyncpg://"):
            raise ValueError("must be a postgresql+asyncpg:// URL")
        return value

    @model_validator(mode="after")
    def _secret_with_server(self) -> Settings:
        # A server database may be shared by replicas, so they must agree on one secret.
        if self.database_url is not None and not self.secret_key:
            raise ValueError("SECRET_KEY is required when DATABASE_URL is set")
        if self.secret_key is not None and len(self.secret_key) < 16:
            raise ValueError("SECRET_KEY must be at least 16 characters")
        if bool(self.bootstrap_admin_email) != bool(self.bootstrap_admin_password):
            raise ValueError("BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD go together")
        # A live job must not look abandoned between two of its heartbeats.
        if self.import_stale_seconds < 2 * self.import_heartbeat_seconds:
            raise ValueError("IMPORT_STALE_SECONDS must be at least twice IMPORT_HEARTBEAT_SECONDS")
        return self

    @property
    def db_overflow(self) -> int:
        return self.db_pool_size if self.db_max_overflow is None else self.db_max_overflow

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def should_seed_demo(self) -> bool:
        return self.embedded if self.seed_demo is None else self.seed_demo

    def signing_key(self) -> str:
        """The token-signing secret; in embedded mode generated once and kept under data_dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        self.secret_key = path.read_text().strip()
        return self.secret_key


@lru_cache
def get_settings() -> Settings:
    return Settings()
