"""Issue 17 point 5: the SME direct routes are qualifications staff record, with their
particulars, and the SME assessment counts them when they are valid on the application."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.factories import headers_for, make_enterprise, make_report
from tests.problems import assert_problem


async def test_an_award_is_recorded_read_back_and_passes_the_sme_evaluation(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    # Too few S&T staff and no R&D: the score alone fails.
    await make_report(
        session, enterprise, 2024, st_staff=0, rd_expense=0, rd_expense_domestic=0, ip_class1=0
    )
    assess = f"/api/v1/enterprises/{enterprise.id}/assessments/sme"
    before = (await client.get(assess, headers=staff)).json()
    assert before["passed"] is False
    recorded = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/qualifications",
        headers=staff,
        json={"kind": "national_st_award", "issued_on": "2021-01-08", "award_rank": 3},
    )
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    # Five years from the award.
    assert (body["valid_until"], body["award_rank"], body["level"]) == ("2026-01-07", 3, None)
    read = await client.get(recorded.headers["location"], headers=staff)
    assert read.status_code == 200 and read.json()["id"] == body["id"]
    after = (await client.get(assess, headers=staff)).json()
    score = {c["code"]: c for c in after["conditions"]}["score"]
    assert (score["met"], score["actual"]) == (True, "direct:national_st_award")
    # An evaluation after the award's five years does not count it.
    later = await client.get(assess, headers=staff, params={"apply_on": "2026-03-01"})
    assert {c["code"]: c for c in later.json()["conditions"]}["score"]["met"] is False


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"kind": "national_st_award", "issued_on": "2024-01-01"}, id="award no rank"),
        pytest.param(
            {"kind": "led_standard", "issued_on": "2024-01-01", "level": "provincial"},
            id="a standard is not provincial",
        ),
        pytest.param(
            {"kind": "provincial_rd_institution", "issued_on": "2024-01-01", "level": "national"},
            id="an institution needs its end date",
        ),
        pytest.param(
            {"kind": "led_standard", "issued_on": "2024-01-01", "award_rank": 1},
            id="a rank only for an award",
        ),
    ],
)
async def test_particulars_that_do_not_fit_the_kind_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any]
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    answer = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/qualifications", headers=staff, json=body
    )
    assert_problem(answer, 422, "inconsistent_fields")


async def test_only_staff_record_and_not_in_the_future_nor_a_pool_qualification(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    path = f"/api/v1/enterprises/{enterprise.id}/qualifications"
    institution = {
        "kind": "provincial_rd_institution",
        "issued_on": "2023-05-01",
        "valid_until": "2028-04-30",
        "level": "provincial",
    }
    own = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
    assert_problem(await client.post(path, headers=own, json=institution), 403, "role_not_allowed")
    future = {**institution, "issued_on": date(2150, 1, 1).isoformat(), "valid_until": "2155-01-01"}
    assert_problem(await client.post(path, headers=staff, json=future), 422, "issued_in_future")
    hte = {"kind": "hte", "issued_on": "2023-05-01"}
    assert (await client.post(path, headers=staff, json=hte)).status_code == 422
    created = await client.post(path, headers=staff, json=institution)
    assert created.status_code == 201, created.text
    listed = (await client.get(path, headers=staff)).json()["items"]
    assert [(q["kind"], q["level"]) for q in listed] == [
        ("provincial_rd_institution", "provincial")
    ]
