"""The materials checklist (missing → provided → checked, or not applicable), the overdue flag
it drives, and the coaching sessions with or without a visit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.enums import ApplicationStatus as S
from app.applications.lifecycle import is_overdue
from app.auth.roles import Role
from tests.applications.helpers import (
    bring_to,
    create_campaign,
    move,
    open_application,
    open_with_etag,
    responsible_specialist,
    today,
)
from tests.factories import bearer, headers_for, make_enterprise, make_user
from tests.problems import assert_problem


def item_url(application: dict[str, Any], code: str) -> str:
    return f"/api/v1/applications/{application['id']}/checklist/{code}"


async def items(
    client: httpx.AsyncClient, headers: dict[str, str], application: dict[str, Any]
) -> dict[str, str]:
    response = await client.get(
        f"/api/v1/applications/{application['id']}/checklist", headers=headers
    )
    assert response.status_code == 200, response.text
    return {i["code"]: i["status"] for i in response.json()["items"]}


class TestChecklist:
    async def test_an_item_goes_missing_provided_checked_and_counts_follow(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        specialist, _ = await responsible_specialist(client, session, staff, enterprise)
        campaign = await create_campaign(client, staff)
        application = await open_application(client, bearer(specialist), campaign, enterprise)
        owner = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        provided = await client.patch(
            item_url(application, "rd_expense_audit"),
            headers=owner,
            json={"status": "provided", "note": "已上传"},
        )
        assert provided.status_code == 200, provided.text
        assert provided.json()["status"] == "provided"
        assert provided.json()["note"] == "已上传"
        assert provided.headers["etag"]
        checked = await client.patch(
            item_url(application, "rd_expense_audit"),
            headers=bearer(specialist) | {"If-Match": provided.headers["etag"]},
            json={"status": "checked"},
        )
        assert checked.status_code == 200, checked.text
        dropped = await client.patch(
            item_url(application, "income_tax_returns"),
            headers=staff,
            json={"status": "not_applicable"},
        )
        assert dropped.status_code == 200
        statuses = await items(client, staff, application)
        assert statuses["rd_expense_audit"] == "checked"
        assert statuses["income_tax_returns"] == "not_applicable"
        read = await client.get(f"/api/v1/applications/{application['id']}", headers=staff)
        counts = read.json()["checklist"]
        assert counts["checked"] == 1 and counts["not_applicable"] == 1
        assert counts["missing"] == len(statuses) - 2

    async def test_a_stale_if_match_is_412(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        application, etag = await open_with_etag(client, staff, campaign, enterprise)
        ok = await client.patch(
            item_url(application, "st_staff_list"),
            headers=staff | {"If-Match": etag},
            json={"status": "provided"},
        )
        assert ok.status_code == 200
        stale = await client.patch(
            item_url(application, "business_licence"),
            headers=staff | {"If-Match": etag},
            json={"status": "provided"},
        )
        assert stale.status_code == 412

    @pytest.mark.parametrize(
        ("start", "wanted"),
        [
            ("missing", "checked"),
            ("checked", "missing"),
            ("checked", "not_applicable"),
            ("not_applicable", "provided"),
        ],
    )
    async def test_moves_outside_the_items_lifecycle_are_409(
        self, client: httpx.AsyncClient, session: AsyncSession, start: str, wanted: str
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        application = await open_application(client, staff, campaign, enterprise)
        url = item_url(application, "business_licence")
        for step in {"missing": [], "checked": ["provided", "checked"]}.get(start, [start]):
            assert (
                await client.patch(url, headers=staff, json={"status": step})
            ).status_code == 200
        response = await client.patch(url, headers=staff, json={"status": wanted})
        assert_problem(response, 409, "invalid_status_transition")
        assert (await items(client, staff, application))["business_licence"] == start

    async def test_an_enterprise_user_only_ticks_what_it_provides(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        application = await open_application(client, staff, campaign, enterprise)
        owner = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        url = item_url(application, "business_licence")
        for wanted in ("checked", "not_applicable"):
            response = await client.patch(url, headers=owner, json={"status": wanted})
            assert_problem(response, 403, "role_not_allowed")
        assert (
            await client.patch(url, headers=owner, json={"status": "provided"})
        ).status_code == 200
        back = await client.patch(url, headers=owner, json={"status": "missing"})
        assert_problem(back, 403, "role_not_allowed")
        stranger = await headers_for(
            session, Role.ENTERPRISE, enterprise_id=(await make_enterprise(session)).id
        )
        hidden = await client.patch(url, headers=stranger, json={"status": "provided"})
        assert_problem(hidden, 404, "application_not_found")

    async def test_unknown_item_is_404_and_a_submitted_checklist_is_fixed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        application = await open_application(client, staff, campaign, enterprise)
        unknown = await client.patch(
            item_url(application, "no_such_item"), headers=staff, json={"status": "provided"}
        )
        assert_problem(unknown, 404, "checklist_item_not_found")
        await move(client, staff, application, "submitted")
        fixed = await client.patch(
            item_url(application, "business_licence"), headers=staff, json={"status": "provided"}
        )
        assert_problem(fixed, 409, "application_not_preparing")


class TestOverdue:
    @pytest.mark.parametrize(
        ("status", "missing", "days_left", "overdue"),
        [
            (S.PREPARING, 1, 7, True),  # the deadline 7 days away: overdue from today
            (S.PREPARING, 1, 8, False),
            (S.PREPARING, 1, -3, True),  # passed
            (S.PREPARING, 0, 2, False),  # nothing missing
            (S.SUBMITTED, 1, 2, False),  # no longer preparing
        ],
    )
    def test_the_rule(self, status: S, missing: int, days_left: int, overdue: bool) -> None:
        day = today()
        internal = day + timedelta(days=days_left)
        assert is_overdue(status, missing, internal, internal + timedelta(days=10), day) is overdue

    async def test_the_flag_and_the_filter(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        day = today()
        near = await create_campaign(
            client,
            staff,
            opens_on=(day - timedelta(days=30)).isoformat(),
            internal_deadline_on=(day + timedelta(days=5)).isoformat(),
            submission_deadline_on=(day + timedelta(days=15)).isoformat(),
        )
        far = await create_campaign(client, staff)
        late = await open_application(client, staff, near, await make_enterprise(session))
        assert late["overdue"] is True
        relaxed = await open_application(client, staff, far, await make_enterprise(session))
        assert relaxed["overdue"] is False
        complete = await open_application(client, staff, near, await make_enterprise(session))
        for code in await items(client, staff, complete):
            response = await client.patch(
                item_url(complete, code), headers=staff, json={"status": "provided"}
            )
            assert response.status_code == 200
        read = await client.get(f"/api/v1/applications/{complete['id']}", headers=staff)
        assert read.json()["overdue"] is False
        submitted = await open_application(client, staff, near, await make_enterprise(session))
        assert (await move(client, staff, submitted, "submitted")).json()["overdue"] is False

        mine = {late["id"], relaxed["id"], complete["id"], submitted["id"]}
        flagged = await client.get("/api/v1/applications?overdue=true&limit=200", headers=staff)
        assert {a["id"] for a in flagged.json()["items"]} & mine == {late["id"]}
        assert all(a["overdue"] for a in flagged.json()["items"])
        calm = await client.get("/api/v1/applications?overdue=false&limit=200", headers=staff)
        assert {a["id"] for a in calm.json()["items"]} & mine == mine - {late["id"]}


class TestCoaching:
    async def test_recorded_with_a_visit_of_the_same_enterprise_and_without(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        specialist, profile = await responsible_specialist(client, session, staff, enterprise)
        worker = bearer(specialist)
        campaign = await create_campaign(client, staff)
        application = await open_application(client, worker, campaign, enterprise)
        url = f"/api/v1/applications/{application['id']}/coaching"
        plain = await client.post(
            url,
            headers=worker,
            json={
                "held_at": "2026-04-18T10:00:00+08:00",
                "channel": "phone",
                "minutes": 30,
                "topics": ["研发费用归集口径"],
                "next_step": "下周提交辅助账",
            },
        )
        assert plain.status_code == 201, plain.text
        assert plain.json()["specialist_id"] == profile["id"]
        assert plain.json()["visit_id"] is None
        assert plain.headers["location"] == url
        visit = await client.post(
            "/api/v1/visits",
            headers=worker,
            json={
                "enterprise_id": str(enterprise.id),
                "specialist_ids": [profile["id"]],
                "visited_at": "2026-04-20T09:30:00+08:00",
                "kind": "on_demand",
                "channel": "onsite",
            },
        )
        assert visit.status_code == 201, visit.text
        during = await client.post(
            url,
            headers=worker,
            json={
                "held_at": "2026-04-20T10:00:00+08:00",
                "channel": "on_site",
                "minutes": 90,
                "topics": ["高新技术产品收入认定", "知识产权布局"],
                "visit_id": visit.json()["id"],
            },
        )
        assert during.status_code == 201, during.text
        assert during.json()["visit_id"] == visit.json()["id"]
        listed = await client.get(url, headers=staff)
        assert [c["minutes"] for c in listed.json()["items"]] == [30, 90]
        owner = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        assert len((await client.get(url, headers=owner)).json()["items"]) == 2

    async def test_another_enterprises_visit_or_an_unknown_one_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        other = await make_enterprise(session)
        _, profile = await responsible_specialist(client, session, staff, other)
        visit = await client.post(
            "/api/v1/visits",
            headers=staff,
            json={
                "enterprise_id": str(other.id),
                "specialist_ids": [profile["id"]],
                "visited_at": "2026-04-20T09:30:00+08:00",
                "kind": "coverage",
                "channel": "onsite",
            },
        )
        assert visit.status_code == 201, visit.text
        campaign = await create_campaign(client, staff)
        application = await open_application(client, staff, campaign, enterprise)
        url = f"/api/v1/applications/{application['id']}/coaching"
        body = {
            "specialist_id": profile["id"],
            "held_at": "2026-04-20T10:00:00+08:00",
            "channel": "online",
            "minutes": 45,
        }
        for visit_id in (visit.json()["id"], "00000000-0000-4000-8000-000000000000"):
            response = await client.post(url, headers=staff, json=body | {"visit_id": visit_id})
            error = assert_problem(response, 422, "unknown_visit")
            assert error["errors"][0]["loc"] == ["body", "visit_id"]
        assert (await client.get(url, headers=staff)).json()["items"] == []

    async def test_minutes_must_be_positive_and_someone_coached(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        application = await open_application(client, staff, campaign, enterprise)
        url = f"/api/v1/applications/{application['id']}/coaching"
        body = {"held_at": "2026-04-20T10:00:00+08:00", "channel": "office", "minutes": 0}
        assert_problem(await client.post(url, headers=staff, json=body), 422, "validation_failed")
        # No responsible specialist and none named.
        nobody = await client.post(url, headers=staff, json=body | {"minutes": 20})
        assert_problem(nobody, 422, "unknown_specialist")

    async def test_only_the_responsible_specialist_or_staff_coach(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        await responsible_specialist(client, session, staff, enterprise)
        campaign = await create_campaign(client, staff)
        application = await bring_to(
            client, staff, await open_application(client, staff, campaign, enterprise), "submitted"
        )
        url = f"/api/v1/applications/{application['id']}/coaching"
        body = {"held_at": "2026-04-20T10:00:00+08:00", "channel": "online", "minutes": 20}
        stranger = bearer(await make_user(session, Role.SPECIALIST))
        assert_problem(await client.post(url, headers=stranger, json=body), 403, "not_responsible")
        owner = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        assert_problem(await client.post(url, headers=owner, json=body), 403, "role_not_allowed")
        assert (await client.post(url, headers=staff, json=body)).status_code == 201
