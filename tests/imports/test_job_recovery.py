"""Import jobs always end, and store their rows exactly once: the service runs as its own
process, killed with SIGKILL, stopped with SIGTERM, or cut off from its database (through a
proxy) in the middle of a job, then started again."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import make_url

from app.db import drop_database
from app.migrations import upgrade
from tests.conftest import fresh_database
from tests.factories import random_uscc
from tests.imports.conftest import fetchrow
from tests.imports.processes import DatabaseProxy, ServerProcess

ROWS = 20_000  # a job of several seconds on the shared machine, stored in one transaction
ENDS_WITHIN = 120.0  # seconds after the restart
# Quick timings where the test is not about the defaults.
QUICK = {"IMPORT_HEARTBEAT_SECONDS": "1", "IMPORT_STALE_SECONDS": "3"}


@dataclass
class Scene:
    url: str
    dsn: str
    logs: Path
    usccs: list[str]
    body: bytes

    def server(self, name: str, database_url: str | None = None, **settings: str) -> ServerProcess:
        return ServerProcess(database_url or self.url, self.logs / f"{name}.log", **settings)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record:
        return await fetchrow(self.dsn, sql, *args)

    async def job(self, job_id: str) -> asyncpg.Record:
        return await self.fetchrow(
            "SELECT status, stored, total, processed, attempts, failure, last_error,"
            " heartbeat_at, claim_id FROM import_job WHERE id = $1",
            job_id,
        )

    async def stored(self, job_id: str) -> tuple[int, int, int, int]:
        """Rows of the file registered, their audit events (all, distinct), job outcomes."""
        row = await self.fetchrow(
            "SELECT (SELECT count(*) FROM enterprise WHERE uscc = ANY($1)) AS rows,"
            " (SELECT count(*) FROM audit_event WHERE action = 'enterprise.create'"
            "  AND request_id = $2) AS events,"
            " (SELECT count(DISTINCT resource_id) FROM audit_event"
            "  WHERE action = 'enterprise.create' AND request_id = $2) AS distinct_events,"
            " (SELECT count(*) FROM audit_event WHERE action = 'import.finish'"
            "  AND resource_id = $3) AS outcomes",
            self.usccs,
            f"import:{job_id}",
            job_id,
        )
        return row["rows"], row["events"], row["distinct_events"], row["outcomes"]

    async def wait_for(self, job_id: str, done: str, seconds: float) -> asyncpg.Record:
        """The job once the condition (SQL over import_job) holds; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            # `done` is this module's own SQL, never input.
            sql = f"SELECT {done} AS ok FROM import_job WHERE id = $1"  # noqa: S608
            row = await self.fetchrow(sql, job_id)
            if row["ok"]:
                return await self.job(job_id)
            assert time.monotonic() < deadline, (
                f"not within {seconds} s: {done}: {await self.job(job_id)}"
            )
            await asyncio.sleep(0.1)

    def upload(self, server: ServerProcess) -> str:
        response = httpx.post(
            f"{server.url}/api/v1/imports/enterprises",
            headers={**server.token(), "Content-Type": "text/csv"},
            content=self.body,
            timeout=60,
        )
        assert response.status_code == 202, response.text
        job_id: str = response.json()["id"]
        return job_id

    async def mid_store(self, job_id: str) -> None:
        """Every row checked, and the server's storing transaction inserting the file's rows
        (nothing of it committed yet): the moment to strike."""
        await self.wait_for(job_id, "status = 'running' AND total > 0 AND processed = total", 90)
        conn = await asyncpg.connect(self.dsn)
        try:
            deadline = time.monotonic() + 60
            while not await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                " AND query LIKE '%INSERT INTO enterprise (%'"
            ):
                assert time.monotonic() < deadline, "the rows were never being stored"
                await asyncio.sleep(0.02)
        finally:
            await conn.close()

    async def assert_stored_once(self, job_id: str, server: ServerProcess) -> None:
        """Ended `succeeded` through the API, every row and its audit event exactly once."""
        headers = server.token()
        deadline = time.monotonic() + ENDS_WITHIN
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
            while True:
                job = (await client.get(f"/api/v1/imports/{job_id}")).json()
                if job["status"] in ("succeeded", "failed"):
                    break
                assert time.monotonic() < deadline, f"still {job['status']}: {job}"
                await asyncio.sleep(0.2)
        assert (job["status"], job["stored"], job["error_count"]) == ("succeeded", ROWS, 0), job
        assert await self.stored(job_id) == (ROWS, ROWS, ROWS, 1)


@pytest.fixture
def scene(server_url: str, tmp_path: Path) -> Iterator[Scene]:
    url = fresh_database(server_url, "recovery")
    upgrade(url)
    rng = random.Random(13)
    usccs: set[str] = set()
    while len(usccs) < ROWS:
        usccs.add(random_uscc(rng))
    ordered = sorted(usccs)
    body = "uscc,name,tech_field\n" + "".join(
        f"{uscc},克拉玛依市恢复{n}有限公司,new_materials\n" for n, uscc in enumerate(ordered)
    )
    try:
        yield Scene(
            url,
            url.replace("postgresql+asyncpg://", "postgresql://"),
            tmp_path,
            ordered,
            body.encode(),
        )
    finally:
        asyncio.run(drop_database(url))


