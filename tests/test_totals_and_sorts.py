"""Issue 16 point 5: lists count themselves when asked (`include_total=true`: exact up to a
bound, then the planner's estimate, marked) and sort by the fields screens sort by; a cursor
goes on in its sort, and a cursor of one sort is not one of another."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey, User
from app.auth.roles import Role
from app.enterprises import repository as enterprise_repository
from app.enterprises.models import Enterprise
from app.enterprises.schemas import EnterpriseFilter
from app.pagination import Total, count_rows
from app.pools.enums import MemberStatus, Pool, Tier
from app.pools.models import PoolMember
from app.projects import repository
from app.projects.schemas import ProjectFilter
from tests.factories import headers_for, make_api_key, make_enterprise, make_user
from tests.problems import assert_problem

TITLES = ["丙项目", "甲项目", "乙项目", "丁项目", "戊项目"]


async def make_projects(
    client: httpx.AsyncClient, headers: dict[str, str], enterprise: Enterprise
) -> list[dict[str, str]]:
    made = []
    for n, title in enumerate(TITLES):
        answer = await client.post(
            "/api/v1/projects",
            headers=headers,
            json={
                "enterprise_id": str(enterprise.id),
                "title": title,
                "level": "city",
                "start_on": "2026-01-01",
                "end_on": f"2027-0{n + 1}-01",
            },
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
    return made


async def walk(
    client: httpx.AsyncClient, headers: dict[str, str], params: dict[str, str]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Every item of the list in pages of two, and the pages themselves."""
    items: list[dict[str, object]] = []
    pages: list[dict[str, object]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": "2"} | ({"cursor": cursor} if cursor else {})
        answer = await client.get("/api/v1/projects", headers=headers, params=query)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        pages.append(page)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages


async def test_a_list_sorts_pages_on_in_its_sort_and_counts_when_asked(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    await make_projects(client, headers, enterprise)
    mine = {"enterprise_id": str(enterprise.id)}
    for sort, expected in (
        ("title", sorted(TITLES)),
        ("-title", sorted(TITLES, reverse=True)),
        ("-end_on", list(reversed(TITLES))),
        ("created_at", TITLES),
    ):
        items, pages = await walk(client, headers, {**mine, "sort": sort, "include_total": "true"})
        assert [i["title"] for i in items] == expected, sort
        assert len(pages) == 3
        assert {(p["total"], p["total_is_estimate"]) for p in pages} == {(5, False)}
    plain, _ = await walk(client, headers, mine)
    assert [i["title"] for i in plain] == TITLES  # the default order
    untotalled = await client.get("/api/v1/projects", headers=headers, params=mine)
    assert untotalled.json()["total"] is None

    # A cursor handed out under one sort is not one of another sort's list.
    first = await client.get(
        "/api/v1/projects", headers=headers, params={**mine, "sort": "title", "limit": "2"}
    )
    moved = await client.get(
        "/api/v1/projects",
        headers=headers,
        params={**mine, "sort": "-title", "limit": "2", "cursor": first.json()["next_cursor"]},
    )
    assert_problem(moved, 422, "invalid_cursor")
    unknown = await client.get("/api/v1/projects", headers=headers, params={"sort": "budget"})
    assert unknown.status_code == 422


async def test_past_the_bound_the_total_is_the_planners_estimate(session: AsyncSession) -> None:
    for _ in range(8):
        await make_enterprise(session)
    await session.flush()
    everything = select(Enterprise)
    exact = await count_rows(session, everything)
    assert not exact.estimate and exact.count >= 8
    estimated = await count_rows(session, everything, exact_up_to=5)
    assert estimated.estimate and estimated.count >= 6
    # A list's filters (a uuid, a date, an enum) are planned too.
    filtered = repository.projects(
        ProjectFilter(enterprise_id=uuid.uuid4(), level="city", alert="red"), date(2026, 12, 1)
    )
    assert await count_rows(session, filtered, exact_up_to=0) == Total(0, estimate=False)
    # Past a bound of -1 even none is "past": the filtered statement is planned, not refused
    # (a statement that cannot be written out would come back with the exact count only).
    planned_filtered = await count_rows(session, filtered, exact_up_to=-1)
    assert planned_filtered.estimate and planned_filtered.count >= 1
    planned = await count_rows(session, select(Enterprise).where(Enterprise.id != uuid.uuid4()), 5)
    assert planned.estimate and planned.count >= 6


async def test_pool_members_sort_by_their_enterprises_name(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A sort on a joined column (the enterprise's name) pages on in that order too."""
    staff = await headers_for(session, Role.MANAGER)
    tag = uuid.uuid4().hex[:6]
    names = [f"排序{tag}{letter}有限公司" for letter in "CAEBD"]
    for name in names:
        enterprise = await make_enterprise(session, name=name)
        session.add(
            PoolMember(
                pool=Pool.SME,
                enterprise_id=enterprise.id,
                tier=Tier.SELECTED,
                status=MemberStatus.ACTIVE,
                entered_on=date(2026, 1, 1),
            )
        )
    await session.flush()
    for sort, expected in (("name", sorted(names)), ("-name", sorted(names, reverse=True))):
        seen: list[str] = []
        cursor: str | None = None
        total: int | None = None
        while True:
            params = {"sort": sort, "limit": "2", "include_total": "true"}
            answer = await client.get(
                "/api/v1/pools/sme/members",
                headers=staff,
                params=params | ({"cursor": cursor} if cursor else {}),
            )
            assert answer.status_code == 200, answer.text
            page = answer.json()
            seen += [m["name"] for m in page["items"]]
            total = page["total"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [n for n in seen if tag in n] == expected
        assert total == len(seen)


async def test_the_register_and_its_search_count_what_they_find(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.MANAGER)
    tag = uuid.uuid4().hex[:8]
    for n in range(5):
        await make_enterprise(session, name=f"计数{tag}科技{n}有限公司", district="独山子区")
    for params, expected in (
        ({"q": f"计数{tag}"}, 5),
        ({"q": f"计数{tag}", "district": "独山子区"}, 5),
        ({"q": f"计数{tag}", "district": "乌尔禾区"}, 0),
    ):
        answer = await client.get(
            "/api/v1/enterprises",
            headers=headers,
            params={**params, "include_total": "true", "limit": "2"},
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert (page["total"], page["total_is_estimate"]) == (expected, False), params
    everything = await client.get(
        "/api/v1/enterprises", headers=headers, params={"include_total": "true"}
    )
    assert everything.json()["total"] >= 5
    # The search's statement, with its values bound, is one EXPLAIN can plan.
    where = EnterpriseFilter(status="active", q=f"计数{tag}", district="独山子区")
    planned = await count_rows(session, enterprise_repository.total_statement(where), -1)
    assert planned.estimate and planned.count >= 1


async def test_users_and_api_keys_count_themselves_too(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await headers_for(session, Role.ADMIN)
    for _ in range(3):
        await make_user(session, Role.SPECIALIST)
        await make_api_key(session)
    await session.flush()
    users = await client.get(
        "/api/v1/users",
        headers=admin,
        params={"role": "specialist", "limit": "2", "include_total": "true"},
    )
    assert users.status_code == 200, users.text
    specialists = await session.scalar(
        select(func.count()).select_from(User).where(User.role == "specialist")
    )
    assert (users.json()["total"], users.json()["has_more"]) == (specialists, True)
    keys = await client.get(
        "/api/v1/api-keys", headers=admin, params={"limit": "1", "include_total": "true"}
    )
    assert keys.status_code == 200, keys.text
    live = await session.scalar(
        select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
    )
    assert keys.json()["total"] == live and live is not None and live >= 3
    assert keys.json()["has_more"] is True and len(keys.json()["items"]) == 1
