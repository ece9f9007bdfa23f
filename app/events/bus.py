from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Principal
from app.events.models import OutboxMessage

E = TypeVar("E", bound="DomainEvent")
Handler = Callable[[AsyncSession, Any], Awaitable[None]]
# A consumer of recorded events, run after the change committed, by the outbox's dispatcher.
LaterHandler = Callable[[AsyncSession, OutboxMessage], Awaitable[None]]


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """Something that happened in a domain. `name` is the event's stable name (the outbox's,
    later the webhooks'); `recorded` says whether it is a change worth keeping in the outbox
    (False for a question put to the subscribers before a change, which they may refuse)."""

    name: ClassVar[str]
    recorded: ClassVar[bool] = True

    def payload(self) -> dict[str, Any]:
        return {field.name: _plain(getattr(self, field.name)) for field in dataclasses.fields(self)}


def _plain(value: Any) -> Any:
    if isinstance(value, Principal):
        return {"kind": value.kind, "id": str(value.id), "role": value.role.value}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID | date | datetime):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return value


_subscribers: dict[type[DomainEvent], list[Handler]] = {}
_later: dict[str, list[LaterHandler]] = {}


def subscribe(event: type[E]) -> Callable[[Callable[[AsyncSession, E], Awaitable[None]]], Handler]:
    """Register the decorated coroutine for `event`; run in order of registration."""

    def register(handler: Callable[[AsyncSession, E], Awaitable[None]]) -> Handler:
        _subscribers.setdefault(event, []).append(handler)
        return handler

    return register


def later(event: type[DomainEvent]) -> Callable[[LaterHandler], LaterHandler]:
    """Register the decorated coroutine as a consumer of `event`'s outbox messages: it runs
    after the change has committed, in the dispatcher's transaction, at least once (a
    consumer that failed is run again), so it must tolerate a repeat."""
    if not event.recorded:
        raise ValueError(f"{event.name} is a question, not recorded: nothing reaches the outbox")

    def register(handler: LaterHandler) -> LaterHandler:
        _later.setdefault(event.name, []).append(handler)
        return handler

    return register


def later_consumers() -> dict[str, list[LaterHandler]]:
    return {name: list(handlers) for name, handlers in _later.items()}


def subscribers(event: type[DomainEvent]) -> list[Handler]:
    return list(_subscribers.get(event, ()))


async def publish(session: AsyncSession, event: DomainEvent) -> None:
    """Run the event's subscribers in the caller's unit of work (one that raises undoes the
    change: nothing has committed), then keep a recorded event in the outbox."""
    for handler in _subscribers.get(type(event), ()):
        await handler(session, event)
    if event.recorded:
        session.add(OutboxMessage(name=event.name, payload=event.payload()))
