"""What every room of the projects needs: loading a project its viewer may see."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Principal, may_read
from app.errors import NotFound, ProblemCode
from app.i18n import _
from app.projects import repository
from app.projects.models import Project


class ProjectNotFound(NotFound):
    code = ProblemCode.PROJECT_NOT_FOUND


def _given(data: BaseModel, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The validated values themselves, for the ORM: `model_dump` would write amounts as the
    strings they are answered in, and a string compared with a Decimal is a TypeError."""
    return {
        name: getattr(data, name) for name in (type(data).model_fields if names is None else names)
    }


def _visible(project: Project, viewer: Principal) -> bool:
    return may_read(viewer, project.enterprise_id)


async def _load(session: AsyncSession, viewer: Principal, project_id: uuid.UUID) -> Project:
    project = await repository.get_project(session, project_id)
    if project is None or not _visible(project, viewer):
        raise ProjectNotFound(_("project {project_id} does not exist", project_id=project_id))
    return project
