from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Role
from app.config import Settings
from app.enterprises.models import AnnualReport
from tests.factories import bearer, headers_for, make_enterprise, make_report, make_user
from tests.problems import assert_problem


def report(**overrides: Any) -> dict[str, Any]:
    return {
        "revenue": "38500000.00",
        "high_tech_revenue": "27200000.00",
        "total_cost": "31000000.00",
        "net_assets": "16400000.00",
        "total_assets": "42000000.00",
        "employees": 86,
        "st_staff": 21,
        "rd_expense": "2150000.00",
        "rd_expense_domestic": "2000000.00",
        "ip_class1": 2,
        "ip_class2": 9,
        "ip_class1_new": 1,
        "ip_class2_new": 3,
        "achievements_transformed": 4,
        "tech_advancement": "B",
        "core_support": "A",
        "ip_self_developed": True,
        "standards_drafted": 1,
        "rd_org": {"rd_accounting": True, "rd_institution": True},
        "major_incident": False,
        **overrides,
    }


async def reports_of(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AnnualReport)) or 0)


class TestFileReport:
    async def test_first_put_creates_201_then_replaces_200(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        url = f"/api/v1/enterprises/{enterprise.id}/annual-reports/2025"
        created = await client.put(url, headers=headers, json=report(filed_on="2026-05-10"))
        assert created.status_code == 201, created.text
        assert created.headers["location"] == url
        body = created.json()
        assert body["revenue"] == "38500000.00"
        assert body["rd_org"] == {
            "rd_accounting": True,
            "rd_institution": True,
            "transformation_incentives": False,
            "talent_programs": False,
        }
        assert body["filed_on"] == "2026-05-10"
        replaced = await client.put(
            url,
            headers={**headers, "If-Match": created.headers["etag"]},
            json=report(revenue="40000000.00"),
        )
        assert replaced.status_code == 200
        assert replaced.json()["revenue"] == "40000000.00"
        assert replaced.json()["filed_on"] == "2026-05-10", "a correction keeps the filing date"
        stored = await session.scalar(
            select(AnnualReport).where(AnnualReport.enterprise_id == enterprise.id)
        )
        assert stored is not None
        await session.refresh(stored)
        assert str(stored.revenue) == "40000000.00"

    async def test_stale_if_match_is_412_and_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        existing = await make_report(session, enterprise, 2024)
        url = f"/api/v1/enterprises/{enterprise.id}/annual-reports/2024"
        stale = await client.put(
            url, headers={**headers, "If-Match": '"99"'}, json=report(total_cost="1.00")
        )
        assert_problem(stale, 412, "stale_etag")
        await session.refresh(existing)
        assert str(existing.revenue) == "38500000.00"

    @pytest.mark.parametrize(
        ("overrides", "expected", "code"),
        [
            ({"revenue": "-1.00"}, "revenue", "validation_failed"),
            ({"employees": -3}, "employees", "validation_failed"),
            # Rules across fields, which the document cannot state.
            ({"st_staff": 87}, "st_staff cannot exceed employees", "inconsistent_fields"),
            (
                {"rd_expense_domestic": "2150000.01"},
                "rd_expense_domestic cannot exceed",
                "inconsistent_fields",
            ),
            (
                {"high_tech_revenue": "38500000.01"},
                "high_tech_revenue cannot exceed revenue",
                "inconsistent_fields",
            ),
            ({"revenue": 1e20}, "revenue", "validation_failed"),
            ({"tech_advancement": "F"}, "tech_advancement", "validation_failed"),
            ({"rd_org": {"unknown": True}}, "unknown", "validation_failed"),
        ],
    )
    async def test_inconsistent_figures_are_422_and_store_nothing(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        overrides: dict[str, Any],
        expected: str,
        code: str,
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        before = await reports_of(session)
        response = await client.put(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports/2025",
            headers=headers,
            json=report(**overrides),
        )
        problem = assert_problem(response, 422, code)
        assert expected in str(problem["errors"])
        assert await reports_of(session) == before

    async def test_negative_net_assets_are_allowed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        response = await client.put(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports/2025",
            headers=headers,
            json=report(net_assets="-250000.00"),
        )
        assert response.status_code == 201
        assert response.json()["net_assets"] == "-250000.00"

    @pytest.mark.parametrize("offset", [None, 2])
    async def test_years_before_2000_or_after_next_year_are_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        offset: int | None,
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        year = 1999 if offset is None else clock.today(settings.zone).year + offset
        response = await client.put(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports/{year}",
            headers=headers,
            json=report(),
        )
        assert_problem(response, 422, "invalid_year")
        assert await reports_of(session) == 0

    async def test_next_year_is_accepted(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        year = clock.today(settings.zone).year + 1
        response = await client.put(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports/{year}",
            headers=headers,
            json=report(),
        )
        assert response.status_code == 201


class TestWhoFiles:
    async def test_enterprise_user_files_its_own_dated_today(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        own = await make_enterprise(session)
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        response = await client.put(
            f"/api/v1/enterprises/{own.id}/annual-reports/2025",
            headers=headers,
            json=report(filed_on="2020-01-01"),
        )
        assert response.status_code == 201
        assert response.json()["filed_on"] == clock.today(settings.zone).isoformat()

    async def test_enterprise_user_cannot_file_for_another(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        own = await make_enterprise(session)
        other = await make_enterprise(session)
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        response = await client.put(
            f"/api/v1/enterprises/{other.id}/annual-reports/2025", headers=headers, json=report()
        )
        assert_problem(response, 404, "enterprise_not_found")
        assert await reports_of(session) == 0

    @pytest.mark.parametrize("role", [Role.SPECIALIST, Role.INTEGRATION])
    async def test_readers_cannot_file(
        self, client: httpx.AsyncClient, session: AsyncSession, role: Role
    ) -> None:
        headers = await headers_for(session, role)
        enterprise = await make_enterprise(session)
        response = await client.put(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports/2025",
            headers=headers,
            json=report(),
        )
        assert response.status_code == 403


class TestReadReports:
    async def test_list_is_newest_first_and_single_has_an_etag(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.INTEGRATION)
        enterprise = await make_enterprise(session)
        for year in (2023, 2025, 2024):
            await make_report(session, enterprise, year)
        listed = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports",
            headers=headers,
            params={"limit": 2},
        )
        assert [r["year"] for r in listed.json()["items"]] == [2025, 2024]
        rest = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports",
            headers=headers,
            params={"limit": 2, "cursor": listed.json()["next_cursor"]},
        )
        assert [r["year"] for r in rest.json()["items"]] == [2023]
        single = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports/2024", headers=headers
        )
        assert single.status_code == 200
        assert single.headers["etag"] == '"1"'
        assert single.json()["filed_on"] == date(2025, 4, 20).isoformat()

    async def test_missing_year_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        response = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports/2021", headers=headers
        )
        assert_problem(response, 404, "annual_report_not_found")


class TestClassTwoUsed:
    # Issue 17 point 3: a class II item supports one high-tech recognition only; the report
    # says how many of its class II items already did.
    async def test_it_is_filed_read_back_exported_and_bounded_by_what_is_owned(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        url = f"/api/v1/enterprises/{enterprise.id}/annual-reports/2025"
        refused = await client.put(url, headers=headers, json=report(ip_class2=3, ip_class2_used=4))
        assert_problem(refused, 422, "inconsistent_fields")
        assert await reports_of(session) == 0
        filed = await client.put(url, headers=headers, json=report(ip_class2=3, ip_class2_used=2))
        assert filed.status_code == 201, filed.text
        assert filed.json()["ip_class2_used"] == 2
        exported = await client.get("/api/v1/exports/annual-reports", headers=headers)
        assert exported.status_code == 200, exported.text
        rows = [json.loads(line) for line in exported.text.splitlines() if line]
        (row,) = [r for r in rows if r["enterprise_id"] == str(enterprise.id)]
        assert (row["ip_class2"], row["ip_class2_used"]) == (3, 2)
        hte = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/assessments/hte", headers=headers
        )
        assert hte.status_code == 200, hte.text
        (ip,) = [p for p in hte.json()["parts"] if p["code"] == "ip"]
        assert (ip["inputs"]["ip_class2"], ip["inputs"]["ip_class2_used"]) == (3, 2)
