"""Tech projects: create, read, update (a decision ends the project-pool membership), the
exports' stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal, own_records_only
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.errors import Conflict, ProblemCode, Unprocessable
from app.events.bus import publish
from app.http import check_if_match
from app.i18n import _
from app.modelkit import apply_changes
from app.pagination import PageParams
from app.projects import repository
from app.projects.enums import APPROVED_STATUSES, NEXT_STATUSES, ProjectStatus
from app.projects.events import ProjectApprovalRevoked, ProjectDecided
from app.projects.models import Project
from app.projects.repository import PROJECT_SORTS as PROJECT_SORTS
from app.projects.schemas import (
    ProjectCreate,
    ProjectFilter,
    ProjectPage,
    ProjectRead,
    ProjectUpdate,
)
from app.projects.service.alerts import _read, _refresh
from app.projects.service.common import _given, _load


async def create_project(
    session: AsyncSession, settings: Settings, actor: Principal, data: ProjectCreate
) -> tuple[ProjectRead, int]:
    await enterprise_service.ensure_visible(session, actor, data.enterprise_id)
    today = clock.today(settings.zone)
    project = Project(**_given(data), alert_reasons=[])
    project.level, project.status = data.level, data.status
    if data.status in APPROVED_STATUSES:
        project.approved_on = _approval_date(data.approved_on, today)
    await repository.add(session, project)
    await _refresh(session, project, settings)
    if project.approved_on is not None:
        await _decided(session, settings, actor, project)
    read = _read(project, today)
    await audit.commit_change(session, actor, "project.create", "project", project.id, after=read)
    return read, project.version


async def project_for_pool(
    session: AsyncSession, viewer: Principal, project_id: uuid.UUID
) -> ProjectRead:
    """For the project pool: the project, or 404 when unknown or not visible."""
    project = await _load(session, viewer, project_id)
    return _read(project, date.min)


async def list_projects(
    session: AsyncSession,
    settings: Settings,
    viewer: Principal,
    where: ProjectFilter,
    page: PageParams,
) -> ProjectPage:
    where = own_records_only(where, viewer)
    today = clock.today(settings.zone)
    fetched = await page.fetch(session, repository.projects(where, today), PROJECT_SORTS)
    return ProjectPage(items=[_read(p, today) for p in fetched.items], **fetched.page_fields())


async def get_project(
    session: AsyncSession, settings: Settings, viewer: Principal, project_id: uuid.UUID
) -> tuple[ProjectRead, int]:
    project = await _load(session, viewer, project_id)
    return _read(project, clock.today(settings.zone)), project.version


async def update_project(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    project_id: uuid.UUID,
    data: ProjectUpdate,
    if_match: str | None,
) -> tuple[ProjectRead, int]:
    project = await _load(session, actor, project_id)
    check_if_match(if_match, project.version)
    today = clock.today(settings.zone)
    before = _read(project, today)
    changes = _given(data, data.model_fields_set)
    if "status" in changes:
        current, wanted = ProjectStatus(project.status), ProjectStatus(changes["status"])
        if wanted != current and wanted not in NEXT_STATUSES[current]:
            raise Conflict(
                _(
                    "A project cannot go from {current} to {wanted}.",
                    current=current.value,
                    wanted=wanted.value,
                ),
                code=ProblemCode.INVALID_STATUS_TRANSITION,
            )
    leaving = before.status is ProjectStatus.APPLYING and changes.get("status", "applying") != (
        ProjectStatus.APPLYING
    )
    if "approved_on" in changes or leaving:
        approved = changes.get("status", project.status) in APPROVED_STATUSES
        if not approved and changes.get("approved_on") is not None:
            raise Unprocessable(
                _("approved_on goes with a project that was approved"),
                code=ProblemCode.NOT_APPROVED,
                loc=["body", "approved_on"],
            )
        if approved:
            changes["approved_on"] = _approval_date(
                changes.get("approved_on") or project.approved_on, today
            )
    apply_changes(project, changes)
    # The request alone was consistent (the schema checks that); with the stored values it
    # may not be, a rule on another record's state.
    if project.end_on < project.start_on:
        raise Unprocessable(
            _("end_on cannot be before start_on."),
            code=ProblemCode.END_BEFORE_START,
            loc=["body", "end_on"],
        )
    if project.disbursed_funding > project.approved_funding:
        raise Unprocessable(
            _("disbursed_funding cannot exceed approved_funding."),
            code=ProblemCode.DISBURSED_OVER_APPROVED,
            loc=["body", "disbursed_funding"],
        )
    await repository.flush(session)
    await _refresh(session, project, settings)
    if before.status is ProjectStatus.APPLYING and project.status != ProjectStatus.APPLYING.value:
        await _leave_project_pool(session, settings, actor, project)
    after = _read(project, today)
    await audit.commit_change(
        session,
        actor,
        "project.update",
        "project",
        project.id,
        before=before,
        after=after,
    )
    return after, project.version


def _approval_date(given: date | None, today: date) -> date:
    if given is not None and given > today:
        raise Unprocessable(
            _("approved_on cannot be in the future."),
            code=ProblemCode.APPROVED_IN_FUTURE,
            loc=["body", "approved_on"],
        )
    return given or today


async def _decided(
    session: AsyncSession, settings: Settings, actor: Principal, project: Project
) -> None:
    """The project left applying, or was recorded past it: approved on its date, or not."""
    decided = ProjectDecided(
        actor=actor,
        project_id=project.id,
        approved=project.approved_on is not None,
        status=str(project.status),
        decided_on=project.approved_on or clock.today(settings.zone),
    )
    await publish(session, decided)


async def _leave_project_pool(
    session: AsyncSession, settings: Settings, actor: Principal, project: Project
) -> None:
    await _decided(session, settings, actor, project)


async def approve_project(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    project_id: uuid.UUID,
    approved_on: date | None,
) -> ProjectRead:
    """An application approved: the project goes from applying to approved on its date, as an
    update to `approved` does (its pool membership ends certified, the ledger records it).
    Part of the caller's unit of work."""
    today = clock.today(settings.zone)
    approved_on = _approval_date(approved_on, today)
    _, after = await _decide(
        session,
        settings,
        actor,
        project_id,
        ProjectStatus.APPLYING,
        ProjectStatus.APPROVED,
        approved_on,
    )
    return after


