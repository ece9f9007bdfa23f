"""API keys read only what their scopes cover, within a rate limit shared through PostgreSQL."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.dependencies import (
    CurrentPrincipal,
    authenticates,
    declared_scope,
    route_roles,
)
from app.auth.models import ApiKeyWindow
from app.auth.roles import Role
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import bearer, headers_for, make_api_key, make_enterprise, make_user
from tests.problems import assert_problem


def _key(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class TestScopeDeclarations:
    def test_every_get_an_integration_can_reach_declares_its_scope(self, app: FastAPI) -> None:
        """The rule for every router, present and future: declare the scope with
        `dependencies=[Depends(ScopeRequired(Scope.READ_...))]` (app.auth.dependencies)."""
        gets = [r for r in iter_route_contexts(app.routes) if "GET" in (r.methods or ())]
        assert any(r.path == "/api/v1/enterprises" for r in gets)  # the walk sees routers
        undeclared = [
            f"GET {route.path}"
            for route in gets
            if authenticates(route)
            and (route_roles(route) is None or Role.INTEGRATION in (route_roles(route) or ()))
            and declared_scope(route) is None
        ]
        assert undeclared == []

    def test_a_scope_declaration_never_stands_in_for_authentication(self, app: FastAPI) -> None:
        """A declaration only says which scope a key needs (current_principal checks it):
        each route that declares one authenticates through its own dependencies."""
        declared = [r for r in iter_route_contexts(app.routes) if declared_scope(r) is not None]
        assert len(declared) > 50
        assert [
            f"{sorted(r.methods or ())} {r.path}" for r in declared if not authenticates(r)
        ] == []

    async def test_an_undeclared_read_is_refused_to_keys_at_run_time(
        self, app: FastAPI, session: AsyncSession
    ) -> None:
        forgetful = APIRouter()

        @forgetful.get("/api/v1/forgot-its-scope")
        async def forgot(principal: CurrentPrincipal) -> dict[str, str]:
            return {"ok": "yes"}

        app.include_router(forgetful)
        _, secret = await make_api_key(session)
        manager = await make_user(session, Role.MANAGER)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            refused = await client.get("/api/v1/forgot-its-scope", headers=_key(secret))
            assert_problem(refused, 403, "scope_not_declared")
            allowed = await client.get("/api/v1/forgot-its-scope", headers=bearer(manager))
            assert allowed.status_code == 200


class TestScopes:
    async def test_a_key_with_the_scope_reads(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await make_enterprise(session)
        _, secret = await make_api_key(session, scopes=["read:enterprises"])
        response = await client.get("/api/v1/enterprises", headers=_key(secret))
        assert response.status_code == 200, response.text

    async def test_a_key_lacking_the_scope_is_403_problem(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        _, secret = await make_api_key(session, scopes=["read:projects"])
        for path in ("/api/v1/enterprises", f"/api/v1/enterprises/{enterprise.id}"):
            body = assert_problem(
                await client.get(path, headers=_key(secret)), 403, "scope_missing"
            )
            assert "read:enterprises" in body["detail"]

    async def test_users_are_not_scoped(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        response = await client.get("/api/v1/enterprises", headers=bearer(manager))
        assert response.status_code == 200

    async def test_me_is_open_to_a_key_without_scopes(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, secret = await make_api_key(session, scopes=[])
        response = await client.get("/api/v1/me", headers=_key(secret))
        assert response.status_code == 200
        assert response.json()["scopes"] == []

    async def test_an_unknown_scope_is_refused_when_issuing_a_key(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        response = await client.post(
            "/api/v1/api-keys",
            headers=bearer(admin),
            json={"name": "platform", "scopes": ["read:everything"]},
        )
        assert_problem(response, 422, "validation_failed")
        issued = await client.post(
            "/api/v1/api-keys",
            headers=bearer(admin),
            json={"name": "platform", "scopes": ["read:visits", "read:changes", "read:visits"]},
        )
        assert issued.status_code == 201
        assert issued.json()["scopes"] == ["read:changes", "read:visits"]


class TestRateLimit:
    async def test_over_the_limit_is_429_with_retry_after_and_counted_across_replicas(
        self,
        session: AsyncSession,
        session_factory: async_sessionmaker[AsyncSession],
        database_url: str,
    ) -> None:
        key, secret = await make_api_key(session)
        settings = make_settings(database_url, api_key_rate_limit=3)
        # Two replicas: the count lives in PostgreSQL, so they share it.
        replicas = [create_app(settings, session_factory=session_factory) for _ in range(2)]
        answers = []
        for n in range(4):
            transport = httpx.ASGITransport(app=replicas[n % 2])
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answers.append(await client.get("/api/v1/me", headers=_key(secret)))
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        body = assert_problem(answers[3], 429, "rate_limited")
        assert "3 requests" in body["detail"]
        assert 1 <= int(answers[3].headers["retry-after"]) <= 61
        # Every keyed answer tells where the key stands (the 429 too); the window is one.
        assert [a.headers["ratelimit-limit"] for a in answers] == ["3"] * 4
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert all(1 <= int(a.headers["ratelimit-reset"]) <= 61 for a in answers)
        counted = await session.scalar(
            select(func.sum(ApiKeyWindow.requests)).where(ApiKeyWindow.api_key_id == key.id)
        )
        assert counted == 4

    async def test_another_key_has_its_own_budget(
        self,
        session: AsyncSession,
        session_factory: async_sessionmaker[AsyncSession],
        database_url: str,
    ) -> None:
        _, first = await make_api_key(session)
        _, second = await make_api_key(session)
        app = create_app(
            make_settings(database_url, api_key_rate_limit=1), session_factory=session_factory
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            assert (await client.get("/api/v1/me", headers=_key(first))).status_code == 200
            assert_problem(await client.get("/api/v1/me", headers=_key(first)), 429, "rate_limited")
            assert (await client.get("/api/v1/me", headers=_key(second))).status_code == 200


async def test_a_user_token_answer_carries_no_rate_limit_headers(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.MANAGER)
    answer = await client.get("/api/v1/me", headers=headers)
    assert answer.status_code == 200
    assert not [name for name in answer.headers if name.startswith("ratelimit-")]
