"""Upload rules, on the rolled-back test database (the worker is off: no job runs here)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.roles import Role
from app.imports.models import ImportJob
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import bearer, make_user
from tests.problems import assert_problem


@pytest.fixture
async def uploads(
    database_url: str, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(database_url, import_worker_enabled=False, import_max_rows=3)
    app = create_app(settings, session_factory=session_factory)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


class TestUploadRules:
    async def test_the_job_is_stored_pending_with_its_upload_and_audited(
        self, uploads: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        body = b"uscc,name\n91350100M000100Y43,\xe6\xad\xa3\xe8\xaf\x9a\n"
        response = await uploads.post(
            "/api/v1/imports/enterprises",
            headers={**bearer(manager), "Content-Type": "text/csv; charset=utf-8"},
            content=body,
        )
        assert response.status_code == 202, response.text
        job = await session.scalar(select(ImportJob).where(ImportJob.id == response.json()["id"]))
        assert job is not None
        assert (job.status, job.mode, job.format, job.payload) == (
            "pending",
            "all_or_nothing",
            "csv",
            body,
        )
        assert response.headers["location"] == f"/api/v1/imports/{job.id}"
        events = await uploads.get(
            "/api/v1/audit-events",
            headers=bearer(await make_user(session, Role.ADMIN)),
            params={"resource_id": str(job.id)},
        )
        assert [e["action"] for e in events.json()["items"]] == ["import.create"]

    async def test_more_rows_than_allowed_is_413(
        self, uploads: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        response = await uploads.post(
            "/api/v1/imports/enterprises",
            headers=bearer(manager),
            params={"format": "ndjson"},
            content=b"{}\n{}\n{}\n{}\n{}\n",
        )
        assert_problem(response, 413, "too_many_rows")

    async def test_specialists_and_api_keys_may_not_import(
        self, uploads: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        specialist = await make_user(session, Role.SPECIALIST)
        response = await uploads.post(
            "/api/v1/imports/enterprises",
            headers={**bearer(specialist), "Content-Type": "text/csv"},
            content=b"uscc,name\n",
        )
        assert_problem(response, 403, "role_not_allowed")
