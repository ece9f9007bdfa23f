"""The names a screen shows beside the ids of other records (enterprises, specialists), read
for a whole page at once: one statement per kind of record, never one per row."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.enterprises import service as enterprise_service
from app.schemas import Named
from app.visits import repository


@dataclass(frozen=True)
class Names:
    enterprises: dict[uuid.UUID, str] = field(default_factory=dict)
    specialists: dict[uuid.UUID, str] = field(default_factory=dict)

    def enterprise(self, enterprise_id: uuid.UUID) -> str:
        return self.enterprises.get(enterprise_id, "")

    def specialist(self, specialist_id: uuid.UUID | None) -> str | None:
        return None if specialist_id is None else self.specialists.get(specialist_id, "")

    def named_enterprises(self, ids: Iterable[uuid.UUID]) -> list[Named]:
        return [Named(id=i, name=self.enterprise(i)) for i in ids]

    def named_specialists(self, ids: Iterable[uuid.UUID]) -> list[Named]:
        return [Named(id=i, name=self.specialists.get(i, "")) for i in ids]


async def names_of(
    session: AsyncSession,
    enterprise_ids: Iterable[uuid.UUID] = (),
    specialist_ids: Iterable[uuid.UUID | None] = (),
) -> Names:
    wanted = {i for i in specialist_ids if i is not None}
    return Names(
        await enterprise_service.names(session, enterprise_ids),
        await repository.specialist_names(session, wanted) if wanted else {},
    )
