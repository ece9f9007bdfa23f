"""The pools over HTTP: hand-computed assessments, entry under the management standard,
transitions with their history, and the qualification a certified exit records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.enterprises.models import Enterprise, Qualification
from app.pools.models import PoolMember, PoolTransition
from tests.factories import bearer, headers_for, make_enterprise, make_report, make_user
from tests.problems import assert_problem

M = Decimal(1_000_000)


async def cultivating_enterprise(session: AsyncSession) -> Enterprise:
    """Hand-computed for 2025 under HTE 2016:
    - R&D (1.5 + 1.75 + 2.0 M) / revenue (30 + 35 + 40 M) = 5.00 %, revenue 40 M ≤ 50 M → 5 % ✓
    - S&T staff 15/100 = 15 % ✓; high-tech revenue 30/40 = 75 % ✓; IP owned ✓; domestic 100 % ✓
    - ip: B 5-6 + B 5-6 + class I 7-8 + self-developed 1-6 + no standard 0 = 18-26
    - transformation: (3 + 4 + 5) / 3 = 4 → 19-24
    - rd_organisation: 3-6 + 3-6 + 0 + 2-4 = 8-16
    - growth: net assets 10→12→15: ½(1.2 + 1.25) − 1 = 22.5 % → 5-6; sales 30→35→40:
      ½(1.1667 + 1.1429) − 1 = 15.5 % → 5-6; together 10-12
    - score 55-78: only innovation_score unmet, 16 under 71 (not mature), max ≥ 50 → cultivating
    """
    enterprise = await make_enterprise(
        session, established_on=date(2015, 3, 1), tech_field="new_materials"
    )
    for year, revenue, rd, net_assets, achievements in [
        (2023, 30, Decimal("1.5"), 10, 3),
        (2024, 35, Decimal("1.75"), 12, 4),
        (2025, 40, Decimal("2.0"), 15, 5),
    ]:
        await make_report(
            session,
            enterprise,
            year,
            revenue=revenue * M,
            high_tech_revenue=Decimal("0.75") * revenue * M,
            total_cost=Decimal("0.8") * revenue * M,
            net_assets=net_assets * M,
            total_assets=45 * M,
            employees=100,
            st_staff=15,
            rd_expense=rd * M,
            rd_expense_domestic=rd * M,
            ip_class1=2,
            ip_class2=5,
            achievements_transformed=achievements,
            tech_advancement="B",
            core_support="B",
            ip_self_developed=True,
            standards_drafted=0,
            rd_accounting=True,
            rd_institution=True,
            transformation_incentives=False,
            talent_programs=True,
        )
    return enterprise


async def applying_enterprise(session: AsyncSession) -> Enterprise:
    """Hand-computed for 2025: revenue 30 → 42 → 58.8 M, net assets 10 → 14 → 19.6 M (40 %
    growth each: 9-10 + 9-10); R&D 5 % every year (58.8 M > 50 M needs 4 %) ✓; ip A 7-8 +
    A 7-8 + 7-8 + 1-6 + standard 1-2 = 23-30 (capped); transformation 5 → 25-30; every R&D
    organisation item → 10-20; score 76-100 ≥ 71 with every condition met → applying."""
    enterprise = await make_enterprise(
        session, established_on=date(2012, 6, 1), tech_field="electronic_information"
    )
    for year, revenue, net_assets in [
        (2023, Decimal(30), Decimal(10)),
        (2024, Decimal(42), Decimal(14)),
        (2025, Decimal("58.8"), Decimal("19.6")),
    ]:
        await make_report(
            session,
            enterprise,
            year,
            revenue=revenue * M,
            high_tech_revenue=Decimal("0.75") * revenue * M,
            total_cost=Decimal("0.8") * revenue * M,
            net_assets=net_assets * M,
            total_assets=90 * M,
            employees=120,
            st_staff=30,
            rd_expense=Decimal("0.05") * revenue * M,
            rd_expense_domestic=Decimal("0.05") * revenue * M,
            ip_class1=3,
            ip_class2=6,
            achievements_transformed=5,
            tech_advancement="A",
            core_support="A",
            ip_self_developed=True,
            standards_drafted=1,
            rd_accounting=True,
            rd_institution=True,
            transformation_incentives=True,
            talent_programs=True,
        )
    return enterprise


def met(body: dict[str, Any]) -> dict[str, bool]:
    return {c["code"]: c["met"] for c in body["conditions"]}


class TestHteAssessment:
    async def test_hand_computed_cultivating_case(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.SPECIALIST)
        enterprise = await cultivating_enterprise(session)
        response = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/assessments/hte", headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["year"] == 2025
        assert body["rule_set"] == {"name": "hte", "version": "2016.2", "applies_from": 2016}
        assert body["passed"] is False
        assert body["score"] == {"min": 55, "max": 78}
        parts = {p["code"]: p["points"] for p in body["parts"]}
        assert parts == {
            "ip": {"min": 18, "max": 26},
            "transformation": {"min": 19, "max": 24},
            "rd_organisation": {"min": 8, "max": 16},
            "growth": {"min": 10, "max": 12},
        }
        assert met(body) == {
            "established_one_year": True,
            "owns_ip": True,
            "tech_field": True,
            "st_staff_ratio": True,
            "rd_ratio": True,
            "rd_domestic_share": True,
            "high_tech_revenue_ratio": True,
            "no_major_incident": True,
            "innovation_score": False,
        }
        assert body["suggested_tier"] == "cultivating"
        (gap,) = body["gaps"]
        assert gap["code"] == "innovation_score"
        assert gap["needed"] == 16

    async def test_hand_computed_applying_case(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await applying_enterprise(session)
        body = (
            await client.get(
                f"/api/v1/enterprises/{enterprise.id}/assessments/hte",
                headers=headers,
                params={"year": 2025},
            )
        ).json()
        assert body["passed"] is True
        assert body["score"] == {"min": 76, "max": 100}
        assert all(met(body).values())
        assert body["gaps"] == []
        assert body["suggested_tier"] == "applying"

    async def test_an_earlier_year_with_less_history(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        body = (
            await client.get(
                f"/api/v1/enterprises/{enterprise.id}/assessments/hte",
                headers=headers,
                params={"year": 2023},
            )
        ).json()
        growth = next(p for p in body["parts"] if p["code"] == "growth")
        # Founded in 2015, it operated through 2021-2023, but 2021 and 2022 have no report:
        # the growth is unknown (anything from 0 to all of it), not a shorter window's 0, and
        # the R&D conditions that need those years are unmet for that reason.
        assert growth["points"] == {"min": 0, "max": 20}
        missing = [g for g in body["gaps"] if g["code"] == "report_missing"]
        assert [("2021" in g["message"], "2022" in g["message"]) for g in missing] == [
            (True, False),
            (False, True),
        ]
        reasons = {c["code"]: c["reason"] for c in body["conditions"]}
        assert reasons["rd_ratio"] == reasons["rd_domestic_share"] == "report_missing"
        assert body["apply_on"] == "2024-06-30"

    async def test_missing_figures_fail_their_condition_with_null_not_a_500(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session, established_on=None, tech_field=None)
        await make_report(
            session,
            enterprise,
            2025,
            employees=0,
            st_staff=0,
            revenue=Decimal(0),
            high_tech_revenue=Decimal(0),
        )
        response = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/assessments/hte", headers=headers
        )
        assert response.status_code == 200, response.text
        conditions = {c["code"]: c for c in response.json()["conditions"]}
        assert conditions["st_staff_ratio"]["met"] is False
        assert conditions["st_staff_ratio"]["actual"] is None
        assert conditions["established_one_year"]["actual"] is None
        assert conditions["tech_field"]["met"] is False

    async def test_no_report_is_404_and_a_year_before_the_rules_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        bare = await make_enterprise(session)
        assert_problem(
            await client.get(f"/api/v1/enterprises/{bare.id}/assessments/hte", headers=headers),
            404,
            "annual_report_not_found",
        )
        await make_report(session, bare, 2012)
        assert_problem(
            await client.get(
                f"/api/v1/enterprises/{bare.id}/assessments/hte",
                headers=headers,
                params={"year": 2012},
            ),
            422,
            "no_rule_set",
        )

    async def test_enterprise_users_assess_only_their_own(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        own = await cultivating_enterprise(session)
        other = await cultivating_enterprise(session)
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        assert (
            await client.get(f"/api/v1/enterprises/{own.id}/assessments/sme", headers=headers)
        ).status_code == 200
        assert_problem(
            await client.get(f"/api/v1/enterprises/{other.id}/assessments/sme", headers=headers),
            404,
            "enterprise_not_found",
        )


class TestSmeAssessment:
    async def test_hand_computed_case(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """2025: S&T staff 15 % → 8; R&D/revenue 2.0/40 = 5 % → 40 (R&D/cost 6.25 % → 0);
        class I IP → 30; 78 ≥ 60 with a staff score → passes; size within limits."""
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        body = (
            await client.get(
                f"/api/v1/enterprises/{enterprise.id}/assessments/sme", headers=headers
            )
        ).json()
        assert body["rule_set"]["name"] == "sme"
        assert {p["code"]: p["points"]["min"] for p in body["parts"]} == {
            "st_staff": 8,
            "rd": 40,
            "achievements": 30,
        }
        assert body["score"] == {"min": 78, "max": 78}
        assert body["passed"] is True
        assert all(met(body).values())
        assert body["suggested_tier"] == "applying"


async def enter(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    pool: str,
    enterprise: Enterprise,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/pools/{pool}/members",
        headers=headers,
        json={"enterprise_id": str(enterprise.id), "tier": "selected", "reason": "第一批", **extra},
    )


async def member_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(PoolMember)) or 0)


class TestEntry:
    async def test_entry_is_201_with_suggestion_and_history(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        response = await enter(
            client, bearer(manager), "hte", enterprise, effective_on="2024-03-01"
        )
        assert response.status_code == 201, response.text
        member = response.json()
        assert member["pool"] == "hte"
        assert member["tier"] == "selected"
        assert member["status"] == "active"
        assert member["suggested_tier"] == "cultivating"
        assert member["assessed_year"] == 2025
        assert member["entered_on"] == "2024-03-01"
        assert member["uscc"] == enterprise.uscc
        assert response.headers["location"] == f"/api/v1/pools/hte/members/{member['id']}"
        history = await client.get(
            f"/api/v1/pools/hte/members/{member['id']}/history", headers=bearer(manager)
        )
        (entry,) = history.json()["items"]
        assert entry["kind"] == "entry"
        assert entry["to_tier"] == "selected"
        assert entry["actor_id"] == str(manager.id)
        assert entry["reason"] == "第一批"

    async def test_entering_twice_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        assert (await enter(client, headers, "hte", enterprise)).status_code == 201
        assert_problem(await enter(client, headers, "hte", enterprise), 409, "already_in_pool")
        assert (await enter(client, headers, "sme", enterprise)).status_code == 201

    async def test_unmet_entry_conditions_are_422_each_listed_and_nothing_stored(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session, tech_field=None)
        before = await member_count(session)
        problem = assert_problem(
            await enter(client, headers, "hte", enterprise), 422, "entry_conditions_unmet"
        )
        assert {e["type"] for e in problem["errors"]} == {"annual_report", "tech_field"}
        assert await member_count(session) == before

    async def test_sme_entry_needs_the_size_limits(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        await make_report(session, enterprise, 2025, employees=501, total_assets=201 * M)
        problem = assert_problem(
            await enter(client, headers, "sme", enterprise), 422, "entry_conditions_unmet"
        )
        assert {e["type"] for e in problem["errors"]} == {"max_employees", "max_total_assets"}

    async def test_the_project_pool_takes_projects_and_the_others_enterprises(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        assert_problem(
            await enter(client, headers, "project", enterprise), 422, "wrong_member_kind"
        )
        response = await client.post(
            "/api/v1/pools/hte/members",
            headers=headers,
            json={"project_id": str(enterprise.id), "tier": "selected", "reason": "x"},
        )
        assert_problem(response, 422, "wrong_member_kind")

    async def test_future_effective_date_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        response = await enter(client, headers, "hte", enterprise, effective_on="2100-01-01")
        assert_problem(response, 422, "effective_in_future")

    @pytest.mark.parametrize("role", [Role.SPECIALIST, Role.INTEGRATION])
    async def test_only_staff_enter(
        self, client: httpx.AsyncClient, session: AsyncSession, role: Role
    ) -> None:
        headers = await headers_for(session, role)
        enterprise = await cultivating_enterprise(session)
        assert (await enter(client, headers, "hte", enterprise)).status_code == 403


class TestTransitions:
    async def test_tier_change_then_certified_exit_records_the_qualification(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        headers = bearer(manager)
        enterprise = await cultivating_enterprise(session)
        member = (await enter(client, headers, "hte", enterprise, effective_on="2025-01-10")).json()
        url = f"/api/v1/pools/hte/members/{member['id']}"
        moved = await client.post(
            f"{url}/transitions",
            headers=headers,
            json={"to_tier": "mature", "reason": "研发投入达标", "effective_on": "2025-06-01"},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["tier"] == "mature"
        certified = await client.post(
            f"{url}/transitions",
            headers={**headers, "If-Match": moved.headers["etag"]},
            json={
                "exit_outcome": "certified",
                "reason": "通过认定",
                "certificate_no": "GR202565000123",
                "issued_on": "2025-11-20",
            },
        )
        assert certified.status_code == 200, certified.text
        assert certified.json()["status"] == "certified"
        assert certified.json()["exited_on"] is not None

        history = (await client.get(f"{url}/history", headers=headers)).json()["items"]
        assert [(h["kind"], h["from_tier"], h["to_tier"], h["outcome"]) for h in history] == [
            ("entry", None, "selected", None),
            ("tier_change", "selected", "mature", None),
            ("exit", "mature", None, "certified"),
        ]
        assert all(h["actor_id"] == str(manager.id) and h["reason"] for h in history)

        qualifications = (
            await client.get(f"/api/v1/enterprises/{enterprise.id}/qualifications", headers=headers)
        ).json()["items"]
        assert [
            (q["kind"], q["reference"], q["issued_on"], q["valid_until"]) for q in qualifications
        ] == [("hte", "GR202565000123", "2025-11-20", "2028-11-19")]
        # One path writes both: the certificate's ledger entry stands beside it.
        ledger = (
            await client.get(
                "/api/v1/achievements",
                headers=headers,
                params={"enterprise_id": str(enterprise.id)},
            )
        ).json()["items"]
        assert [
            (a["kind"], a["level"], a["achieved_on"], a["reference"], a["qualification_id"])
            for a in ledger
        ] == [
            (
                "hte_certified",
                "national",
                "2025-11-20",
                "GR202565000123",
                qualifications[0]["id"],
            )
        ]
        # The SME direct route now sees the HTE certificate...
        sme = (
            await client.get(
                f"/api/v1/enterprises/{enterprise.id}/assessments/sme", headers=headers
            )
        ).json()
        score = next(c for c in sme["conditions"] if c["code"] == "score")
        assert score["met"] is True
        # ...and the hte pool refuses an enterprise that already holds one.
        problem = assert_problem(
            await enter(client, headers, "hte", enterprise), 422, "entry_conditions_unmet"
        )
        assert [e["type"] for e in problem["errors"]] == ["no_valid_hte"]

    async def test_a_member_that_left_cannot_move(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        member = (await enter(client, headers, "sme", enterprise)).json()
        url = f"/api/v1/pools/sme/members/{member['id']}/transitions"
        withdrawn = await client.post(
            url, headers=headers, json={"exit_outcome": "withdrawn", "reason": "企业迁出"}
        )
        assert withdrawn.status_code == 200
        again = await client.post(url, headers=headers, json={"to_tier": "mature", "reason": "x"})
        assert_problem(again, 409, "member_not_active")
        assert (await enter(client, headers, "sme", enterprise)).status_code == 201

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"reason": "neither"}, 422, "inconsistent_fields"),
            (
                {"to_tier": "mature", "exit_outcome": "withdrawn", "reason": "both"},
                422,
                "inconsistent_fields",
            ),
            ({"to_tier": "selected", "reason": "same"}, 409, "already_in_tier"),
            (
                {"exit_outcome": "certified", "reason": "no certificate"},
                422,
                "certificate_required",
            ),
            (
                {"to_tier": "mature", "reason": "before entry", "effective_on": "2020-01-01"},
                422,
                "effective_before_entry",
            ),
            ({"to_tier": "mature", "reason": ""}, 422, "validation_failed"),
        ],
    )
    async def test_bad_transitions_change_nothing(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        body: dict[str, Any],
        status: int,
        code: str,
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        member = (await enter(client, headers, "hte", enterprise, effective_on="2025-01-10")).json()
        response = await client.post(
            f"/api/v1/pools/hte/members/{member['id']}/transitions", headers=headers, json=body
        )
        assert_problem(response, status, code)
        transitions = await session.scalar(select(func.count()).select_from(PoolTransition))
        assert transitions == 1
        stored = await session.get(PoolMember, member["id"])
        assert stored is not None
        await session.refresh(stored)
        assert (stored.tier, stored.status) == ("selected", "active")

    async def test_stale_if_match_is_412(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        member = (await enter(client, headers, "hte", enterprise)).json()
        response = await client.post(
            f"/api/v1/pools/hte/members/{member['id']}/transitions",
            headers={**headers, "If-Match": '"99"'},
            json={"to_tier": "mature", "reason": "x"},
        )
        assert_problem(response, 412, "stale_etag")


class TestLists:
    async def test_pools_count_members_by_tier_and_status(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        first = await cultivating_enterprise(session)
        second = await applying_enterprise(session)
        await enter(client, headers, "hte", first)
        member = (await enter(client, headers, "hte", second)).json()
        await client.post(
            f"/api/v1/pools/hte/members/{member['id']}/transitions",
            headers=headers,
            json={"exit_outcome": "withdrawn", "reason": "x"},
        )
        pools = (await client.get("/api/v1/pools", headers=headers)).json()["items"]
        assert [p["pool"] for p in pools] == ["hte", "sme", "project"]
        hte = pools[0]
        assert hte["name"] == "高新技术企业培育库"
        assert hte["tiers"] == {"selected": 1, "cultivating": 0, "mature": 0, "applying": 0}
        assert hte["statuses"] == {"active": 1, "certified": 0, "withdrawn": 1, "disqualified": 0}

    async def test_members_filter_by_mismatch_and_suggestion(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.INTEGRATION)
        staff = await headers_for(session, Role.MANAGER)
        cultivating = await cultivating_enterprise(session)
        applying = await applying_enterprise(session)
        await client.post(
            "/api/v1/pools/hte/members",
            headers=staff,
            json={"enterprise_id": str(cultivating.id), "tier": "cultivating", "reason": "x"},
        )
        await client.post(
            "/api/v1/pools/hte/members",
            headers=staff,
            json={"enterprise_id": str(applying.id), "tier": "mature", "reason": "x"},
        )
        mismatched = await client.get(
            "/api/v1/pools/hte/members", headers=headers, params={"mismatch": "true"}
        )
        assert [m["enterprise_id"] for m in mismatched.json()["items"]] == [str(applying.id)]
        suggested = await client.get(
            "/api/v1/pools/hte/members", headers=headers, params={"suggested_tier": "cultivating"}
        )
        assert [m["enterprise_id"] for m in suggested.json()["items"]] == [str(cultivating.id)]

    async def test_a_new_report_refreshes_the_suggestion(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        member = (await enter(client, headers, "hte", enterprise)).json()
        assert member["suggested_tier"] == "cultivating"
        report = (
            await client.get(
                f"/api/v1/enterprises/{enterprise.id}/annual-reports/2025", headers=headers
            )
        ).json()
        body = {
            k: v
            for k, v in report.items()
            if k not in {"id", "enterprise_id", "year", "created_at", "updated_at"}
        }
        # A bleak 2025: no IP, E grades, no R&D organisation, nothing transformed → the
        # score can reach only 24 (transformation 7-12, growth 10-12): 'selected'.
        body |= {
            "ip_class1": 0,
            "ip_class2": 0,
            "tech_advancement": "E",
            "core_support": "E",
            "achievements_transformed": 0,
            "rd_org": {},
        }
        put = await client.put(
            f"/api/v1/enterprises/{enterprise.id}/annual-reports/2025", headers=headers, json=body
        )
        assert put.status_code == 200, put.text
        refreshed = (
            await client.get(f"/api/v1/pools/hte/members/{member['id']}", headers=headers)
        ).json()
        assessment = (
            await client.get(
                f"/api/v1/enterprises/{enterprise.id}/assessments/hte", headers=headers
            )
        ).json()
        assert assessment["score"]["max"] == 24
        assert refreshed["suggested_tier"] == assessment["suggested_tier"] == "selected"
        assert refreshed["assessed_year"] == 2025

    async def test_enterprise_users_see_their_own_memberships(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        own = await cultivating_enterprise(session)
        other = await cultivating_enterprise(session)
        await enter(client, staff, "hte", own)
        other_member = (await enter(client, staff, "hte", other)).json()
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        listed = (await client.get("/api/v1/pools/hte/members", headers=headers)).json()["items"]
        assert [m["enterprise_id"] for m in listed] == [str(own.id)]
        assert_problem(
            await client.get(f"/api/v1/pools/hte/members/{other_member['id']}", headers=headers),
            404,
            "pool_member_not_found",
        )


class TestProjectPool:
    async def test_applying_projects_enter_and_approval_certifies_them(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        headers = bearer(manager)
        enterprise = await make_enterprise(session)
        projects = []
        for title in ("申报项目甲", "申报项目乙"):
            created = await client.post(
                "/api/v1/projects",
                headers=headers,
                json={
                    "enterprise_id": str(enterprise.id),
                    "title": title,
                    "level": "regional",
                    "start_on": "2026-01-01",
                    "end_on": "2027-12-31",
                },
            )
            assert created.status_code == 201, created.text
            projects.append(created.json())
        members = []
        for project in projects:
            entered = await client.post(
                "/api/v1/pools/project/members",
                headers=headers,
                json={
                    "project_id": project["id"],
                    "tier": "applying",
                    "reason": "2026年自治区项目申报",
                },
            )
            assert entered.status_code == 201, entered.text
            assert entered.json()["project_id"] == project["id"]
            assert entered.json()["enterprise_id"] == str(enterprise.id)
            members.append(entered.json())
        again = await client.post(
            "/api/v1/pools/project/members",
            headers=headers,
            json={"project_id": projects[0]["id"], "tier": "selected", "reason": "x"},
        )
        assert_problem(again, 409, "already_in_pool")

        approved = await client.patch(
            f"/api/v1/projects/{projects[0]['id']}", headers=headers, json={"status": "approved"}
        )
        assert approved.status_code == 200, approved.text
        member = (
            await client.get(f"/api/v1/pools/project/members/{members[0]['id']}", headers=headers)
        ).json()
        assert member["status"] == "certified"
        history = (
            await client.get(
                f"/api/v1/pools/project/members/{members[0]['id']}/history", headers=headers
            )
        ).json()["items"]
        assert [(h["kind"], h["outcome"], h["actor_id"]) for h in history] == [
            ("entry", None, str(manager.id)),
            ("exit", "certified", str(manager.id)),
        ]
        terminated = await client.patch(
            f"/api/v1/projects/{projects[1]['id']}", headers=headers, json={"status": "terminated"}
        )
        assert terminated.status_code == 200
        other = (
            await client.get(f"/api/v1/pools/project/members/{members[1]['id']}", headers=headers)
        ).json()
        assert other["status"] == "withdrawn"

    async def test_only_applying_projects_enter(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        project = (
            await client.post(
                "/api/v1/projects",
                headers=headers,
                json={
                    "enterprise_id": str(enterprise.id),
                    "title": "在研项目",
                    "level": "city",
                    "status": "in_progress",
                    "start_on": "2026-01-01",
                    "end_on": "2027-12-31",
                },
            )
        ).json()
        before = await member_count(session)
        problem = assert_problem(
            await client.post(
                "/api/v1/pools/project/members",
                headers=headers,
                json={"project_id": project["id"], "tier": "selected", "reason": "x"},
            ),
            422,
            "entry_conditions_unmet",
        )
        assert [e["type"] for e in problem["errors"]] == ["project_applying"]
        assert await member_count(session) == before


class TestApplicationDate:
    async def test_apply_on_moves_registration_certificates_and_the_rule_set(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        path = f"/api/v1/enterprises/{enterprise.id}/assessments/hte"
        default = (await client.get(path, headers=headers)).json()
        assert default["apply_on"] == "2026-06-30"
        registered = {c["code"]: c for c in default["conditions"]}["established_one_year"]
        assert registered["required"] == "2025-06-30"  # 365 days before 30 June 2026
        early = await client.get(path, headers=headers, params={"apply_on": "2026-01-15"})
        assert early.status_code == 200, early.text
        assert early.json()["apply_on"] == "2026-01-15"
        before = await client.get(
            path, headers=headers, params={"year": 2025, "apply_on": "2025-12-31"}
        )
        assert_problem(before, 422, "application_before_data")

    async def test_the_sme_direct_route_needs_the_certificate_on_the_application_date(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session, established_on=date(2015, 3, 1))
        # A large enterprise, passing only through the direct route: an HTE certificate.
        await make_report(session, enterprise, 2024, st_staff=0, ip_class1=0, ip_class2=0)
        session.add(
            Qualification(
                enterprise_id=enterprise.id,
                kind="hte",
                reference="GR2022",
                issued_on=date(2022, 11, 1),
                valid_until=date(2025, 3, 31),
                source="pool_exit",
            )
        )
        await session.flush()
        path = f"/api/v1/enterprises/{enterprise.id}/assessments/sme"

        async def score_met(apply_on: str) -> bool:
            answer = await client.get(path, headers=headers, params={"apply_on": apply_on})
            assert answer.status_code == 200, answer.text
            return bool({c["code"]: c for c in answer.json()["conditions"]}["score"]["met"])

        # Valid on 31 December of the data year, lapsed by the default 30 June application.
        assert await score_met("2025-03-01") is True
        assert await score_met("2025-06-30") is False
