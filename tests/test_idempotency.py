from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from tests.factories import bearer, make_user
from tests.problems import assert_problem

BODY = {"email": "once@example.com", "password": "long-enough-pw", "role": "manager"}


class TestIdempotencyKey:
    async def test_same_key_and_body_answers_the_first_response_and_creates_once(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        headers = {**bearer(admin), "Idempotency-Key": "create-once-1"}
        first = await client.post("/api/v1/users", headers=headers, json=BODY)
        second = await client.post("/api/v1/users", headers=headers, json=BODY)
        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert second.headers["location"] == first.headers["location"]
        assert second.headers["idempotent-replayed"] == "true"
        count = await session.scalar(
            select(func.count()).select_from(User).where(User.email == "once@example.com")
        )
        assert count == 1

    async def test_same_key_with_another_body_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        headers = {**bearer(admin), "Idempotency-Key": "create-once-2"}
        assert (await client.post("/api/v1/users", headers=headers, json=BODY)).status_code == 201
        other = await client.post(
            "/api/v1/users", headers=headers, json={**BODY, "email": "other@example.com"}
        )
        assert_problem(other, 422, "idempotency_key_reused")
        assert await session.scalar(select(User).where(User.email == "other@example.com")) is None

    async def test_without_a_key_each_post_is_its_own(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        assert (
            await client.post("/api/v1/users", headers=bearer(admin), json=BODY)
        ).status_code == 201
        again = await client.post("/api/v1/users", headers=bearer(admin), json=BODY)
        assert_problem(again, 409, "duplicate_email")

    async def test_an_unusable_key_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        response = await client.post(
            "/api/v1/users", headers={**bearer(admin), "Idempotency-Key": "x" * 300}, json=BODY
        )
        assert_problem(response, 422, "invalid_idempotency_key")


class TestConcurrentRetries:
    async def test_twenty_concurrent_posts_with_one_key_create_one_record(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        import asyncio
        import uuid

        base, admin = live_api
        email = f"concurrent-{uuid.uuid4().hex[:8]}@example.com"
        headers = {**admin, "Idempotency-Key": f"concurrent-{email}"}
        body = {"email": email, "password": "long-enough-pw", "role": "manager"}
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            answers = await asyncio.gather(
                *(client.post("/api/v1/users", headers=headers, json=body) for _ in range(20))
            )
            assert {a.status_code for a in answers} == {201}
            assert len({a.json()["id"] for a in answers}) == 1
            assert len({a.content for a in answers}) == 1
            listed = await client.get("/api/v1/users", headers=admin, params={"limit": 200})
            emails = [u["email"] for u in listed.json()["items"]]
            while listed.json()["next_cursor"]:
                listed = await client.get(
                    "/api/v1/users",
                    headers=admin,
                    params={"limit": 200, "cursor": listed.json()["next_cursor"]},
                )
                emails += [u["email"] for u in listed.json()["items"]]
            assert emails.count(email) == 1

    async def test_twenty_concurrent_enterprise_posts_answer_the_first_answer_then_422(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        import asyncio

        from tests.factories import random_uscc

        base, admin = live_api
        uscc = random_uscc()
        body = {"uscc": uscc, "name": "克拉玛依市幂等测试有限公司"}
        headers = {**admin, "Idempotency-Key": f"enterprise-{uscc}"}
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            answers = await asyncio.gather(
                *(client.post("/api/v1/enterprises", headers=headers, json=body) for _ in range(20))
            )
            assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
            # Every retry hears the first answer, byte for byte, with its Location and ETag.
            assert len({a.content for a in answers}) == 1
            assert len({(a.headers["location"], a.headers["etag"]) for a in answers}) == 1
            assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 19
            created = answers[0].json()["id"]
            found = await client.get("/api/v1/enterprises", headers=admin, params={"q": uscc})
            assert [e["id"] for e in found.json()["items"]] == [created]
            audit = await client.get(
                "/api/v1/audit-events", headers=admin, params={"resource_id": created}
            )
            assert [e["action"] for e in audit.json()["items"]] == ["enterprise.create"]

            reused = await client.post(
                "/api/v1/enterprises", headers=headers, json={**body, "name": "另一家公司"}
            )
            assert_problem(reused, 422, "idempotency_key_reused")
            again = await client.get("/api/v1/enterprises", headers=admin, params={"q": uscc})
            assert [e["name"] for e in again.json()["items"]] == [body["name"]]


class TestAnswersThatCarryASecret:
    """On a live server: an API key's secret is shown once and never kept for a replay."""

    def test_a_repeat_is_409_without_the_secret_which_is_stored_nowhere(
        self, live_api: tuple[str, dict[str, str]], live_database: str
    ) -> None:
        base_url, admin = live_api
        name = f"secret-once-{uuid.uuid4().hex[:8]}"
        headers = {**admin, "Idempotency-Key": f"key-{name}"}
        body = {"name": name, "scopes": ["read:enterprises"]}
        first = httpx.post(f"{base_url}/api/v1/api-keys", headers=headers, json=body)
        assert first.status_code == 201, first.text
        secret = first.json()["key"]
        assert secret and "x-internal-carries-secret" not in first.headers
        stored = asyncio.run(_idempotency_bytes(live_database))
        assert stored and secret.encode() not in stored

        for _ in range(2):
            again = httpx.post(f"{base_url}/api/v1/api-keys", headers=headers, json=body)
            problem = assert_problem(again, 409, "idempotent_secret_not_replayed")
            assert again.headers["location"] == first.headers["location"]
            assert first.json()["id"] in problem["detail"]
            assert again.headers["idempotent-replayed"] == "true"
            assert secret not in again.text and "x-internal-carries-secret" not in again.headers

        keys = httpx.get(f"{base_url}/api/v1/api-keys", headers=admin, params={"limit": 200})
        assert [k["id"] for k in keys.json()["items"] if k["name"] == name] == [first.json()["id"]]
        # Without the header the marker never reaches the client either.
        plain = httpx.post(f"{base_url}/api/v1/api-keys", headers=admin, json=body)
        assert plain.status_code == 201 and "x-internal-carries-secret" not in plain.headers


async def _idempotency_bytes(database_url: str) -> bytes:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT key, headers::text, body FROM idempotency_record")
    finally:
        await conn.close()
    return b"\n".join(
        b"|".join([r["key"].encode(), (r["headers"] or "").encode(), bytes(r["body"] or b"")])
        for r in rows
    )
