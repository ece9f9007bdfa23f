from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.models import AuditEvent
from app.auth.models import ApiKey, User
from app.auth.roles import Role
from tests.factories import PASSWORD, bearer, headers_for, make_api_key, make_user
from tests.problems import assert_problem


class TestLogin:
    async def test_right_password_gives_a_token_that_works(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_user(session, Role.MANAGER)
        response = await client.post(
            "/api/v1/auth/token", data={"username": user.email.upper(), "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        assert response.json()["token_type"] == "bearer"
        me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["id"] == str(user.id)
        assert me.json()["role"] == "manager"

    async def test_wrong_password_is_401_with_www_authenticate(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_user(session)
        response = await client.post(
            "/api/v1/auth/token", data={"username": user.email, "password": "wrong-password-1"}
        )
        assert_problem(response, 401, "invalid_credentials")
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_unknown_email_is_the_same_401(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/token",
            data={"username": "nobody@example.com", "password": "whatever-123"},
        )
        assert_problem(response, 401, "invalid_credentials")

    async def test_ten_failures_throttle_the_account_with_retry_after(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_user(session)
        for _ in range(10):
            response = await client.post(
                "/api/v1/auth/token", data={"username": user.email, "password": "wrong-password-1"}
            )
            assert response.status_code == 401
        throttled = await client.post(
            "/api/v1/auth/token", data={"username": user.email, "password": PASSWORD}
        )
        assert_problem(throttled, 429, "login_throttled")
        assert 1 <= int(throttled.headers["retry-after"]) <= 15 * 60 + 1

    async def test_deactivated_user_cannot_log_in(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_user(session, is_active=False)
        response = await client.post(
            "/api/v1/auth/token", data={"username": user.email, "password": PASSWORD}
        )
        assert_problem(response, 401, "invalid_credentials")


class TestCredentials:
    async def test_no_credential_is_401(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/v1/me"), 401, "not_authenticated")

    async def test_expired_token_is_401(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_user(session)
        response = await client.get("/api/v1/me", headers=bearer(user, timedelta(seconds=-5)))
        assert_problem(response, 401, "token_expired")

    async def test_garbage_token_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"})
        assert_problem(response, 401, "invalid_token")

    async def test_token_of_a_deactivated_user_stops_working(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        user = await make_user(session, Role.SPECIALIST)
        headers = bearer(user)
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        deactivate = await client.delete(f"/api/v1/users/{user.id}", headers=bearer(admin))
        assert deactivate.status_code == 204
        assert_problem(await client.get("/api/v1/me", headers=headers), 401, "account_inactive")

    async def test_api_key_reads_me_as_integration(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        key, secret = await make_api_key(session, scopes=["read:enterprises"])
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200
        assert response.json() == {
            "kind": "api_key",
            "id": str(key.id),
            "role": "integration",
            "email": None,
            "enterprise_id": None,
            "scopes": ["read:enterprises"],
        }

    async def test_revoked_api_key_is_401(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        key, secret = await make_api_key(session)
        revoke = await client.delete(f"/api/v1/api-keys/{key.id}", headers=bearer(admin))
        assert revoke.status_code == 204
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert_problem(response, 401, "api_key_revoked")

    async def test_tampered_api_key_is_401(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, secret = await make_api_key(session)
        response = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {secret[:-2]}xx"}
        )
        assert_problem(response, 401, "invalid_api_key")

    async def test_api_key_on_a_write_is_403_and_creates_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.INTEGRATION)
        response = await client.post(
            "/api/v1/users",
            headers=headers,
            json={"email": "x@example.com", "password": "long-enough-pw", "role": "manager"},
        )
        assert_problem(response, 403, "read_only_credential")
        assert await session.scalar(select(User).where(User.email == "x@example.com")) is None

    async def test_role_not_allowed_is_403(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        assert_problem(await client.get("/api/v1/users", headers=headers), 403, "role_not_allowed")


class TestUsers:
    async def test_admin_creates_a_user_with_location_and_audit(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        response = await client.post(
            "/api/v1/users",
            headers=bearer(admin),
            json={
                "email": "Wang.Fang@Example.com",
                "password": "long-enough-pw",
                "role": "specialist",
                "display_name": "王芳",
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["email"] == "wang.fang@example.com"
        assert body["display_name"] == "王芳"
        assert "password" not in body and "password_hash" not in body
        assert response.headers["location"] == f"/api/v1/users/{body['id']}"
        stored = await session.scalar(select(User).where(User.email == "wang.fang@example.com"))
        assert stored is not None and stored.password_hash.startswith("$argon2id$")
        event = await session.scalar(select(AuditEvent).where(AuditEvent.resource_id == body["id"]))
        assert event is not None
        assert event.action == "user.create"
        assert event.actor_id == admin.id
        assert event.after is not None and event.after["email"] == "wang.fang@example.com"

    async def test_duplicate_email_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        existing = await make_user(session, Role.MANAGER)
        response = await client.post(
            "/api/v1/users",
            headers=bearer(admin),
            json={"email": existing.email.upper(), "password": "long-enough-pw", "role": "manager"},
        )
        assert_problem(response, 409, "duplicate_email")

    async def test_short_password_and_missing_enterprise_are_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        before = await session.scalar(select(func.count()).select_from(User))
        short = await client.post(
            "/api/v1/users",
            headers=bearer(admin),
            json={"email": "a@example.com", "password": "short", "role": "manager"},
        )
        body = assert_problem(short, 422, "validation_failed")
        assert body["errors"]
        no_enterprise = await client.post(
            "/api/v1/users",
            headers=bearer(admin),
            json={"email": "b@example.com", "password": "long-enough-pw", "role": "enterprise"},
        )
        assert_problem(no_enterprise, 422, "inconsistent_fields")
        assert await session.scalar(select(func.count()).select_from(User)) == before

    async def test_stale_if_match_is_412_and_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        user = await make_user(session, Role.SPECIALIST)
        read = await client.get(f"/api/v1/users/{user.id}", headers=bearer(admin))
        etag = read.headers["etag"]
        first = await client.patch(
            f"/api/v1/users/{user.id}",
            headers={**bearer(admin), "If-Match": etag},
            json={"display_name": "第一"},
        )
        assert first.status_code == 200, first.text
        assert first.headers["etag"] != etag
        stale = await client.patch(
            f"/api/v1/users/{user.id}",
            headers={**bearer(admin), "If-Match": etag},
            json={"display_name": "第二"},
        )
        assert_problem(stale, 412, "stale_etag")
        again = await client.get(f"/api/v1/users/{user.id}", headers=bearer(admin))
        assert again.json()["display_name"] == "第一"

    async def test_listing_walks_every_user_once(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        for _ in range(7):
            await make_user(session, Role.SPECIALIST)
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 3, "role": "specialist"}
            if cursor:
                params["cursor"] = cursor
            page = await client.get("/api/v1/users", headers=bearer(admin), params=params)
            assert page.status_code == 200
            seen += [item["id"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 7

    async def test_unknown_user_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        response = await client.get(
            "/api/v1/users/00000000-0000-0000-0000-000000000000", headers=bearer(admin)
        )
        assert_problem(response, 404, "user_not_found")


class TestAuditEvents:
    async def test_admin_filters_events_by_resource(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        created = await client.post(
            "/api/v1/api-keys", headers=bearer(admin), json={"name": "政务数据共享平台"}
        )
        assert created.status_code == 201
        assert created.json()["key"].startswith("tak_")
        events = await client.get(
            "/api/v1/audit-events",
            headers=bearer(admin),
            params={"resource_type": "api_key", "resource_id": created.json()["id"]},
        )
        assert events.status_code == 200
        (event,) = events.json()["items"]
        assert event["action"] == "api_key.create"
        assert "key" not in (event["after"] or {})


class TestApiKeyById:
    async def test_the_location_of_a_new_key_answers_without_its_secret(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        created = await client.post(
            "/api/v1/api-keys", headers=bearer(admin), json={"name": "省级平台"}
        )
        assert created.status_code == 201
        read = await client.get(created.headers["Location"], headers=bearer(admin))
        assert read.status_code == 200, read.text
        assert read.json()["id"] == created.json()["id"]
        assert read.json()["name"] == "省级平台"
        assert "key" not in read.json()
        assert created.json()["key"] not in read.text
        missing = await client.get(f"/api/v1/api-keys/{uuid.uuid4()}", headers=bearer(admin))
        assert missing.status_code == 404
        manager = await make_user(session, role=Role.MANAGER)
        refused = await client.get(created.headers["Location"], headers=bearer(manager))
        assert refused.status_code == 403


class TestApiKeyExpiry:
    async def test_a_key_works_until_its_expiry_then_answers_401(
        self, client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        admin = await make_user(session)
        expires = (clock.now() + timedelta(days=30)).replace(microsecond=0)
        created = await client.post(
            "/api/v1/api-keys",
            headers=bearer(admin),
            json={
                "name": "限期对接",
                "scopes": ["read:enterprises"],
                "expires_at": expires.isoformat().replace("+00:00", "Z"),
            },
        )
        assert created.status_code == 201, created.text
        assert created.json()["expires_at"] == expires.isoformat().replace("+00:00", "Z")
        key = {"Authorization": f"Bearer {created.json()['key']}"}
        assert (await client.get("/api/v1/enterprises", headers=key)).status_code == 200
        # The same key, its record cached by then, a second after its expiry.
        later = expires + timedelta(seconds=1)
        monkeypatch.setattr(clock, "now", lambda: later)
        assert_problem(await client.get("/api/v1/enterprises", headers=key), 401, "api_key_expired")

    async def test_an_expiry_in_the_past_or_without_offset_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        past = await client.post(
            "/api/v1/api-keys",
            headers=bearer(admin),
            json={"name": "过期", "expires_at": "2020-01-01T00:00:00Z"},
        )
        assert_problem(past, 422, "expiry_not_in_future")
        assert past.json()["errors"][0]["loc"] == ["body", "expires_at"]
        naive = await client.post(
            "/api/v1/api-keys",
            headers=bearer(admin),
            json={"name": "无时区", "expires_at": "2030-01-01T00:00:00"},
        )
        assert_problem(naive, 422, "validation_failed")
        named = await session.scalar(
            select(func.count()).select_from(ApiKey).where(ApiKey.name.in_(["过期", "无时区"]))
        )
        assert named == 0
