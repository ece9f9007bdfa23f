from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from app.changes.registry import ChangeOperation, FeedResourceName
from app.schemas import Schema


class ChangeRead(Schema):
    cursor: str = Field(description="Pass as `after` to resume right after this change")
    resource: FeedResourceName
    id: uuid.UUID = Field(description="The changed resource's id")
    operation: ChangeOperation
    version: int | None = Field(description="The resource's version after the change (its ETag)")
    changed_at: datetime = Field(description="When the writing transaction started")


class ChangePage(Schema):
    items: list[ChangeRead]
    next_cursor: str = Field(
        description="Pass as `after` on the next poll; never null: with no new changes it is "
        "the cursor you sent"
    )
    has_more: bool = Field(description="true: more changes are ready now; false: poll later")
