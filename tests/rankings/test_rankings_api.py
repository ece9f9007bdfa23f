"""Ranking runs over HTTP, on a cohort computed by hand.

The 2025 cohort of the hte pool (n = 4, so percentiles are multiples of t = 100/3):

          rd_int  st_ratio new_ip ach  rev_gr  na_gr  attend visits timely
    A     0.06    0.3      3      2    0.25    0.25   2/2    3      on time
    B     0.04    0.2      1      5    0       0.2    1/2    1      late (15 July 2026)
    C     0.08    0.1      2      0    —       —      none   0      on time   (no 2024 report)
    D     —       0.1      0      1    -1      -1.5   0/1    5      on time   (revenue 0)

Percentiles (multiples of t):
    A     2       3        3      2    3       3      3      2      1
    B     1       2        1      3    2       2      2      1      0
    C     3       0        2      0    0       0      0      0      1
    D     0       0        0      1    1       1      0      2      1

innovation = .35 rd + .15 st + .30 ip + .20 ach; growth = .5 + .5; participation = .4 att +
.3 vis + .3 timely; composite = .5 I + .3 G + .2 P:
    A  I 2.45t = 81.666667  G 3t = 100        P 2.1t = 70         composite 2.545t = 84.833333
    B  I 1.55t = 51.666667  G 2t = 66.666667  P 1.1t = 36.666667  composite 1.595t = 53.166667
    C  I 1.65t = 55         G 0               P 0.3t = 10         composite 0.885t = 29.5
    D  I 0.2t = 6.666667    G 1t = 33.333333  P 0.9t = 30         composite 0.58t = 19.333333
Positions A, B, C, D; ⌈0.1 × 4⌉ = 1 incentive (A). Short boards: A participation /
timely_report (33.333333, value 1, median of 0,1,1,1 = 1); B participation / timely_report (0,
value 0, median 1); C growth / revenue_growth (both 0: the first listed; value missing, median
of 0.25, 0, -1 = 0); D innovation / rd_intensity (rd, st and ip at 0: the first listed; value
missing, median of 0.06, 0.04, 0.08 = 0.06). C and D are data_incomplete.
"""

from __future__ import annotations

import gc
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.activities.models import Activity, ActivityInvitation
from app.auth.roles import Role
from app.enterprises.models import Enterprise
from app.pools.enums import MemberStatus
from app.pools.models import PoolMember
from app.rankings.models import RankingEntry, RankingRun
from app.visits.models import Visit
from tests.factories import headers_for, make_enterprise, make_report
from tests.problems import assert_problem

D = Decimal
EXPECTED = {
    # name: (position, composite, innovation, growth, participation, incentive, incomplete)
    "A": (1, "84.833333", "81.666667", "100", "70", True, False),
    "B": (2, "53.166667", "51.666667", "66.666667", "36.666667", False, False),
    "C": (3, "29.5", "55", "0", "10", False, True),
    "D": (4, "19.333333", "6.666667", "33.333333", "30", False, True),
}
INDICATOR_CODES = (
    "rd_intensity",
    "st_staff_ratio",
    "new_ip",
    "achievements",
    "revenue_growth",
    "net_asset_growth",
    "attendance",
    "visits",
    "timely_report",
)
SHORT_BOARDS = {
    "A": ("participation", "timely_report", "33.333333", "1", "1"),
    "B": ("participation", "timely_report", "0", "0", "1"),
    "C": ("growth", "revenue_growth", "0", None, "0"),
    "D": ("innovation", "rd_intensity", "0", None, "0.06"),
}


async def in_pool(
    session: AsyncSession, enterprise: Enterprise, entered: date, pool: str = "hte"
) -> PoolMember:
    member = PoolMember(
        pool=pool, enterprise_id=enterprise.id, tier="selected", status="active", entered_on=entered
    )
    session.add(member)
    await session.flush()
    return member


async def visits(session: AsyncSession, enterprise: Enterprise, count: int, year: int) -> None:
    for month in range(1, count + 1):
        session.add(
            Visit(
                enterprise_id=enterprise.id,
                specialist_ids=[uuid.uuid4()],
                visited_at=datetime(year, month, 10, 2, tzinfo=UTC),
                kind="coverage",
                channel="onsite",
            )
        )
    await session.flush()


