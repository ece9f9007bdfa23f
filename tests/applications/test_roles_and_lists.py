"""Who may do what with applications (every boundary), and the list's filters and pages.

Staff run campaigns and decide; the enterprise's responsible specialist opens, submits and
withdraws its applications; the enterprise user sees its own only (another's is 404), and
submits and withdraws its own; integrations read under read:applications."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.applications.helpers import (
    bring_to,
    create_campaign,
    move,
    open_application,
    responsible_specialist,
)
from tests.factories import bearer, headers_for, make_api_key, make_enterprise, make_user
from tests.problems import assert_problem


def key(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class TestOpening:
    async def test_staff_and_the_responsible_specialist_open_others_do_not(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        specialist, _ = await responsible_specialist(client, session, staff, enterprise)
        campaign = await create_campaign(client, staff)
        body = {"campaign_id": campaign["id"], "enterprise_id": str(enterprise.id)}
        stranger = bearer(await make_user(session, Role.SPECIALIST))
        refused = await client.post("/api/v1/applications", headers=stranger, json=body)
        assert_problem(refused, 403, "not_responsible")
        owner = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        by_owner = await client.post("/api/v1/applications", headers=owner, json=body)
        assert_problem(by_owner, 403, "role_not_allowed")
        _, secret = await make_api_key(session)
        by_key = await client.post("/api/v1/applications", headers=key(secret), json=body)
        assert_problem(by_key, 403, "read_only_credential")
        ok = await client.post("/api/v1/applications", headers=bearer(specialist), json=body)
        assert ok.status_code == 201, ok.text
        admin = await headers_for(session, Role.ADMIN)
        other = await create_campaign(client, staff)
        assert (
            await client.post(
                "/api/v1/applications", headers=admin, json=body | {"campaign_id": other["id"]}
            )
        ).status_code == 201


class TestMoves:
    @pytest.mark.parametrize("to", ["submitted", "withdrawn"])
    async def test_the_enterprise_and_its_specialist_submit_and_withdraw(
        self, client: httpx.AsyncClient, session: AsyncSession, to: str
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        specialist, _ = await responsible_specialist(client, session, staff, enterprise)
        owner = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        for actor in (owner, bearer(specialist)):
            campaign = await create_campaign(client, staff)
            application = await open_application(client, staff, campaign, enterprise)
            response = await move(client, actor, application, to)
            assert response.status_code == 201, response.text
            assert response.json()["status"] == to

    @pytest.mark.parametrize(
        ("start", "to"),
        [
            ("submitted", "under_review"),
            ("under_review", "publicized"),
            ("under_review", "rejected"),
            ("publicized", "approved"),
        ],
    )
    async def test_only_staff_review_and_decide(
        self, client: httpx.AsyncClient, session: AsyncSession, start: str, to: str
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        specialist, _ = await responsible_specialist(client, session, staff, enterprise)
        owner = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        campaign = await create_campaign(client, staff, "little_giant")
        application = await bring_to(
            client, staff, await open_application(client, staff, campaign, enterprise), start
        )
        extra: dict[str, Any] = {"reasons": ["x"]} if to == "rejected" else {}
        for actor in (owner, bearer(specialist)):
            response = await move(client, actor, application, to, **extra)
            assert_problem(response, 403, "role_not_allowed")
        again = await client.get(f"/api/v1/applications/{application['id']}", headers=staff)
        assert again.json()["status"] == start

    async def test_strangers_cannot_move_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        await responsible_specialist(client, session, staff, enterprise)
        campaign = await create_campaign(client, staff)
        application = await open_application(client, staff, campaign, enterprise)
        stranger = bearer(await make_user(session, Role.SPECIALIST))
        assert_problem(
            await move(client, stranger, application, "submitted"), 403, "not_responsible"
        )
        other_owner = await headers_for(
            session, Role.ENTERPRISE, enterprise_id=(await make_enterprise(session)).id
        )
        assert_problem(
            await move(client, other_owner, application, "submitted"),
            404,
            "application_not_found",
        )


class TestReading:
    async def test_an_enterprise_user_sees_only_its_own(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        mine, theirs = await make_enterprise(session), await make_enterprise(session)
        campaign = await create_campaign(client, staff)
        own = await open_application(client, staff, campaign, mine)
        other = await open_application(client, staff, campaign, theirs)
        owner = await headers_for(session, Role.ENTERPRISE, enterprise_id=mine.id)
        listed = await client.get(f"/api/v1/applications?enterprise_id={theirs.id}", headers=owner)
        assert [a["id"] for a in listed.json()["items"]] == [own["id"]]
        base = f"/api/v1/applications/{other['id']}"
        for path in ("", "/transitions", "/checklist", "/coaching"):
            assert_problem(
                await client.get(base + path, headers=owner), 404, "application_not_found"
            )
        for path in ("", "/transitions", "/checklist", "/coaching"):
            response = await client.get(f"/api/v1/applications/{own['id']}{path}", headers=owner)
            assert response.status_code == 200, (path, response.text)

    async def test_integrations_read_under_read_applications(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        campaign = await create_campaign(client, staff)
        application = await open_application(
            client, staff, campaign, await make_enterprise(session)
        )
        _, reader = await make_api_key(session, scopes=["read:applications"])
        _, other = await make_api_key(session, scopes=["read:enterprises", "read:visits"])
        for path in (
            "/api/v1/applications",
            f"/api/v1/applications/{application['id']}",
            f"/api/v1/applications/{application['id']}/transitions",
            f"/api/v1/applications/{application['id']}/checklist",
            f"/api/v1/applications/{application['id']}/coaching",
        ):
            assert (await client.get(path, headers=key(reader))).status_code == 200, path
            assert_problem(await client.get(path, headers=key(other)), 403, "scope_missing")

    async def test_an_unknown_application_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        response = await client.get(
            "/api/v1/applications/00000000-0000-4000-8000-000000000000", headers=staff
        )
        assert_problem(response, 404, "application_not_found")


class TestListFilters:
    async def test_each_filter_narrows_and_pages_follow_the_cursor(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        first, second = await make_enterprise(session), await make_enterprise(session)
        _, profile = await responsible_specialist(client, session, staff, first)
        hte = await create_campaign(client, staff, year=2031)
        sme = await create_campaign(client, staff, "sme_evaluation", year=2032)
        a = await open_application(client, staff, hte, first)
        b = await open_application(client, staff, hte, second)
        c = await open_application(client, staff, sme, first)
        c = await bring_to(client, staff, c, "submitted")
        mine = {a["id"], b["id"], c["id"]}

        async def ids(query: str) -> set[str]:
            response = await client.get(f"/api/v1/applications?{query}&limit=200", headers=staff)
            assert response.status_code == 200, response.text
            return {x["id"] for x in response.json()["items"]} & mine

        assert await ids(f"campaign_id={hte['id']}") == {a["id"], b["id"]}
        assert await ids(f"enterprise_id={first.id}") == {a["id"], c["id"]}
        assert await ids("status=submitted") == {c["id"]}
        assert await ids("kind=sme_evaluation") == {c["id"]}
        assert await ids("year=2031") == {a["id"], b["id"]}
        assert await ids(f"specialist_id={profile['id']}") == {a["id"], c["id"]}
        assert await ids(f"enterprise_id={first.id}&kind=hte_recognition") == {a["id"]}

        seen: list[str] = []
        url = f"/api/v1/applications?campaign_id={hte['id']}&limit=1"
        while url:
            page = (await client.get(url, headers=staff)).json()
            assert len(page["items"]) == 1
            seen += [x["id"] for x in page["items"]]
            cursor = page["next_cursor"]
            url = (
                f"/api/v1/applications?campaign_id={hte['id']}&limit=1&cursor={cursor}"
                if cursor
                else ""
            )
        # Latest first.
        assert seen == [b["id"], a["id"]]
        counted = await client.get(
            f"/api/v1/applications?campaign_id={hte['id']}&include_total=true", headers=staff
        )
        assert counted.json()["total"] == 2

    async def test_unknown_filters_and_bad_values_are_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        assert (
            await client.get("/api/v1/applications?colour=red", headers=staff)
        ).status_code == 422
        assert (
            await client.get("/api/v1/applications?status=won", headers=staff)
        ).status_code == 422
