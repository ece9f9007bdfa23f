"""The accompaniment's whole path against a live server on a real PostgreSQL, every step a
committed HTTP request (issue 18): an enterprise
with a gap gets a plan, its tasks are worked, the refiled reports close the gap and the
re-assessment passes; an application is coached through every state to approval, and the
qualification, ledger entry and certified pool exit appear once each; withdrawing the
approval removes them, and the statistics count each step."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx

from tests.applications.helpers import campaign_body, today
from tests.enterprises.test_annual_reports import report
from tests.enterprises.test_enterprises import body as enterprise_body

Headers = dict[str, str]
M = Decimal(1_000_000)
# (year, revenue, net assets) in millions: 40 % growth a year (tests/pools'
# applying_enterprise, hand-computed to 76-100 points with every condition met at 5 % R&D).
YEARS = (
    (2023, Decimal(30), Decimal(10)),
    (2024, Decimal(42), Decimal(14)),
    (2025, Decimal("58.8"), Decimal("19.6")),
)


def filed(revenue: Decimal, net_assets: Decimal, rd_share: Decimal, year: int) -> dict[str, Any]:
    rd = f"{rd_share * revenue * M:.2f}"
    return report(
        revenue=f"{revenue * M:.2f}",
        high_tech_revenue=f"{Decimal('0.75') * revenue * M:.2f}",
        total_cost=f"{Decimal('0.8') * revenue * M:.2f}",
        net_assets=f"{net_assets * M:.2f}",
        total_assets=f"{90 * M:.2f}",
        employees=120,
        st_staff=30,
        rd_expense=rd,
        rd_expense_domestic=rd,
        ip_class1=3,
        ip_class2=6,
        achievements_transformed=5,
        tech_advancement="A",
        core_support="A",
        standards_drafted=1,
        rd_org={
            "rd_accounting": True,
            "rd_institution": True,
            "transformation_incentives": True,
            "talent_programs": True,
        },
        filed_on=f"{year + 1}-04-20",
    )


async def file_reports(
    client: httpx.AsyncClient, headers: Headers, enterprise: str, rd_share: Decimal
) -> None:
    for year, revenue, net_assets in YEARS:
        response = await client.put(
            f"/api/v1/enterprises/{enterprise}/annual-reports/{year}",
            headers=headers,
            json=filed(revenue, net_assets, rd_share, year),
        )
        assert response.status_code in (200, 201), response.text


async def get(client: httpx.AsyncClient, headers: Headers, url: str) -> Any:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def the_record(
    client: httpx.AsyncClient, staff: Headers, enterprise: str
) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]], list[str]]:
    """The qualifications, the ledger and the hte pool memberships, as the API shows them."""
    qualifications = await get(client, staff, f"/api/v1/enterprises/{enterprise}/qualifications")
    ledger = await get(client, staff, f"/api/v1/achievements?enterprise_id={enterprise}")
    members = await get(client, staff, f"/api/v1/pools/hte/members?enterprise_id={enterprise}")
    return (
        [(q["kind"], q["reference"]) for q in qualifications["items"]],
        [(a["kind"], a["reference"]) for a in ledger["items"]],
        [m["status"] for m in members["items"]],
    )


async def statistics(client: httpx.AsyncClient, staff: Headers) -> Any:
    return await get(
        client, staff, f"/api/v1/statistics/applications?year={today().year}&kind=hte_recognition"
    )


def gained(before: Any, after: Any) -> dict[str, Any]:
    """What the year's figures gained between two readings."""

    def tier(figures: Any) -> tuple[int, int]:
        rows = [r for r in figures["by_tier"] if r["key"] == "cultivating"]
        return (rows[0]["approved"], rows[0]["decided"]) if rows else (0, 0)

    calibration = "predicted_pass_approved"
    return {
        calibration: after["calibration"][calibration] - before["calibration"][calibration],
        **{k: after["coaching"][k] - before["coaching"][k] for k in ("sessions", "minutes")},
        "approvals": after["coaching"]["approvals"] - before["coaching"]["approvals"],
        "cultivating": tuple(a - b for a, b in zip(tier(after), tier(before), strict=True)),
    }


