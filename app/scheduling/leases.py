"""Rows that one run at a time works on, across every worker of every replica: an import job
now, a delivery later. A run claims its row with one conditional UPDATE (of runs racing for it
one wins), beats while it works, and conditions every write on its claim; a row whose
heartbeat went silent (its replica died) is free again, and the next claim takes it over, so
the run that was taken over writes nothing more. Time is the database's, the clock every
replica shares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Text,
    Uuid,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from app.modelkit import UUIDKey


class Leased(UUIDKey):
    """The columns of a row that runs claim (a mixin for the row's model)."""

    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A running row's run touches this; a stale one was abandoned by a replica that died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The run that holds the row, new at each claim: a run whose claim was taken over finds
    # its id gone, and every write it makes matches nothing.
    claim_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Runs begun (a run handed back at shutdown is not counted); when the last allowed run
    # fails too, last_error says why it stopped.
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


L = TypeVar("L", bound=Leased)


@dataclass(frozen=True)
class Claim:
    attempt: int  # 1 for the row's first run
    last_error: str | None  # why the run before stopped, if one did


@dataclass(frozen=True)
class Leases(Generic[L]):
    """The claims on one table: `status` is the row's status column, `waiting` the status of
    a row no run has yet, `running` that of a claimed one."""

    model: type[L]
    status: InstrumentedAttribute[Any]
    waiting: StrEnum
    running: StrEnum

    def free(self, stale_seconds: float) -> ColumnElement[bool]:
        """Nobody runs the row: it waits, or its run's heartbeat went silent."""
        silent = or_(
            self.model.heartbeat_at.is_(None),
            self.model.heartbeat_at < func.now() - timedelta(seconds=stale_seconds),
        )
        return or_(self.status == self.waiting, (self.status == self.running) & silent)

    def held(self, row_id: uuid.UUID, claim_id: uuid.UUID) -> ColumnElement[bool]:
        """The run `claim_id` still holds the row (it was not taken over, nor ended)."""
        return (
            (self.model.id == row_id)
            & (self.model.claim_id == claim_id)
            & (self.status == self.running)
        )

    async def claim(
        self, session: AsyncSession, row_id: uuid.UUID, claim_id: uuid.UUID, stale_seconds: float
    ) -> Claim | None:
        """Take the row if it is free, as run `claim_id`; None when another run holds it or
        it has ended."""
        model = self.model
        stmt = (
            update(model)
            .where(model.id == row_id, self.free(stale_seconds))
            .values(
                {
                    self.status: self.running,
                    model.claim_id: claim_id,
                    model.attempts: model.attempts + 1,
                    # A running row is free only when its run went silent: say so, should
                    # this be the row's last attempt.
                    model.last_error: case(
                        (
                            self.status == self.running,
                            literal(f"its replica stopped (no heartbeat for {stale_seconds:g} s)"),
                        ),
                        else_=model.last_error,
                    ),
                    model.started_at: func.now(),
                    model.heartbeat_at: func.now(),
                }
            )
            .returning(model.attempts, model.last_error)
        )
        row = (await session.execute(stmt)).one_or_none()
        return None if row is None else Claim(row.attempts, row.last_error)

    async def free_rows(
        self,
        session: AsyncSession,
        stale_seconds: float,
        limit: int,
        oldest_first: InstrumentedAttribute[Any],
    ) -> list[uuid.UUID]:
        """Rows nobody runs, by `oldest_first`: waiting ones, and those whose run went silent."""
        stmt = select(self.model.id).where(self.free(stale_seconds))
        return list(await session.scalars(stmt.order_by(oldest_first).limit(limit)))

    async def beat(
        self, session: AsyncSession, row_id: uuid.UUID, claim_id: uuid.UUID, **values: Any
    ) -> bool:
        """Heartbeat (and whatever else the run records with it); False when the run no
        longer holds the row."""
        stmt = (
            update(self.model)
            .where(self.held(row_id, claim_id))
            .values(heartbeat_at=func.now(), **values)
            .returning(self.model.id)
        )
        return (await session.execute(stmt)).scalar_one_or_none() is not None

    async def hand_back(
        self,
        session: AsyncSession,
        row_id: uuid.UUID,
        claim_id: uuid.UUID,
        *,
        error: str | None,
    ) -> bool:
        """Release the row for the next run at once: after a failure (`error`, the run
        counted), or at shutdown (no error: the run is not counted). False when the run no
        longer held it."""
        model = self.model
        values: dict[Any, Any] = {
            self.status: self.waiting,
            model.claim_id: None,
            model.heartbeat_at: None,
        }
        if error is None:
            values[model.attempts] = model.attempts - 1
        else:
            values[model.last_error] = error
        stmt = update(model).where(self.held(row_id, claim_id)).values(values)
        return (await session.execute(stmt.returning(model.id))).scalar_one_or_none() is not None
