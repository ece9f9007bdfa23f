"""The daily alert sweep at 100k monitored projects (5 milestones and 3 reports each).

Target (issue 5): the sweep evaluates them all and writes only the changes in under 15 s
with under 500 MB. Printed beside it: one SQL statement that computes only the expected
percent for every project (the floor no sweep can beat). Runs in its own database.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from app.config import Settings
from app.db import (
    create_database,
    create_engine,
    create_session_factory,
    drop_database,
    with_database,
)
from app.migrations import upgrade
from app.projects import service
from bench.search import asyncpg_args, server_url

PROJECTS = int(os.environ.get("BENCH_PROJECTS", "100000"))
TODAY = date(2026, 6, 15)

FLOOR = """
SELECT p.id,
       coalesce(100 * sum(m.weight) FILTER (WHERE m.due_on <= $1) / nullif(sum(m.weight), 0), 0)
FROM project p JOIN milestone m ON m.project_id = p.id
WHERE p.status IN ('approved', 'in_progress')
GROUP BY p.id
"""


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def load(conn: asyncpg.Connection) -> None:
    started = time.perf_counter()
    rng = random.Random(5)
    enterprise = uuid.uuid4()
    await conn.execute(
        "INSERT INTO enterprise (id, uscc, name, tags, status, version, created_at, updated_at) "
        "VALUES ($1, '91350100M000100Y43', '基准测试企业', '{}', 'active', 1, now(), now())",
        enterprise,
    )
    projects, milestones, reports = [], [], []
    now = datetime.now(UTC)
    for _ in range(PROJECTS):
        project = uuid.uuid4()
        start = TODAY - timedelta(days=rng.randint(30, 500))
        end = start + timedelta(days=rng.randint(400, 900))
        # As the previous day's sweep left them: most green, some yellow and red.
        color = rng.choices(["green", "yellow", "red"], [70, 20, 10])[0]
        projects.append(
            (
                project,
                enterprise,
                "基准项目",
                "city",
                "in_progress",
                Decimal(0),
                Decimal(0),
                start,
                end,
                color,
                "[]",
                1,
            )
        )
        span = (end - start).days
        for step in range(1, 6):
            due = start + timedelta(days=span * step // 6)
            done = due - timedelta(days=2) if due < TODAY and rng.random() < 0.8 else None
            milestones.append((uuid.uuid4(), project, f"阶段{step}", due, Decimal(1), done))
        for step in range(1, 4):
            reported = start + timedelta(days=rng.randint(0, max(0, (TODAY - start).days)))
            reports.append(
                (uuid.uuid4(), project, reported, Decimal(rng.randint(step * 10, step * 30)), now)
            )
    await conn.copy_records_to_table(
        "project",
        records=projects,
        columns=[
            "id",
            "enterprise_id",
            "title",
            "level",
            "status",
            "approved_funding",
            "disbursed_funding",
            "start_on",
            "end_on",
            "alert_color",
            "alert_reasons",
            "alert_policy_version",
        ],
    )
    await conn.copy_records_to_table(
        "milestone",
        records=milestones,
        columns=["id", "project_id", "title", "due_on", "weight", "completed_on"],
    )
    await conn.copy_records_to_table(
        "progress_report",
        records=reports,
        columns=["id", "project_id", "reported_on", "percent", "created_at"],
    )
    await conn.execute("ANALYZE")
    print(
        f"loaded {len(projects)} projects, {len(milestones)} milestones, {len(reports)} reports "
        f"in {time.perf_counter() - started:.1f} s"
    )


async def run(url: str) -> None:
    await create_database(url, drop_first=True)
    await asyncio.to_thread(upgrade, url)
    conn = await asyncpg.connect(**asyncpg_args(url))
    settings = Settings.model_validate({"database_url": url, "secret_key": "bench-" + "x" * 16})
    engine = create_engine(url, settings)
    try:
        await load(conn)
        floor_started = time.perf_counter()
        rows = await conn.fetch(FLOOR, TODAY)
        floor = time.perf_counter() - floor_started
        factory = create_session_factory(engine)
        runs = [
            ("settling sweep (the loaded colours are random)", TODAY - timedelta(days=1)),
            ("daily sweep (a day later: time alone changes some)", TODAY),
            ("second sweep the same day (nothing left to change)", TODAY),
        ]
        timings = {}
        for label, as_of in runs:
            started = time.perf_counter()
            async with factory() as session:
                result = await service.sweep(session, settings, None, as_of)
            elapsed = time.perf_counter() - started
            timings[label] = elapsed
            print(
                f"{label}: {elapsed:.2f} s; evaluated {result.evaluated}, "
                f"colour changed {result.changed}, rewritten {result.updated}"
            )
        first = timings[runs[1][0]]
        # Memory apart from timing: tracing allocations slows Python down several times.
        tracemalloc.start()
        async with factory() as session:
            await service.sweep(session, settings, None, TODAY - timedelta(days=1))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"memory of a sweep that rewrites most projects: Python heap peak {peak / 2**20:.0f} MB"
        )
        print(
            f"floor (one SQL statement, expected percent only, {len(rows)} rows): {floor:.2f} s; "
            f"daily sweep / floor = {first / floor:.1f}"
        )
    finally:
        await conn.close()
        await engine.dispose()
        await drop_database(url)


def main() -> None:
    base, server = server_url()
    try:
        asyncio.run(run(with_database(base, "tas_bench_sweep")))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
