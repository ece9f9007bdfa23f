"""Bad input gets its documented 4xx problem+json, and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from tests.factories import bearer, make_user
from tests.problems import assert_problem


async def user_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


class TestRoutingErrors:
    async def test_unknown_route_is_404_problem(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/v1/nowhere"), 404, "not_found")

    async def test_wrong_method_is_405_problem_with_allow(self, client: httpx.AsyncClient) -> None:
        response = await client.put("/api/v1/me")
        assert_problem(response, 405, "method_not_allowed")
        assert "GET" in response.headers["allow"]


class TestBodyErrors:
    async def test_malformed_json_is_422_malformed_json(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        before = await user_count(session)
        response = await client.post(
            "/api/v1/users",
            headers={**bearer(admin), "Content-Type": "application/json"},
            content=b'{"email": "a@example.com",',
        )
        assert_problem(response, 422, "malformed_json")
        assert await user_count(session) == before

    async def test_unknown_field_is_422_naming_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        before = await user_count(session)
        response = await client.post(
            "/api/v1/users",
            headers=bearer(admin),
            json={
                "email": "a@example.com",
                "password": "long-enough-pw",
                "role": "manager",
                "is_superuser": True,
            },
        )
        body = assert_problem(response, 422, "validation_failed")
        assert any(
            error["loc"][-1] == "is_superuser" and error["type"] == "extra_forbidden"
            for error in body["errors"]
        )
        assert await user_count(session) == before

    async def test_nul_character_in_a_string_is_422_never_a_driver_error(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        before = await user_count(session)
        response = await client.post(
            "/api/v1/users",
            headers=bearer(admin),
            json={
                "email": "nul@example.com",
                "password": "long-enough-pw",
                "role": "manager",
                "display_name": "a\u0000b",
            },
        )
        body = assert_problem(response, 422, "nul_character")
        assert "NUL" in str(body["errors"])
        assert await user_count(session) == before

    async def test_nul_character_in_the_query_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        response = await client.get("/api/v1/audit-events?action=a%00b", headers=bearer(admin))
        assert_problem(response, 422, "nul_character")

    async def test_body_over_one_mebibyte_is_413(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        before = await user_count(session)
        response = await client.post(
            "/api/v1/users",
            headers={**bearer(admin), "Content-Type": "application/json"},
            content=b'{"email": "' + b"a" * (1024 * 1024) + b'"}',
        )
        assert_problem(response, 413, "payload_too_large")
        assert await user_count(session) == before

    async def test_chunked_body_over_the_limit_is_413(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield b"x" * 65536

        response = await client.post(
            "/api/v1/users",
            headers={**bearer(admin), "Content-Type": "application/json"},
            content=chunks(),
        )
        assert_problem(response, 413, "payload_too_large")

    async def test_naive_datetime_filter_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        response = await client.get(
            "/api/v1/audit-events",
            headers=bearer(admin),
            params={"occurred_from": "2026-01-01T00:00:00"},
        )
        assert_problem(response, 422, "validation_failed")


class TestPaginationErrors:
    async def test_forged_cursor_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        response = await client.get(
            "/api/v1/users", headers=bearer(admin), params={"cursor": "bm90LWEtY3Vyc29y"}
        )
        assert_problem(response, 422, "invalid_cursor")

    async def test_limit_over_200_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        response = await client.get("/api/v1/users", headers=bearer(admin), params={"limit": 201})
        assert_problem(response, 422, "validation_failed")


class TestCalendarEnds:
    async def test_instants_at_the_calendar_ends_are_422_never_a_500(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        # Year 1 at +08:00 lies before year 1 in UTC: no driver can hold it.
        admin = await make_user(session)
        response = await client.get(
            "/api/v1/audit-events",
            headers=bearer(admin),
            params={"occurred_from": "0001-01-01T00:00:00+08:00"},
        )
        assert_problem(response, 422, "validation_failed")
        listed = await client.get(
            "/api/v1/visits",
            headers=bearer(admin),
            params={"visited_to": "9999-12-31T23:59:59-08:00"},
        )
        assert_problem(listed, 422, "validation_failed")


class TestConcurrentWrites:
    async def test_simultaneous_updates_of_one_row_are_200_or_409_never_500(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        import asyncio

        from tests.enterprises.test_enterprises import body as enterprise_body

        base, admin = live_api
        async with httpx.AsyncClient(base_url=base, headers=admin, timeout=60) as client:
            created = await client.post("/api/v1/enterprises", json=enterprise_body())
            assert created.status_code == 201, created.text
            url = f"/api/v1/enterprises/{created.json()['id']}"
            # No If-Match: each reads version 1 and races the others to the row.
            answers = await asyncio.gather(
                *(client.patch(url, json={"district": f"园区{n}"}) for n in range(12))
            )
            statuses = [a.status_code for a in answers]
            assert set(statuses) <= {200, 409}, [a.text for a in answers if a.status_code >= 500]
            assert 200 in statuses
            for refused in (a for a in answers if a.status_code == 409):
                assert_problem(refused, 409, "concurrent_update")
                assert refused.headers["retry-after"] == "1"
            final = await client.get(url)
            assert final.headers["etag"] == f'"{1 + statuses.count(200)}"'