async def activities(session: AsyncSession, year: int, sheet: dict[Enterprise, list[bool]]) -> None:
    """One activity per column of the sheet; each enterprise is invited to as many as it has
    entries, attending where True."""
    width = max(len(row) for row in sheet.values())
    held = [
        Activity(
            kind="training", title=f"培训{i}", held_on=date(year, 3 + i, 1), organiser="科技局"
        )
        for i in range(width)
    ]
    session.add_all(held)
    await session.flush()
    for enterprise, row in sheet.items():
        for activity, came in zip(held, row, strict=False):
            session.add(
                ActivityInvitation(
                    activity_id=activity.id,
                    enterprise_id=enterprise.id,
                    attended=came,
                    attendance_recorded_at=datetime(year, 6, 1, tzinfo=UTC) if came else None,
                )
            )
    await session.flush()


@pytest.fixture
async def cohort(session: AsyncSession) -> dict[str, Enterprise]:
    names = {}
    for name in "ABCD":
        names[name] = await make_enterprise(session, name=f"克拉玛依市排名{name}有限公司")
        await in_pool(session, names[name], date(2024, 1, 1))
    a, b, c, d = (names[n] for n in "ABCD")
    report = {"ip_class1_new": 0, "ip_class2_new": 0, "achievements_transformed": 0}
    await make_report(
        session,
        a,
        2025,
        **{
            **report,
            "revenue": D(10_000_000),
            "rd_expense": D(600_000),
            "rd_expense_domestic": D(600_000),
            "high_tech_revenue": D(5_000_000),
            "employees": 100,
            "st_staff": 30,
            "ip_class1_new": 2,
            "ip_class2_new": 4,
            "achievements_transformed": 2,
            "net_assets": D(5_000_000),
        },
    )
    await make_report(
        session,
        a,
        2024,
        revenue=D(8_000_000),
        high_tech_revenue=D(4_000_000),
        net_assets=D(4_000_000),
    )
    await make_report(
        session,
        b,
        2025,
        **{
            **report,
            "revenue": D(20_000_000),
            "rd_expense": D(800_000),
            "rd_expense_domestic": D(800_000),
            "high_tech_revenue": D(5_000_000),
            "employees": 50,
            "st_staff": 10,
            "ip_class1_new": 1,
            "achievements_transformed": 5,
            "net_assets": D(6_000_000),
            "filed_on": date(2026, 7, 15),
        },
    )
    await make_report(
        session,
        b,
        2024,
        revenue=D(20_000_000),
        high_tech_revenue=D(4_000_000),
        net_assets=D(5_000_000),
    )
    await make_report(
        session,
        c,
        2025,
        **{
            **report,
            "revenue": D(5_000_000),
            "rd_expense": D(400_000),
            "rd_expense_domestic": D(400_000),
            "high_tech_revenue": D(1_000_000),
            "employees": 40,
            "st_staff": 4,
            "ip_class2_new": 8,
            "filed_on": date(2026, 3, 1),
        },
    )
    await make_report(
        session,
        d,
        2025,
        **{
            **report,
            "revenue": D(0),
            "rd_expense": D(0),
            "rd_expense_domestic": D(0),
            "high_tech_revenue": D(0),
            "employees": 10,
            "st_staff": 1,
            "achievements_transformed": 1,
            "net_assets": D(-100_000),
        },
    )
    await make_report(
        session, d, 2024, revenue=D(1_000_000), high_tech_revenue=D(0), net_assets=D(200_000)
    )
    await visits(session, a, 3, 2025)
    await visits(session, b, 1, 2025)
    await visits(session, d, 5, 2025)
    await visits(session, c, 2, 2024)  # another year: does not count
    await activities(session, 2025, {a: [True, True], b: [True, False], d: [False]})
    return names