async def user(
    client: httpx.AsyncClient, admin: Headers, role: str, **extra: str
) -> tuple[str, Headers]:
    """A user created by the administrator, and the bearer token it logs in for."""
    email, password = f"{role}-{uuid.uuid4().hex[:8]}@example.com", "path-test-password"
    created = await client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": email, "password": password, "role": role, **extra},
    )
    assert created.status_code == 201, created.text
    token = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert token.status_code == 200, token.text
    return created.json()["id"], {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_from_a_gap_to_a_recognition_and_back(live_api: tuple[str, Headers]) -> None:
    base_url, admin = live_api
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        await walk(client, admin)


async def walk(client: httpx.AsyncClient, admin: Headers) -> None:
    _, staff = await user(client, admin, "manager")
    registered = await client.post(
        "/api/v1/enterprises",
        headers=staff,
        json=enterprise_body(established_on="2012-06-01", tech_field="electronic_information"),
    )
    assert registered.status_code == 201, registered.text
    enterprise = registered.json()["id"]
    _, owner = await user(client, admin, "enterprise", enterprise_id=enterprise)
    coach_id, coach = await user(client, admin, "specialist")
    profile = await client.post(
        "/api/v1/specialists", headers=staff, json={"user_id": coach_id, "name": "李专员"}
    )
    assert profile.status_code == 201, profile.text
    specialist = profile.json()
    assigned = await client.put(
        f"/api/v1/enterprises/{enterprise}/specialist",
        headers=staff,
        json={"specialist_id": specialist["id"]},
    )
    assert assigned.status_code in (200, 201), assigned.text
    # R&D at 1 % of revenue, where the band asks 4-5 %: the one gap.
    await file_reports(client, owner, enterprise, Decimal("0.01"))
    entered = await client.post(
        "/api/v1/pools/hte/members",
        headers=staff,
        json={"enterprise_id": enterprise, "tier": "cultivating", "reason": "第一批"},
    )
    assert entered.status_code == 201, entered.text
    before = await get(client, coach, f"/api/v1/enterprises/{enterprise}/assessments/hte?year=2025")
    assert before["passed"] is False
    assert [g["code"] for g in before["gaps"]] == ["rd_ratio"]

    # The plan: one task for the gap, with its values; the specialist works it.
    created = await client.post(
        f"/api/v1/enterprises/{enterprise}/plans",
        headers=coach,
        json={"goal_kind": "hte", "target_year": 2026, "assessed_year": 2025},
    )
    assert created.status_code == 201, created.text
    plan = created.json()
    (task,) = [t for t in plan["tasks"] if t["source"] == "gap"]
    assert (task["gap_code"], task["gap_closed"]) == ("rd_ratio", False)
    assert task["gap_current"] is not None and task["gap_target"] is not None
    for status in ("in_progress", "done"):
        moved = await client.patch(
            f"/api/v1/plans/{plan['id']}/tasks/{task['id']}", headers=coach, json={"status": status}
        )
        assert moved.status_code == 200, moved.text
    comment = await client.post(
        f"/api/v1/plans/{plan['id']}/tasks/{task['id']}/comments",
        headers=owner,
        json={"body": "研发费用已按项目归集，三年报表已重新报送。"},
    )
    assert comment.status_code == 201, comment.text

    # The enterprise refiles at 5 % R&D: the gap closes and the assessment passes.
    await file_reports(client, owner, enterprise, Decimal("0.05"))
    plan = await get(client, owner, f"/api/v1/plans/{plan['id']}")
    assert plan["reassessment"]["closed_gaps"] == ["rd_ratio"]
    assert plan["reassessment"]["open_gaps"] == []
    assert plan["progress"]["percent_done"] is not None
    after = await get(client, coach, f"/api/v1/enterprises/{enterprise}/assessments/hte?year=2025")
    assert after["passed"] is True

    # The campaign, and the application coached through every state.
    launched = await client.post(
        "/api/v1/campaigns",
        headers=staff,
        json=campaign_body("hte_recognition", year=today().year, title=f"路径测试 {enterprise}"),
    )
    assert launched.status_code == 201, launched.text
    campaign = launched.json()
    baseline = await statistics(client, staff)
    opened = await client.post(
        "/api/v1/applications",
        headers=coach,
        json={"campaign_id": campaign["id"], "enterprise_id": enterprise},
    )
    assert opened.status_code == 201, opened.text
    application = opened.json()
    assert application["specialist_id"] == specialist["id"]
    checklist = await get(client, owner, f"/api/v1/applications/{application['id']}/checklist")
    assert len(checklist["items"]) >= 5
    etag = opened.headers["etag"]
    for item in checklist["items"]:
        for who, status in ((owner, "provided"), (coach, "checked")):
            ticked = await client.patch(
                f"/api/v1/applications/{application['id']}/checklist/{item['code']}",
                headers={**who, "If-Match": etag},
                json={"status": status},
            )
            assert ticked.status_code == 200, ticked.text
            etag = ticked.headers["etag"]
    coached = await client.post(
        f"/api/v1/applications/{application['id']}/coaching",
        headers=coach,
        json={
            "specialist_id": specialist["id"],
            "held_at": f"{today().isoformat()}T10:00:00+08:00",
            "channel": "on_site",
            "minutes": 90,
            "topics": ["研发费用专项审计", "知识产权佐证材料"],
            "next_step": "提交申报材料",
        },
    )
    assert coached.status_code == 201, coached.text
    steps: list[tuple[Headers, dict[str, Any]]] = [
        (coach, {"to": "submitted"}),
        (staff, {"to": "under_review"}),
        (staff, {"to": "publicized"}),
        (
            staff,
            {
                "to": "approved",
                "certificate_no": "GR202665000901",
                "decided_on": today().isoformat(),
            },
        ),
    ]
    for who, step in steps:
        response = await client.post(
            f"/api/v1/applications/{application['id']}/transitions", headers=who, json=step
        )
        assert response.status_code == 201, response.text
        application = response.json()
        if step["to"] == "submitted":
            # The prediction, kept as it stood at submission.
            assert application["assessment"]["passed"] is True
            assert application["tier_at_submission"] == "cultivating"
    assert application["status"] == "approved"
    history = await get(client, staff, f"/api/v1/applications/{application['id']}/transitions")
    assert [(t["from_status"], t["to_status"]) for t in history["items"]] == [
        (None, "preparing"),
        ("preparing", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "publicized"),
        ("publicized", "approved"),
    ]

    # Once each: the qualification, its ledger entry, the certified exit.
    certificate = ("hte", "GR202665000901")
    assert await the_record(client, staff, enterprise) == (
        [certificate],
        [("hte_certified", "GR202665000901")],
        ["certified"],
    )
    # The statistics counted each step (against what the year showed before it began: the
    # live server's database is shared).
    figures = await statistics(client, staff)
    (funnel,) = [c for c in figures["campaigns"] if c["campaign_id"] == campaign["id"]]
    assert funnel["eligible"] >= 1
    assert (funnel["preparing"], funnel["submitted"], funnel["approved"]) == (1, 1, 1)
    assert gained(baseline, figures) == {
        "predicted_pass_approved": 1,
        "sessions": 1,
        "minutes": 90,
        "approvals": 1,
        "cultivating": (1, 1),
    }

    # Withdrawing the approval takes all three back; the membership is active again.
    withdrawn = await client.post(
        f"/api/v1/applications/{application['id']}/transitions",
        headers=staff,
        json={"to": "publicized", "reason": "公示期异议成立"},
    )
    assert withdrawn.status_code == 201, withdrawn.text
    assert withdrawn.json()["status"] == "publicized"
    assert await the_record(client, staff, enterprise) == ([], [], ["active"])
    figures = await statistics(client, staff)
    (funnel,) = [c for c in figures["campaigns"] if c["campaign_id"] == campaign["id"]]
    assert funnel["approved"] == 0
    assert gained(baseline, figures)["approvals"] == 0