async def revoke_approval(
    session: AsyncSession, settings: Settings, actor: Principal, project_id: uuid.UUID, reason: str
) -> None:
    """The approval behind the project was withdrawn: it is applying again (only while it is
    `approved`: one already under way is past taking back, 409). Part of the caller's unit of
    work."""
    project, _after = await _decide(
        session, settings, actor, project_id, ProjectStatus.APPROVED, ProjectStatus.APPLYING, None
    )
    revoked = ProjectApprovalRevoked(
        actor=actor, project_id=project.id, reason=reason, revoked_on=clock.today(settings.zone)
    )
    await publish(session, revoked)


async def _decide(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    project_id: uuid.UUID,
    current: ProjectStatus,
    wanted: ProjectStatus,
    approved_on: date | None,
) -> tuple[Project, ProjectRead]:
    """An application's decision moves the project (`current` → `wanted`, 409 from any other
    status), audited in the caller's unit of work."""
    project = await _load(session, actor, project_id)
    today = clock.today(settings.zone)
    if project.status != current.value:
        raise Conflict(
            _(
                "A project cannot go from {current} to {wanted}.",
                current=str(project.status),
                wanted=wanted.value,
            ),
            code=ProblemCode.INVALID_STATUS_TRANSITION,
        )
    before = _read(project, today)
    project.status, project.approved_on = wanted, approved_on
    await repository.flush(session)
    await _refresh(session, project, settings)
    if wanted is ProjectStatus.APPROVED:
        await _decided(session, settings, actor, project)
    after = _read(project, today)
    audit.record(
        session,
        actor,
        "project.update",
        "project",
        project.id,
        before=audit.snapshot(before),
        after=audit.snapshot(after),
    )
    return project, after


def stream_projects(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every project with the colour shown today (override included)."""
    return repository.stream_projects(session, clock.today(settings.zone), updated_since)
