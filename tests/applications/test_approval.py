"""The decision: an approval records the outcome through the outcomes ledger
(app.outcomes.service.grant_outcome) in the application's unit of work, and the withdrawal of
an approval (approved → publicized) undoes all of it (reverse_outcome)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.events import ApplicationDecided
from app.applications.models import Application
from app.auth.roles import Role
from app.enterprises.models import Enterprise
from app.events.models import OutboxMessage
from tests.applications.helpers import (
    bring_to,
    create_campaign,
    move,
    open_application,
    responsible_specialist,
)
from tests.factories import bearer, headers_for, make_enterprise
from tests.pools.test_pools_api import applying_enterprise, enter
from tests.problems import assert_problem

DECIDED_ON = "2026-11-20"


async def publicized(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    kind: str,
    enterprise: Enterprise,
    **extra: Any,
) -> dict[str, Any]:
    campaign = await create_campaign(client, staff, kind, year=2026)
    application = await open_application(client, staff, campaign, enterprise, **extra)
    return await bring_to(client, staff, application, "publicized")


async def ledger(
    client: httpx.AsyncClient, staff: dict[str, str], enterprise: Enterprise
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/achievements?enterprise_id={enterprise.id}", headers=staff
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def qualifications(
    client: httpx.AsyncClient, staff: dict[str, str], enterprise: Enterprise
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/enterprises/{enterprise.id}/qualifications", headers=staff
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def memberships(
    client: httpx.AsyncClient, staff: dict[str, str], pool: str, enterprise: Enterprise
) -> list[str]:
    response = await client.get(
        f"/api/v1/pools/{pool}/members?enterprise_id={enterprise.id}", headers=staff
    )
    assert response.status_code == 200, response.text
    return [m["status"] for m in response.json()["items"]]


async def withdraw_approval(
    client: httpx.AsyncClient, staff: dict[str, str], application: dict[str, Any]
) -> dict[str, Any]:
    response = await move(client, staff, application, "publicized", reason="认定机构撤销")
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "publicized"
    assert body["achievement_id"] is None
    assert body["certificate_no"] is None and body["decided_on"] is None
    return body


@pytest.mark.parametrize(
    ("kind", "pool", "qualification", "entry"),
    [
        ("hte_recognition", "hte", "hte", "hte_certified"),
        ("sme_evaluation", "sme", "sme", "sme_registered"),
    ],
)
class TestQualifyingApprovals:
    async def test_approval_records_it_once_and_its_withdrawal_undoes_it(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        kind: str,
        pool: str,
        qualification: str,
        entry: str,
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await applying_enterprise(session)
        entered = await enter(client, staff, pool, enterprise, tier="applying")
        assert entered.status_code == 201, entered.text
        application = await publicized(client, staff, kind, enterprise)
        approved = await move(
            client,
            staff,
            application,
            "approved",
            certificate_no="GR202665000123",
            decided_on=DECIDED_ON,
        )
        assert approved.status_code == 201, approved.text
        body = approved.json()
        assert body["status"] == "approved"
        assert body["certificate_no"] == "GR202665000123"
        assert body["decided_on"] == DECIDED_ON
        assert body["achievement_id"] is not None

        [granted] = await qualifications(client, staff, enterprise)
        assert granted["kind"] == qualification
        assert granted["reference"] == "GR202665000123"
        assert granted["issued_on"] == DECIDED_ON
        [recorded] = await ledger(client, staff, enterprise)
        assert recorded["id"] == body["achievement_id"]
        assert recorded["kind"] == entry
        assert recorded["achieved_on"] == DECIDED_ON
        assert await memberships(client, staff, pool, enterprise) == ["certified"]
        outbox = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.name == ApplicationDecided.name)
        )
        assert any(m.payload["application_id"] == application["id"] for m in outbox)

        await withdraw_approval(client, staff, application)
        assert await qualifications(client, staff, enterprise) == []
        assert await ledger(client, staff, enterprise) == []
        assert await memberships(client, staff, pool, enterprise) == ["active"]
        stored = await session.get(Application, application["id"])
        assert stored is not None and stored.achievement_id is None

        # Approved again, recorded again: once.
        again = await move(client, staff, application, "approved", certificate_no="GR2")
        assert again.status_code == 201, again.text
        assert len(await ledger(client, staff, enterprise)) == 1
        assert len(await qualifications(client, staff, enterprise)) == 1


class TestHteNeedsItsCertificate:
    async def test_an_hte_approval_without_a_certificate_is_422_and_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await applying_enterprise(session)
        application = await publicized(client, staff, "hte_recognition", enterprise)
        response = await move(client, staff, application, "approved")
        problem = assert_problem(response, 422, "certificate_required")
        assert problem["errors"][0]["loc"] == ["body", "certificate_no"]
        again = await client.get(f"/api/v1/applications/{application['id']}", headers=staff)
        assert again.json()["status"] == "publicized"
        assert await ledger(client, staff, enterprise) == []


class TestProjectApproval:
    async def test_the_project_is_approved_and_back_to_applying_on_withdrawal(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        created = await client.post(
            "/api/v1/projects",
            headers=staff,
            json={
                "enterprise_id": str(enterprise.id),
                "title": "含油污泥资源化中试",
                "level": "regional",
                "start_on": "2026-01-01",
                "end_on": "2027-12-31",
            },
        )
        project = created.json()
        application = await publicized(
            client, staff, "project", enterprise, project_id=project["id"]
        )
        approved = await move(client, staff, application, "approved", decided_on=DECIDED_ON)
        assert approved.status_code == 201, approved.text
        url = f"/api/v1/projects/{project['id']}"
        assert (await client.get(url, headers=staff)).json()["status"] == "approved"
        [recorded] = await ledger(client, staff, enterprise)
        assert recorded["kind"] == "project_approved"
        assert recorded["id"] == approved.json()["achievement_id"]
        assert recorded["level"] == "regional"

        await withdraw_approval(client, staff, application)
        assert (await client.get(url, headers=staff)).json()["status"] == "applying"
        assert await ledger(client, staff, enterprise) == []


@pytest.mark.parametrize(
    ("kind", "level"), [("little_giant", "city"), ("srdi_little_giant", "regional")]
)
class TestLittleGiantApprovals:
    async def test_recorded_at_its_level_and_removed_on_withdrawal(
        self, client: httpx.AsyncClient, session: AsyncSession, kind: str, level: str
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        application = await publicized(client, staff, kind, enterprise)
        approved = await move(
            client, staff, application, "approved", level=level, certificate_no="新科〔2026〕12号"
        )
        assert approved.status_code == 201, approved.text
        assert approved.json()["level"] == level
        [recorded] = await ledger(client, staff, enterprise)
        assert (recorded["kind"], recorded["level"]) == (kind, level)
        assert recorded["reference"] == "新科〔2026〕12号"
        await withdraw_approval(client, staff, application)
        assert await ledger(client, staff, enterprise) == []


class TestWithdrawingAnApproval:
    async def test_needs_a_reason_staff_and_goes_nowhere_else(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        specialist, _ = await responsible_specialist(client, session, staff, enterprise)
        application = await publicized(client, staff, "little_giant", enterprise)
        approved = await move(client, staff, application, "approved", level="city")
        assert approved.status_code == 201, approved.text
        without = await move(client, staff, application, "publicized")
        assert_problem(without, 422, "reason_required")
        by_specialist = await move(
            client, bearer(specialist), application, "publicized", reason="x"
        )
        assert_problem(by_specialist, 403, "role_not_allowed")
        for wanted in ("preparing", "submitted", "under_review", "approved", "withdrawn"):
            response = await move(client, staff, application, wanted)
            assert_problem(response, 409, "invalid_status_transition")
        rejected = await move(client, staff, application, "rejected", reasons=["x"])
        assert_problem(rejected, 409, "invalid_status_transition")
        again = await client.get(f"/api/v1/applications/{application['id']}", headers=staff)
        assert again.json()["status"] == "approved"
        assert len(await ledger(client, staff, enterprise)) == 1