async def create_run(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/rankings", headers=headers, json={"pool": "hte", **body})
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


async def entries(
    client: httpx.AsyncClient, headers: dict[str, str], run_id: str, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/rankings/{run_id}/entries", headers=headers, params=params
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def close(got: str, expected: str) -> bool:
    return abs(D(got) - D(expected)) <= D("0.000001")


class TestHandComputedCohort:
    async def test_positions_composites_incentives_and_short_boards(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        run = await create_run(client, staff, year=2025)
        assert (run["status"], run["cohort_size"], run["incentive_count"]) == ("draft", 4, 1)
        assert gc.isenabled()
        assert (run["incomplete_count"], run["cohort_on"]) == (2, "2025-12-31")
        assert run["report_deadline"] == "2026-05-31"
        # A and B: participation; C: growth; D: innovation.
        assert run["short_boards"] == {"innovation": 1, "growth": 1, "participation": 2}
        assert run["weights"]["dimensions"] == {
            "innovation": "0.5",
            "growth": "0.3",
            "participation": "0.2",
        }
        by_name = {cohort[n].id: n for n in cohort}
        got = await entries(client, staff, run["id"])
        assert [by_name[uuid.UUID(e["enterprise_id"])] for e in got] == ["A", "B", "C", "D"]
        for entry in got:
            name = by_name[uuid.UUID(entry["enterprise_id"])]
            position, composite, innovation, growth, participation, incentive, incomplete = (
                EXPECTED[name]
            )
            assert entry["position"] == position
            assert close(entry["composite"], composite), (name, entry["composite"])
            assert close(entry["dimensions"]["innovation"], innovation)
            assert close(entry["dimensions"]["growth"], growth)
            assert close(entry["dimensions"]["participation"], participation)
            assert (entry["incentive"], entry["data_incomplete"]) == (incentive, incomplete)
            assert (entry["uscc"], entry["name"]) == (cohort[name].uscc, cohort[name].name)
            assert entry["movement"] is None
            dimension, indicator, score, value, median = SHORT_BOARDS[name]
            board = entry["short_board"]
            assert (board["dimension"], board["indicator"]) == (dimension, indicator)
            assert close(board["score"], score)
            assert (board["value"] is None) == (value is None)
            if value is not None:
                assert D(board["value"]) == D(value)
            assert D(board["cohort_median"]) == D(median)

    async def test_indicator_values_and_percentiles(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        run = await create_run(client, staff, year=2025)
        a, c = (
            (await entries(client, staff, run["id"]))[0],
            (await entries(client, staff, run["id"]))[2],
        )
        assert D(a["indicators"]["rd_intensity"]["value"]) == D("0.06")
        assert close(a["indicators"]["rd_intensity"]["percentile"], "66.666667")
        assert D(a["indicators"]["new_ip"]["value"]) == D(3)
        assert D(a["indicators"]["visits"]["value"]) == D(1)
        assert c["indicators"]["revenue_growth"] == {"value": None, "percentile": "0.000000"}
        assert D(c["indicators"]["visits"]["value"]) == 0

    async def test_custom_weights_and_top_share_are_stored(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        weights = {
            "dimensions": {"innovation": "0", "growth": "0", "participation": "1"},
            "indicators": {
                "rd_intensity": "0.25",
                "st_staff_ratio": "0.25",
                "new_ip": "0.25",
                "achievements": "0.25",
                "revenue_growth": "1",
                "net_asset_growth": "0",
                "attendance": "0",
                "visits": "1",
                "timely_report": "0",
            },
        }
        run = await create_run(client, staff, year=2025, weights=weights, top_share="0.5")
        # Visits alone: A and D tie at 66.666667 (both capped at 3); innovation breaks it (A).
        got = await entries(client, staff, run["id"])
        assert [e["uscc"] for e in got[:2]] == [cohort["A"].uscc, cohort["D"].uscc]
        assert [e["incentive"] for e in got] == [True, True, False, False]
        assert run["top_share"] == "0.5"
        assert run["weights"]["indicators"]["visits"] == "1"

    @pytest.mark.parametrize(
        ("dimensions", "why"),
        [
            ({"innovation": "0.5", "growth": "0.3", "participation": "0.3"}, "sum to 1.1"),
            ({"innovation": "0.5", "growth": "0.5", "participation": "0"}, None),
        ],
    )
    async def test_weights_must_sum_to_one(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cohort: dict[str, Enterprise],
        dimensions: dict[str, str],
        why: str | None,
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        indicators = {
            "rd_intensity": "0.35",
            "st_staff_ratio": "0.15",
            "new_ip": "0.30",
            "achievements": "0.20",
            "revenue_growth": "0.5",
            "net_asset_growth": "0.5",
            "attendance": "0.4",
            "visits": "0.3",
            "timely_report": "0.3",
        }
        response = await client.post(
            "/api/v1/rankings",
            headers=staff,
            json={
                "pool": "hte",
                "year": 2025,
                "weights": {"dimensions": dimensions, "indicators": indicators},
            },
        )
        if why is None:
            assert response.status_code == 201
            return
        body = assert_problem(response, 422, "invalid_weights")
        assert why in body["detail"]
        assert await session.scalar(select(func.count()).select_from(RankingRun)) == 0

    async def test_dimension_weights_alone_keep_the_default_indicator_weights(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        dimensions = {"innovation": "0.6", "growth": "0.2", "participation": "0.2"}
        run = await create_run(client, staff, year=2025, weights={"dimensions": dimensions})
        assert run["weights"]["dimensions"] == dimensions
        assert run["weights"]["indicators"]["rd_intensity"] == "0.35"
        # A: 0.6 × 2.45t + 0.2 × 3t + 0.2 × 2.1t = 2.49t = 83.0
        [a] = await entries(client, staff, run["id"], limit=1)
        assert close(a["composite"], "83")

    async def test_negative_weight_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        weights = {
            "dimensions": {"innovation": "1.2", "growth": "-0.2", "participation": "0"},
            "indicators": dict.fromkeys(INDICATOR_CODES, "0.25"),
        }
        response = await client.post(
            "/api/v1/rankings",
            headers=staff,
            json={"pool": "hte", "year": 2025, "weights": weights},
        )
        assert_problem(response, 422, "validation_failed")


class TestRunRules:
    async def test_empty_cohort_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        response = await client.post(
            "/api/v1/rankings", headers=staff, json={"pool": "sme", "year": 2025}
        )
        assert_problem(response, 422, "empty_cohort")
        # The cycle collector, paused while a run computes, is back after a refused one.
        assert gc.isenabled()

    async def test_a_year_not_begun_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        response = await client.post(
            "/api/v1/rankings", headers=staff, json={"pool": "hte", "year": 2199}
        )
        assert_problem(response, 422, "year_not_started")

    async def test_cohort_is_the_members_active_at_the_end_of_the_year(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        stayed, left, joined_late, other_pool = [await make_enterprise(session) for _ in range(4)]
        await in_pool(session, stayed, date(2024, 3, 1))
        gone = await in_pool(session, left, date(2024, 3, 1))
        gone.status, gone.exited_on = MemberStatus.WITHDRAWN, date(2025, 12, 31)
        await in_pool(session, joined_late, date(2026, 1, 1))
        await in_pool(session, other_pool, date(2024, 3, 1), pool="sme")
        await session.flush()
        run = await create_run(client, staff, year=2025)
        assert [e["enterprise_id"] for e in await entries(client, staff, run["id"])] == [
            str(stayed.id)
        ]
        # A cohort of one scores 100 everywhere and is marked, whatever its data.
        [entry] = await entries(client, staff, run["id"])
        assert (entry["composite"], entry["incentive"], entry["data_incomplete"]) == (
            "100.000000",
            True,
            True,
        )

    async def test_shares_and_weights_are_decimal_strings_as_the_document_says(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        document = (await client.get("/openapi.json")).json()["components"]["schemas"]
        share = document["RankingRunCreate"]["properties"]["top_share"]
        weight = document["DimensionWeights"]["properties"]["growth"]
        assert (share["type"], weight["type"]) == ("string", "string")
        for refused in (
            {"top_share": 0.03762152433997113},  # a JSON number: was allowed by the document
            {"top_share": "0.03762"},
            {"top_share": "1.01"},
            {"top_share": ""},
            {"year": True},
            {"weights": {"dimensions": {"innovation": 0.5, "growth": "0.3", "participation": ""}}},
        ):
            for name, value in refused.items():
                if name == "top_share" and isinstance(value, str):
                    assert not re.fullmatch(share["pattern"], value), value
            response = await client.post(
                "/api/v1/rankings", headers=staff, json={"pool": "hte", "year": 2025, **refused}
            )
            assert_problem(response, 422, "validation_failed")
        assert re.fullmatch(share["pattern"], "0.0376")
        run = await create_run(client, staff, year=2025.0, top_share="0.0376")
        assert D(run["top_share"]) == D("0.0376")

    async def test_only_staff_create(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        for role in (Role.SPECIALIST, Role.INTEGRATION):
            headers = await headers_for(session, role)
            response = await client.post(
                "/api/v1/rankings", headers=headers, json={"pool": "hte", "year": 2025}
            )
            assert response.status_code == 403


class TestPublish:
    async def test_publish_supersede_and_movement(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        # 2024: only A, B and D have reports; C, without one, ranks last on innovation.
        earlier = await create_run(client, staff, year=2024)
        response = await client.post(f"/api/v1/rankings/{earlier['id']}/publish", headers=staff)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "published"
        before = {
            e["enterprise_id"]: e["position"] for e in await entries(client, staff, earlier["id"])
        }

        first = await create_run(client, staff, year=2025)
        assert first["compared_run_id"] == earlier["id"]
        second = await create_run(client, staff, year=2025, top_share="0.5")
        for run in (first, second):
            response = await client.post(f"/api/v1/rankings/{run['id']}/publish", headers=staff)
            assert response.status_code == 200
        runs = (await client.get("/api/v1/rankings", headers=staff, params={"year": 2025})).json()
        statuses = {r["id"]: r["status"] for r in runs["items"]}
        assert statuses == {first["id"]: "superseded", second["id"]: "published"}

        for entry in await entries(client, staff, second["id"]):
            assert entry["movement"] == before[entry["enterprise_id"]] - entry["position"]

        # Published runs are final.
        response = await client.post(f"/api/v1/rankings/{second['id']}/publish", headers=staff)
        assert_problem(response, 409, "ranking_not_draft")
        response = await client.delete(f"/api/v1/rankings/{first['id']}", headers=staff)
        assert_problem(response, 409, "ranking_not_draft")

        # The enterprise's history: the runs of record, latest year first.
        a = cohort["A"]
        response = await client.get(f"/api/v1/enterprises/{a.id}/rankings", headers=staff)
        history = response.json()["items"]
        assert [(h["year"], h["run_id"]) for h in history] == [
            (2025, second["id"]),
            (2024, earlier["id"]),
        ]
        assert history[0]["position"] == 1 and history[0]["pool"] == "hte"

    async def test_drafts_are_deleted_and_stale_if_match_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        run = await create_run(client, staff, year=2025)
        url = f"/api/v1/rankings/{run['id']}"
        response = await client.post(f"{url}/publish", headers={**staff, "If-Match": '"9"'})
        assert_problem(response, 412, "stale_etag")
        assert (await client.delete(url, headers=staff)).status_code == 204
        assert_problem(await client.get(url, headers=staff), 404, "ranking_not_found")
        stored = await session.scalar(
            select(func.count())
            .select_from(RankingEntry)
            .where(RankingEntry.run_id == uuid.UUID(run["id"]))
        )
        assert stored == 0


class TestVisibility:
    async def test_drafts_are_the_bureaus_and_enterprises_see_their_own_line(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        draft = await create_run(client, staff, year=2025)
        published = await create_run(client, staff, year=2025)
        await client.post(f"/api/v1/rankings/{published['id']}/publish", headers=staff)
        for role in (Role.SPECIALIST, Role.INTEGRATION):
            headers = await headers_for(session, role)
            listed = (await client.get("/api/v1/rankings", headers=headers)).json()["items"]
            assert [r["id"] for r in listed] == [published["id"]]
            response = await client.get(f"/api/v1/rankings/{draft['id']}", headers=headers)
            assert_problem(response, 404, "ranking_not_found")
            assert len(await entries(client, headers, published["id"])) == 4
        b = cohort["B"]
        own = await headers_for(session, Role.ENTERPRISE, enterprise_id=b.id)
        assert [e["enterprise_id"] for e in await entries(client, own, published["id"])] == [
            str(b.id)
        ]
        response = await client.get(f"/api/v1/enterprises/{cohort['A'].id}/rankings", headers=own)
        assert_problem(response, 404, "enterprise_not_found")
        response = await client.get(f"/api/v1/enterprises/{b.id}/rankings", headers=own)
        assert [h["position"] for h in response.json()["items"]] == [2]

    async def test_entry_filters(
        self, client: httpx.AsyncClient, session: AsyncSession, cohort: dict[str, Enterprise]
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        run = await create_run(client, staff, year=2025)
        assert [e["position"] for e in await entries(client, staff, run["id"], incentive=True)] == [
            1
        ]
        assert [
            e["position"] for e in await entries(client, staff, run["id"], data_incomplete=True)
        ] == [3, 4]
        assert [
            e["position"]
            for e in await entries(client, staff, run["id"], short_board="participation")
        ] == [1, 2]
        page = await client.get(
            f"/api/v1/rankings/{run['id']}/entries", headers=staff, params={"limit": 3}
        )
        rest = await client.get(
            f"/api/v1/rankings/{run['id']}/entries",
            headers=staff,
            params={"limit": 3, "cursor": page.json()["next_cursor"]},
        )
        assert [e["position"] for e in rest.json()["items"]] == [4]
