"""Issue 14: a read does only the work it must. On a live server with a warm principal cache,
a GET is one statement and no transaction (no BEGIN, no ROLLBACK, no ping); a write still
runs in one transaction; a read's session refuses to write."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from asyncpg.connection import LoggedQuery
from fastapi import FastAPI
from sqlalchemy import event, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import (
    ReadOnlySessionError,
    create_engine,
    create_session_factory,
    drop_database,
    read_session_factory,
)
from app.enterprises.models import Enterprise
from app.main import create_app
from app.migrations import upgrade
from tests.conftest import fresh_database, live_admin_headers, quiet_live_settings
from tests.factories import random_uscc
from tests.live import LiveServer

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class Server:
    def __init__(self, app: FastAPI, url: str, headers: dict[str, str]) -> None:
        self.app = app
        self.url = url
        self.headers = headers

    @property
    def engine(self) -> AsyncEngine:
        engine: AsyncEngine = self.app.state.session_factory.kw["bind"]
        return engine

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers=self.headers)

    @contextmanager
    def round_trips(self) -> Iterator[list[str]]:
        """Everything the server's pool sends PostgreSQL meanwhile: SQLAlchemy's statements,
        and asyncpg's own transaction control (the BEGIN and ROLLBACK that SQLAlchemy's
        events do not see)."""
        seen: list[str] = []

        def statement(*args: Any) -> None:
            seen.append(str(args[2]))

        def control(record: LoggedQuery) -> None:
            seen.append(record.query)

        def attach(dbapi_connection: Any, *_: Any) -> None:
            dbapi_connection.driver_connection.add_query_logger(control)

        pool = self.engine.sync_engine.pool
        event.listen(pool, "checkout", attach)
        event.listen(self.engine.sync_engine, "before_cursor_execute", statement)
        try:
            yield seen
            time.sleep(0.2)  # asyncpg calls its loggers soon after, not during, a query
        finally:
            event.remove(self.engine.sync_engine, "before_cursor_execute", statement)
            event.remove(pool, "checkout", attach)


@pytest.fixture(scope="module")
def server(server_url: str) -> Iterator[Server]:
    url = fresh_database(server_url, "readpath")
    upgrade(url)
    try:
        app = create_app(quiet_live_settings(url))
        with LiveServer(app) as live:
            yield Server(app, live.url, live_admin_headers(live.url))
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture(scope="module")
def enterprise_id(server: Server) -> str:
    created = httpx.post(
        f"{server.url}/api/v1/enterprises",
        headers=server.headers,
        json={"name": "读路径科技有限公司", "uscc": random_uscc(), "district": "高新区"},
    )
    assert created.status_code == 201, created.text
    enterprise_id: str = created.json()["id"]
    return enterprise_id


def transaction_control(seen: list[str]) -> list[str]:
    return [query for query in seen if query.strip().upper().startswith(TRANSACTION_CONTROL)]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/enterprises/{id}", "/api/v1/enterprises?limit=20", "/api/v1/enterprises?q=读路径"],
)
def test_a_warm_read_is_one_statement_and_no_transaction(
    server: Server, enterprise_id: str, path: str
) -> None:
    path = path.replace("{id}", enterprise_id)
    assert server.get(path).status_code == 200  # warms the principal cache
    with server.round_trips() as seen:
        answers = [server.get(path) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [200] * 5
    assert all(enterprise_id in answer.text for answer in answers)
    assert transaction_control(seen) == []
    assert len(seen) == 5, seen
    assert all(query.lstrip().upper().startswith("SELECT") for query in seen), seen


def test_me_on_a_warm_cache_asks_the_database_nothing(server: Server) -> None:
    assert server.get("/api/v1/me").status_code == 200
    with server.round_trips() as seen:
        assert all(server.get("/api/v1/me").status_code == 200 for _ in range(5))
    assert seen == []


def test_a_write_still_runs_in_one_transaction(server: Server, enterprise_id: str) -> None:
    current = server.get(f"/api/v1/enterprises/{enterprise_id}")
    with server.round_trips() as seen:
        changed = httpx.patch(
            f"{server.url}/api/v1/enterprises/{enterprise_id}",
            headers={**server.headers, "If-Match": current.headers["etag"]},
            json={"district": "经开区"},
        )
    assert changed.status_code == 200, changed.text
    control = [query.split()[0].upper().rstrip(";") for query in transaction_control(seen)]
    assert control[0] == "BEGIN" and control[-1] == "COMMIT", control
    assert control.count("BEGIN") == 1, seen


async def test_a_read_session_refuses_to_write(server: Server, enterprise_id: str) -> None:
    settings = server.app.state.settings
    engine = create_engine(settings.database_url, settings)
    try:
        reads = read_session_factory(create_session_factory(engine))
        async with reads() as session:
            assert await session.scalar(text("SELECT count(*) FROM enterprise")) == 1
            with pytest.raises(ReadOnlySessionError):
                await session.execute(
                    update(Enterprise).where(Enterprise.name == "x").values(district="y")
                )
        async with reads() as session:
            enterprise = await session.get(Enterprise, enterprise_id)
            assert enterprise is not None
            enterprise.district = "不应写入"
            with pytest.raises(ReadOnlySessionError):
                await session.flush()
    finally:
        await engine.dispose()
    assert server.get(f"/api/v1/enterprises/{enterprise_id}").json()["district"] != "不应写入"
