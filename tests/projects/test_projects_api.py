"""Projects over HTTP: lifecycle, milestones and reports, hand-built alerts at chosen dates,
events, overrides, the sweep and the board."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Role
from app.config import Settings
from app.projects import service
from app.projects.models import AlertEvent, Project
from tests.factories import bearer, headers_for, make_enterprise, make_user
from tests.problems import assert_problem


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], enterprise_id: Any, **extra: Any
) -> dict[str, Any]:
    body = {
        "enterprise_id": str(enterprise_id),
        "title": "油田采出水智能防腐处理技术研发",
        "level": "city",
        "programme": "克拉玛依市重大科技专项",
        "status": "in_progress",
        "approved_funding": "3000000.00",
        "disbursed_funding": "1000000.00",
        "start_on": "2026-01-01",
        "end_on": "2026-12-31",
        **extra,
    }
    response = await client.post("/api/v1/projects", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def milestone(
    client: httpx.AsyncClient, headers: dict[str, str], project: dict[str, Any], **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/projects/{project['id']}/milestones", headers=headers, json=body
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def report(
    client: httpx.AsyncClient, headers: dict[str, str], project: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/projects/{project['id']}/progress-reports", headers=headers, json=body
    )


async def alert_on(
    client: httpx.AsyncClient, headers: dict[str, str], project: dict[str, Any], as_of: str
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/projects/{project['id']}/alert", headers=headers, params={"as_of": as_of}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


class TestHandBuiltAlerts:
    """A 2026 project: M1 (weight 1) due 31 March, done 30 March; M2 (weight 1) due 30 June,
    never done; a report of 40 % on 15 March, another of 90 % on 1 May."""

    @pytest.fixture
    async def project(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> tuple[dict[str, str], dict[str, Any]]:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        project = await create(client, headers, enterprise.id)
        await milestone(
            client,
            headers,
            project,
            title="小试完成",
            due_on="2026-03-31",
            completed_on="2026-03-30",
        )
        await milestone(client, headers, project, title="中试完成", due_on="2026-06-30")
        assert (
            await report(client, headers, project, reported_on="2026-03-15", percent="40")
        ).status_code == 201
        assert (
            await report(client, headers, project, reported_on="2026-05-01", percent="90")
        ).status_code == 201
        return headers, project

    async def test_spi_exactly_0_8_is_yellow_not_red(
        self, client: httpx.AsyncClient, project: tuple[dict[str, str], dict[str, Any]]
    ) -> None:
        # 10 April: expected 50 % (M1 due), actual 40 % (the 1 May report is not yet written).
        headers, created = project
        body = await alert_on(client, headers, created, "2026-04-10")
        assert body["color"] == "yellow"
        assert [r["code"] for r in body["reasons"]] == ["spi_below_yellow"]
        assert Decimal(body["expected_percent"]) == 50
        assert Decimal(body["actual_percent"]) == 40
        assert Decimal(body["spi"]) == Decimal("0.8")
        assert body["policy_version"] == 1

    async def test_on_track_in_may(
        self, client: httpx.AsyncClient, project: tuple[dict[str, str], dict[str, Any]]
    ) -> None:
        # 10 May: expected 50 %, actual 90 % (1 May) → SPI 1.8; M2 51 days away; report fresh.
        headers, created = project
        body = await alert_on(client, headers, created, "2026-05-10")
        assert (body["color"], body["reasons"]) == ("green", [])

    async def test_due_within_30_days_while_behind_is_yellow(
        self, client: httpx.AsyncClient, project: tuple[dict[str, str], dict[str, Any]]
    ) -> None:
        # 20 April: M2 due in 71 days → not yet; 31 May: due in 30 days, but SPI 1.8 ≥ 1 → green.
        headers, created = project
        assert (await alert_on(client, headers, created, "2026-05-31"))["color"] == "green"

    async def test_a_milestone_due_today_is_not_overdue(
        self, client: httpx.AsyncClient, project: tuple[dict[str, str], dict[str, Any]]
    ) -> None:
        headers, created = project
        codes = [
            r["code"] for r in (await alert_on(client, headers, created, "2026-06-30"))["reasons"]
        ]
        assert "milestone_overdue" not in codes
        later = await alert_on(client, headers, created, "2026-07-01")
        assert later["color"] == "red"
        assert later["reasons"][0]["code"] == "milestone_overdue"

    async def test_after_the_end_date_it_is_red_with_red_reasons_first(
        self, client: httpx.AsyncClient, project: tuple[dict[str, str], dict[str, Any]]
    ) -> None:
        headers, created = project
        body = await alert_on(client, headers, created, "2027-01-05")
        severities = [r["severity"] for r in body["reasons"]]
        assert body["color"] == "red"
        assert {"milestone_overdue", "past_end_date"} <= {r["code"] for r in body["reasons"]}
        assert severities == sorted(severities, key=lambda s: 0 if s == "red" else 1)

    async def test_unmonitored_status_has_no_colour(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        applying = await create(client, headers, enterprise.id, status="applying")
        assert applying["alert"]["color"] is None
        assert (await alert_on(client, headers, applying, "2026-07-01"))["color"] is None


class TestLifecycle:
    async def test_status_moves_along_and_other_moves_are_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        project = await create(client, headers, enterprise.id, status="applying")
        url = f"/api/v1/projects/{project['id']}"
        assert (
            await client.patch(url, headers=headers, json={"status": "approved"})
        ).status_code == 200
        assert_problem(
            await client.patch(url, headers=headers, json={"status": "accepted"}),
            409,
            "invalid_status_transition",
        )
        assert (
            await client.patch(url, headers=headers, json={"status": "terminated"})
        ).status_code == 200
        assert_problem(
            await client.patch(url, headers=headers, json={"status": "in_progress"}),
            409,
            "invalid_status_transition",
        )

    @pytest.mark.parametrize(
        ("overrides", "code"),
        [
            ({"end_on": "2025-12-31"}, "inconsistent_fields"),
            ({"disbursed_funding": "3000000.01"}, "inconsistent_fields"),
            ({"level": "province"}, "validation_failed"),
        ],
    )
    async def test_inconsistent_projects_are_422(
        self, client: httpx.AsyncClient, session: AsyncSession, overrides: dict[str, Any], code: str
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        before = await session.scalar(select(func.count()).select_from(Project))
        body = {
            "enterprise_id": str(enterprise.id),
            "title": "x",
            "level": "city",
            "approved_funding": "3000000.00",
            "start_on": "2026-01-01",
            "end_on": "2026-12-31",
            **overrides,
        }
        assert_problem(await client.post("/api/v1/projects", headers=headers, json=body), 422, code)
        assert await session.scalar(select(func.count()).select_from(Project)) == before

    async def test_milestones_lie_within_the_project_and_weigh_something(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        project = await create(client, headers, enterprise.id)
        url = f"/api/v1/projects/{project['id']}/milestones"
        assert_problem(
            await client.post(url, headers=headers, json={"title": "x", "due_on": "2027-02-01"}),
            422,
            "milestone_outside_project",
        )
        assert_problem(
            await client.post(
                url, headers=headers, json={"title": "x", "due_on": "2026-02-01", "weight": "0"}
            ),
            422,
            "validation_failed",
        )

    async def test_a_falling_percent_needs_a_note(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        project = await create(client, headers, enterprise.id)
        assert (
            await report(client, headers, project, reported_on="2026-03-01", percent="50")
        ).status_code == 201
        assert_problem(
            await report(client, headers, project, reported_on="2026-04-01", percent="45"),
            422,
            "note_required",
        )
        assert (
            await report(
                client, headers, project, reported_on="2026-04-01", percent="45", note="返工"
            )
        ).status_code == 201
        future = (clock.today(settings.zone) + timedelta(days=2)).isoformat()
        assert_problem(
            await report(client, headers, project, reported_on=future, percent="60"),
            422,
            "report_in_future",
        )

    async def test_enterprise_users_see_and_report_only_their_own(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        own = await make_enterprise(session)
        other = await make_enterprise(session)
        mine = await create(client, staff, own.id)
        theirs = await create(client, staff, other.id)
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        listed = (await client.get("/api/v1/projects", headers=headers)).json()["items"]
        assert [p["id"] for p in listed] == [mine["id"]]
        assert (
            await report(client, headers, mine, reported_on="2026-02-01", percent="10")
        ).status_code == 201
        assert_problem(
            await report(client, headers, theirs, reported_on="2026-02-01", percent="10"),
            404,
            "project_not_found",
        )
        assert (await client.post("/api/v1/projects", headers=headers, json={})).status_code in (
            403,
            422,
        )


class TestStoredAlertAndEvents:
    async def test_writes_refresh_the_colour_and_record_events(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        today = clock.today(settings.zone)
        project = await create(
            client,
            headers,
            enterprise.id,
            start_on=(today - timedelta(days=100)).isoformat(),
            end_on=(today + timedelta(days=200)).isoformat(),
        )
        # A third of the time gone and nothing reported: SPI 0 → red.
        assert project["alert"]["color"] == "red"
        assert project["alert"]["reasons"][0]["code"] == "spi_below_red"
        url = f"/api/v1/projects/{project['id']}"
        await report(client, headers, project, reported_on=today.isoformat(), percent="40")
        assert (await client.get(url, headers=headers)).json()["alert"]["color"] == "green"
        due = await milestone(
            client, headers, project, title="阶段一", due_on=(today - timedelta(days=5)).isoformat()
        )
        assert (await client.get(url, headers=headers)).json()["alert"]["color"] == "red"
        await client.patch(
            f"{url}/milestones/{due['id']}",
            headers=headers,
            json={"completed_on": (today - timedelta(days=6)).isoformat()},
        )
        # The only milestone is due, so 100 % is expected: done, but 40 % reported → still red.
        assert (await client.get(url, headers=headers)).json()["alert"]["color"] == "red"
        await report(client, headers, project, reported_on=today.isoformat(), percent="100")
        assert (await client.get(url, headers=headers)).json()["alert"]["color"] == "green"
        events = (await client.get(f"{url}/alert-events", headers=headers)).json()["items"]
        assert [(e["from_color"], e["to_color"], e["cause"]) for e in events] == [
            (None, "red", "write"),
            ("red", "green", "write"),
            ("green", "red", "write"),
            ("red", "green", "write"),
        ]
        listed = await client.get(
            "/api/v1/projects",
            headers=headers,
            params={"alert": "green", "enterprise_id": str(enterprise.id)},
        )
        assert [p["id"] for p in listed.json()["items"]] == [project["id"]]
        board = (await client.get("/api/v1/alerts/board", headers=headers)).json()
        assert any(
            r["project_id"] == project["id"] and r["from_color"] == "red"
            for r in board["recovered"]
        )

    async def test_the_sweep_writes_only_changes_and_a_second_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        today = clock.today(settings.zone)
        project = await create(
            client,
            headers,
            enterprise.id,
            start_on=(today - timedelta(days=10)).isoformat(),
            end_on=(today + timedelta(days=300)).isoformat(),
        )
        await milestone(
            client,
            headers,
            project,
            title="阶段一",
            due_on=(today + timedelta(days=40)).isoformat(),
        )
        assert (await client.get(f"/api/v1/projects/{project['id']}", headers=headers)).json()[
            "alert"
        ]["color"] == "green"
        # Time passes: 50 days later the milestone is ten days overdue.
        first = await service.sweep(session, settings, None, today + timedelta(days=50))
        second = await service.sweep(session, settings, None, today + timedelta(days=50))
        assert first.changed >= 1
        assert second.changed == 0 and second.updated == 0
        events = list(
            await session.scalars(
                select(AlertEvent).where(
                    AlertEvent.project_id == project["id"], AlertEvent.cause == "sweep"
                )
            )
        )
        assert [(e.from_color, e.to_color) for e in events] == [("green", "red")]

    async def test_sweep_endpoint_is_for_administrators(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        assert (
            await client.post(
                "/api/v1/alerts/sweep", headers=await headers_for(session, Role.MANAGER)
            )
        ).status_code == 403
        response = await client.post(
            "/api/v1/alerts/sweep", headers=await headers_for(session, Role.ADMIN)
        )
        assert response.status_code == 200
        assert response.json()["changed"] == 0


class TestOverride:
    async def test_override_shows_beside_the_computed_colour_and_lapses(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        today = clock.today(settings.zone)
        project = await create(
            client,
            headers,
            enterprise.id,
            start_on=(today - timedelta(days=100)).isoformat(),
            end_on=(today + timedelta(days=200)).isoformat(),
        )
        expires = today + timedelta(days=7)
        response = await client.put(
            f"/api/v1/projects/{project['id']}/alert-override",
            headers=headers,
            json={
                "color": "green",
                "reason": "已约谈企业，计划调整获批",
                "expires_on": expires.isoformat(),
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["alert"] | {"reasons": []} == {
            "color": "green",
            "computed_color": "red",
            "reasons": [],
            "overridden": True,
            "evaluated_on": today.isoformat(),
        }
        # The list filters on the colour shown, the override included.
        shown_green = await client.get(
            "/api/v1/projects",
            headers=headers,
            params={"alert": "green", "enterprise_id": str(enterprise.id)},
        )
        assert [p["id"] for p in shown_green.json()["items"]] == [project["id"]]
        during = await alert_on(client, headers, project, expires.isoformat())
        assert (during["color"], during["effective_color"], during["override"]["active"]) == (
            "red",
            "green",
            True,
        )
        after = await alert_on(client, headers, project, (expires + timedelta(days=1)).isoformat())
        assert after["effective_color"] == after["color"]
        assert after["override"]["active"] is False
        assert_problem(
            await client.put(
                f"/api/v1/projects/{project['id']}/alert-override",
                headers=headers,
                json={
                    "color": "green",
                    "reason": "x",
                    "expires_on": (today - timedelta(days=1)).isoformat(),
                },
            ),
            422,
            "override_expired",
        )
        cleared = await client.delete(
            f"/api/v1/projects/{project['id']}/alert-override", headers=headers
        )
        assert cleared.json()["alert"]["overridden"] is False


class TestPolicy:
    async def test_each_put_makes_a_new_version_used_by_evaluations(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await headers_for(session, Role.ADMIN)
        current = (await client.get("/api/v1/alert-policy", headers=admin)).json()
        assert current["version"] == 1
        body = {
            k: v for k, v in current.items() if k not in {"version", "created_at", "created_by"}
        }
        response = await client.put(
            "/api/v1/alert-policy", headers=admin, json={**body, "report_stale_after_days": 120}
        )
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 2
        assert response.json()["report_stale_after_days"] == 120
        bad = await client.put(
            "/api/v1/alert-policy", headers=admin, json={**body, "spi_red_below": "0.95"}
        )
        assert_problem(bad, 422, "inconsistent_fields")
        manager = await headers_for(session, Role.MANAGER)
        assert (
            await client.put("/api/v1/alert-policy", headers=manager, json=body)
        ).status_code == 403


class TestCalendarBounds:
    async def test_dates_at_the_calendar_ends_are_422_never_a_500(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        project = await create(client, headers, enterprise.id)
        far = await client.get(
            f"/api/v1/projects/{project['id']}/alert",
            headers=headers,
            params={"as_of": "9999-12-31"},
        )
        assert_problem(far, 422, "validation_failed")
        response = await client.post(
            "/api/v1/projects",
            headers=headers,
            json={
                "enterprise_id": str(enterprise.id),
                "title": "x",
                "level": "city",
                "start_on": "9999-12-30",
                "end_on": "9999-12-31",
            },
        )
        assert_problem(response, 422, "validation_failed")


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    return document


async def managed_project(
    client: httpx.AsyncClient, session: AsyncSession
) -> tuple[dict[str, str], dict[str, Any]]:
    headers = await headers_for(session, Role.MANAGER)
    return headers, await create(client, headers, (await make_enterprise(session)).id)


async def patched(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.patch(url, headers=headers, json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def properties(openapi: dict[str, Any], schema: str) -> dict[str, Any]:
    found: dict[str, Any] = openapi["components"]["schemas"][schema]["properties"]
    return found


class TestWhatTheDocumentStates:
    """Issue 13, fuzz findings: every request the document allows is accepted or refused with a
    rule beyond the schema; nothing the document forbids is accepted; no 500."""

    async def test_a_patch_of_one_amount_is_compared_as_an_amount(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers, project = await managed_project(client, session)
        url = f"/api/v1/projects/{project['id']}"
        # Was a 500: the amount reached the record as a string and met a Decimal.
        raised = await client.patch(url, headers=headers, json={"disbursed_funding": "2000000.00"})
        assert raised.status_code == 200, raised.text
        assert raised.json()["disbursed_funding"] == "2000000.00"
        assert_problem(
            await client.patch(url, headers=headers, json={"disbursed_funding": "3000000.01"}),
            422,
            "disbursed_over_approved",
        )
        assert_problem(
            await client.patch(url, headers=headers, json={"end_on": "2025-12-31"}),
            422,
            "end_before_start",
        )
        after = (await client.get(url, headers=headers)).json()
        assert (after["disbursed_funding"], after["end_on"]) == ("2000000.00", "2026-12-31")

    async def test_a_patch_inconsistent_in_itself_is_inconsistent_fields(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers, project = await managed_project(client, session)
        url = f"/api/v1/projects/{project['id']}"
        for body in (
            {"approved_funding": "0", "disbursed_funding": "2000000.00"},
            {"start_on": "2026-06-01", "end_on": "2026-05-31"},
        ):
            assert_problem(
                await client.patch(url, headers=headers, json=body), 422, "inconsistent_fields"
            )

    async def test_only_the_programme_can_be_cleared_and_the_document_says_so(
        self, client: httpx.AsyncClient, session: AsyncSession, openapi: dict[str, Any]
    ) -> None:
        headers, project = await managed_project(client, session)
        url = f"/api/v1/projects/{project['id']}"
        fields = properties(openapi, "ProjectUpdate")
        for name in ("title", "level", "status", "start_on", "end_on", "approved_funding"):
            assert "null" not in str(fields[name]), name
            assert_problem(
                await client.patch(url, headers=headers, json={name: None}),
                422,
                "validation_failed",
            )
        assert (await patched(client, headers, url, {"programme": None}))["programme"] is None

    async def test_milestone_weights_are_decimal_strings(
        self, client: httpx.AsyncClient, session: AsyncSession, openapi: dict[str, Any]
    ) -> None:
        headers, project = await managed_project(client, session)
        url = f"/api/v1/projects/{project['id']}/milestones"
        weight = properties(openapi, "MilestoneCreate")["weight"]
        assert weight["type"] == "string"
        for refused in (5e-324, 2, "0", "0.001", "1e2", "", "12345678"):
            if isinstance(refused, str):
                assert not re.fullmatch(weight["pattern"], refused), refused
            body = {"title": "中试", "due_on": "2026-09-30", "weight": refused}
            assert_problem(
                await client.post(url, headers=headers, json=body), 422, "validation_failed"
            )
        made = await milestone(
            client, headers, project, title="中试", due_on="2026-09-30", weight="0.01"
        )
        assert made["weight"] == "0.01"
        one = f"{url}/{made['id']}"
        assert_problem(
            await client.patch(one, headers=headers, json={"weight": None}),
            422,
            "validation_failed",
        )
        await patched(client, headers, one, {"completed_on": "2026-09-01"})
        assert (await patched(client, headers, one, {"completed_on": None}))["completed_on"] is None

    async def test_a_percent_is_a_decimal_string_from_0_to_100(
        self, client: httpx.AsyncClient, session: AsyncSession, openapi: dict[str, Any]
    ) -> None:
        headers, project = await managed_project(client, session)
        pattern = properties(openapi, "ProgressReportCreate")["percent"]["pattern"]
        for refused in ("", "100.01", "1e1", "-0", "05"):
            assert not re.fullmatch(pattern, refused), refused
            assert_problem(
                await report(client, headers, project, reported_on="2026-03-01", percent=refused),
                422,
                "validation_failed",
            )
        for accepted in ("0", "100.00", "35.5"):
            assert re.fullmatch(pattern, accepted)
            response = await report(
                client, headers, project, reported_on="2026-03-01", percent=accepted, note="x"
            )
            assert response.status_code == 201, response.text

    async def test_the_alert_policy_takes_integers_and_decimal_strings_only(
        self, client: httpx.AsyncClient, session: AsyncSession, openapi: dict[str, Any]
    ) -> None:
        admin = await headers_for(session, Role.ADMIN)
        current = (await client.get("/api/v1/alert-policy", headers=admin)).json()
        body = {
            k: v for k, v in current.items() if k not in {"version", "created_at", "created_by"}
        }
        fields = properties(openapi, "AlertPolicyWrite")
        assert (fields["overdue_after_days"]["minimum"], fields["end_near_days"]["maximum"]) == (
            1,
            3650,
        )
        for name, value in (
            ("end_near_days", False),
            ("overdue_after_days", True),
            ("overdue_after_days", 0),
            ("due_soon_days", 30.5),
            ("due_soon_spi_below", ""),
            ("spi_red_below", "0"),
            ("spi_red_below", 0.5),
            ("end_near_actual_below", "100.5"),
        ):
            if isinstance(value, str):
                assert not re.fullmatch(fields[name]["pattern"], value), (name, value)
            assert_problem(
                await client.put("/api/v1/alert-policy", headers=admin, json={**body, name: value}),
                422,
                "validation_failed",
            )
        assert (await client.get("/api/v1/alert-policy", headers=admin)).json()["version"] == 1
        tighter = {**body, "due_soon_spi_below": "0.0001", "report_stale_after_days": 120.0}
        response = await client.put("/api/v1/alert-policy", headers=admin, json=tighter)
        assert response.status_code == 200, response.text
        assert response.json()["report_stale_after_days"] == 120
