from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Text, cast, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Select

from app.applications.enums import ApplicationStatus, ChecklistItemStatus
from app.applications.lifecycle import OVERDUE_WINDOW
from app.applications.models import (
    Application,
    ApplicationChecklistItem,
    ApplicationTransition,
    Campaign,
    CoachingSession,
)
from app.applications.schemas import ApplicationFilter, CampaignFilter
from app.db import constraint_name, stream_batches
from app.enterprises.models import Enterprise
from app.errors import Conflict, ProblemCode
from app.i18n import _
from app.pagination import SortKey, Sorts, orders

CAMPAIGN_SORTS = Sorts(
    "CampaignSort", orders({"opens_on": Campaign.opens_on}, Campaign.id, newest_first=True)
)
APPLICATION_SORTS = Sorts(
    "ApplicationSort",
    orders({"created_at": Application.created_at}, Application.id, newest_first=True),
)
TRANSITION_ORDER = (SortKey(ApplicationTransition.occurred_at), SortKey(ApplicationTransition.id))
CHECKLIST_ORDER = (
    SortKey(ApplicationChecklistItem.position),
    SortKey(ApplicationChecklistItem.id),
)
COACHING_ORDER = (SortKey(CoachingSession.held_at), SortKey(CoachingSession.id))


class AlreadyApplied(Conflict):
    code = ProblemCode.ALREADY_APPLIED


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def get_campaign(
    session: AsyncSession, campaign_id: uuid.UUID, *, lock: bool = False
) -> Campaign | None:
    stmt = select(Campaign).where(Campaign.id == campaign_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def campaigns_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Campaign]:
    if not ids:
        return {}
    rows = await session.scalars(select(Campaign).where(Campaign.id.in_(set(ids))))
    return {campaign.id: campaign for campaign in rows}


def campaigns(where: CampaignFilter) -> Select[Campaign]:
    stmt = select(Campaign)
    if where.kind is not None:
        stmt = stmt.where(Campaign.kind == where.kind)
    if where.year is not None:
        stmt = stmt.where(Campaign.year == where.year)
    return stmt


async def add_application(session: AsyncSession, application: Application) -> None:
    """Adds it; a second application of the enterprise in the campaign is 409."""
    try:
        async with session.begin_nested():
            session.add(application)
            await session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) == "uq_application_campaign_id_enterprise_id":
            raise AlreadyApplied(
                _("The enterprise already has an application in this campaign.")
            ) from exc
        raise


