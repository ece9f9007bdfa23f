"""The demo zone's rankings: the hte and sme pools ranked and published for each of the last
two years, so movement and each enterprise's history show."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Principal
from app.config import Settings
from app.errors import Unprocessable
from app.pools.enums import Pool
from app.rankings import repository, service
from app.rankings.schemas import RankingRunCreate, RunFilter


async def seed(session: AsyncSession, settings: Settings, actor: Principal) -> None:
    if (await session.scalars(repository.runs(RunFilter()).limit(1))).first():
        return
    today = clock.today(settings.zone)
    for year in (today.year - 2, today.year - 1):
        for pool in (Pool.HTE, Pool.SME):
            try:
                run, _ = await service.create_run(
                    session, actor, settings, RankingRunCreate(pool=pool, year=year)
                )
            except Unprocessable:
                continue  # no member at the end of that year: nothing to rank
            await service.publish(session, actor, run.id, None)
