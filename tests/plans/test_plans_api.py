"""Plans (一企一策) over HTTP: proposed from the assessment's gaps and the ranking's short board,
worked through as tasks, measured, re-assessed, and who may do what."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Role
from app.config import Settings
from app.enterprises.models import Enterprise
from app.exports.registry import PLAN_TASKS, PLANS
from app.plans.models import Plan, PlanTask, PlanTaskComment
from app.rankings.enums import Indicator
from app.rankings.models import RankingEntry, RankingRun
from app.visits.models import Specialist, SpecialistAssignment
from tests.enterprises.test_annual_reports import report
from tests.factories import bearer, make_api_key, make_enterprise, make_report, make_user
from tests.problems import assert_problem

Headers = dict[str, str]
LOW_RD = {"rd_expense": Decimal("462000.00"), "rd_expense_domestic": Decimal("462000.00")}


@dataclass
class Zone:
    enterprise: Enterprise
    other: Enterprise
    staff: Headers
    responsible: Headers
    specialist_id: uuid.UUID
    stranger: Headers  # a specialist with another enterprise in their care
    owner: Headers  # the enterprise's own user
    outsider: Headers  # another enterprise's user


async def gapped_enterprise(session: AsyncSession) -> Enterprise:
    """Reports for 2023-2025 with R&D at 1.2 % of revenue where the band asks 5 %."""
    enterprise = await make_enterprise(session, established_on=date(2015, 3, 1))
    for year in (2023, 2024, 2025):
        await make_report(session, enterprise, year, **LOW_RD)
    return enterprise


async def specialist_for(
    session: AsyncSession, enterprise: Enterprise
) -> tuple[Headers, uuid.UUID]:
    user = await make_user(session, Role.SPECIALIST)
    profile = Specialist(user_id=user.id, name=f"专员{uuid.uuid4().hex[:4]}")
    session.add(profile)
    await session.flush()
    session.add(
        SpecialistAssignment(
            enterprise_id=enterprise.id,
            specialist_id=profile.id,
            assigned_on=date(2025, 1, 1),
            created_at=clock.now(),
        )
    )
    await session.flush()
    return bearer(user), profile.id


async def zone(session: AsyncSession) -> Zone:
    enterprise = await gapped_enterprise(session)
    other = await make_enterprise(session)
    responsible, specialist_id = await specialist_for(session, enterprise)
    stranger, _ = await specialist_for(session, other)
    return Zone(
        enterprise=enterprise,
        other=other,
        staff=bearer(await make_user(session, Role.MANAGER)),
        responsible=responsible,
        specialist_id=specialist_id,
        stranger=stranger,
        owner=bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=enterprise.id)),
        outsider=bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=other.id)),
    )


async def publish_ranking(session: AsyncSession, enterprise: Enterprise, year: int) -> RankingRun:
    """A published hte run in which the enterprise's short board is participation/visits."""
    now = clock.now()
    run = RankingRun(
        pool="hte",
        year=year,
        status="published",
        weights={},
        top_share=Decimal("0.1"),
        report_deadline=date(year + 1, 5, 31),
        cohort_on=date(year, 12, 31),
        cohort_size=1,
        incentive_count=1,
        incomplete_count=0,
        computed_at=now,
        published_at=now,
    )
    session.add(run)
    await session.flush()
    session.add(
        RankingEntry(
            run_id=run.id,
            position=1,
            enterprise_id=enterprise.id,
            uscc=enterprise.uscc,
            name=enterprise.name,
            composite=Decimal("50"),
            innovation=Decimal("60"),
            growth=Decimal("55"),
            participation=Decimal("20"),
            indicators={code.value: {"value": "0.5", "percentile": "50"} for code in Indicator},
            short_board={
                "dimension": "participation",
                "indicator": "visits",
                "score": "13.235294",
                "value": "0.333333",
                "cohort_median": "0.666667",
            },
            short_board_dimension="participation",
            incentive=True,
            data_incomplete=False,
        )
    )
    await session.flush()
    return run


async def create(
    client: httpx.AsyncClient, headers: Headers, enterprise: Enterprise, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/enterprises/{enterprise.id}/plans",
        headers=headers,
        json={"goal_kind": "hte", "target_year": 2027, **body},
    )


async def made(
    client: httpx.AsyncClient, headers: Headers, enterprise: Enterprise, **body: Any
) -> dict[str, Any]:
    response = await create(client, headers, enterprise, **body)
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


