"""Migration 0035: runs computed before it get their short-board counts from their entries."""

from __future__ import annotations

import asyncio

import asyncpg

from app.db import drop_database
from app.migrations import upgrade
from tests.conftest import fresh_database
from tests.factories import random_uscc

RUN = """
INSERT INTO ranking_run (id, pool, year, status, weights, top_share, report_deadline, cohort_on,
    cohort_size, incentive_count, incomplete_count, computed_at)
VALUES (gen_random_uuid(), 'hte', 2025, 'draft', '{}', 0.1, '2026-06-30', '2025-12-31', 3, 1,
    0, now())
RETURNING id
"""
ENTERPRISE = """
INSERT INTO enterprise (id, uscc, name, tags, status, version, created_at, updated_at)
VALUES (gen_random_uuid(), $1, $2, '{}', 'active', 1, now(), now()) RETURNING id
"""
ENTRY = """
INSERT INTO ranking_entry (run_id, position, enterprise_id, uscc, name, composite, innovation,
    growth, participation, indicators, short_board, short_board_dimension, incentive,
    data_incomplete)
VALUES ($1, $2, $3, $4, 'x', 1, 1, 1, 1, '{}', '{}', $5, false, false)
"""


async def _load_run(url: str) -> tuple[asyncpg.Connection, object]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    run_id = await conn.fetchval(RUN)
    for position, dimension in enumerate(("growth", "growth", "innovation"), start=1):
        uscc = random_uscc()
        enterprise_id = await conn.fetchval(ENTERPRISE, uscc, f"企业{position}")
        await conn.execute(ENTRY, run_id, position, enterprise_id, uscc, dimension)
    return conn, run_id


class TestShortBoardCountsMigration:
    def test_existing_runs_are_counted(self, server_url: str) -> None:
        url = fresh_database(server_url, "short_boards")
        try:
            upgrade(url, "0034")

            async def load() -> object:
                conn, run_id = await _load_run(url)
                await conn.close()
                return run_id

            run_id = asyncio.run(load())
            upgrade(url)

            async def counts() -> object:
                conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
                try:
                    return await conn.fetchval(
                        "SELECT short_board_counts::text FROM ranking_run WHERE id = $1", run_id
                    )
                finally:
                    await conn.close()

            stored = asyncio.run(counts())
            assert isinstance(stored, str)
            assert stored.replace(" ", "") == '{"growth":2,"innovation":1}'
        finally:
            asyncio.run(drop_database(url))
