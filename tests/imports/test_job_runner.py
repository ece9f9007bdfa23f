"""The job runner on the rolled-back test database: sessions run one after another, as the
runner opens them, so they share the test's connection safely."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.roles import Principal, Role
from app.config import Settings
from app.enterprises.models import Enterprise
from app.imports import service
from app.imports.enums import ImportFormat, ImportKind, ImportMode
from app.imports.models import ImportJob
from app.modelkit import utcnow
from tests.factories import make_user, random_uscc


async def _job(
    session: AsyncSession, settings: Settings, usccs: list[str]
) -> tuple[ImportJob, Principal]:
    manager = await make_user(session, Role.MANAGER)
    actor = Principal(kind="user", id=manager.id, role=Role.MANAGER)
    body = "uscc,name\n" + "".join(f"{u},企业{n}\n" for n, u in enumerate(usccs))
    read = await service.create_job(
        session,
        settings,
        actor,
        kind=ImportKind.ENTERPRISES,
        mode=ImportMode.ALL_OR_NOTHING,
        fmt=ImportFormat.CSV,
        payload=body.encode(),
    )
    job = await session.get(ImportJob, read.id)
    assert job is not None
    return job, actor


class TestJobRunner:
    async def test_a_job_whose_replica_went_silent_is_taken_over(
        self,
        session: AsyncSession,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
    ) -> None:
        usccs = [random_uscc(), random_uscc()]
        job, _ = await _job(session, settings, usccs)
        await session.execute(
            update(ImportJob)
            .where(ImportJob.id == job.id)
            .values(status="running", heartbeat_at=utcnow() - timedelta(minutes=6))
        )
        await session.commit()
        worker = service.new_worker(session_factory, settings)
        await worker.reap_once()
        assert list(worker.runs) == [job.id]
        assert await asyncio.gather(*worker.runs.values()) == [True]
        read = await service.get_job(session, job.id)
        assert (read.status.value, read.stored, read.processed) == ("succeeded", 2, 2)
        assert read.attempts == 1
        stored = await session.scalar(
            select(func.count()).select_from(Enterprise).where(Enterprise.uscc.in_(usccs))
        )
        assert stored == 2
        finished = await session.get(ImportJob, job.id, populate_existing=True)
        assert finished is not None and finished.payload is None  # the upload is let go

    async def test_a_job_another_replica_is_running_is_left_alone(
        self,
        session: AsyncSession,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
    ) -> None:
        job, _ = await _job(session, settings, [random_uscc()])
        await session.execute(
            update(ImportJob)
            .where(ImportJob.id == job.id)
            .values(status="running", heartbeat_at=utcnow() - timedelta(seconds=10))
        )
        await session.commit()
        assert await service.run_job(session_factory, settings, job.id) is False
        read = await service.get_job(session, job.id)
        assert (read.status.value, read.stored) == ("running", 0)
