"""Issue 17 point 8: after recognition, the development report of each year is due by
31 May of the next; two consecutive years late or missing flag the qualification; the third
year makes it due for re-recognition. Table-tested from DOMAIN.md's wording."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Role
from app.config import Settings
from app.enterprises.models import Qualification
from app.enterprises.reporting import (
    ReportingStatus,
    lapsed,
    report_due_on,
    reporting_record,
    third_year,
)
from tests.factories import headers_for, make_enterprise, make_report

ISSUED, VALID_UNTIL = date(2023, 11, 20), date(2026, 11, 19)
ON, LATE, MISSING, AHEAD = (
    ReportingStatus.ON_TIME,
    ReportingStatus.LATE,
    ReportingStatus.MISSING,
    ReportingStatus.NOT_DUE,
)


def test_a_years_report_is_due_by_31_may_of_the_next() -> None:
    assert report_due_on(2024) == date(2025, 5, 31)


@pytest.mark.parametrize(
    ("filed", "today", "statuses", "is_lapsed"),
    [
        pytest.param(
            {2023: date(2024, 5, 31), 2024: date(2025, 5, 1), 2025: date(2026, 3, 1)},
            date(2026, 12, 1),
            [ON, ON, ON, AHEAD],
            False,
            id="every report on time, the last not yet due",
        ),
        pytest.param(
            {2023: date(2024, 6, 1), 2025: date(2026, 5, 31)},
            date(2026, 12, 1),
            [LATE, MISSING, ON, AHEAD],
            True,
            id="a day late, then missing: two consecutive years",
        ),
        pytest.param(
            {2024: date(2025, 5, 30)},
            date(2026, 12, 1),
            [MISSING, ON, MISSING, AHEAD],
            False,
            id="two bad years, not consecutive",
        ),
        pytest.param(
            {},
            date(2025, 5, 31),
            [MISSING, AHEAD, AHEAD, AHEAD],
            False,
            id="the due day itself is still in time",
        ),
        pytest.param(
            {},
            date(2025, 6, 1),
            [MISSING, MISSING, AHEAD, AHEAD],
            True,
            id="the day after, two years are missing",
        ),
    ],
)
def test_the_record_and_the_lapse(
    filed: dict[int, date], today: date, statuses: list[ReportingStatus], is_lapsed: bool
) -> None:
    record = reporting_record(ISSUED, VALID_UNTIL, filed, today)
    assert [entry.year for entry in record] == [2023, 2024, 2025, 2026]
    assert [entry.status for entry in record] == statuses
    assert lapsed(record) is is_lapsed


@pytest.mark.parametrize(
    ("issued_on", "due"),
    [(date(2023, 11, 20), 2025), (date(2024, 1, 1), 2026), (date(2024, 12, 31), 2026)],
)
def test_the_third_year_of_a_recognition(issued_on: date, due: int) -> None:
    assert third_year(issued_on) == due


async def test_a_recognition_shows_its_reporting_and_is_listed_when_due(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """Through the API: the record on the qualification, the lapse flag, and the list of
    recognitions in their third year."""
    staff = await headers_for(session, Role.MANAGER)
    today = clock.today(settings.zone)
    issued = date(today.year - 2, 11, 20)
    lapsing = await make_enterprise(session)
    keeping = await make_enterprise(session)
    for enterprise in (lapsing, keeping):
        session.add(
            Qualification(
                enterprise_id=enterprise.id,
                kind="hte",
                reference=f"GR{issued.year}{enterprise.uscc[-4:]}",
                issued_on=issued,
                valid_until=date(issued.year + 3, 11, 19),
                source="pool_exit",
            )
        )
    # The keeper filed each due year on time; the other filed nothing.
    for year in range(issued.year, today.year):
        await make_report(session, keeping, year, filed_on=date(year + 1, 4, 30))
    await session.flush()

    listed = {}
    for enterprise in (lapsing, keeping):
        answer = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/qualifications", headers=staff
        )
        assert answer.status_code == 200, answer.text
        (listed[enterprise.id],) = answer.json()["items"]
    overdue = [y for y in range(issued.year, today.year) if today > report_due_on(y)]
    assert len(overdue) >= 1
    lapsing_record = listed[lapsing.id]["reporting"]
    assert [r["status"] for r in lapsing_record if r["year"] in overdue] == ["missing"] * len(
        overdue
    )
    assert listed[lapsing.id]["reporting_lapsed"] is (len(overdue) >= 2)
    assert listed[keeping.id]["reporting_lapsed"] is False
    assert {r["status"] for r in listed[keeping.id]["reporting"]} <= {"on_time", "not_due"}
    assert listed[keeping.id]["re_recognition_year"] == today.year

    due = await client.get(
        "/api/v1/qualifications/re-recognition-due",
        headers=staff,
        params={"year": today.year, "include_total": "true"},
    )
    assert due.status_code == 200, due.text
    names = {item["enterprise_name"] for item in due.json()["items"]}
    assert {lapsing.name, keeping.name} <= names
    nothing = await client.get(
        "/api/v1/qualifications/re-recognition-due",
        headers=staff,
        params={"year": today.year + 1},
    )
    assert {lapsing.name, keeping.name} & {
        i["enterprise_name"] for i in nothing.json()["items"]
    } == set()
    refused = await client.get(
        "/api/v1/qualifications/re-recognition-due",
        headers=await headers_for(session, Role.ENTERPRISE, enterprise_id=keeping.id),
    )
    assert refused.status_code == 403
