"""Issue 16: the screens a frontend builds, each answered in one request that carries the
names it shows beside the ids it lists (no request per row), on the demo zone. The enum
labels come in zh-CN and en."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock, demo
from app.auth.roles import Role
from app.config import Settings
from app.enterprises.models import Enterprise
from app.rankings.models import RankingRun
from tests.factories import headers_for

# An id a screen lists → the field beside it with the name the screen shows.
NAMED_BESIDE = {
    "enterprise_id": ("enterprise_name", "name"),
    "specialist_id": ("specialist_name", "name"),
}


def unnamed(answer: Any, where: str = "$") -> tuple[list[str], int]:
    """Places in the answer that list an enterprise or specialist id without its name, and
    how many named ids were seen."""
    missing: list[str] = []
    named = 0
    if isinstance(answer, dict):
        for key, names in NAMED_BESIDE.items():
            if answer.get(key) is not None:
                if any(isinstance(answer.get(n), str) and answer[n] for n in names):
                    named += 1
                else:
                    missing.append(f"{where}.{key}")
        if "not_visited" in answer:
            listed = [e["id"] for e in answer.get("not_visited_enterprises", [])]
            if listed != answer["not_visited"]:
                missing.append(f"{where}.not_visited")
            named += len(listed)
        for key, value in answer.items():
            more, count = unnamed(value, f"{where}.{key}")
            missing += more
            named += count
    elif isinstance(answer, list):
        for index, value in enumerate(answer):
            more, count = unnamed(value, f"{where}[{index}]")
            missing += more
            named += count
    return missing, named


def said(answer: Any) -> list[str]:
    """The human sentences in an answer (what the service wrote, not what was stored)."""
    if isinstance(answer, dict):
        found = [v for k, v in answer.items() if k == "description" and isinstance(v, str)]
        return found + [s for v in answer.values() for s in said(v)]
    if isinstance(answer, list):
        return [s for v in answer for s in said(v)]
    return []


async def test_ten_screens_each_in_one_request_with_the_names_they_show(
    client: httpx.AsyncClient,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    await demo.seed(session_factory, settings)
    headers = await headers_for(session, Role.MANAGER) | {"Accept-Language": "zh-CN"}
    some = await session.scalar(select(Enterprise).order_by(Enterprise.name).limit(1))
    run = await session.scalar(select(RankingRun).limit(1))
    assert some is not None and run is not None
    year = clock.today(settings.zone).year
    screens = {
        "dashboard": "/api/v1/statistics/overview",
        "enterprise search": f"/api/v1/enterprises?q={some.name[:2]}",
        "enterprise detail": f"/api/v1/enterprises/{some.id}",
        "pool members by tier": "/api/v1/pools/hte/members?tier=cultivating",
        "alert board": "/api/v1/alerts/board",
        "overdue demands": "/api/v1/demands?overdue=true",
        "round coverage": f"/api/v1/visit-rounds/{year}/1/coverage",
        "ranking entries": f"/api/v1/rankings/{run.id}/entries",
        "outcome statistics": "/api/v1/statistics/outcomes",
        "enum labels": "/api/v1/meta/enums",
    }
    named_in_all = 0
    sentences: list[str] = []
    for screen, path in screens.items():
        answer = await client.get(path, headers=headers)
        assert answer.status_code == 200, (screen, answer.text)
        assert answer.headers["content-language"] == "zh-CN", screen
        missing, named = unnamed(answer.json())
        assert missing == [], (screen, missing)
        named_in_all += named
        sentences += said(answer.json())
    # The demo zone lists enough records that a screen without names would show.
    assert named_in_all >= 30, named_in_all
    # The sentences the screens show (the board's reasons) are in Chinese.
    assert len(sentences) >= 3, sentences
    assert [s for s in sentences if not re.search(r"[\u4e00-\u9fff]", s)] == []

    enums = (await client.get("/api/v1/meta/enums", headers=headers)).json()
    colours = next(iter(e for e in enums["items"] if e["name"] == "AlertColor"))
    assert {v["value"]: v["labels"]["zh-CN"] for v in colours["values"]}["red"] == "红色预警"
