"""`python -m app.cli import`: the same job from a file, with a progress bar."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import asyncpg

from app.config import PROJECT_ROOT
from app.db import drop_database
from app.migrations import upgrade
from tests.conftest import TEST_SECRET, fresh_database
from tests.factories import random_uscc
from tests.test_cli import cli_env


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "import", *args],
        cwd=PROJECT_ROOT,
        env=cli_env(DATABASE_URL=url, SECRET_KEY=TEST_SECRET, SEED_DEMO="false"),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _count(url: str, usccs: list[str]) -> int:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(
            await conn.fetchval("SELECT count(*) FROM enterprise WHERE uscc = ANY($1)", usccs)
        )
    finally:
        await conn.close()


class TestImportCommand:
    def test_valid_only_stores_the_good_rows_and_all_or_nothing_none(
        self, server_url: str, tmp_path: Path
    ) -> None:
        url = fresh_database(server_url, "cli_import")
        try:
            upgrade(url)
            good = [random_uscc(), random_uscc()]
            path = tmp_path / "zone.csv"
            path.write_text(
                # The bad row is wrong twice (its code and its empty name): one row, two errors.
                f"uscc,name\n{good[0]},甲公司\n91350100M000100Y44,\n{good[1]},丙公司\n",
                encoding="utf-8-sig",
            )
            strict = _run(url, "enterprises", str(path))
            assert strict.returncode == 1, strict.stderr
            assert "failed, 0 of 3 rows stored, 1 rejected (2 errors)" in strict.stdout
            assert "line 3: uscc: USCC check_character" in strict.stdout
            assert asyncio.run(_count(url, good)) == 0

            lenient = _run(url, "enterprises", str(path), "--mode", "valid_only")
            assert lenient.returncode == 0, lenient.stderr
            assert "succeeded, 2 of 3 rows stored, 1 rejected (2 errors)" in lenient.stdout
            assert "checked        3/3       [######" in lenient.stderr
            assert asyncio.run(_count(url, good)) == 2
        finally:
            asyncio.run(drop_database(url))
