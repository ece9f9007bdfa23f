"""The outcomes ledger and its statistics over HTTP, including the article's own figures."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.enterprises.models import Enterprise, Qualification
from app.outcomes.models import Achievement
from tests.factories import headers_for, make_enterprise
from tests.problems import assert_problem


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], enterprise: Enterprise, **body: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/achievements",
        headers=headers,
        json={"enterprise_id": str(enterprise.id), "achieved_on": "2025-06-30", **body},
    )


class TestRecordAchievement:
    async def test_hte_certified_records_the_qualification_the_pools_record(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """hte_certified grants the three-year HTE qualification, through the pools' code."""
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        response = await post(
            client,
            staff,
            enterprise,
            kind="hte_certified",
            level="national",
            achieved_on="2025-11-30",
            reference="GR202565000123",
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["location"] == f"/api/v1/achievements/{body['id']}"
        assert response.headers["etag"] == '"1"'
        assert body["kind"] == "hte_certified" and body["amount"] is None
        qualification = await session.get(Qualification, uuid.UUID(body["qualification_id"]))
        assert qualification is not None
        assert (qualification.kind, qualification.reference, qualification.source) == (
            "hte",
            "GR202565000123",
            "achievement",
        )
        assert (qualification.issued_on, qualification.valid_until) == (
            date(2025, 11, 30),
            date(2028, 11, 29),
        )
        actions = set(
            await session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.resource_id.in_([body["id"], str(qualification.id)])
                )
            )
        )
        assert actions == {"achievement.create", "qualification.create"}
        listed = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/qualifications", headers=staff
        )
        assert [q["id"] for q in listed.json()["items"]] == [str(qualification.id)]

    async def test_sme_registered_lasts_its_year(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.ADMIN)
        enterprise = await make_enterprise(session)
        response = await post(client, staff, enterprise, kind="sme_registered")
        assert response.status_code == 201, response.text
        stored = await session.get(Qualification, uuid.UUID(response.json()["qualification_id"]))
        assert stored is not None
        assert (stored.kind, stored.valid_until) == ("sme", date(2025, 12, 31))

    async def test_an_award_keeps_grade_and_prize(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        response = await post(
            client, staff, enterprise, kind="competition_award", grade=2, amount="300000.00"
        )
        assert response.status_code == 201, response.text
        assert (response.json()["grade"], response.json()["amount"]) == (2, "300000.00")
        assert response.json()["qualification_id"] is None
        stored = await session.get(Achievement, uuid.UUID(response.json()["id"]))
        assert stored is not None and stored.amount == Decimal("300000.00")
        fetched = await client.get(f"/api/v1/achievements/{stored.id}", headers=staff)
        assert fetched.json() == response.json()
        assert fetched.headers["etag"] == '"1"'

    async def test_amount_and_grade_must_fit_the_kind(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        # Each field is valid alone: the kind rules them together (the document cannot say it).
        unfit: list[dict[str, Any]] = [
            {"kind": "funding_awarded"},
            {"kind": "ip_pledge_loan"},
            {"kind": "competition_award", "amount": "1000.00"},
            {"kind": "little_giant", "grade": 1},
            {"kind": "little_giant", "amount": "40050000.00"},
            {"kind": "hte_certified", "amount": "1.00"},
        ]
        for body in unfit:
            assert_problem(
                await post(client, staff, enterprise, **body), 422, "inconsistent_fields"
            )
        malformed: list[dict[str, Any]] = [
            {"kind": "competition_award", "grade": 4},
            {"kind": "competition_award", "amount": "1.00", "grade": True},
            {"kind": "funding_awarded", "amount": "-5.00"},
            {"kind": "funding_awarded", "amount": "1.005"},
        ]
        for body in malformed:
            assert_problem(await post(client, staff, enterprise, **body), 422, "validation_failed")
        assert list(await session.scalars(select(Achievement))) == []

    async def test_future_dates_and_unknown_enterprises(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        tomorrow = (clock.today(ZoneInfo("Asia/Shanghai")) + timedelta(days=2)).isoformat()
        assert_problem(
            await post(client, staff, enterprise, kind="little_giant", achieved_on=tomorrow),
            422,
            "achieved_in_future",
        )
        ghost = Enterprise(id=uuid.uuid4())
        assert_problem(
            await post(client, staff, ghost, kind="little_giant"), 404, "enterprise_not_found"
        )
        assert list(await session.scalars(select(Qualification))) == []


class TestCorrectAchievement:
    async def test_corrections_fit_the_kind_and_honour_if_match(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        created = await post(
            client, staff, enterprise, kind="competition_award", grade=2, amount="300000.00"
        )
        path = f"/api/v1/achievements/{created.json()['id']}"
        assert_problem(
            await client.patch(path, headers={**staff, "If-Match": '"9"'}, json={"grade": 1}),
            412,
            "stale_etag",
        )
        assert_problem(
            await client.patch(path, headers=staff, json={"grade": None}), 422, "unfit_for_kind"
        )
        changed = await client.patch(
            path,
            headers={**staff, "If-Match": created.headers["etag"]},
            json={"grade": 1, "amount": "500000.00", "note": "更正为一等奖"},
        )
        assert changed.status_code == 200, changed.text
        assert changed.headers["etag"] == '"2"'
        assert (changed.json()["grade"], changed.json()["amount"]) == (1, "500000.00")
        stored = await session.get(Achievement, uuid.UUID(created.json()["id"]))
        assert stored is not None and (stored.grade, stored.note) == (1, "更正为一等奖")
        event = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.resource_id == str(stored.id), AuditEvent.action == "achievement.update"
            )
        )
        assert event is not None and event.before is not None and event.before["grade"] == 2

    async def test_a_recorded_qualification_fixes_date_and_reference(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        created = await post(client, staff, enterprise, kind="hte_certified", reference="GR1")
        path = f"/api/v1/achievements/{created.json()['id']}"
        for body in ({"achieved_on": "2025-07-01"}, {"reference": "GR2"}):
            assert_problem(
                await client.patch(path, headers=staff, json=body), 422, "fixed_by_qualification"
            )
        assert (await client.patch(path, headers=staff, json={"level": "national"})).json()[
            "level"
        ] == "national"
        specialist = await headers_for(session, Role.SPECIALIST)
        assert_problem(
            await client.patch(path, headers=specialist, json={"note": "x"}),
            403,
            "role_not_allowed",
        )
        assert_problem(
            await client.patch(f"/api/v1/achievements/{uuid.uuid4()}", headers=staff, json={}),
            404,
            "achievement_not_found",
        )


class TestWhoMay:
    async def test_only_staff_write_and_enterprises_see_their_own(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        mine, other = await make_enterprise(session), await make_enterprise(session)
        for role in (Role.SPECIALIST, Role.ENTERPRISE):
            tied: dict[str, Any] = {"enterprise_id": mine.id} if role is Role.ENTERPRISE else {}
            headers = await headers_for(session, role, **tied)
            assert_problem(
                await post(client, headers, mine, kind="little_giant"), 403, "role_not_allowed"
            )
        own = (await post(client, staff, mine, kind="little_giant")).json()
        others = (await post(client, staff, other, kind="little_giant")).json()
        user = await headers_for(session, Role.ENTERPRISE, enterprise_id=mine.id)
        listed = await client.get("/api/v1/achievements", headers=user)
        assert [a["id"] for a in listed.json()["items"]] == [own["id"]]
        assert_problem(
            await client.get(f"/api/v1/achievements/{others['id']}", headers=user),
            404,
            "achievement_not_found",
        )
        assert_problem(
            await client.get("/api/v1/statistics/outcomes", headers=user), 403, "role_not_allowed"
        )

    async def test_the_list_pages_and_filters(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        for day in ("2025-01-05", "2025-02-05", "2025-03-05"):
            await post(client, staff, enterprise, kind="little_giant", achieved_on=day)
        await post(client, staff, enterprise, kind="first_of_kind_product")
        params: dict[str, str | int] = {
            "kind": "little_giant",
            "enterprise_id": str(enterprise.id),
            "limit": 2,
        }
        first = (await client.get("/api/v1/achievements", headers=staff, params=params)).json()
        assert [a["achieved_on"] for a in first["items"]] == ["2025-03-05", "2025-02-05"]
        second = (
            await client.get(
                "/api/v1/achievements",
                headers=staff,
                params={**params, "cursor": first["next_cursor"]},
            )
        ).json()
        assert [a["achieved_on"] for a in second["items"]] == ["2025-01-05"]
        assert second["next_cursor"] is None


def _rows(enterprise: Enterprise, kind: str, days: list[date], **values: Any) -> list[Achievement]:
    return [
        Achievement(kind=kind, enterprise_id=enterprise.id, achieved_on=day, **values)
        for day in days
    ]


def _spread(count: int, first_year: int) -> list[date]:
    """`count` days spread over three years from 1 January of `first_year`."""
    return [date(first_year + i % 3, 1 + i % 12, 1 + i % 28) for i in range(count)]


def _split(total: str, parts: int) -> list[Decimal]:
    """`total` in `parts` amounts that add up exactly (the last one takes the remainder)."""
    whole = Decimal(total)
    share = (whole / parts).quantize(Decimal("1"))
    return [share] * (parts - 1) + [whole - share * (parts - 1)]


class TestOutcomeStatistics:
    async def test_the_articles_figures(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """2023-2025 against 2020-2022: 41 high-tech enterprises against 21 (+95 %); 119 SMEs
        against 41 (nearly 3×); 40.05 M yuan of funding against 19.44 M (+106 %); 16 awards,
        4 first, 5 second and 7 third, with 5.15 M yuan of prizes against 2.146 M (+140 %)."""
        staff = await headers_for(session, Role.MANAGER)
        zone = await make_enterprise(session)
        rows = _rows(zone, "hte_certified", _spread(41, 2023))
        rows += _rows(zone, "hte_certified", _spread(21, 2020))
        rows += _rows(zone, "sme_registered", _spread(119, 2023))
        rows += _rows(zone, "sme_registered", _spread(41, 2020))
        for total, first_year, parts in (("40050000", 2023, 9), ("19440000", 2020, 6)):
            for day, amount in zip(_spread(parts, first_year), _split(total, parts), strict=True):
                rows += _rows(zone, "funding_awarded", [day], amount=amount)
        prizes = iter(_split("5150000", 16))
        for grade, count in ((1, 4), (2, 5), (3, 7)):
            for day in _spread(count, 2023):
                rows += _rows(zone, "competition_award", [day], grade=grade, amount=next(prizes))
        for grade, prize in ((1, "1000000"), (2, "646000"), (3, "300000"), (3, "200000")):
            rows += _rows(zone, "competition_award", [date(2021, 5, 1)], grade=grade, amount=prize)
        # Just outside both periods: must count nowhere.
        rows += _rows(zone, "hte_certified", [date(2019, 12, 31), date(2026, 1, 1)])
        session.add_all(rows)
        await session.flush()

        response = await client.get(
            "/api/v1/statistics/outcomes",
            headers=staff,
            params={"from": "2023-01-01", "to": "2025-12-31"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["previous_from"], body["previous_to"]) == ("2020-01-01", "2022-12-31")
        kinds = {k["kind"]: k for k in body["kinds"]}
        assert [k["kind"] for k in body["kinds"]][:2] == ["hte_certified", "sme_registered"]
        hte = kinds["hte_certified"]
        assert (hte["count"], hte["previous_count"]) == (41, 21)
        assert round(Decimal(hte["count_growth_percent"])) == 95
        assert hte["count_growth_percent"] == "95.2381"  # exact to four places in the API
        assert hte["amount_growth_percent"] is None  # no amounts to compare
        sme = kinds["sme_registered"]
        assert (sme["count"], sme["previous_count"]) == (119, 41)
        assert Decimal(sme["count"]) / sme["previous_count"] > Decimal("2.9")  # nearly 3×
        funding = kinds["funding_awarded"]
        assert (funding["amount"], funding["previous_amount"]) == ("40050000.00", "19440000.00")
        assert round(Decimal(funding["amount_growth_percent"])) == 106
        awards = kinds["competition_award"]
        assert (awards["count"], awards["amount"]) == (16, "5150000.00")
        assert awards["previous_amount"] == "2146000.00"
        assert round(Decimal(awards["amount_growth_percent"])) == 140
        assert body["award_grades"] == [
            {"grade": 1, "count": 4, "previous_count": 1},
            {"grade": 2, "count": 5, "previous_count": 1},
            {"grade": 3, "count": 7, "previous_count": 2},
        ]
        quiet = kinds["little_giant"]
        assert (quiet["count"], quiet["amount"], quiet["count_growth_percent"]) == (0, "0.00", None)

    async def test_firsts_are_the_zones_first_records_in_the_period(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """srdi_little_giant: regional since 2021, first national in 2024 (a first at its
        level, not of its kind); first_of_kind_product first ever in 2025 (both)."""
        staff = await headers_for(session, Role.MANAGER)
        zone = await make_enterprise(session)
        session.add_all(
            _rows(zone, "srdi_little_giant", [date(2021, 3, 1)], level="regional")
            + _rows(zone, "srdi_little_giant", [date(2024, 7, 1)], level="regional")
            + _rows(zone, "srdi_little_giant", [date(2024, 8, 1)], level="national")
            + _rows(zone, "first_of_kind_product", [date(2025, 2, 1)], level="regional")
            + _rows(zone, "first_of_kind_product", [date(2025, 9, 1)], level="regional")
        )
        await session.flush()
        body = (
            await client.get(
                "/api/v1/statistics/outcomes",
                headers=staff,
                params={"from": "2023-01-01", "to": "2025-12-31"},
            )
        ).json()
        firsts = [(f["kind"], f["level"], f["achieved_on"]) for f in body["firsts"]]
        assert firsts == [
            ("srdi_little_giant", "national", "2024-08-01"),
            ("first_of_kind_product", None, "2025-02-01"),
            ("first_of_kind_product", "regional", "2025-02-01"),
        ]

    async def test_the_period_must_run_forwards(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.INTEGRATION)
        assert_problem(
            await client.get(
                "/api/v1/statistics/outcomes",
                headers=staff,
                params={"from": "2025-02-01", "to": "2025-01-01"},
            ),
            422,
            "invalid_period",
        )
        default = await client.get("/api/v1/statistics/outcomes", headers=staff)
        assert default.status_code == 200
        today = clock.today(ZoneInfo("Asia/Shanghai"))
        assert default.json()["period_from"] == date(today.year, 1, 1).isoformat()
