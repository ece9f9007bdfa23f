"""Bulk import of 100k enterprises, the way the service runs it (a job: parse, check with the
register's schemas, store with one audit event each, change feed captured), beside the floor:
PostgreSQL's COPY of the same rows into the same table. Runs in its own database.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from app.config import Settings
from app.db import (
    create_database,
    create_engine,
    create_session_factory,
    drop_database,
    with_database,
)
from app.enterprises.uscc import ALPHABET, check_character
from app.imports import service
from app.imports.enums import ImportFormat, ImportKind, ImportMode
from app.migrations import upgrade
from bench.search import asyncpg_args, server_url

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
FIELDS = ["new_materials", "aerospace", "electronic_information", "resources_environment"]


def random_uscc(rng: random.Random) -> str:
    body = "91650200" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


def rows() -> list[tuple[str, str, str, str, str]]:
    rng = random.Random(6)
    usccs: set[str] = set()
    while len(usccs) < ROWS:
        usccs.add(random_uscc(rng))
    return [
        (uscc, f"克拉玛依市导入{n}科技有限公司", rng.choice(FIELDS), "13899905678", "高新区")
        for n, uscc in enumerate(sorted(usccs))
    ]


def as_csv(data: list[tuple[str, str, str, str, str]]) -> bytes:
    lines = ["uscc,name,tech_field,contact_phone,district"]
    lines += [",".join(row) for row in data]
    return ("\n".join(lines) + "\n").encode()


async def run(url: str) -> None:
    await create_database(url, drop_first=True)
    await asyncio.to_thread(upgrade, url)
    settings = Settings.model_validate({"database_url": url, "secret_key": "bench-" + "x" * 16})
    engine = create_engine(url, settings)
    conn = await asyncpg.connect(**asyncpg_args(url))
    try:
        data = rows()
        payload = as_csv(data)
        factory = create_session_factory(engine)
        started = time.perf_counter()
        async with factory() as session:
            job = await service.create_job(
                session,
                settings,
                None,
                kind=ImportKind.ENTERPRISES,
                mode=ImportMode.ALL_OR_NOTHING,
                fmt=ImportFormat.CSV,
                payload=payload,
            )
        await service.run_job(factory, settings, job.id)
        imported = time.perf_counter() - started
        async with factory() as session:
            result = await service.get_job(session, job.id)
        assert result.stored == ROWS, result
        print(
            f"import job, {ROWS} enterprises ({len(payload) / 2**20:.1f} MB CSV): "
            f"{imported:.1f} s, {ROWS / imported:,.0f} rows/s (audit events and change feed "
            "included)"
        )

        # The floor: the same rows straight into the same table (indexes, triggers and all).
        await conn.execute("TRUNCATE enterprise CASCADE")
        now = datetime.now(UTC)
        records: list[tuple[object, ...]] = [
            (uuid.uuid4(), uscc, name, field, phone, district, [], "active", 1, now, now)
            for uscc, name, field, phone, district in data
        ]
        started = time.perf_counter()
        await conn.copy_records_to_table(
            "enterprise",
            records=records,
            columns=[
                "id",
                "uscc",
                "name",
                "tech_field",
                "contact_phone",
                "district",
                "tags",
                "status",
                "version",
                "created_at",
                "updated_at",
            ],
        )
        copied = time.perf_counter() - started
        print(
            f"floor, COPY of the same rows: {copied:.1f} s, {ROWS / copied:,.0f} rows/s; "
            f"import / COPY = {imported / copied:.1f}"
        )
    finally:
        await conn.close()
        await engine.dispose()
        await drop_database(url)


def main() -> None:
    base, server = server_url()
    try:
        asyncio.run(run(with_database(base, "tas_bench_import")))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
