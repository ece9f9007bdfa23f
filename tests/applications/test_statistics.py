"""GET /api/v1/statistics/applications: who may read it and what an empty year answers (the
figures themselves: tests/applications/test_figures.py and tests/test_accompaniment_path.py)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.applications.helpers import create_campaign, open_application, role_headers
from tests.factories import headers_for, make_api_key, make_enterprise
from tests.problems import assert_problem

URL = "/api/v1/statistics/applications"


class TestApplicationStatistics:
    async def test_a_year_without_campaigns_is_all_zero(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        response = await client.get(URL, headers=headers, params={"year": 2031})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["campaigns"] == [] and body["by_kind"] == []
        assert body["coaching"] == {
            "sessions": 0,
            "minutes": 0,
            "approvals": 0,
            "minutes_per_approval": None,
        }
        assert body["calibration"]["agreement_percent"] is None

    async def test_a_campaign_without_rules_has_no_eligible_count(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        campaign = await create_campaign(client, staff, "little_giant", year=2032)
        await open_application(client, staff, campaign, await make_enterprise(session))
        body = (await client.get(URL, headers=staff, params={"year": 2032})).json()
        (funnel,) = body["campaigns"]
        assert (funnel["kind"], funnel["eligible"], funnel["preparing"]) == (
            "little_giant",
            None,
            1,
        )

    @pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.SPECIALIST])
    async def test_staff_and_specialists_read(
        self, client: httpx.AsyncClient, session: AsyncSession, role: Role
    ) -> None:
        headers = await role_headers(session, role)
        assert (await client.get(URL, headers=headers)).status_code == 200

    async def test_an_enterprise_user_may_not(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await role_headers(session, Role.ENTERPRISE)
        assert (await client.get(URL, headers=headers)).status_code == 403

    async def test_an_integration_reads_with_read_applications_only(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, allowed = await make_api_key(session, scopes=["read:applications"])
        _, other = await make_api_key(session, scopes=["read:pools"])
        ok = await client.get(URL, headers={"Authorization": f"Bearer {allowed}"})
        assert ok.status_code == 200, ok.text
        refused = await client.get(URL, headers={"Authorization": f"Bearer {other}"})
        assert_problem(refused, 403, "scope_missing")