def _no_lost_task(*servers: ServerProcess) -> None:
    for server in servers:
        assert "Task exception was never retrieved" not in server.output()
        assert "Traceback" not in server.output()


class TestJobRecovery:
    async def test_kill_9_mid_job_then_restart_stores_every_row_once(self, scene: Scene) -> None:
        """With the default timings: the job is taken over within a minute of its silence."""
        with scene.server("first") as first:
            job_id = scene.upload(first)
            await scene.mid_store(job_id)
            first.kill()
        # The run died before its commit: nothing of it is stored, the job looks running.
        assert await scene.stored(job_id) == (0, 0, 0, 0)
        assert (await scene.job(job_id))["status"] == "running"
        restarted_at = time.monotonic()
        with scene.server("second") as second:
            await scene.assert_stored_once(job_id, second)
            taken_over_in = time.monotonic() - restarted_at
        job = await scene.job(job_id)
        assert job["attempts"] == 2
        assert taken_over_in < ENDS_WITHIN
        _no_lost_task(second)

    async def test_sigterm_hands_the_job_back_and_the_restart_runs_it_at_once(
        self, scene: Scene
    ) -> None:
        with scene.server("first", **QUICK) as first:
            job_id = scene.upload(first)
            await scene.mid_store(job_id)
            assert first.terminate() == 0
        job = await scene.job(job_id)
        # Handed back: waiting, no heartbeat, no claim, and the interrupted run not counted.
        assert (job["status"], job["heartbeat_at"], job["claim_id"], job["attempts"]) == (
            "pending",
            None,
            None,
            0,
        )
        assert await scene.stored(job_id) == (0, 0, 0, 0)
        assert "handed back at shutdown" in first.output()
        # Stale timings far beyond the test: only the hand-back lets the restart run it.
        with scene.server(
            "second", IMPORT_HEARTBEAT_SECONDS="1", IMPORT_STALE_SECONDS="600"
        ) as second:
            await scene.wait_for(job_id, "status <> 'pending'", 15)
            await scene.assert_stored_once(job_id, second)
        assert (await scene.job(job_id))["attempts"] == 1
        _no_lost_task(first, second)

    async def test_a_database_outage_mid_job_is_survived(self, scene: Scene) -> None:
        address = make_url(scene.url)
        socket_dir = address.query.get("host")
        target = socket_dir if isinstance(socket_dir, str) else address.host or "127.0.0.1"
        with DatabaseProxy(target, address.port or 5432) as proxy:
            through_proxy = address.set(
                host="127.0.0.1", port=proxy.port, query={}
            ).render_as_string(hide_password=False)
            with scene.server("only", through_proxy, **QUICK) as server:
                job_id = scene.upload(server)
                await scene.mid_store(job_id)
                proxy.cut()
                await asyncio.sleep(4)  # longer than the job may stay silent
                proxy.restore()
                await scene.assert_stored_once(job_id, server)
                job = await scene.job(job_id)
                assert job["attempts"] == 2
                assert "database did not answer" in job["last_error"]
                # The replica serves again.
                async with httpx.AsyncClient(timeout=10) as client:
                    health = await client.get(f"{server.url}/health/ready")
                assert health.status_code == 200
            _no_lost_task(server)

    async def test_a_job_whose_runs_keep_dying_ends_failed_with_the_reason(
        self, scene: Scene
    ) -> None:
        """Three runs, each killed (a file that brings its replica down, say): then the job
        ends `failed`, saying why, and stores nothing."""
        with scene.server("run-1", **QUICK) as server:
            job_id = scene.upload(server)
            await scene.wait_for(job_id, "attempts = 1 AND status = 'running'", 30)
            server.kill()
        for attempt in (2, 3):
            with scene.server(f"run-{attempt}", **QUICK) as server:
                await scene.wait_for(job_id, f"attempts = {attempt} AND status = 'running'", 60)
                server.kill()
        with scene.server("last", **QUICK) as server:
            await scene.wait_for(job_id, "status = 'failed'", 60)
            async with httpx.AsyncClient(headers=server.token(), timeout=30) as client:
                response = await client.get(f"{server.url}/api/v1/imports/{job_id}")
        job = response.json()
        assert (job["status"], job["stored"], job["attempts"]) == ("failed", 0, 3), job
        assert job["failure"] == (
            "given up after 3 attempts; the last: its replica stopped (no heartbeat for 3 s)"
        )
        assert job["finished_at"] is not None
        assert await scene.stored(job_id) == (0, 0, 0, 1)
        _no_lost_task(server)
