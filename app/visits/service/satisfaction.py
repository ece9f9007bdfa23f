"""Satisfaction with the specialists' service."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal
from app.config import Settings
from app.errors import ProblemCode, Unprocessable
from app.i18n import _
from app.visits import repository, rules
from app.visits.models import (
    SatisfactionRating,
)
from app.visits.schemas import (
    RatingCreate,
    RatingRead,
    SatisfactionRead,
    SpecialistSatisfaction,
)
from app.visits.service.demands import DemandNotFound
from app.visits.service.visits import VisitNotFound


async def rate(session: AsyncSession, actor: Principal, data: RatingCreate) -> RatingRead:
    """The enterprise rates a visit or a demand of its own, once."""
    if data.visit_id is not None:
        visit = await repository.get_visit(session, data.visit_id)
        if visit is None or visit.enterprise_id != actor.enterprise_id:
            raise VisitNotFound(_("visit {visit_id} does not exist", visit_id=data.visit_id))
        enterprise_id, credited = visit.enterprise_id, list(visit.specialist_ids)
    else:
        assert data.demand_id is not None
        demand = await repository.get_demand(session, data.demand_id)
        if demand is None or demand.enterprise_id != actor.enterprise_id:
            raise DemandNotFound(_("demand {demand_id} does not exist", demand_id=data.demand_id))
        enterprise_id = demand.enterprise_id
        credited = [demand.specialist_id] if demand.specialist_id else []
    rating = SatisfactionRating(
        visit_id=data.visit_id,
        demand_id=data.demand_id,
        enterprise_id=enterprise_id,
        specialist_ids=credited,
        score=data.score,
        comment=data.comment,
        rated_by=actor.id,
        rated_at=clock.now(),
    )
    await repository.add_rating(session, rating)
    read = RatingRead.model_validate(rating)
    await audit.commit_change(
        session,
        actor,
        "rating.create",
        "satisfaction_rating",
        rating.id,
        after=read,
    )
    return read


async def satisfaction(
    session: AsyncSession, settings: Settings, period_from: date | None, period_to: date | None
) -> SatisfactionRead:
    today = clock.today(settings.zone)
    end = period_to or today
    start = period_from or date(end.year, 1, 1)
    if start > end:
        raise Unprocessable(
            _("period_from is after period_to."),
            code=ProblemCode.INVALID_PERIOD,
            loc=["query", "period_from"],
        )
    zone = settings.zone
    rated = await repository.ratings_between(
        session,
        datetime.combine(start, time.min, zone),
        datetime.combine(end + timedelta(days=1), time.min, zone),
    )
    overall = rules.satisfaction(score for score, _ in rated)
    by_specialist: dict[uuid.UUID, list[int]] = defaultdict(list)
    for score, credited in rated:
        for specialist in credited:
            by_specialist[specialist].append(score)
    specialists = []
    for specialist in sorted(by_specialist, key=str):
        rate_ = rules.satisfaction(by_specialist[specialist])
        specialists.append(
            SpecialistSatisfaction(
                specialist_id=specialist,
                ratings=rate_.denominator,
                satisfied=rate_.numerator,
                rate_percent=rate_.percent,
            )
        )
    return SatisfactionRead(
        period_from=start,
        period_to=end,
        ratings=overall.denominator,
        satisfied=overall.numerator,
        rate_percent=overall.percent,
        specialists=specialists,
    )
