"""Export of 1M enterprises as NDJSON through a running service (its own process, so that
its memory is the service's alone): rows per second, and the service's peak resident memory
before and after (constant memory: the peak must not grow with the rows).
Runs in its own database.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from app.config import PROJECT_ROOT
from app.db import create_database, drop_database, with_database
from app.migrations import upgrade
from bench.imports import random_uscc
from bench.search import asyncpg_args, server_url

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "1000000"))
# ndjson, csv or xlsx (the workbook is written as the rows come, through a deflating zip).
FORMAT = os.environ.get("BENCH_EXPORT_FORMAT", "ndjson")
ADMIN = ("bench-admin@example.com", "bench-admin-password")


async def load(url: str) -> None:
    conn = await asyncpg.connect(**asyncpg_args(url))
    try:
        # Search indexes and the change feed's capture are not what this measures.
        await conn.execute("SELECT change_feed_untrack('enterprise')")
        for index in ("ix_enterprise_name_grams", "ix_enterprise_search_text_prefix"):
            await conn.execute(f"DROP INDEX {index}")
        started = time.perf_counter()
        rng = random.Random(7)
        now = datetime.now(UTC)
        batch: list[tuple[object, ...]] = []
        for n in range(ROWS):
            batch.append(
                (
                    uuid.uuid4(),
                    f"{random_uscc(rng)[:12]}{n:06d}"[:18],
                    f"克拉玛依市导出{n}科技有限公司",
                    "new_materials",
                    ["party_building_model"] if n % 10 == 0 else [],
                    "王建国",
                    "13899905678",
                    "zhengcheng@example.com",
                    "active",
                    1,
                    now,
                    now,
                )
            )
            if len(batch) == 100_000:
                await _copy(conn, batch)
                batch = []
        if batch:
            await _copy(conn, batch)
        await conn.execute("ANALYZE enterprise")
        print(f"loaded {ROWS} enterprises in {time.perf_counter() - started:.1f} s")
    finally:
        await conn.close()


async def _copy(conn: asyncpg.Connection, batch: list[tuple[object, ...]]) -> None:
    await conn.copy_records_to_table(
        "enterprise",
        records=batch,
        columns=[
            "id",
            "uscc",
            "name",
            "tech_field",
            "tags",
            "contact_name",
            "contact_phone",
            "contact_email",
            "status",
            "version",
            "created_at",
            "updated_at",
        ],
    )


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve(url: str, port: int, **settings: str) -> subprocess.Popen[bytes]:
    """The service in a process of its own on `port`, with the bench administrator; extra
    `settings` are environment variables (LOGIN_ADDRESS_MAX_FAILURES="100000")."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + "x" * 16,
        "PORT": str(port),
        "BOOTSTRAP_ADMIN_EMAIL": ADMIN[0],
        "BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1],
        "SEED_DEMO": "false",
        "ALERT_SWEEP_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def export(base: str, pid: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        for _ in range(300):
            try:
                if (await client.get("/health/live")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        token = (
            await client.post(
                "/api/v1/auth/token", data={"username": ADMIN[0], "password": ADMIN[1]}
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        # A small export first, so that the baseline includes every import and warm-up.
        await client.get(
            "/api/v1/exports/enterprises",
            headers=headers,
            params={"updated_since": "2100-01-01T00:00:00Z"},
        )
        before = peak_rss_mb(pid)
        lines = 0
        size = 0
        started = time.perf_counter()
        async with client.stream(
            "GET", "/api/v1/exports/enterprises", headers=headers, params={"format": FORMAT}
        ) as reply:
            assert reply.status_code == 200, reply.status_code
            async for chunk in reply.aiter_raw():
                lines += chunk.count(b"\n")
                size += len(chunk)
        elapsed = time.perf_counter() - started
        after = peak_rss_mb(pid)
    # A workbook's rows are inside its zip: they are the rows loaded.
    rows = ROWS if FORMAT == "xlsx" else lines - (FORMAT == "csv")
    print(
        f"export, {rows} enterprises as {FORMAT} ({size / 2**20:.0f} MB): {elapsed:.1f} s, "
        f"{rows / elapsed:,.0f} rows/s"
    )
    print(
        f"service peak resident memory: {before:.0f} MB before the export, {after:.0f} MB "
        f"after it (the growth is what the export cost: {after - before:.0f} MB)"
    )


@asynccontextmanager
async def served(url: str, **settings: str) -> AsyncIterator[tuple[str, int]]:
    """The service running on `url` (see serve()): its base URL and process id; stopped,
    and the database dropped, at the end."""
    from tests.live import free_port

    port = free_port()
    process = serve(url, port, **settings)
    try:
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        await drop_database(url)


async def run(url: str) -> None:
    await create_database(url, drop_first=True)
    await asyncio.to_thread(upgrade, url)
    await load(url)
    async with served(url) as (base, pid):
        await export(base, pid)


def main() -> None:
    base, server = server_url()
    try:
        asyncio.run(run(with_database(base, "tas_bench_export")))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
