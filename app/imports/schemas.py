from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field

from app.imports.enums import ImportFormat, ImportKind, ImportMode, ImportStatus
from app.pagination import Page
from app.schemas import Schema


class ImportRowErrorRead(Schema):
    line: int = Field(description="1-based line of the uploaded file (CSV: the header is 1)")
    field: str | None = Field(description="The column or JSON field at fault, if one")
    message: str


class ImportRowErrorPage(Page[ImportRowErrorRead]):
    pass


class ImportJobSummary(Schema):
    """An import as the list of jobs shows it (its rejected rows are the job's own read)."""

    id: uuid.UUID
    kind: ImportKind
    mode: ImportMode
    format: ImportFormat
    status: ImportStatus = Field(
        description="`pending` → `running` → `succeeded` (rows stored; in `valid_only` the "
        "bad ones listed) or `failed` (nothing stored)"
    )
    total: int = Field(description="Rows in the file (known once the job has read it)")
    processed: int = Field(description="Rows checked so far")
    stored: int = Field(description="Rows written")
    error_count: int
    failure: str | None = Field(description="Why the job failed as a whole, if it did")
    attempts: int = Field(
        description="Runs begun: a run whose replica died or lost the database is followed "
        "by another (any replica takes the job over); when the last allowed run fails too "
        "the job ends `failed` and `failure` says why"
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportJobRead(ImportJobSummary):
    errors: list[ImportRowErrorRead] = Field(
        description=f"The first rejected rows in line order (at most {1000}; `error_count` "
        "counts all; `GET …/{id}/errors` pages through every one)"
    )


class ImportJobPage(Page[ImportJobSummary]):
    pass


# What the list of jobs may be narrowed by.
@dataclass(frozen=True)
class ImportJobFilter:
    kind: str | None = None
    status: str | None = None
