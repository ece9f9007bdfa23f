"""Shared steps of the applications' tests: a campaign, a responsible specialist, an
application, each through the API (factories below it flush, never commit)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.enterprises.models import Enterprise
from tests.factories import bearer, headers_for, make_enterprise, make_user

ZONE = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return clock.today(ZONE)


def campaign_body(kind: str = "hte_recognition", **overrides: Any) -> dict[str, Any]:
    # Far enough ahead that nothing is overdue unless a test says so.
    opens = today() + timedelta(days=30)
    body: dict[str, Any] = {
        "kind": kind,
        "title": f"{kind} 第一批",
        "year": today().year,
        "batch": "第一批",
        "opens_on": opens.isoformat(),
        "internal_deadline_on": (opens + timedelta(days=40)).isoformat(),
        "submission_deadline_on": (opens + timedelta(days=50)).isoformat(),
    }
    if kind == "project":
        body |= {"project_level": "regional", "programme": "自治区重点研发计划"}
    return body | overrides


async def create_campaign(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    kind: str = "hte_recognition",
    **overrides: Any,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/campaigns", headers=staff, json=campaign_body(kind, **overrides)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def responsible_specialist(
    client: httpx.AsyncClient,
    session: AsyncSession,
    staff: dict[str, str],
    enterprise: Enterprise,
) -> tuple[User, dict[str, Any]]:
    """A specialist user made responsible for the enterprise, and their profile."""
    user = await make_user(session, Role.SPECIALIST)
    profile = await client.post(
        "/api/v1/specialists",
        headers=staff,
        json={"user_id": str(user.id), "name": "李专员"},
    )
    assert profile.status_code == 201, profile.text
    assigned = await client.put(
        f"/api/v1/enterprises/{enterprise.id}/specialist",
        headers=staff,
        json={"specialist_id": profile.json()["id"]},
    )
    assert assigned.status_code in (200, 201), assigned.text
    return user, profile.json()


async def open_with_etag(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    campaign: dict[str, Any],
    enterprise: Enterprise,
    **extra: Any,
) -> tuple[dict[str, Any], str]:
    """An application opened through the API, and its ETag."""
    response = await client.post(
        "/api/v1/applications",
        headers=headers,
        json={"campaign_id": campaign["id"], "enterprise_id": str(enterprise.id), **extra},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body, response.headers["etag"]


async def open_application(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    campaign: dict[str, Any],
    enterprise: Enterprise,
    **extra: Any,
) -> dict[str, Any]:
    return (await open_with_etag(client, headers, campaign, enterprise, **extra))[0]


async def move(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    application: dict[str, Any],
    to: str,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/applications/{application['id']}/transitions",
        headers=headers,
        json={"to": to, **extra},
    )


# The moves that take an application from preparing to each state, staff making them.
PATH_TO: dict[str, list[dict[str, Any]]] = {
    "preparing": [],
    "submitted": [{"to": "submitted"}],
    "under_review": [{"to": "submitted"}, {"to": "under_review"}],
    "publicized": [{"to": "submitted"}, {"to": "under_review"}, {"to": "publicized"}],
    "rejected": [{"to": "submitted"}, {"to": "under_review"}, {"to": "rejected", "reasons": ["x"]}],
    "withdrawn": [{"to": "withdrawn", "reason": "企业放弃"}],
}


async def bring_to(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    application: dict[str, Any],
    status: str,
) -> dict[str, Any]:
    body = application
    for step in PATH_TO[status]:
        response = await move(client, staff, application, **step)
        assert response.status_code == 201, response.text
        body = response.json()
    assert body["status"] == status
    return body


def user_headers(user: User) -> dict[str, str]:
    return bearer(user)


async def role_headers(session: AsyncSession, role: Role) -> dict[str, str]:
    """Headers of a principal of the role (an enterprise user of an enterprise of its own)."""
    if role is Role.ENTERPRISE:
        enterprise = await make_enterprise(session)
        return await headers_for(session, role, enterprise_id=enterprise.id)
    return await headers_for(session, role)
