"""Issue 16 point 6: the screens that list other records carry their names beside their ids
(the alert board, round coverage, demands, visits), read for the whole page at once: the
statements a list runs do not grow with its rows. On the demo zone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import clock, demo
from app.auth.roles import Role
from app.config import Settings
from app.enterprises.models import Enterprise
from app.visits.models import Specialist
from tests.factories import headers_for


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_lists_show_the_names_of_the_records_they_name_from_one_read_per_page(
    client: httpx.AsyncClient,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await demo.seed(session_factory, settings)
    enterprises = {e.id: e.name for e in await session.scalars(select(Enterprise))}
    specialists = {s.id: s.name for s in await session.scalars(select(Specialist))}
    headers = await headers_for(session, Role.MANAGER)
    checked = 0

    board = (await client.get("/api/v1/alerts/board", headers=headers)).json()
    for entry in board["flagged"] + board["recovered"]:
        assert entry["enterprise_name"] == enterprises[uuid.UUID(entry["enterprise_id"])]
        checked += 1

    for path in ("/api/v1/demands", "/api/v1/visits"):
        small: list[str] = []
        large: list[str] = []
        for limit, seen_into in ((2, small), (50, large)):
            with statements(engine) as seen:
                answer = await client.get(path, headers=headers, params={"limit": limit})
            assert answer.status_code == 200, answer.text
            seen_into.extend(seen)
            for item in answer.json()["items"]:
                assert item["enterprise_name"] == enterprises[uuid.UUID(item["enterprise_id"])]
                for ref in item.get("specialists", []):
                    assert ref["name"] == specialists[uuid.UUID(ref["id"])]
                if item.get("specialist_id"):
                    assert item["specialist_name"] == specialists[uuid.UUID(item["specialist_id"])]
                checked += 1
        # Not one statement per row: a page of 50 reads as many times as a page of 2.
        assert len(large) == len(small), (path, small, large)

    year = clock.today(settings.zone).year
    for number in (1, 2, 3):
        coverage = await client.get(
            f"/api/v1/visit-rounds/{year}/{number}/coverage", headers=headers
        )
        if coverage.status_code != 200:
            continue
        read = coverage.json()
        for row in read["specialists"]:
            assert row["specialist_name"] == specialists[uuid.UUID(row["specialist_id"])]
            checked += 1
        assert [e["id"] for e in read["not_visited_enterprises"]] == read["not_visited"]
        for named in read["not_visited_enterprises"]:
            assert named["name"] == enterprises[uuid.UUID(named["id"])]
            checked += 1
    # The demo zone flags projects, has demands and visits, and a round with coverage.
    assert checked >= 40, checked
