"""A project's milestones and progress reports (each refreshes the alert)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal
from app.config import Settings
from app.errors import NotFound, ProblemCode, Unprocessable
from app.i18n import _
from app.pagination import PageParams, Sorts
from app.projects import repository
from app.projects.models import Milestone, ProgressReport, Project
from app.projects.schemas import (
    MilestoneCreate,
    MilestonePage,
    MilestoneRead,
    MilestoneUpdate,
    ProgressReportCreate,
    ProgressReportPage,
    ProgressReportRead,
)
from app.projects.service.alerts import _refresh
from app.projects.service.common import _given, _load


class MilestoneNotFound(NotFound):
    code = ProblemCode.MILESTONE_NOT_FOUND


def _within(project: Project, due_on: date) -> None:
    if not project.start_on <= due_on <= project.end_on:
        raise Unprocessable(
            _(
                "due_on must lie within the project ({start_on} to {end_on}).",
                start_on=project.start_on,
                end_on=project.end_on,
            ),
            code=ProblemCode.MILESTONE_OUTSIDE_PROJECT,
            loc=["body", "due_on"],
        )


async def add_milestone(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    project_id: uuid.UUID,
    data: MilestoneCreate,
) -> MilestoneRead:
    project = await _load(session, actor, project_id)
    _within(project, data.due_on)
    milestone = Milestone(project_id=project.id, **_given(data))
    await repository.add(session, milestone)
    await _refresh(session, project, settings)
    read = MilestoneRead.model_validate(milestone)
    await audit.commit_change(
        session, actor, "milestone.create", "milestone", milestone.id, after=read
    )
    return read


async def update_milestone(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    project_id: uuid.UUID,
    milestone_id: uuid.UUID,
    data: MilestoneUpdate,
) -> MilestoneRead:
    project = await _load(session, actor, project_id)
    milestone = await repository.get_milestone(session, project.id, milestone_id)
    if milestone is None:
        raise MilestoneNotFound(
            _(
                "project {project_id} has no milestone {milestone_id}",
                project_id=project_id,
                milestone_id=milestone_id,
            )
        )
    before = MilestoneRead.model_validate(milestone)
    changes = _given(data, data.model_fields_set)
    if "due_on" in changes:
        _within(project, changes["due_on"])
    for field, value in changes.items():
        setattr(milestone, field, value)
    await repository.flush(session)
    await _refresh(session, project, settings)
    read = MilestoneRead.model_validate(milestone)
    await audit.commit_change(
        session,
        actor,
        "milestone.update",
        "milestone",
        milestone.id,
        before=before,
        after=read,
    )
    return read


async def list_milestones(
    session: AsyncSession, viewer: Principal, project_id: uuid.UUID, page: PageParams
) -> MilestonePage:
    await _load(session, viewer, project_id)
    fetched = await page.fetch(
        session, repository.project_milestones(project_id), Sorts.single(repository.MILESTONE_ORDER)
    )
    items = fetched.items
    return MilestonePage(
        items=[MilestoneRead.model_validate(m) for m in items], **fetched.page_fields()
    )


async def add_report(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    project_id: uuid.UUID,
    data: ProgressReportCreate,
) -> ProgressReportRead:
    project = await _load(session, actor, project_id)
    if data.reported_on > clock.today(settings.zone):
        raise Unprocessable(
            _("reported_on cannot be in the future."),
            code=ProblemCode.REPORT_IN_FUTURE,
            loc=["body", "reported_on"],
        )
    previous = await repository.latest_report_before(session, project.id, data.reported_on)
    if previous is not None and data.percent < previous.percent and not data.note:
        raise Unprocessable(
            _(
                "The percent falls below the previous report's ({percent}); say why in note.",
                percent=previous.percent,
            ),
            code=ProblemCode.NOTE_REQUIRED,
            loc=["body", "note"],
        )
    report = ProgressReport(project_id=project.id, reported_by=actor.id, **_given(data))
    await repository.add(session, report)
    await _refresh(session, project, settings)
    read = ProgressReportRead.model_validate(report)
    await audit.commit_change(
        session,
        actor,
        "progress_report.create",
        "progress_report",
        report.id,
        after=read,
    )
    return read


async def list_reports(
    session: AsyncSession, viewer: Principal, project_id: uuid.UUID, page: PageParams
) -> ProgressReportPage:
    await _load(session, viewer, project_id)
    fetched = await page.fetch(
        session, repository.project_reports(project_id), Sorts.single(repository.REPORT_ORDER)
    )
    items = fetched.items
    return ProgressReportPage(
        items=[ProgressReportRead.model_validate(r) for r in items], **fetched.page_fields()
    )
