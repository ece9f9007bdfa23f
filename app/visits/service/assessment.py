"""The specialist assessment (科技专员业绩考核)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.config import Settings
from app.pagination import PageParams
from app.visits import repository, rules
from app.visits.schemas import (
    RateRead,
    RoundRate,
    SpecialistScoresPage,
    SpecialistScoresRead,
)
from app.visits.service.specialists import load_specialist
from app.visits.service.visits import round_population, round_window


def _rate_read(rate_: rules.Rate) -> RateRead:
    return RateRead(numerator=rate_.numerator, denominator=rate_.denominator, percent=rate_.percent)


async def _assessments(
    session: AsyncSession, settings: Settings, year: int
) -> list[SpecialistScoresRead]:
    """Every specialist's year, ranked by the composite (ties: on-time, then id)."""
    zone = settings.zone
    since = datetime.combine(date(year, 1, 1), time.min, zone)
    until = datetime.combine(date(year + 1, 1, 1), time.min, zone)
    period_end = min(until, clock.now())
    specialists = await repository.all_specialists(session)
    round_rates: dict[uuid.UUID, list[rules.Rate]] = defaultdict(list)
    visits_of: dict[uuid.UUID, int] = defaultdict(int)
    for round_ in rules.rounds_of(year, settings.round_windows):
        population = await round_population(session, round_.starts_on)
        visited = await repository.visited_between(session, *round_window(round_, settings))
        reached = {enterprise for enterprise, _ in visited}
        for _, visitors in visited:
            for visitor in visitors:
                visits_of[visitor] += 1
        in_care: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for enterprise_id, responsible in await repository.assignments_on(
            session, round_.starts_on
        ):
            if enterprise_id in population:
                in_care[responsible].add(enterprise_id)
        for specialist in specialists:
            round_rates[specialist.id].append(rules.coverage(in_care[specialist.id], reached).rate)
    demands: dict[uuid.UUID, list[tuple[datetime, datetime | None, str]]] = defaultdict(list)
    for specialist_id, raised_at, responded_at, status in await repository.demands_raised_between(
        session, since, until
    ):
        if specialist_id is not None:
            demands[specialist_id].append((raised_at, responded_at, status))
    scores_of: dict[uuid.UUID, list[int]] = defaultdict(list)
    for score, credited in await repository.ratings_between(session, since, until):
        for specialist_id in credited:
            scores_of[specialist_id].append(score)
    scores = [
        rules.SpecialistScores(
            specialist_id=str(specialist.id),
            rounds=tuple(round_rates[specialist.id]),
            on_time=rules.on_time_rate(
                (rules.DemandTimes(r, a) for r, a, _ in demands[specialist.id]), period_end
            ),
            resolution=rules.resolution_rate(status for _, _, status in demands[specialist.id]),
            satisfaction=rules.satisfaction(scores_of[specialist.id]),
        )
        for specialist in specialists
    ]
    names = {str(s.id): s.name for s in specialists}
    return [
        SpecialistScoresRead(
            specialist_id=uuid.UUID(ranked.specialist_id),
            name=names[ranked.specialist_id],
            year=year,
            position=ranked.position,
            rounds=[
                RoundRate(
                    round=number,
                    numerator=rate_.numerator,
                    denominator=rate_.denominator,
                    percent=rate_.percent,
                )
                for number, rate_ in enumerate(ranked.scores.rounds, start=1)
            ],
            coverage_percent=ranked.scores.coverage,
            visits=visits_of[uuid.UUID(ranked.specialist_id)],
            on_time=_rate_read(ranked.scores.on_time),
            resolution=_rate_read(ranked.scores.resolution),
            satisfaction=_rate_read(ranked.scores.satisfaction),
            composite=ranked.composite,
        )
        for ranked in rules.rank_specialists(scores)
    ]


async def assessment(
    session: AsyncSession, settings: Settings, specialist_id: uuid.UUID, year: int
) -> SpecialistScoresRead:
    await load_specialist(session, specialist_id)
    return next(
        a for a in await _assessments(session, settings, year) if a.specialist_id == specialist_id
    )


async def team_ranking(
    session: AsyncSession, settings: Settings, year: int, page: PageParams
) -> SpecialistScoresPage:
    after = page.after(1)
    ranked = [
        a
        for a in await _assessments(session, settings, year)
        if after is None or (a.position or 0) > after[0]
    ]
    items, cursor = page.paginate(ranked, lambda a: (a.position,))
    return SpecialistScoresPage(items=items, next_cursor=cursor)
