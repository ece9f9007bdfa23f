"""Issue 17 point 9: a project's approval (立项) has its date and reaches the outcomes ledger
with the change, whichever way the project got there; the ledger holds no other approvals."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.factories import headers_for, make_enterprise
from tests.problems import assert_problem


def project(enterprise_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "enterprise_id": enterprise_id,
        "title": "稠油开采降粘关键技术研究与示范",
        "level": "city",
        "start_on": "2025-03-01",
        "end_on": "2026-12-31",
        "approved_funding": "800000.00",
        **changes,
    }


async def ledger_of(client: httpx.AsyncClient, headers: dict[str, str], enterprise_id: str) -> Any:
    answer = await client.get(
        "/api/v1/achievements",
        headers=headers,
        params={"enterprise_id": enterprise_id, "kind": "project_approved"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_approval_out_of_applying_and_a_project_recorded_approved_reach_the_ledger(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    enterprise = str((await make_enterprise(session)).id)
    applying = await client.post("/api/v1/projects", headers=staff, json=project(enterprise))
    assert applying.status_code == 201, applying.text
    assert applying.json()["approved_on"] is None
    assert await ledger_of(client, staff, enterprise) == []
    approved = await client.patch(
        f"/api/v1/projects/{applying.json()['id']}",
        headers={**staff, "If-Match": applying.headers["etag"]},
        json={"status": "approved", "approved_on": "2025-02-20"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_on"] == "2025-02-20"
    recorded = await client.post(
        "/api/v1/projects",
        headers=staff,
        json=project(enterprise, level="national", status="in_progress", approved_on="2024-11-05"),
    )
    assert recorded.status_code == 201, recorded.text
    entries = {e["reference"]: e for e in await ledger_of(client, staff, enterprise)}
    assert {ref: (e["achieved_on"], e["level"], e["amount"]) for ref, e in entries.items()} == {
        applying.json()["id"]: ("2025-02-20", "city", "800000.00"),
        recorded.json()["id"]: ("2024-11-05", "national", "800000.00"),
    }


async def test_approval_dates_are_checked(client: httpx.AsyncClient, session: AsyncSession) -> None:
    staff = await headers_for(session, Role.MANAGER)
    enterprise = str((await make_enterprise(session)).id)
    assert_problem(
        await client.post(
            "/api/v1/projects", headers=staff, json=project(enterprise, approved_on="2025-01-01")
        ),
        422,
        "inconsistent_fields",
    )
    assert_problem(
        await client.post(
            "/api/v1/projects",
            headers=staff,
            json=project(enterprise, status="approved", approved_on="2150-01-01"),
        ),
        422,
        "approved_in_future",
    )
    applying = await client.post("/api/v1/projects", headers=staff, json=project(enterprise))
    terminated = await client.patch(
        f"/api/v1/projects/{applying.json()['id']}",
        headers={**staff, "If-Match": applying.headers["etag"]},
        json={"status": "terminated", "approved_on": "2025-01-01"},
    )
    assert_problem(terminated, 422, "not_approved")
    assert await ledger_of(client, staff, enterprise) == []
