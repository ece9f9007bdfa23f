"""The annual ranking at a cohort of 100k enterprises (two years of reports, a year of visits
and activities).

Target (issue 7): computing and storing a run takes under 10 s and under 1 GB. Printed
beside it: one SQL statement computing the same nine indicators' percentiles with
percent_rank() (the floor no run can beat: it neither scores, orders nor stores). Runs in
its own database.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg

from app.auth.roles import Principal, Role
from app.config import Settings
from app.db import (
    create_database,
    create_engine,
    create_session_factory,
    drop_database,
    with_database,
)
from app.enterprises.uscc import ALPHABET, check_character
from app.migrations import upgrade
from app.pools.enums import Pool
from app.rankings import service
from app.rankings.schemas import RankingRunCreate
from bench.search import asyncpg_args, server_url

COHORT = int(os.environ.get("BENCH_COHORT", "100000"))
YEAR = 2025
ACTIVITIES = 60

FLOOR = """
WITH cohort AS (
    SELECT DISTINCT enterprise_id FROM pool_member
    WHERE pool = 'hte' AND entered_on <= $1 AND (exited_on IS NULL OR exited_on > $1)
), visits AS (
    SELECT enterprise_id, count(*) AS n FROM visit
    WHERE visited_at >= $3 AND visited_at < $4 GROUP BY enterprise_id
), invited AS (
    SELECT i.enterprise_id, count(*) AS invited, count(*) FILTER (WHERE i.attended) AS attended
    FROM activity_invitation i JOIN activity a ON a.id = i.activity_id
    WHERE a.held_on BETWEEN make_date($2, 1, 1) AND make_date($2, 12, 31)
    GROUP BY i.enterprise_id
), figures AS (
    SELECT c.enterprise_id,
           CASE WHEN y.revenue > 0 THEN y.rd_expense / y.revenue END AS rd_intensity,
           CASE WHEN y.employees > 0 THEN y.st_staff::numeric / y.employees END AS st_staff_ratio,
           y.ip_class1_new + 0.25 * y.ip_class2_new AS new_ip,
           y.achievements_transformed AS achievements,
           CASE WHEN p.revenue > 0 THEN y.revenue / p.revenue - 1 END AS revenue_growth,
           CASE WHEN p.net_assets > 0 THEN y.net_assets / p.net_assets - 1 END AS net_asset_growth,
           CASE WHEN i.invited > 0 THEN least(i.attended, i.invited)::numeric / i.invited
                ELSE 0 END AS attendance,
           least(coalesce(v.n, 0), 3) / 3.0 AS visits,
           CASE WHEN y.filed_on <= $5 THEN 1 ELSE 0 END AS timely_report
    FROM cohort c
    LEFT JOIN annual_report y ON y.enterprise_id = c.enterprise_id AND y.year = $2
    LEFT JOIN annual_report p ON p.enterprise_id = c.enterprise_id AND p.year = $2 - 1
    LEFT JOIN visits v ON v.enterprise_id = c.enterprise_id
    LEFT JOIN invited i ON i.enterprise_id = c.enterprise_id
)
SELECT enterprise_id,
       100 * percent_rank() OVER (ORDER BY rd_intensity NULLS FIRST),
       100 * percent_rank() OVER (ORDER BY st_staff_ratio NULLS FIRST),
       100 * percent_rank() OVER (ORDER BY new_ip NULLS FIRST),
       100 * percent_rank() OVER (ORDER BY achievements NULLS FIRST),
       100 * percent_rank() OVER (ORDER BY revenue_growth NULLS FIRST),
       100 * percent_rank() OVER (ORDER BY net_asset_growth NULLS FIRST),
       100 * percent_rank() OVER (ORDER BY attendance NULLS FIRST),
       100 * percent_rank() OVER (ORDER BY visits NULLS FIRST),
       100 * percent_rank() OVER (ORDER BY timely_report NULLS FIRST)
