"""Cultivation activities over HTTP: invitations and the attendance sheet."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.activities.models import ActivityInvitation
from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.config import Settings
from tests.factories import headers_for, make_enterprise
from tests.problems import assert_problem


def activity_body(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "policy_briefing",
        "title": "高新技术企业认定政策宣讲会",
        "held_on": "2026-03-18",
        "organiser": "克拉玛依高新区科技局",
        **overrides,
    }


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/activities", headers=headers, json=activity_body(**overrides)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestCreateActivity:
    async def test_created_with_location_etag_and_audit(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        response = await client.post("/api/v1/activities", headers=staff, json=activity_body())
        assert response.status_code == 201
        body = response.json()
        assert response.headers["location"] == f"/api/v1/activities/{body['id']}"
        assert response.headers["etag"] == '"1"'
        assert (body["kind"], body["invited"], body["attended"]) == ("policy_briefing", 0, 0)
        events = await session.scalar(
            select(func.count()).where(
                AuditEvent.action == "activity.create", AuditEvent.resource_id == body["id"]
            )
        )
        assert events == 1

    async def test_unknown_kind_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        response = await client.post(
            "/api/v1/activities", headers=staff, json=activity_body(kind="banquet")
        )
        assert_problem(response, 422, "validation_failed")

    async def test_integrations_and_enterprises_cannot_create(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        for headers in (
            await headers_for(session, Role.INTEGRATION),
            await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id),
        ):
            response = await client.post(
                "/api/v1/activities", headers=headers, json=activity_body()
            )
            assert response.status_code == 403


class TestListActivities:
    async def test_latest_first_with_filters(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        older = await create(client, staff, held_on="2025-05-01", kind="training")
        newer = await create(client, staff, held_on="2026-05-01")
        response = await client.get("/api/v1/activities", headers=staff)
        assert [a["id"] for a in response.json()["items"]] == [newer["id"], older["id"]]
        response = await client.get(
            "/api/v1/activities", headers=staff, params={"kind": "training"}
        )
        assert [a["id"] for a in response.json()["items"]] == [older["id"]]
        response = await client.get(
            "/api/v1/activities", headers=staff, params={"from": "2026-01-01", "to": "2026-12-31"}
        )
        assert [a["id"] for a in response.json()["items"]] == [newer["id"]]

    async def test_an_enterprise_sees_only_what_it_was_invited_to(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        mine, other = await make_enterprise(session), await make_enterprise(session)
        invited = await create(client, staff)
        not_invited = await create(client, staff)
        for enterprise in (mine, other):
            response = await client.post(
                f"/api/v1/activities/{invited['id']}/invitations",
                headers=staff,
                json={"enterprise_ids": [str(enterprise.id)]},
            )
            assert response.status_code == 201
        own = await headers_for(session, Role.ENTERPRISE, enterprise_id=mine.id)
        response = await client.get("/api/v1/activities", headers=own)
        assert [a["id"] for a in response.json()["items"]] == [invited["id"]]
        response = await client.get(f"/api/v1/activities/{not_invited['id']}", headers=own)
        assert_problem(response, 404, "activity_not_found")
        response = await client.get(f"/api/v1/activities/{invited['id']}/invitations", headers=own)
        assert [i["enterprise_id"] for i in response.json()["items"]] == [str(mine.id)]


class TestInvitations:
    async def test_invite_then_duplicate_is_409_and_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        first, second = await make_enterprise(session), await make_enterprise(session)
        activity = await create(client, staff)
        url = f"/api/v1/activities/{activity['id']}/invitations"
        response = await client.post(url, headers=staff, json={"enterprise_ids": [str(first.id)]})
        assert response.status_code == 201
        [item] = response.json()["items"]
        assert (item["uscc"], item["name"], item["attended"]) == (first.uscc, first.name, False)
        response = await client.post(
            url, headers=staff, json={"enterprise_ids": [str(second.id), str(first.id)]}
        )
        assert_problem(response, 409, "already_invited")
        count = await session.scalar(
            select(func.count()).where(ActivityInvitation.activity_id == uuid.UUID(activity["id"]))
        )
        assert count == 1
        response = await client.get(f"/api/v1/activities/{activity['id']}", headers=staff)
        assert response.json()["invited"] == 1
        assert response.headers["etag"] == '"2"'

    async def test_unknown_enterprise_is_422_naming_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        known = await make_enterprise(session)
        activity = await create(client, staff)
        response = await client.post(
            f"/api/v1/activities/{activity['id']}/invitations",
            headers=staff,
            json={"enterprise_ids": [str(known.id), str(uuid.uuid4())]},
        )
        body = assert_problem(response, 422, "unknown_enterprise")
        assert body["errors"][0]["loc"] == ["body", "enterprise_ids", 1]

    async def test_empty_list_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        activity = await create(client, staff)
        response = await client.post(
            f"/api/v1/activities/{activity['id']}/invitations",
            headers=staff,
            json={"enterprise_ids": []},
        )
        assert_problem(response, 422, "validation_failed")

    async def test_withdraw_unless_attended(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        came, stayed_away = await make_enterprise(session), await make_enterprise(session)
        activity = await create(client, staff, held_on="2026-01-10")
        base = f"/api/v1/activities/{activity['id']}"
        await client.post(
            f"{base}/invitations",
            headers=staff,
            json={"enterprise_ids": [str(came.id), str(stayed_away.id)]},
        )
        await client.put(
            f"{base}/attendance", headers=staff, json={"attended_enterprise_ids": [str(came.id)]}
        )
        response = await client.delete(f"{base}/invitations/{came.id}", headers=staff)
        assert_problem(response, 409, "attendance_recorded")
        response = await client.delete(f"{base}/invitations/{stayed_away.id}", headers=staff)
        assert response.status_code == 204
        response = await client.delete(f"{base}/invitations/{stayed_away.id}", headers=staff)
        assert_problem(response, 404, "invitation_not_found")


class TestAttendance:
    async def test_the_sign_in_sheet_sets_exactly_who_came(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        a, b, c = [await make_enterprise(session) for _ in range(3)]
        activity = await create(client, staff, held_on="2026-02-01")
        base = f"/api/v1/activities/{activity['id']}"
        await client.post(
            f"{base}/invitations",
            headers=staff,
            json={"enterprise_ids": [str(a.id), str(b.id), str(c.id)]},
        )
        response = await client.put(
            f"{base}/attendance",
            headers=staff,
            json={"attended_enterprise_ids": [str(a.id), str(b.id)]},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["invited"], body["attended"], body["rate_percent"]) == (3, 2, "66.67")
        # A corrected sheet: b did not come after all, c did.
        response = await client.put(
            f"{base}/attendance",
            headers={**staff, "If-Match": response.headers["etag"]},
            json={"attended_enterprise_ids": [str(a.id), str(c.id)]},
        )
        assert sorted(response.json()["attended_enterprise_ids"]) == sorted([str(a.id), str(c.id)])
        stored = dict(
            (
                await session.execute(
                    select(ActivityInvitation.enterprise_id, ActivityInvitation.attended).where(
                        ActivityInvitation.activity_id == uuid.UUID(activity["id"])
                    )
                )
            ).all()
        )
        assert stored == {a.id: True, b.id: False, c.id: True}

    async def test_stale_if_match_is_412(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        activity = await create(client, staff, held_on="2026-02-01")
        response = await client.put(
            f"/api/v1/activities/{activity['id']}/attendance",
            headers={**staff, "If-Match": '"7"'},
            json={"attended_enterprise_ids": []},
        )
        assert_problem(response, 412, "stale_etag")

    async def test_not_before_it_is_held(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        tomorrow = clock.today(settings.zone) + timedelta(days=1)
        activity = await create(client, staff, held_on=tomorrow.isoformat())
        response = await client.put(
            f"/api/v1/activities/{activity['id']}/attendance",
            headers=staff,
            json={"attended_enterprise_ids": []},
        )
        assert_problem(response, 422, "activity_not_held")

    async def test_only_invited_enterprises_attend(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        guest, stranger = await make_enterprise(session), await make_enterprise(session)
        activity = await create(client, staff, held_on="2026-02-01")
        base = f"/api/v1/activities/{activity['id']}"
        await client.post(
            f"{base}/invitations", headers=staff, json={"enterprise_ids": [str(guest.id)]}
        )
        response = await client.put(
            f"{base}/attendance",
            headers=staff,
            json={"attended_enterprise_ids": [str(guest.id), str(stranger.id)]},
        )
        body = assert_problem(response, 422, "not_invited")
        assert body["errors"][0]["loc"] == ["body", "attended_enterprise_ids", 1]
        response = await client.get(f"{base}/attendance", headers=staff)
        assert response.json()["attended"] == 0

    async def test_an_activity_with_attendance_cannot_be_deleted(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        guest = await make_enterprise(session)
        activity = await create(client, staff, held_on="2026-02-01")
        base = f"/api/v1/activities/{activity['id']}"
        await client.post(
            f"{base}/invitations", headers=staff, json={"enterprise_ids": [str(guest.id)]}
        )
        await client.put(
            f"{base}/attendance", headers=staff, json={"attended_enterprise_ids": [str(guest.id)]}
        )
        assert_problem(await client.delete(base, headers=staff), 409, "attendance_recorded")
        empty = await create(client, staff)
        response = await client.delete(f"/api/v1/activities/{empty['id']}", headers=staff)
        assert response.status_code == 204
        response = await client.get(f"/api/v1/activities/{empty['id']}", headers=staff)
        assert_problem(response, 404, "activity_not_found")


class TestUpdateActivity:
    async def test_patch_with_if_match(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        activity = await create(client, staff)
        url = f"/api/v1/activities/{activity['id']}"
        response = await client.patch(
            url, headers={**staff, "If-Match": '"1"'}, json={"location": "线上"}
        )
        assert response.status_code == 200
        assert response.json()["location"] == "线上"
        assert response.headers["etag"] == '"2"'
        response = await client.patch(
            url, headers={**staff, "If-Match": '"1"'}, json={"location": "线下"}
        )
        assert_problem(response, 412, "stale_etag")
        # Never cleared, and the document says so (no null): a schema violation.
        for name in ("title", "kind", "held_on", "organiser"):
            response = await client.patch(url, headers=staff, json={name: None})
            assert_problem(response, 422, "validation_failed")