async def get_application(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> Application | None:
    stmt = select(Application).where(Application.id == application_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


def _missing_items() -> Any:
    return exists().where(
        ApplicationChecklistItem.application_id == Application.id,
        ApplicationChecklistItem.status == ChecklistItemStatus.MISSING.value,
    )


def applications(where: ApplicationFilter) -> Select[Application]:
    """What the list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(Application)
    if where.campaign_id is not None:
        stmt = stmt.where(Application.campaign_id == where.campaign_id)
    if where.enterprise_id is not None:
        stmt = stmt.where(Application.enterprise_id == where.enterprise_id)
    if where.status is not None:
        stmt = stmt.where(Application.status == where.status)
    if where.specialist_id is not None:
        stmt = stmt.where(Application.specialist_id == where.specialist_id)
    of_campaign = []
    if where.kind is not None:
        of_campaign.append(Campaign.kind == where.kind)
    if where.year is not None:
        of_campaign.append(Campaign.year == where.year)
    if where.overdue is not None and where.today is not None:
        # lifecycle.is_overdue in SQL: preparing, an item missing, the internal deadline (the
        # earlier one) within the window.
        overdue = (
            (Application.status == ApplicationStatus.PREPARING.value)
            & _missing_items()
            & (Campaign.internal_deadline_on <= where.today + OVERDUE_WINDOW)
        )
        of_campaign.append(overdue if where.overdue else ~overdue)
    if of_campaign:
        stmt = stmt.join(Campaign, Campaign.id == Application.campaign_id).where(*of_campaign)
    return stmt


async def checklist_counts(
    session: AsyncSession, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    if not application_ids:
        return {}
    stmt = (
        select(
            ApplicationChecklistItem.application_id,
            ApplicationChecklistItem.status,
            func.count(),
        )
        .where(ApplicationChecklistItem.application_id.in_(application_ids))
        .group_by(ApplicationChecklistItem.application_id, ApplicationChecklistItem.status)
    )
    found: dict[uuid.UUID, dict[str, int]] = {}
    for application_id, status, count in await session.execute(stmt):
        found.setdefault(application_id, {})[str(status)] = count
    return found


def transitions(application_id: uuid.UUID) -> Select[ApplicationTransition]:
    return select(ApplicationTransition).where(
        ApplicationTransition.application_id == application_id
    )


def checklist(application_id: uuid.UUID) -> Select[ApplicationChecklistItem]:
    return select(ApplicationChecklistItem).where(
        ApplicationChecklistItem.application_id == application_id
    )


async def get_item(
    session: AsyncSession, application_id: uuid.UUID, code: str
) -> ApplicationChecklistItem | None:
    return await session.scalar(
        checklist(application_id).where(ApplicationChecklistItem.code == code)
    )


def coaching(application_id: uuid.UUID) -> Select[CoachingSession]:
    return select(CoachingSession).where(CoachingSession.application_id == application_id)


async def stream_applications(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Applications with their campaign's kind and year and the enterprise's USCC, in id
    order, in batches through a server-side cursor (the exports)."""
    stmt = (
        select(
            *(c for c in Application.__table__.columns if c.name != "assessment"),
            # As JSON text: one cell in a CSV or a spreadsheet.
            cast(Application.assessment, Text).label("assessment"),
            Campaign.kind.label("kind"),
            Campaign.year.label("year"),
            Enterprise.uscc,
        )
        .join(Campaign, Campaign.id == Application.campaign_id)
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .order_by(Application.id)
    )
    if updated_since is not None:
        stmt = stmt.where(Application.updated_at >= updated_since)
    async for batch in stream_batches(session, stmt):
        yield batch


async def stream_campaigns(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Campaigns in id order, in batches (the exports)."""
    stmt = select(*Campaign.__table__.columns).order_by(Campaign.id)
    if updated_since is not None:
        stmt = stmt.where(Campaign.updated_at >= updated_since)
    async for batch in stream_batches(session, stmt):
        yield batch


async def statistics_rows(
    session: AsyncSession, year: int | None, kind: str | None
) -> tuple[list[Campaign], list[Any]]:
    """The campaigns of the year (and kind), and their applications with their coaching
    sessions and minutes: (application, sessions, minutes)."""
    campaigns_stmt = select(Campaign).order_by(Campaign.opens_on, Campaign.id)
    if year is not None:
        campaigns_stmt = campaigns_stmt.where(Campaign.year == year)
    if kind is not None:
        campaigns_stmt = campaigns_stmt.where(Campaign.kind == kind)
    found = list(await session.scalars(campaigns_stmt))
    if not found:
        return found, []
    coached = (
        select(
            CoachingSession.application_id,
            func.count().label("sessions"),
            func.sum(CoachingSession.minutes).label("minutes"),
        )
        .group_by(CoachingSession.application_id)
        .subquery()
    )
    stmt = (
        select(
            Application,
            func.coalesce(coached.c.sessions, 0),
            func.coalesce(coached.c.minutes, 0),
        )
        .outerjoin(coached, coached.c.application_id == Application.id)
        .where(Application.campaign_id.in_([c.id for c in found]))
        .order_by(Application.created_at, Application.id)
    )
    return found, list((await session.execute(stmt)).all())


async def coaching_by_specialist(
    session: AsyncSession, specialist_ids: Sequence[uuid.UUID], since: datetime, until: datetime
) -> list[Any]:
    """(specialist, application, campaign, sessions, minutes) of the coaching held in
    [since, until) by these specialists."""
    if not specialist_ids:
        return []
    coached = (
        select(
            CoachingSession.specialist_id,
            CoachingSession.application_id,
            func.count().label("sessions"),
            func.sum(CoachingSession.minutes).label("minutes"),
        )
        .where(
            CoachingSession.specialist_id.in_(specialist_ids),
            CoachingSession.held_at >= since,
            CoachingSession.held_at < until,
        )
        .group_by(CoachingSession.specialist_id, CoachingSession.application_id)
        .subquery()
    )
    stmt = (
        select(
            coached.c.specialist_id, Application, Campaign, coached.c.sessions, coached.c.minutes
        )
        .join(Application, Application.id == coached.c.application_id)
        .join(Campaign, Campaign.id == Application.campaign_id)
        .order_by(coached.c.specialist_id, Application.created_at, Application.id)
    )
    return list((await session.execute(stmt)).all())