FROM figures
"""

REPORT_COLUMNS = [
    "id",
    "enterprise_id",
    "year",
    "revenue",
    "high_tech_revenue",
    "total_cost",
    "net_assets",
    "total_assets",
    "employees",
    "st_staff",
    "rd_expense",
    "rd_expense_domestic",
    "ip_class1_new",
    "ip_class2_new",
    "achievements_transformed",
    "filed_on",
    "ip_class1",
    "ip_class2",
    "standards_drafted",
    "rd_accounting",
    "rd_institution",
    "transformation_incentives",
    "talent_programs",
    "major_incident",
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def uscc(number: int) -> str:
    digits = []
    for _ in range(9):
        number, rest = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[rest])
    body = "91650200" + "".join(reversed(digits))
    return body + check_character(body)


def report(
    rng: random.Random, enterprise: uuid.UUID, year: int, scale: float
) -> tuple[object, ...]:
    revenue = Decimal(rng.randint(0, 80_000_000) * scale).quantize(Decimal("0.01"))
    rd = (revenue * Decimal(rng.uniform(0, 0.12))).quantize(Decimal("0.01"))
    employees = rng.randint(0, 400)
    return (
        uuid.uuid4(),
        enterprise,
        year,
        revenue,
        (revenue * Decimal("0.6")).quantize(Decimal("0.01")),
        (revenue * Decimal("0.8")).quantize(Decimal("0.01")),
        Decimal(rng.randint(-2_000_000, 40_000_000)),
        Decimal(rng.randint(40_000_000, 90_000_000)),
        employees,
        rng.randint(0, employees),
        rd,
        rd,
        rng.randint(0, 6),
        rng.randint(0, 12),
        rng.randint(0, 5),
        date(year + 1, rng.randint(1, 9), rng.randint(1, 28)),
        rng.randint(0, 20),
        rng.randint(0, 40),
        0,
        True,
        False,
        False,
        False,
        False,
    )


async def load(conn: asyncpg.Connection) -> None:
    started = time.perf_counter()
    rng = random.Random(7)
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in range(COHORT)]
    await conn.copy_records_to_table(
        "enterprise",
        records=[
            (e, uscc(n), f"克拉玛依市基准{n}科技有限公司", [], "active", 1, now, now)
            for n, e in enumerate(ids)
        ],
        columns=["id", "uscc", "name", "tags", "status", "version", "created_at", "updated_at"],
    )
    await conn.copy_records_to_table(
        "pool_member",
        records=[
            (uuid.uuid4(), "hte", e, "cultivating", "active", date(2024, 1, 1), 1, now, now)
            for e in ids
        ],
        columns=[
            "id",
            "pool",
            "enterprise_id",
            "tier",
            "status",
            "entered_on",
            "version",
            "created_at",
            "updated_at",
        ],
    )
    reports = []
    for e in ids:
        if rng.random() < 0.97:  # a few never file: missing values
            reports.append(report(rng, e, YEAR, 1.0))
        if rng.random() < 0.9:
            reports.append(report(rng, e, YEAR - 1, 0.9))
    await conn.copy_records_to_table("annual_report", records=reports, columns=REPORT_COLUMNS)
    visits: list[tuple[object, ...]] = [
        (
            uuid.uuid4(),
            e,
            [uuid.uuid4()],
            datetime(YEAR, rng.randint(1, 12), 10, 2, tzinfo=UTC),
            "coverage",
            "onsite",
            [],
            [],
            1,
            now,
            now,
        )
        for e in ids
        for _ in range(rng.randint(0, 4))
    ]
    await conn.copy_records_to_table(
        "visit",
        records=visits,
        columns=[
            "id",
            "enterprise_id",
            "specialist_ids",
            "visited_at",
            "kind",
            "channel",
            "policies_presented",
            "resources_linked",
            "version",
            "created_at",
            "updated_at",
        ],
    )
    activities = [
        (uuid.uuid4(), "training", f"培训{n}", date(YEAR, 1 + n % 12, 15), "科技局", 1, now, now)
        for n in range(ACTIVITIES)
    ]
    await conn.copy_records_to_table(
        "activity",
        records=activities,
        columns=[
            "id",
            "kind",
            "title",
            "held_on",
            "organiser",
            "version",
            "created_at",
            "updated_at",
        ],
    )
    invitations = []
    for e in ids:
        for activity in rng.sample(activities, rng.randint(0, 5)):
            came = rng.random() < 0.7
            invitations.append(
                (uuid.uuid4(), activity[0], e, came, now if came else None, now, now)
            )
    await conn.copy_records_to_table(
        "activity_invitation",
        records=invitations,
        columns=[
            "id",
            "activity_id",
            "enterprise_id",
            "attended",
            "attendance_recorded_at",
            "created_at",
            "updated_at",
        ],
    )
    await conn.execute("ANALYZE")
    print(
        f"loaded {COHORT} pool enterprises, {len(reports)} reports, {len(visits)} visits, "
        f"{len(invitations)} invitations in {time.perf_counter() - started:.1f} s"
    )


async def run(url: str) -> None:
    await create_database(url, drop_first=True)
    await asyncio.to_thread(upgrade, url)
    conn = await asyncpg.connect(**asyncpg_args(url))
    settings = Settings.model_validate({"database_url": url, "secret_key": "bench-" + "x" * 16})
    engine = create_engine(url, settings)
    actor = Principal(kind="user", id=uuid.uuid4(), role=Role.MANAGER)
    request = RankingRunCreate(pool=Pool.HTE, year=YEAR)
    try:
        await load(conn)
        factory = create_session_factory(engine)
        rss_before = rss_mb()
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            async with factory() as session:
                created, _ = await service.create_run(session, actor, settings, request)
            timings.append(time.perf_counter() - started)
        stored = await conn.fetchval(
            "SELECT count(*) FROM ranking_entry WHERE run_id = $1", created.id
        )
        print(
            f"computing and storing a run of {created.cohort_size} ({stored} entries stored, "
            f"{created.incentive_count} marked, {created.incomplete_count} incomplete): "
            f"{min(timings):.2f} s best of 3, {sorted(timings)[1]:.2f} s median; "
            f"process peak RSS {rss_before:.0f} MB before, {rss_mb():.0f} MB after"
        )
        # Memory apart from timing: tracing allocations slows Python down several times.
        tracemalloc.start()
        async with factory() as session:
            await service.create_run(session, actor, settings, request)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"memory of a run: Python heap peak {peak / 2**20:.0f} MB")
        zone_start = datetime(YEAR, 1, 1, tzinfo=settings.zone)
        zone_end = datetime(YEAR + 1, 1, 1, tzinfo=settings.zone)
        floor_started = time.perf_counter()
        rows = await conn.fetch(
            FLOOR, date(YEAR, 12, 31), YEAR, zone_start, zone_end, date(YEAR + 1, 6, 30)
        )
        floor = time.perf_counter() - floor_started
        print(
            f"floor (one SQL statement, the nine percentiles with percent_rank(), {len(rows)} "
            f"rows): {floor:.2f} s; run / floor = {sorted(timings)[1] / floor:.1f}"
        )
    finally:
        await conn.close()
        await engine.dispose()
        await drop_database(url)


def main() -> None:
    base, server = server_url()
    try:
        asyncio.run(run(with_database(base, "tas_bench_ranking")))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
