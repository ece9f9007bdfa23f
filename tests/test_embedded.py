"""The embedded PostgreSQL (no DATABASE_URL): it starts with a UTF-8 locale under which Chinese
is text to pg_trgm, and a running service survives it stopping and coming back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import APP_DATABASE, create_database, with_database
from app.embedded import EmbeddedPostgres
from app.main import create_app
from app.migrations import upgrade
from tests.conftest import make_settings
from tests.live import LiveServer

ADMIN = ("outage-admin@example.com", "outage-admin-password")


@pytest.fixture(scope="module")
def embedded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    data_dir = tmp_path_factory.mktemp("embedded")
    server = EmbeddedPostgres(data_dir)
    url = with_database(server.start(), APP_DATABASE)
    asyncio.run(create_database(url))
    upgrade(url)
    yield data_dir, url
    server.stop()


async def _query(url: str, sql: str) -> object:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(sql))
            value = result.scalar_one() if result.returns_rows else None
            await connection.commit()
            return value
    finally:
        await engine.dispose()


class TestEmbeddedServer:
    def test_database_is_utf8_and_trigrams_see_chinese(
        self, embedded_url: tuple[Path, str]
    ) -> None:
        _, url = embedded_url
        assert asyncio.run(_query(url, "SHOW server_encoding")) == "UTF8"
        asyncio.run(_query(url, "CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        trigrams = asyncio.run(
            _query(url, "SELECT array_length(show_trgm('克拉玛依市正诚有限公司'), 1)")
        )
        # Under a C locale pg_trgm drops every Chinese character and finds nothing at all.
        assert isinstance(trigrams, int) and trigrams >= 10

    def test_service_answers_503_while_the_database_is_down_and_recovers(
        self, embedded_url: tuple[Path, str]
    ) -> None:
        data_dir, url = embedded_url
        settings = make_settings(
            url,
            bootstrap_admin_email=ADMIN[0],
            bootstrap_admin_password=ADMIN[1],
            db_connect_timeout_seconds=2.0,
        )
        with LiveServer(create_app(settings)) as live:
            # A generous timeout: a loaded CI machine is slow, not wrong.
            assert httpx.get(f"{live.url}/health/ready", timeout=30).status_code == 200
            token = httpx.post(
                f"{live.url}/api/v1/auth/token", data={"username": ADMIN[0], "password": ADMIN[1]}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            assert httpx.get(f"{live.url}/api/v1/users", headers=headers).status_code == 200

            EmbeddedPostgres(data_dir).stop_running_server()
            for path in ("/health/ready", "/api/v1/users"):
                down = httpx.get(f"{live.url}{path}", headers=headers, timeout=30)
                assert down.status_code == 503, down.text
                assert down.headers["content-type"].startswith("application/problem+json")
                assert down.json()["code"] == "database_unavailable"
                assert int(down.headers["retry-after"]) > 0
            assert httpx.get(f"{live.url}/health/live").status_code == 200

            EmbeddedPostgres(data_dir).start()
            assert httpx.get(f"{live.url}/health/ready", timeout=30).status_code == 200
            assert httpx.get(f"{live.url}/api/v1/users", headers=headers).status_code == 200
