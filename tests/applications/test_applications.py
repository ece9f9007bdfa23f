"""Applications: one enterprise in one campaign, its lifecycle (each move recorded), and what
submission keeps: the readiness assessment and the pool tier as they stood."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications import checklists
from app.applications.enums import ApplicationStatus, CampaignKind
from app.applications.lifecycle import MOVES
from app.applications.models import Application, ApplicationTransition
from app.auth.roles import Role
from tests.applications.helpers import (
    bring_to,
    create_campaign,
    move,
    open_application,
    open_with_etag,
    responsible_specialist,
)
from tests.factories import bearer, headers_for, make_enterprise
from tests.pools.test_pools_api import applying_enterprise, cultivating_enterprise, enter
from tests.problems import assert_problem


async def transitions(session: AsyncSession, application_id: str) -> list[ApplicationTransition]:
    rows = await session.scalars(
        select(ApplicationTransition)
        .where(ApplicationTransition.application_id == application_id)
        .order_by(ApplicationTransition.occurred_at, ApplicationTransition.id)
    )
    return list(rows)


async def new_project(
    client: httpx.AsyncClient, staff: dict[str, str], enterprise_id: Any, **extra: Any
) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/projects",
        headers=staff,
        json={
            "enterprise_id": str(enterprise_id),
            "title": "含油污泥资源化中试",
            "level": "regional",
            "start_on": "2026-01-01",
            "end_on": "2027-12-31",
            **extra,
        },
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


class TestCreateApplication:
    async def test_opened_preparing_with_its_checklist_specialist_and_first_transition(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        specialist, profile = await responsible_specialist(client, session, staff, enterprise)
        campaign = await create_campaign(client, staff)
        response = await client.post(
            "/api/v1/applications",
            headers=bearer(specialist),
            json={"campaign_id": campaign["id"], "enterprise_id": str(enterprise.id)},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["location"] == f"/api/v1/applications/{body['id']}"
        assert response.headers["etag"]
        assert body["status"] == "preparing"
        assert body["kind"] == "hte_recognition" and body["year"] == campaign["year"]
        assert body["enterprise_name"] == enterprise.name
        assert body["specialist_id"] == profile["id"]
        materials = checklists.current(CampaignKind.HTE_RECOGNITION).materials
        assert body["checklist"] == {
            "missing": len(materials),
            "provided": 0,
            "checked": 0,
            "not_applicable": 0,
        }
        assert body["overdue"] is False
        assert body["assessment"] is None and body["tier_at_submission"] is None
        assert body["achievement_id"] is None and body["rejection_reasons"] == []
        items = await client.get(f"/api/v1/applications/{body['id']}/checklist", headers=staff)
        assert [i["code"] for i in items.json()["items"]] == [m.code for m in materials]
        assert {i["status"] for i in items.json()["items"]} == {"missing"}
        [first] = await transitions(session, body["id"])
        assert (first.from_status, first.to_status) == (None, "preparing")
        assert first.actor_role == "specialist"

    async def test_a_second_application_in_the_campaign_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        await open_application(client, staff, campaign, enterprise)
        again = await client.post(
            "/api/v1/applications",
            headers=staff,
            json={"campaign_id": campaign["id"], "enterprise_id": str(enterprise.id)},
        )
        assert_problem(again, 409, "already_applied")
        count = await session.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.enterprise_id == enterprise.id)
        )
        assert count == 1
        # Another campaign is another application.
        other = await create_campaign(client, staff)
        await open_application(client, staff, other, enterprise)

    async def test_unknown_campaign_is_422_and_unknown_enterprise_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        nobody = "00000000-0000-4000-8000-000000000000"
        unknown = await client.post(
            "/api/v1/applications",
            headers=staff,
            json={"campaign_id": nobody, "enterprise_id": str(enterprise.id)},
        )
        assert_problem(unknown, 422, "unknown_campaign")
        missing = await client.post(
            "/api/v1/applications",
            headers=staff,
            json={"campaign_id": campaign["id"], "enterprise_id": nobody},
        )
        assert_problem(missing, 404, "enterprise_not_found")


class TestProjectApplications:
    async def test_a_project_campaign_names_the_enterprises_applying_project(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        other = await make_enterprise(session)
        campaign = await create_campaign(client, staff, "project")
        url = "/api/v1/applications"
        body = {"campaign_id": campaign["id"], "enterprise_id": str(enterprise.id)}
        assert_problem(await client.post(url, headers=staff, json=body), 422, "project_required")
        foreign = await new_project(client, staff, other.id)
        assert_problem(
            await client.post(url, headers=staff, json=body | {"project_id": foreign["id"]}),
            422,
            "unknown_project",
        )
        running = await new_project(client, staff, enterprise.id, status="approved")
        assert_problem(
            await client.post(url, headers=staff, json=body | {"project_id": running["id"]}),
            422,
            "project_not_applying",
        )
        applying = await new_project(client, staff, enterprise.id)
        created = await client.post(url, headers=staff, json=body | {"project_id": applying["id"]})
        assert created.status_code == 201, created.text
        assert created.json()["project_id"] == applying["id"]

    async def test_other_kinds_name_no_project(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        project = await new_project(client, staff, enterprise.id)
        campaign = await create_campaign(client, staff, "little_giant")
        response = await client.post(
            "/api/v1/applications",
            headers=staff,
            json={
                "campaign_id": campaign["id"],
                "enterprise_id": str(enterprise.id),
                "project_id": project["id"],
            },
        )
        assert_problem(response, 422, "unfit_for_kind")


class TestLifecycle:
    async def test_through_every_state_each_move_recorded(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff_user_headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        specialist, _ = await responsible_specialist(
            client, session, staff_user_headers, enterprise
        )
        worker = bearer(specialist)
        campaign = await create_campaign(client, staff_user_headers, "little_giant")
        application = await open_application(client, worker, campaign, enterprise)
        submitted = await move(client, worker, application, "submitted", reason="材料齐备")
        assert submitted.status_code == 201, submitted.text
        assert submitted.json()["submitted_at"] is not None
        for status in ("under_review", "publicized"):
            moved = await move(client, staff_user_headers, application, status)
            assert moved.status_code == 201, moved.text
            assert moved.json()["status"] == status
        rejected = await move(
            client,
            staff_user_headers,
            application,
            "rejected",
            reasons=["研发投入不足", "规模未达标"],
        )
        assert rejected.status_code == 201, rejected.text
        assert rejected.json()["rejection_reasons"] == ["研发投入不足", "规模未达标"]
        assert rejected.json()["decided_on"] is not None
        listed = await client.get(
            f"/api/v1/applications/{application['id']}/transitions", headers=staff_user_headers
        )
        steps = [(t["from_status"], t["to_status"]) for t in listed.json()["items"]]
        assert steps == [
            (None, "preparing"),
            ("preparing", "submitted"),
            ("submitted", "under_review"),
            ("under_review", "publicized"),
            ("publicized", "rejected"),
        ]
        last = listed.json()["items"][-1]
        assert last["reasons"] == ["研发投入不足", "规模未达标"]
        assert last["actor_role"] == "manager"
        assert listed.json()["items"][1]["reason"] == "材料齐备"
        assert listed.json()["items"][1]["actor_role"] == "specialist"

    @pytest.mark.parametrize("status", ["preparing", "submitted", "under_review", "publicized"])
    async def test_withdrawn_from_every_open_state(
        self, client: httpx.AsyncClient, session: AsyncSession, status: str
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff, "srdi_little_giant")
        application = await bring_to(
            client, staff, await open_application(client, staff, campaign, enterprise), status
        )
        withdrawn = await move(client, staff, application, "withdrawn", reason="企业决定不报")
        assert withdrawn.status_code == 201, withdrawn.text
        assert withdrawn.json()["status"] == "withdrawn"

    async def test_a_rejection_needs_its_reasons_and_only_it_takes_them(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff, "little_giant")
        application = await bring_to(
            client,
            staff,
            await open_application(client, staff, campaign, enterprise),
            "under_review",
        )
        bodies: list[dict[str, Any]] = [{}, {"reasons": []}, {"reason": "只写一句"}]
        for body in bodies:
            response = await move(client, staff, application, "rejected", **body)
            assert_problem(response, 422, "inconsistent_fields")
        stray = await move(client, staff, application, "publicized", reasons=["x"])
        assert_problem(stray, 422, "inconsistent_fields")
        decision = await move(client, staff, application, "under_review", certificate_no="X1")
        assert_problem(decision, 422, "inconsistent_fields")

    async def test_a_stale_if_match_is_412(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        application, etag = await open_with_etag(client, staff, campaign, enterprise)
        url = f"/api/v1/applications/{application['id']}/transitions"
        ok = await client.post(url, headers=staff | {"If-Match": etag}, json={"to": "submitted"})
        assert ok.status_code == 201, ok.text
        stale = await client.post(
            url, headers=staff | {"If-Match": etag}, json={"to": "under_review"}
        )
        assert stale.status_code == 412


# Every pair of states the lifecycle does not allow, from each state reachable without an
# approval (approved is covered in test_approval.py, where the outcome is recorded).
ILLEGAL = [
    (current, wanted)
    for current, wanted in itertools.product(
        [s.value for s in ApplicationStatus if s is not ApplicationStatus.APPROVED],
        [s.value for s in ApplicationStatus],
    )
    if ApplicationStatus(wanted) not in MOVES[ApplicationStatus(current)]
]


class TestIllegalMoves:
    def test_the_table_covers_every_pair_but_the_allowed(self) -> None:
        allowed = sum(len(v) for k, v in MOVES.items() if k is not ApplicationStatus.APPROVED)
        assert len(ILLEGAL) + allowed == 6 * 7

    @pytest.mark.parametrize(("current", "wanted"), ILLEGAL)
    async def test_every_move_outside_the_lifecycle_is_409_and_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, current: str, wanted: str
    ) -> None:
        staff = await headers_for(session, Role.ADMIN)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff, "little_giant")
        application = await bring_to(
            client, staff, await open_application(client, staff, campaign, enterprise), current
        )
        before = len(await transitions(session, application["id"]))
        extra: dict[str, Any] = {"reasons": ["x"]} if wanted == "rejected" else {}
        response = await move(client, staff, application, wanted, **extra)
        assert_problem(response, 409, "invalid_status_transition")
        again = await client.get(f"/api/v1/applications/{application['id']}", headers=staff)
        assert again.json()["status"] == current
        assert len(await transitions(session, application["id"])) == before


class TestSubmission:
    async def test_an_hte_submission_keeps_the_assessment_and_the_pool_tier(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        entered = await enter(client, staff, "hte", enterprise, tier="mature")
        assert entered.status_code == 201, entered.text
        campaign = await create_campaign(client, staff, year=2026)
        application = await open_application(client, staff, campaign, enterprise)
        submitted = await move(client, staff, application, "submitted")
        assert submitted.status_code == 201, submitted.text
        body = submitted.json()
        assert body["tier_at_submission"] == "mature"
        snapshot = body["assessment"]
        assert snapshot["pool"] == "hte" and snapshot["year"] == 2025
        assert snapshot["rule_set"]["version"]
        assert snapshot["passed"] is False
        assert snapshot["score"]["min"] < 71 <= snapshot["score"]["max"]
        unmet = [c["code"] for c in snapshot["conditions"] if not c["met"]]
        assert unmet == ["innovation_score"]
        assert snapshot["gaps"] and snapshot["suggested_tier"] == "cultivating"
        stored = await session.get(Application, application["id"])
        assert stored is not None and stored.assessment == snapshot
        # Read back as it was stored, whatever the enterprise's figures do later.
        again = await client.get(f"/api/v1/applications/{application['id']}", headers=staff)
        assert again.json()["assessment"] == snapshot

    async def test_an_sme_submission_of_an_enterprise_outside_the_pool(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await applying_enterprise(session)
        campaign = await create_campaign(client, staff, "sme_evaluation", year=2026)
        application = await open_application(client, staff, campaign, enterprise)
        body = (await move(client, staff, application, "submitted")).json()
        assert body["tier_at_submission"] is None
        assert body["assessment"]["pool"] == "sme"
        assert body["assessment"]["passed"] is True

    async def test_without_a_report_the_application_goes_in_without_an_assessment(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        application = await open_application(client, staff, campaign, enterprise)
        body = (await move(client, staff, application, "submitted")).json()
        assert body["status"] == "submitted"
        assert body["assessment"] is None

    async def test_a_project_application_keeps_the_projects_pool_tier(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        project = await new_project(client, staff, enterprise.id)
        entered = await client.post(
            "/api/v1/pools/project/members",
            headers=staff,
            json={"project_id": project["id"], "tier": "applying", "reason": "申报一批"},
        )
        assert entered.status_code == 201, entered.text
        campaign = await create_campaign(client, staff, "project")
        application = await open_application(
            client, staff, campaign, enterprise, project_id=project["id"]
        )
        body = (await move(client, staff, application, "submitted")).json()
        assert body["tier_at_submission"] == "applying"
        assert body["assessment"] is None
