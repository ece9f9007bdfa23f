"""Enterprise search at 100k enterprises: the plans (EXPLAIN ANALYZE) and the times.

Target (issue 3): a query of two or more characters uses an index and answers in under
20 ms at the database. Runs on DATABASE_URL's server or the embedded one, in a database
of its own (`tas_bench_search`), dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import time
from typing import Any

import asyncpg
from sqlalchemy.dialects import postgresql

from app.config import PROJECT_ROOT
from app.db import create_database, drop_database, with_database
from app.enterprises.demo import generate
from app.enterprises.repository import list_statement
from app.enterprises.schemas import EnterpriseFilter
from app.migrations import upgrade

ENTERPRISES = int(os.environ.get("BENCH_ENTERPRISES", "100000"))
RUNS = 30
INDEX_USED = re.compile(r"Index (?:Only )?Scan (?:Backward )?(?:using|on) (\w+)")
QUERIES = [
    ("2 Chinese characters", "正诚"),
    ("1 Chinese character", "鑫"),
    ("7 Chinese characters", "克拉玛依市正诚"),
    ("2 common characters", "科技"),
    ("USCC prefix", "91650200A"),
]
COLUMNS = [
    "id",
    "uscc",
    "name",
    "short_name",
    "established_on",
    "district",
    "industry_code",
    "tech_field",
    "tags",
    "contact_name",
    "contact_phone",
    "contact_email",
]


def server_url() -> tuple[str, Any]:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return configured.replace("postgresql://", "postgresql+asyncpg://", 1), None
    from app.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(PROJECT_ROOT / ".data")
    return server.start(), server


def asyncpg_args(url: str) -> dict[str, Any]:
    from sqlalchemy import make_url

    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host
    return {
        "user": parsed.username,
        "password": parsed.password,
        "database": parsed.database,
        "host": host,
        "port": parsed.port,
    }


def compiled(q: str) -> tuple[str, list[Any]]:
    """The repository's own statement for `q`, as SQL and positional parameters."""
    stmt, values = list_statement(EnterpriseFilter(q=q), None, 50)
    compiled_stmt = stmt.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
    names = compiled_stmt.positiontup or []
    bound = compiled_stmt.construct_params(values)
    return str(compiled_stmt), [bound[name] for name in names]


async def load(conn: asyncpg.Connection) -> None:
    started = time.perf_counter()
    rows = []
    for generated in generate(ENTERPRISES, seed=7, years=(2025,)):
        rows.append(tuple(generated.values[column] for column in COLUMNS))
    # generate() starts with the report's named enterprises, so 正诚 has one real answer.
    await conn.copy_records_to_table("enterprise", records=rows, columns=COLUMNS)
    await conn.execute("ANALYZE enterprise")
    print(f"loaded {len(rows)} enterprises in {time.perf_counter() - started:.1f} s")


async def measure(conn: asyncpg.Connection) -> None:
    print(f"\n{'query':<24}{'q':<16}{'rows':>6}{'median ms':>11}{'p95 ms':>9}  index used")
    plans: list[str] = []
    for label, q in QUERIES:
        sql, params = compiled(q)
        times = []
        plan: list[str] = []
        for _ in range(RUNS):
            lines = [
                row[0] for row in await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
            ]
            times.append(float(lines[-1].split(":")[1].split()[0]))
            plan = lines
        rows = len(await conn.fetch(sql, *params))
        used = ", ".join(sorted({m for line in plan for m in INDEX_USED.findall(line)})) or "none"
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{label:<24}{q:<16}{rows:>6}{statistics.median(times):>11.2f}{p95:>9.2f}  {used}")
        plans.append(f"--- {label}: q={q!r}\n" + "\n".join(plan))
    print("\nplans (last run of each):")
    print("\n\n".join(plans))


async def run(url: str) -> None:
    await create_database(url, drop_first=True)
    await asyncio.to_thread(upgrade, url)
    conn = await asyncpg.connect(**asyncpg_args(url))
    try:
        await load(conn)
        await measure(conn)
    finally:
        await conn.close()
        await drop_database(url)


def main() -> None:
    base, server = server_url()
    try:
        asyncio.run(run(with_database(base, "tas_bench_search")))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
