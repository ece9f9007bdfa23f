"""Claims on a database of their own where every session commits for real (no server, so no
reaper takes the jobs): replicas racing for a job, and a run taken over while it stores."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_session_factory
from app.imports import repository, service
from app.imports.enums import ImportFormat, ImportKind, ImportMode
from app.scheduling.leases import Claim
from tests.conftest import make_settings, migrated_database
from tests.factories import random_uscc
from tests.imports.conftest import fetchrow


@pytest.fixture(scope="module")
def committed_url(server_url: str) -> Iterator[str]:
    with migrated_database(server_url, "claims") as url:
        yield url


@pytest.fixture
def own_settings(committed_url: str) -> Settings:
    return make_settings(committed_url)


@pytest.fixture
async def factory(own_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    assert own_settings.database_url is not None
    engine = create_engine(own_settings.database_url, own_settings)
    yield create_session_factory(engine)
    await engine.dispose()


def _dsn(settings: Settings) -> str:
    assert settings.database_url is not None
    return settings.database_url.replace("postgresql+asyncpg://", "postgresql://")


async def _job(
    factory: async_sessionmaker[AsyncSession], settings: Settings, usccs: list[str]
) -> uuid.UUID:
    body = "uscc,name\n" + "".join(f"{u},认领{n}有限公司\n" for n, u in enumerate(usccs))
    async with factory() as session:
        read = await service.create_job(
            session,
            settings,
            None,
            kind=ImportKind.ENTERPRISES,
            mode=ImportMode.ALL_OR_NOTHING,
            fmt=ImportFormat.CSV,
            payload=body.encode(),
        )
    return read.id


class TestClaims:
    async def test_of_replicas_racing_for_a_job_one_claims_it(
        self, factory: async_sessionmaker[AsyncSession], own_settings: Settings
    ) -> None:
        job_id = await _job(factory, own_settings, [random_uscc()])

        async def claim() -> Claim | None:
            async with factory() as session:
                won = await repository.LEASES.claim(session, job_id, uuid.uuid4(), 30)
                await session.commit()
                return won

        claims = await asyncio.gather(*(claim() for _ in range(6)))
        assert [c.attempt for c in claims if c is not None] == [1]

    async def test_a_run_taken_over_while_it_stores_writes_nothing_and_the_next_stores_once(
        self, factory: async_sessionmaker[AsyncSession], own_settings: Settings
    ) -> None:
        usccs = [random_uscc() for _ in range(40)]
        job_id = await _job(factory, own_settings, usccs)

        async def claim_elsewhere() -> None:
            conn = await asyncpg.connect(_dsn(own_settings))
            try:
                await conn.execute(
                    "UPDATE import_job SET claim_id = gen_random_uuid(),"
                    " attempts = attempts + 1, heartbeat_at = now() WHERE id = $1",
                    job_id,
                )
            finally:
                await conn.close()

        def taken_over(phase: str, done: int, total: int) -> None:
            if phase == "stored":
                # Another replica's claim, made while this run's storing transaction is open
                # (as when the run was slow or cut off long enough to look abandoned): the
                # run waits for it, as if it were that slow.
                elsewhere = threading.Thread(target=asyncio.run, args=(claim_elsewhere(),))
                elsewhere.start()
                elsewhere.join(timeout=30)

        assert await service.run_job(factory, own_settings, job_id, taken_over) is True
        counts = (
            "SELECT (SELECT count(*) FROM enterprise WHERE uscc = ANY($1)) AS rows,"
            " (SELECT count(*) FROM audit_event WHERE request_id = $2"
            "  AND action = 'enterprise.create') AS events,"
            " (SELECT count(*) FROM audit_event WHERE action = 'import.finish'"
            "  AND resource_id = $3) AS outcomes,"
            " (SELECT status FROM import_job WHERE id = $4) AS status"
        )
        args = (usccs, f"import:{job_id}", str(job_id), job_id)
        before = await fetchrow(_dsn(own_settings), counts, *args)
        assert tuple(before) == (0, 0, 0, "running")

        # The run holding the job went silent in turn: the next claim runs it to the end.
        conn = await asyncpg.connect(_dsn(own_settings))
        try:
            await conn.execute(
                "UPDATE import_job SET heartbeat_at = now() - interval '1 hour' WHERE id = $1",
                job_id,
            )
        finally:
            await conn.close()
        assert await service.run_job(factory, own_settings, job_id) is True
        after = await fetchrow(_dsn(own_settings), counts, *args)
        assert tuple(after) == (40, 40, 1, "succeeded")