async def move(
    client: httpx.AsyncClient, headers: Headers, task: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.patch(
        f"/api/v1/plans/{task['plan_id']}/tasks/{task['id']}", headers=headers, json=body
    )


async def count(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestCreatePlan:
    async def test_one_task_per_gap_and_one_for_the_short_board(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        z = await zone(session)
        run = await publish_ranking(session, z.enterprise, 2025)
        assessment = (
            await client.get(
                f"/api/v1/enterprises/{z.enterprise.id}/assessments/hte", headers=z.staff
            )
        ).json()
        assert assessment["gaps"], "the enterprise must have gaps"
        response = await create(client, z.staff, z.enterprise)
        assert response.status_code == 201, response.text
        plan = response.json()
        assert response.headers["location"] == f"/api/v1/plans/{plan['id']}"
        assert response.headers["etag"]
        assert plan["year"] == clock.today(settings.zone).year
        assert (plan["goal_kind"], plan["goal_level"], plan["target_year"]) == ("hte", None, 2027)
        assert plan["title"] == "2027年高新技术企业认定"
        assert plan["status"] == "active"
        assert plan["assessed_year"] == 2025
        assert plan["ranking_run_id"] == str(run.id)
        assert plan["enterprise_name"] == z.enterprise.name

        conditions = {c["code"]: c for c in assessment["conditions"]}
        gap_tasks = [t for t in plan["tasks"] if t["source"] == "gap"]
        assert [t["gap_code"] for t in gap_tasks] == [g["code"] for g in assessment["gaps"]]
        for task, gap in zip(gap_tasks, assessment["gaps"], strict=True):
            condition = conditions.get(gap["code"])
            if condition is not None:
                assert task["gap_current"] == condition["actual"]
                assert task["gap_target"] == condition["required"]
            assert task["gap_message"] == gap["message"]  # worded in the asked language
            assert task["status"] == "open"
            assert task["gap_closed"] is False
        rd = next(t for t in gap_tasks if t["gap_code"] == "rd_ratio")
        assert rd["title"].startswith("研发费用占比 1.20 % → 需达到 5 %")  # stored in Chinese
        assert rd["gap_target"] == "0.05"

        boards = [t for t in plan["tasks"] if t["source"] == "short_board"]
        assert len(boards) == 1
        assert boards[0]["short_board"]["indicator"] == "visits"
        assert boards[0]["title"].startswith("补齐短板：参与度·走访次数")
        assert len(plan["tasks"]) == len(assessment["gaps"]) + 1
        progress = plan["progress"]
        assert progress["total"] == progress["open"] == len(plan["tasks"])
        assert progress["percent_done"] == "0.00"
        assert plan["reassessment"] == {
            "year": 2025,
            "passed": False,
            "closed_gaps": [],
            "open_gaps": list(dict.fromkeys(t["gap_code"] for t in gap_tasks)),
        }
        stored = await session.scalar(select(Plan).where(Plan.id == uuid.UUID(plan["id"])))
        assert stored is not None and stored.created_by is not None
        assert await count(session, PlanTask) == len(plan["tasks"])

    async def test_the_short_board_comes_from_the_latest_published_run(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        await publish_ranking(session, z.enterprise, 2024)
        latest = await publish_ranking(session, z.enterprise, 2025)
        plan = await made(client, z.staff, z.enterprise)
        assert plan["ranking_run_id"] == str(latest.id)
        assert [t["source"] for t in plan["tasks"]].count("short_board") == 1

    async def test_without_a_ranking_no_short_board_task_and_listed_tasks_are_added(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(
            client,
            z.responsible,
            z.enterprise,
            goal_kind="sme",
            tasks=[{"title": "申请两项发明专利", "owner": "研发中心", "due_on": "2027-03-31"}],
        )
        sources = [t["source"] for t in plan["tasks"]]
        assert "short_board" not in sources
        assert sources[-1] == "manual"
        assert plan["tasks"][-1]["owner"] == "研发中心"
        assert plan["ranking_run_id"] is None

    async def test_a_project_goal_names_its_level_and_proposes_no_gaps(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(
            client, z.staff, z.enterprise, goal_kind="project", goal_level="city", propose=False
        )
        assert (plan["goal_level"], plan["title"], plan["tasks"]) == (
            "city",
            "2027年市级科技项目申报",
            [],
        )
        assert plan["reassessment"] is None
        unlevelled = await create(client, z.staff, z.enterprise, goal_kind="project", year=2027)
        assert_problem(unlevelled, 422, "inconsistent_fields")
        levelled_hte = await create(client, z.staff, z.enterprise, goal_level="city", year=2027)
        assert_problem(levelled_hte, 422, "inconsistent_fields")

    async def test_an_enterprise_without_reports_gets_a_plan_of_its_own_tasks(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.other)
        assert (plan["assessed_year"], plan["tasks"]) == (None, [])
        # The year asked for must be assessable.
        asked = await create(client, z.staff, z.other, year=2027, assessed_year=2025)
        assert_problem(asked, 404, "annual_report_not_found")
        await make_report(session, z.other, 2010)
        ruleless = await create(client, z.staff, z.other, year=2027, assessed_year=2010)
        body = assert_problem(ruleless, 422, "no_rule_set")
        assert body["errors"][0]["loc"] == ["body", "assessed_year"]
        assert await count(session, Plan) == 1

    async def test_a_second_plan_for_the_year_and_goal_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        await made(client, z.staff, z.enterprise, year=2026)
        again = await create(client, z.staff, z.enterprise, year=2026)
        assert_problem(again, 409, "duplicate_plan")
        await made(client, z.staff, z.enterprise, year=2026, goal_kind="sme")
        assert await count(session, Plan) == 2

    async def test_target_before_the_year_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        early = await create(client, z.staff, z.enterprise, year=2027, target_year=2026)
        assert_problem(early, 422, "inconsistent_fields")
        assert await count(session, Plan) == 0


class TestTaskLifecycle:
    async def test_open_in_progress_done_and_every_other_move_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise, propose=False, tasks=[{"title": "甲"}])
        task = plan["tasks"][0]
        assert_problem(
            await move(client, z.staff, task, status="done"), 409, "invalid_status_transition"
        )
        started = await move(client, z.responsible, task, status="in_progress")
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "in_progress"
        assert_problem(
            await move(client, z.staff, task, status="open"), 409, "invalid_status_transition"
        )
        done = await move(client, z.staff, task, status="done", notes="已完成")
        assert done.status_code == 200
        assert done.json()["status"] == "done" and done.json()["done_at"] is not None
        for wanted in ("open", "in_progress", "dropped"):
            assert_problem(
                await move(client, z.staff, task, status=wanted), 409, "invalid_status_transition"
            )
        stored = await session.get(PlanTask, uuid.UUID(task["id"]))
        assert stored is not None
        await session.refresh(stored)
        assert stored.status == "done" and stored.notes == "已完成"

    async def test_an_open_task_may_be_dropped_and_stays_dropped(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise, propose=False, tasks=[{"title": "乙"}])
        task = plan["tasks"][0]
        dropped = await move(client, z.staff, task, status="dropped")
        assert dropped.json()["status"] == "dropped"
        assert_problem(
            await move(client, z.staff, task, status="in_progress"),
            409,
            "invalid_status_transition",
        )

    async def test_a_stale_if_match_is_412(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise, propose=False, tasks=[{"title": "丙"}])
        task = plan["tasks"][0]
        url = f"/api/v1/plans/{plan['id']}/tasks/{task['id']}"
        first = await client.get(url, headers=z.staff)
        etag = first.headers["etag"]
        changed = await client.patch(
            url, headers={**z.staff, "If-Match": etag}, json={"owner": "财务部"}
        )
        assert changed.status_code == 200
        stale = await client.patch(
            url, headers={**z.staff, "If-Match": etag}, json={"owner": "研发部"}
        )
        assert_problem(stale, 412, "stale_etag")

    async def test_a_closed_plan_keeps_its_tasks_and_cannot_reopen(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise, propose=False, tasks=[{"title": "丁"}])
        url = f"/api/v1/plans/{plan['id']}"
        closed = await client.patch(url, headers=z.staff, json={"status": "closed"})
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
        reopened = await client.patch(url, headers=z.staff, json={"status": "active"})
        assert_problem(reopened, 409, "invalid_status_transition")
        task = plan["tasks"][0]
        assert_problem(await move(client, z.staff, task, status="in_progress"), 409, "plan_closed")
        added = await client.post(f"{url}/tasks", headers=z.staff, json={"title": "戊"})
        assert_problem(added, 409, "plan_closed")

    async def test_added_tasks_answer_201_with_location(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise, propose=False)
        added = await client.post(
            f"/api/v1/plans/{plan['id']}/tasks",
            headers=z.responsible,
            json={"title": "建立研发费用辅助账", "due_on": "2027-01-31"},
        )
        assert added.status_code == 201, added.text
        task = added.json()
        assert added.headers["location"] == f"/api/v1/plans/{plan['id']}/tasks/{task['id']}"
        assert (task["source"], task["gap_code"], task["gap_closed"]) == ("manual", None, None)
        listed = await client.get(f"/api/v1/plans/{plan['id']}/tasks", headers=z.owner)
        assert [t["id"] for t in listed.json()["items"]] == [task["id"]]


class TestProgressAndOverdue:
    async def test_progress_counts_and_overdue_in_the_zones_calendar(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        z = await zone(session)
        today = clock.today(settings.zone)
        late, soon = (today - timedelta(days=1)).isoformat(), today.isoformat()
        plan = await made(
            client,
            z.staff,
            z.enterprise,
            propose=False,
            tasks=[
                {"title": "已逾期", "due_on": late},
                {"title": "今天到期", "due_on": soon},
                {"title": "完成", "due_on": late},
                {"title": "放弃"},
            ],
        )
        overdue, _due_today, finished, dropped = plan["tasks"]
        assert overdue["overdue"] is True and _due_today["overdue"] is False
        await move(client, z.staff, finished, status="in_progress")
        await move(client, z.staff, finished, status="done")
        await move(client, z.staff, dropped, status="dropped")
        read = (await client.get(f"/api/v1/plans/{plan['id']}", headers=z.owner)).json()
        assert read["progress"] == {
            "total": 4,
            "open": 2,
            "in_progress": 0,
            "done": 1,
            "dropped": 1,
            "overdue": 1,
            "percent_done": "33.33",
        }
        assert [t["overdue"] for t in read["tasks"]] == [True, False, False, False]

    async def test_the_list_filters_overdue_plans_year_and_specialist(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        z = await zone(session)
        late = (clock.today(settings.zone) - timedelta(days=3)).isoformat()
        behind = await made(
            client,
            z.staff,
            z.enterprise,
            year=2026,
            propose=False,
            tasks=[{"title": "逾期", "due_on": late}],
        )
        on_time = await made(client, z.staff, z.other, year=2027, propose=False)

        async def ids(**params: str) -> list[str]:
            answer = await client.get("/api/v1/plans", headers=z.staff, params=params)
            assert answer.status_code == 200, answer.text
            return [p["id"] for p in answer.json()["items"]]

        assert await ids(overdue="true") == [behind["id"]]
        assert await ids(overdue="false") == [on_time["id"]]
        assert await ids(year="2027") == [on_time["id"]]
        assert await ids(specialist_id=str(z.specialist_id)) == [behind["id"]]
        assert await ids() == [on_time["id"], behind["id"]]  # latest first
        paged = await client.get("/api/v1/plans", headers=z.staff, params={"limit": "1"})
        assert paged.json()["next_cursor"] is not None
        unknown = await client.get("/api/v1/plans", headers=z.staff, params={"overdu": "true"})
        assert_problem(unknown, 422, "unknown_parameter")
        own = await client.get(f"/api/v1/enterprises/{z.enterprise.id}/plans", headers=z.staff)
        assert [p["id"] for p in own.json()["items"]] == [behind["id"]]
        assert own.json()["items"][0]["progress"]["overdue"] == 1


class TestReassessment:
    async def test_a_better_annual_report_closes_the_rd_gap(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise)
        rd = next(t for t in plan["tasks"] if t["gap_code"] == "rd_ratio")
        assert rd["gap_closed"] is False
        # 2025 refiled with R&D that lifts 2023-2025 above 5 % of revenue.
        refiled = await client.put(
            f"/api/v1/enterprises/{z.enterprise.id}/annual-reports/2025",
            headers=z.staff,
            json=report(
                rd_expense="5000000.00", rd_expense_domestic="5000000.00", filed_on="2026-04-20"
            ),
        )
        assert refiled.status_code in (200, 201), refiled.text
        read = (await client.get(f"/api/v1/plans/{plan['id']}", headers=z.owner)).json()
        closed = {t["gap_code"]: t["gap_closed"] for t in read["tasks"] if t["source"] == "gap"}
        assert closed["rd_ratio"] is True
        assert "rd_ratio" in read["reassessment"]["closed_gaps"]
        assert "rd_ratio" not in read["reassessment"]["open_gaps"]
        # The task keeps the values it was planned from.
        task = next(t for t in read["tasks"] if t["gap_code"] == "rd_ratio")
        assert task["gap_current"] == rd["gap_current"]
        one = await client.get(f"/api/v1/plans/{plan['id']}/tasks/{rd['id']}", headers=z.staff)
        assert one.json()["gap_closed"] is True


class TestComments:
    async def test_the_enterprise_comments_on_its_own_tasks_and_edits_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise, propose=False, tasks=[{"title": "甲"}])
        task = plan["tasks"][0]
        url = f"/api/v1/plans/{plan['id']}/tasks/{task['id']}/comments"
        said = await client.post(url, headers=z.owner, json={"body": "材料已提交"})
        assert said.status_code == 201, said.text
        assert (said.json()["author_role"], said.json()["body"]) == ("enterprise", "材料已提交")
        reply = await client.post(url, headers=z.responsible, json={"body": "已收到"})
        assert reply.status_code == 201
        listed = (await client.get(url, headers=z.owner)).json()["items"]
        assert [c["body"] for c in listed] == ["材料已提交", "已收到"]
        assert_problem(
            await move(client, z.owner, task, status="in_progress"), 403, "role_not_allowed"
        )
        assert_problem(
            await client.patch(f"/api/v1/plans/{plan['id']}", headers=z.owner, json={"notes": "x"}),
            403,
            "role_not_allowed",
        )
        assert_problem(
            await create(client, z.owner, z.enterprise, year=2030, target_year=2030),
            403,
            "role_not_allowed",
        )
        assert await count(session, PlanTaskComment) == 2

    async def test_another_enterprise_and_another_specialist_cannot_comment(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise, propose=False, tasks=[{"title": "甲"}])
        url = f"/api/v1/plans/{plan['id']}/tasks/{plan['tasks'][0]['id']}/comments"
        assert_problem(
            await client.post(url, headers=z.outsider, json={"body": "x"}), 404, "plan_not_found"
        )
        assert_problem(
            await client.post(url, headers=z.stranger, json={"body": "x"}), 403, "not_responsible"
        )
        assert await count(session, PlanTaskComment) == 0


class TestRoles:
    async def test_staff_and_the_responsible_specialist_write(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        admin = bearer(await make_user(session, Role.ADMIN))
        by_admin = await made(client, admin, z.enterprise, year=2026, propose=False)
        by_specialist = await made(
            client, z.responsible, z.enterprise, year=2026, goal_kind="sme", propose=False
        )
        patched = await client.patch(
            f"/api/v1/plans/{by_specialist['id']}", headers=z.responsible, json={"notes": "跟进"}
        )
        assert patched.status_code == 200 and patched.json()["notes"] == "跟进"
        assert by_admin["id"] != by_specialist["id"]

    async def test_another_specialist_reads_but_may_not_write(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise, propose=False, tasks=[{"title": "甲"}])
        read = await client.get(f"/api/v1/plans/{plan['id']}", headers=z.stranger)
        assert read.status_code == 200
        refused = [
            await create(client, z.stranger, z.enterprise, year=2030, target_year=2030),
            await client.patch(
                f"/api/v1/plans/{plan['id']}", headers=z.stranger, json={"notes": "x"}
            ),
            await client.post(
                f"/api/v1/plans/{plan['id']}/tasks", headers=z.stranger, json={"title": "x"}
            ),
            await move(client, z.stranger, plan["tasks"][0], status="in_progress"),
        ]
        for answer in refused:
            assert_problem(answer, 403, "not_responsible")
        assert await count(session, Plan) == 1
        assert await count(session, PlanTask) == 1

    async def test_an_enterprise_user_sees_only_its_own_plans(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        own = await made(client, z.staff, z.enterprise, propose=False, tasks=[{"title": "甲"}])
        theirs = await made(client, z.staff, z.other, propose=False, tasks=[{"title": "乙"}])
        listed = await client.get("/api/v1/plans", headers=z.owner)
        assert [p["id"] for p in listed.json()["items"]] == [own["id"]]
        # Asking for another enterprise's plans by filter still lists only its own.
        filtered = await client.get(
            "/api/v1/plans", headers=z.owner, params={"enterprise_id": str(z.other.id)}
        )
        assert [p["id"] for p in filtered.json()["items"]] == [own["id"]]
        task = theirs["tasks"][0]
        for path in (
            f"/api/v1/plans/{theirs['id']}",
            f"/api/v1/plans/{theirs['id']}/tasks",
            f"/api/v1/plans/{theirs['id']}/tasks/{task['id']}",
            f"/api/v1/plans/{theirs['id']}/tasks/{task['id']}/comments",
        ):
            assert_problem(await client.get(path, headers=z.owner), 404, "plan_not_found")
        assert_problem(
            await client.get(f"/api/v1/enterprises/{z.other.id}/plans", headers=z.owner),
            404,
            "enterprise_not_found",
        )
        mine = await client.get(f"/api/v1/plans/{own['id']}", headers=z.owner)
        assert mine.status_code == 200

    async def test_an_integration_reads_with_read_plans_and_never_writes(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(client, z.staff, z.enterprise, propose=False, tasks=[{"title": "甲"}])
        _, secret = await make_api_key(session, scopes=["read:plans"])
        scoped = {"Authorization": f"Bearer {secret}"}
        assert (await client.get("/api/v1/plans", headers=scoped)).status_code == 200
        assert (await client.get(f"/api/v1/plans/{plan['id']}", headers=scoped)).status_code == 200
        _, other_secret = await make_api_key(session, scopes=["read:pools"])
        unscoped = {"Authorization": f"Bearer {other_secret}"}
        body = assert_problem(
            await client.get(f"/api/v1/plans/{plan['id']}", headers=unscoped), 403, "scope_missing"
        )
        assert "read:plans" in body["detail"]
        task = plan["tasks"][0]
        writes = [
            await create(client, scoped, z.enterprise, year=2030, target_year=2030),
            await client.patch(f"/api/v1/plans/{plan['id']}", headers=scoped, json={"notes": "x"}),
            await move(client, scoped, task, status="in_progress"),
            await client.post(
                f"/api/v1/plans/{plan['id']}/tasks/{task['id']}/comments",
                headers=scoped,
                json={"body": "x"},
            ),
        ]
        for answer in writes:
            assert_problem(answer, 403, "read_only_credential")
        assert await count(session, PlanTaskComment) == 0


class TestExport:
    async def test_tasks_with_their_plan_under_read_plans(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(
            client,
            z.staff,
            z.enterprise,
            tasks=[{"title": "建立研发费用辅助账", "owner": "财务部", "due_on": "2027-01-31"}],
        )
        _, secret = await make_api_key(session, scopes=["read:plans"])
        response = await client.get(
            "/api/v1/exports/plan-tasks", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 200, response.text
        rows = [json.loads(line) for line in response.text.splitlines()]
        assert len(rows) == len(plan["tasks"])
        assert all(list(row) == [c.name for c in PLAN_TASKS.columns] for row in rows)
        manual = next(row for row in rows if row["source"] == "manual")
        assert (manual["plan_id"], manual["uscc"], manual["goal_kind"], manual["owner"]) == (
            plan["id"],
            z.enterprise.uscc,
            "hte",
            "财务部",
        )
        assert {row["gap_code"] for row in rows if row["source"] == "gap"} >= {"rd_ratio"}
        _, narrow = await make_api_key(session, scopes=["read:pools"])
        refused = await client.get(
            "/api/v1/exports/plan-tasks", headers={"Authorization": f"Bearer {narrow}"}
        )
        assert_problem(refused, 403, "scope_missing")

    async def test_plans_with_their_tasks_counted(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        z = await zone(session)
        plan = await made(
            client, z.staff, z.enterprise, propose=False, tasks=[{"title": "甲"}, {"title": "乙"}]
        )
        await move(client, z.staff, plan["tasks"][1], status="dropped")
        response = await client.get("/api/v1/exports/plans", headers=z.staff)
        assert response.status_code == 200, response.text
        [row] = [json.loads(line) for line in response.text.splitlines()]
        assert list(row) == [c.name for c in PLANS.columns]
        assert (row["id"], row["uscc"], row["tasks"], row["done"], row["dropped"]) == (
            plan["id"],
            z.enterprise.uscc,
            2,
            0,
            1,
        )
