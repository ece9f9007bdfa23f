"""Campaigns: an application round of a kind, its dates in order, its checklist template."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications import checklists
from app.applications.enums import CampaignKind
from app.applications.models import Campaign
from app.audit.models import AuditEvent
from app.auth.roles import Role
from tests.applications.helpers import campaign_body, create_campaign, role_headers, today
from tests.factories import headers_for, make_api_key
from tests.problems import assert_problem


class TestChecklistTemplates:
    @pytest.mark.parametrize("kind", list(CampaignKind))
    def test_every_kind_has_a_current_template_with_stable_unique_codes(
        self, kind: CampaignKind
    ) -> None:
        template = checklists.current(kind)
        codes = [m.code for m in template.materials]
        assert len(codes) == len(set(codes)) >= 5
        assert all(code.isascii() and code == code.lower() for code in codes)
        assert checklists.template(kind, template.version) is template

    def test_the_hte_template_lists_the_guidelines_materials(self) -> None:
        names = {m.name for m in checklists.current(CampaignKind.HTE_RECOGNITION).materials}
        assert {
            "研究开发费用专项审计报告",
            "高新技术产品（服务）收入专项审计报告",
            "知识产权证书",
            "科技人员名单",
            "财务会计报表",
            "企业营业执照",
        } <= names

    def test_an_unknown_version_is_refused(self) -> None:
        with pytest.raises(checklists.UnknownTemplate):
            checklists.template(CampaignKind.PROJECT, "1999.1")


class TestCreateCampaign:
    async def test_created_with_its_kinds_checklist_location_etag_and_audit(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        response = await client.post("/api/v1/campaigns", headers=staff, json=campaign_body())
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["location"] == f"/api/v1/campaigns/{body['id']}"
        assert response.headers["etag"]
        template = checklists.current(CampaignKind.HTE_RECOGNITION)
        assert body["checklist_version"] == template.version
        assert [i["code"] for i in body["checklist"]] == [m.code for m in template.materials]
        assert body["project_level"] is None and body["programme"] is None
        stored = await session.get(Campaign, body["id"])
        assert stored is not None and stored.checklist_version == template.version
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.resource_id == body["id"]))
        assert audit is not None and audit.action == "campaign.create"

    async def test_a_project_campaign_has_its_level_and_programme(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.ADMIN)
        body = await create_campaign(client, staff, "project")
        assert body["project_level"] == "regional"
        assert body["programme"] == "自治区重点研发计划"
        missing = campaign_body("project")
        del missing["project_level"]
        assert_problem(
            await client.post("/api/v1/campaigns", headers=staff, json=missing),
            422,
            "inconsistent_fields",
        )
        stray = campaign_body("sme_evaluation", programme="某计划")
        assert_problem(
            await client.post("/api/v1/campaigns", headers=staff, json=stray),
            422,
            "inconsistent_fields",
        )

    @pytest.mark.parametrize(
        ("opens", "internal", "submission"),
        [(10, 5, 20), (0, 20, 10), (10, 0, 5)],
    )
    async def test_dates_out_of_order_are_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        opens: int,
        internal: int,
        submission: int,
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        day = today()
        body = campaign_body(
            opens_on=(day + timedelta(days=opens)).isoformat(),
            internal_deadline_on=(day + timedelta(days=internal)).isoformat(),
            submission_deadline_on=(day + timedelta(days=submission)).isoformat(),
        )
        response = await client.post("/api/v1/campaigns", headers=staff, json=body)
        assert_problem(response, 422, "inconsistent_fields")

    async def test_all_three_dates_may_be_the_same_day(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        day = today().isoformat()
        await create_campaign(
            client, staff, opens_on=day, internal_deadline_on=day, submission_deadline_on=day
        )

    @pytest.mark.parametrize("role", [Role.SPECIALIST, Role.ENTERPRISE, Role.INTEGRATION])
    async def test_only_staff_run_campaigns(
        self, client: httpx.AsyncClient, session: AsyncSession, role: Role
    ) -> None:
        headers = await role_headers(session, role)
        response = await client.post("/api/v1/campaigns", headers=headers, json=campaign_body())
        assert response.status_code == 403


class TestUpdateCampaign:
    async def test_dates_change_under_if_match_and_stay_in_order(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        created = await client.post("/api/v1/campaigns", headers=staff, json=campaign_body())
        campaign, etag = created.json(), created.headers["etag"]
        url = f"/api/v1/campaigns/{campaign['id']}"
        later = (today() + timedelta(days=75)).isoformat()
        changed = await client.patch(
            url, headers=staff | {"If-Match": etag}, json={"internal_deadline_on": later}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["internal_deadline_on"] == later
        stale = await client.patch(url, headers=staff | {"If-Match": etag}, json={"title": "改名"})
        assert stale.status_code == 412
        # Past the submission deadline: out of order, nothing stored.
        too_late = (today() + timedelta(days=200)).isoformat()
        refused = await client.patch(url, headers=staff, json={"internal_deadline_on": too_late})
        body = assert_problem(refused, 422, "dates_out_of_order")
        assert body["errors"][0]["loc"] == ["body", "internal_deadline_on"]
        again = await client.get(url, headers=staff)
        assert again.json()["internal_deadline_on"] == later

    async def test_only_a_project_campaign_takes_a_level_or_programme(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        campaign = await create_campaign(client, staff, "little_giant")
        refused = await client.patch(
            f"/api/v1/campaigns/{campaign['id']}", headers=staff, json={"programme": "x"}
        )
        assert_problem(refused, 422, "unfit_for_kind")
        project = await create_campaign(client, staff, "project")
        moved = await client.patch(
            f"/api/v1/campaigns/{project['id']}", headers=staff, json={"project_level": "national"}
        )
        assert moved.status_code == 200 and moved.json()["project_level"] == "national"

    async def test_specialists_do_not_edit_campaigns(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        campaign = await create_campaign(client, staff)
        specialist = await headers_for(session, Role.SPECIALIST)
        response = await client.patch(
            f"/api/v1/campaigns/{campaign['id']}", headers=specialist, json={"title": "x"}
        )
        assert_problem(response, 403, "role_not_allowed")


class TestReadCampaigns:
    async def test_everyone_reads_and_filters_by_kind_and_year(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        hte = await create_campaign(client, staff)
        sme = await create_campaign(client, staff, "sme_evaluation", year=2031)
        for role in (Role.SPECIALIST, Role.ENTERPRISE, Role.INTEGRATION):
            headers = await role_headers(session, role)
            listed = await client.get("/api/v1/campaigns?kind=sme_evaluation", headers=headers)
            assert listed.status_code == 200, listed.text
            ids = [c["id"] for c in listed.json()["items"]]
            assert sme["id"] in ids and hte["id"] not in ids
            one = await client.get(f"/api/v1/campaigns/{hte['id']}", headers=headers)
            assert one.status_code == 200 and one.headers["etag"]
        by_year = await client.get("/api/v1/campaigns?year=2031", headers=staff)
        assert [c["id"] for c in by_year.json()["items"]] == [sme["id"]]

    async def test_an_unknown_campaign_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        response = await client.get(
            "/api/v1/campaigns/00000000-0000-4000-8000-000000000000", headers=staff
        )
        assert_problem(response, 404, "campaign_not_found")

    async def test_a_key_needs_read_applications(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, without = await make_api_key(session, scopes=["read:pools"])
        refused = await client.get(
            "/api/v1/campaigns", headers={"Authorization": f"Bearer {without}"}
        )
        assert_problem(refused, 403, "scope_missing")
        _, with_scope = await make_api_key(session, scopes=["read:applications"])
        allowed = await client.get(
            "/api/v1/campaigns", headers={"Authorization": f"Bearer {with_scope}"}
        )
        assert allowed.status_code == 200
