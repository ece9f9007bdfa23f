"""Issue 14: no round trip spent on pinging. The pool does not pre-ping; a connection the
server ended while it idled in the pool is dropped at checkout with a local check, and one
that dies during a request fails that request alone (503 with Retry-After, never 500) and
invalidates the pool."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import httpx
import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import asyncpg_params, create_engine, drop_database
from app.errors import is_database_down
from app.main import create_app
from app.migrations import upgrade
from tests.conftest import (
    fresh_database,
    live_admin_headers,
    make_settings,
    quiet_live_settings,
)
from tests.live import LiveServer

SERVICE = "tech-accompaniment"


async def _fetch(database_url: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(**asyncpg_params(database_url))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


def backends(database_url: str) -> list[int]:
    """The service's pooled connections to this test's database (and no other)."""
    rows = asyncio.run(
        _fetch(
            database_url,
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
            database_url.rsplit("/", 1)[1],
            SERVICE,
        )
    )
    return [row["pid"] for row in rows]


def terminate_all(database_url: str) -> int:
    """pg_terminate_backend on every other session of this test's database only."""
    rows = asyncio.run(
        _fetch(
            database_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database_url.rsplit("/", 1)[1],
        )
    )
    return len(rows)


@pytest.fixture(scope="module")
def healing(server_url: str) -> Iterator[tuple[str, str, dict[str, str], AsyncEngine]]:
    url = fresh_database(server_url, "healing")
    upgrade(url)
    try:
        app = create_app(quiet_live_settings(url))
        with LiveServer(app) as server:
            engine: AsyncEngine = app.state.session_factory.kw["bind"]
            yield server.url, url, live_admin_headers(server.url), engine
    finally:
        asyncio.run(drop_database(url))


def test_the_pool_does_not_pre_ping(
    healing: tuple[str, str, dict[str, str], AsyncEngine],
) -> None:
    *_, engine = healing
    assert getattr(engine.sync_engine.pool, "_pre_ping") is False  # noqa: B009


def fill_pool_and_kill(base: str, database_url: str, admin: dict[str, str]) -> set[int]:
    """Several requests at once, so that the pool holds several connections; then every
    session of the database is ended. Answers the pooled connections' server pids."""
    with ThreadPoolExecutor(8) as threads:
        statuses = threads.map(lambda _: read(base, admin).status_code, range(32))
        assert set(statuses) == {200}
    before = set(backends(database_url))
    assert len(before) >= 2
    assert terminate_all(database_url) >= len(before)
    return before


def read(base: str, admin: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{base}/api/v1/users?limit=5", headers=admin, timeout=30)


def test_requests_after_the_servers_sessions_were_killed_succeed(
    healing: tuple[str, str, dict[str, str], AsyncEngine],
) -> None:
    base, database_url, admin, _ = healing
    before = fill_pool_and_kill(base, database_url, admin)
    deadline = time.monotonic() + 10
    while set(backends(database_url)) & before:
        assert time.monotonic() < deadline, "the sessions did not end"
        time.sleep(0.05)
    # The sessions ended while their connections idled in the pool: asyncpg has heard the
    # sockets close by now, so the pool drops them at checkout and no request fails.
    time.sleep(0.5)

    statuses = [read(base, admin).status_code for _ in range(20)]

    assert statuses == [200] * 20, statuses
    assert not set(backends(database_url)) & before  # served by fresh connections


def test_requests_racing_the_kill_get_at_most_one_503_and_never_a_500(
    healing: tuple[str, str, dict[str, str], AsyncEngine],
) -> None:
    base, database_url, admin, _ = healing
    fill_pool_and_kill(base, database_url, admin)  # and no wait for the sessions to end

    answers = [read(base, admin) for _ in range(20)]

    statuses = [answer.status_code for answer in answers]
    unavailable = [answer for answer in answers if answer.status_code == 503]
    assert len(unavailable) <= 1, statuses
    for answer in unavailable:
        assert answer.json()["code"] == "database_unavailable"
        assert int(answer.headers["Retry-After"]) >= 1
    assert set(statuses[len(unavailable) :]) == {200}, statuses


async def test_a_connection_that_dies_during_a_statement_invalidates_the_pool(
    database_url: str,
) -> None:
    engine = create_engine(database_url, make_settings(database_url))
    try:
        async with engine.connect() as sibling:
            await sibling.execute(text("SELECT 1"))
        async with engine.connect() as victim:
            pid = await victim.scalar(text("SELECT pg_backend_pid()"))

            async def kill_soon() -> None:
                await asyncio.sleep(0.3)
                await _fetch(database_url, "SELECT pg_terminate_backend($1)", pid)

            killer = asyncio.create_task(kill_soon())
            with pytest.raises(exc.DBAPIError) as raised:
                await victim.execute(text("SELECT pg_sleep(5)"))
            await killer
        assert raised.value.connection_invalidated
        assert is_database_down(raised.value)  # rendered as 503 database_unavailable
        # The whole pool, not only the victim, is stale from now on.
        assert getattr(engine.sync_engine.pool, "_invalidate_time") > 0  # noqa: B009
        async with engine.connect() as after:
            assert await after.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
