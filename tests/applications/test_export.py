"""Campaigns and applications are copied out by the exports, under read:applications."""

from __future__ import annotations

import json

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.exports.registry import APPLICATIONS, CAMPAIGNS
from tests.applications.helpers import bring_to, create_campaign, open_application
from tests.exports.test_accompaniment_exports import key
from tests.factories import headers_for, make_enterprise
from tests.problems import assert_problem


async def test_applications_and_campaigns_export_with_their_columns(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    campaign = await create_campaign(client, staff, "little_giant")
    application = await open_application(client, staff, campaign, enterprise)
    await bring_to(client, staff, application, "rejected")
    reader = await key(session, "read:applications")
    response = await client.get("/api/v1/exports/applications", headers=reader)
    assert response.status_code == 200, response.text
    rows = {r["id"]: r for r in map(json.loads, response.text.splitlines())}
    row = rows[application["id"]]
    assert list(row) == [c.name for c in APPLICATIONS.columns]
    assert (row["status"], row["kind"], row["uscc"]) == (
        "rejected",
        "little_giant",
        enterprise.uscc,
    )
    assert row["rejection_reasons"] == ["x"]
    csv = await client.get("/api/v1/exports/applications?format=csv", headers=reader)
    assert csv.status_code == 200, csv.text
    campaigns = await client.get("/api/v1/exports/campaigns", headers=reader)
    found = {r["id"]: r for r in map(json.loads, campaigns.text.splitlines())}
    assert list(found[campaign["id"]]) == [c.name for c in CAMPAIGNS.columns]
    refused = await client.get(
        "/api/v1/exports/applications", headers=await key(session, "read:pools")
    )
    assert_problem(refused, 403, "scope_missing")
