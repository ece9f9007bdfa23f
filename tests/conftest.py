"""The tests own their database: a fresh one per run on the server in DATABASE_URL (or the
embedded one), migrated with Alembic; each test runs in a transaction that is rolled back."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import PROJECT_ROOT, Settings
from app.db import create_database, create_engine, drop_database, with_database
from app.main import create_app
from app.migrations import upgrade
from tests.live import LiveServer

TEST_SECRET = "test-secret-key-0123456789abcdef"
LIVE_ADMIN_EMAIL = "live-admin@example.com"
LIVE_ADMIN_PASSWORD = "live-admin-password"


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A server to create databases on: DATABASE_URL's, or the embedded one."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield Settings(database_url=configured, secret_key=TEST_SECRET).database_url or ""
        return
    from app.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(PROJECT_ROOT / ".data")
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def fresh_database(server_url: str, label: str) -> str:
    url = with_database(server_url, f"tas_test_{label}_{uuid.uuid4().hex[:8]}")
    asyncio.run(create_database(url))
    return url


@contextlib.contextmanager
def migrated_database(server_url: str, label: str) -> Iterator[str]:
    """A fresh database at the migrations' head, dropped afterwards."""
    url = fresh_database(server_url, label)
    upgrade(url)
    try:
        yield url
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    with migrated_database(server_url, "main") as url:
        yield url


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "seed_demo": False,
        "bootstrap_admin_email": None,
        "bootstrap_admin_password": None,
        "cors_origins": [],
        "alert_sweep_enabled": False,
        "outbox_dispatch_enabled": False,
    }
    values.update(overrides)
    # Explicit values win over the environment (which Settings also read): tests must not
    # depend on the caller's shell.
    return Settings.model_validate(values)


def quiet_live_settings(database_url: str) -> Settings:
    """A live server's settings with the live administrator and no background work (so that
    what the tests see the database do is the requests' own)."""
    return make_settings(
        database_url,
        bootstrap_admin_email=LIVE_ADMIN_EMAIL,
        bootstrap_admin_password=LIVE_ADMIN_PASSWORD,
        import_worker_enabled=False,
        change_feed_retention_days=0,
    )


def live_admin_headers(base_url: str) -> dict[str, str]:
    answer = httpx.post(
        f"{base_url}/api/v1/auth/token",
        data={"username": LIVE_ADMIN_EMAIL, "password": LIVE_ADMIN_PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    assert settings.database_url is not None
    engine = create_engine(settings.database_url, settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session_factory(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions joined to one outer transaction that the test rolls back."""
    async with engine.connect() as connection:
        outer = await connection.begin()
        yield async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        await outer.rollback()


@pytest.fixture
async def session(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture
def app(settings: Settings, session_factory: async_sessionmaker[AsyncSession]) -> FastAPI:
    return create_app(settings, session_factory=session_factory)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


@pytest.fixture(scope="session")
def live_database(server_url: str) -> Iterator[str]:
    """The live server's database, for tests that look at what it really stored."""
    url = fresh_database(server_url, "live")
    upgrade(url)
    yield url
    asyncio.run(drop_database(url))


@pytest.fixture(scope="session")
def live_api(live_database: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A live server on its own database, where writes are really committed, and an admin."""
    app_settings = make_settings(
        live_database,
        bootstrap_admin_email=LIVE_ADMIN_EMAIL,
        bootstrap_admin_password=LIVE_ADMIN_PASSWORD,
    )
    with LiveServer(create_app(app_settings)) as server:
        token = httpx.post(
            f"{server.url}/api/v1/auth/token",
            data={"username": LIVE_ADMIN_EMAIL, "password": LIVE_ADMIN_PASSWORD},
        ).json()["access_token"]
        yield server.url, {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def live_enterprise(live_api: tuple[str, dict[str, str]]) -> str:
    """An enterprise on the live server, for tests that need one to hang records on."""
    from tests.enterprises.test_enterprises import body

    base_url, admin = live_api
    created = httpx.post(f"{base_url}/api/v1/enterprises", headers=admin, json=body())
    assert created.status_code == 201, created.text
    return str(created.json()["id"])
