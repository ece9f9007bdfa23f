"""Issue 15: the outbox's dispatcher. Every recorded message reaches its consumers, in order
within a dispatcher, once when nothing fails; dispatchers running side by side split the
messages between them; a consumer that fails undoes only its own message's work and is tried
again, then set aside; a dispatcher that dies leaves its batch to the next; the application
runs the dispatcher by itself. On a database of its own, where commits and row locks are real."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_session_factory
from app.events import repository
from app.events.bus import LaterHandler, later
from app.events.dispatch import dispatch_round
from app.events.models import OutboxMessage
from app.main import create_app
from app.modelkit import utcnow
from app.pools.events import MemberExited
from app.visits.events import PoliciesPresented
from tests.conftest import make_settings, migrated_database

NAME = "achievement.recorded"


@pytest.fixture(scope="module")
def committed_url(server_url: str) -> Iterator[str]:
    with migrated_database(server_url, "outbox") as url:
        yield url


@pytest.fixture
def own_settings(committed_url: str) -> Settings:
    return make_settings(committed_url, outbox_max_attempts=3)


@pytest.fixture
async def factory(own_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    assert own_settings.database_url is not None
    engine = create_engine(own_settings.database_url, own_settings)
    factory = create_session_factory(engine)
    async with factory() as session:  # each test starts from an empty outbox
        await session.execute(delete(OutboxMessage))
        await session.commit()
    yield factory
    await engine.dispose()


async def add_messages(
    factory: async_sessionmaker[AsyncSession], count: int, name: str = NAME
) -> list[int]:
    async with factory() as session:
        rows = [OutboxMessage(name=name, payload={"n": n}) for n in range(count)]
        session.add_all(rows)
        await session.commit()
        return [row.id for row in rows]


async def drain(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    consumers: Mapping[str, Sequence[LaterHandler]],
) -> int:
    """Rounds until one finds nothing; how many rounds did something."""
    rounds = 0
    while True:
        async with factory() as session:
            done, more = await dispatch_round(session, settings, consumers)
        rounds += done > 0
        if done == 0 and not more:
            return rounds


async def undispatched(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as session:
        stmt = select(func.count()).where(OutboxMessage.dispatched_at.is_(None))
        return int(await session.scalar(stmt) or 0)


async def test_every_message_reaches_its_consumers_once_and_in_order(
    factory: async_sessionmaker[AsyncSession], own_settings: Settings
) -> None:
    ids = await add_messages(factory, 250)
    others = await add_messages(factory, 5, name="pool_member.exited")
    seen: list[int] = []

    async def record(_session: AsyncSession, message: OutboxMessage) -> None:
        seen.append(message.id)

    rounds = await drain(factory, own_settings, {NAME: [record]})
    assert rounds == 3  # batches of 100
    assert seen == ids
    # Messages nobody consumes are dispatched too: nothing waits for them.
    assert await undispatched(factory) == 0
    assert len(others) == 5


async def test_dispatchers_side_by_side_split_the_messages_and_none_gets_one_twice(
    factory: async_sessionmaker[AsyncSession], own_settings: Settings
) -> None:
    ids = await add_messages(factory, 400)
    delivered: Counter[int] = Counter()
    by_dispatcher: Counter[int] = Counter()

    def consumer(dispatcher: int) -> LaterHandler:
        async def consume(_session: AsyncSession, message: OutboxMessage) -> None:
            delivered[message.id] += 1
            by_dispatcher[dispatcher] += 1
            await asyncio.sleep(0.001)  # the others run meanwhile

        return consume

    await asyncio.gather(*(drain(factory, own_settings, {NAME: [consumer(d)]}) for d in range(3)))
    assert sorted(delivered) == ids
    assert set(delivered.values()) == {1}
    assert len(by_dispatcher) >= 2, by_dispatcher  # they really ran side by side
    assert await undispatched(factory) == 0


async def test_a_failing_consumer_undoes_only_its_message_and_is_set_aside_at_the_last(
    factory: async_sessionmaker[AsyncSession], own_settings: Settings
) -> None:
    ids = await add_messages(factory, 5)
    poisoned = ids[2]
    calls: Counter[int] = Counter()

    async def consume(session: AsyncSession, message: OutboxMessage) -> None:
        calls[message.id] += 1
        # Work the consumer writes: kept for the good messages, undone for the bad one.
        session.add(OutboxMessage(name="test.written", payload={"for": message.id}))
        await session.flush()
        if message.id == poisoned:
            raise RuntimeError("the receiver is away")

    consumers = {NAME: [consume]}
    async with factory() as session:
        assert await dispatch_round(session, own_settings, consumers) == (4, False)
        message = await session.get(OutboxMessage, poisoned)
        assert message is not None
        assert (message.attempts, message.dispatched_at) == (1, None)
        assert message.last_error == "RuntimeError: the receiver is away"
        written = await session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.name == "test.written")
        )
        assert sorted(p["for"] for p in written) == [i for i in ids if i != poisoned]
    for attempt in (2, 3):
        async with factory() as session:
            done, _ = await dispatch_round(session, own_settings, consumers)
            message = await session.get(OutboxMessage, poisoned)
            assert message is not None and message.attempts == attempt
            # Round 2 also dispatches the four messages the good runs wrote in round 1.
            assert done == {2: 4, 3: 1}[attempt]
        # Set aside after the last allowed attempt, with its reason kept.
        assert (message.dispatched_at is not None) == (attempt == 3)
    assert calls[poisoned] == 3
    assert all(calls[i] == 1 for i in ids if i != poisoned)


async def test_a_dispatcher_that_dies_mid_round_leaves_its_batch_to_the_next(
    factory: async_sessionmaker[AsyncSession], own_settings: Settings
) -> None:
    ids = await add_messages(factory, 30)
    reached = asyncio.Event()
    first: list[int] = []

    async def hang(_session: AsyncSession, message: OutboxMessage) -> None:
        first.append(message.id)
        if len(first) == 10:
            reached.set()
            await asyncio.sleep(3600)

    async def one_round() -> None:
        async with factory() as session:
            await dispatch_round(session, own_settings, {NAME: [hang]})

    dying = asyncio.create_task(one_round())
    await asyncio.wait_for(reached.wait(), 10)
    # While it holds its batch, another dispatcher finds nothing to take.
    async with factory() as session:
        assert await dispatch_round(session, own_settings, {}) == (0, False)
    dying.cancel()
    with pytest.raises(asyncio.CancelledError):
        await dying
    assert await undispatched(factory) == 30
    second: list[int] = []

    async def record(_session: AsyncSession, message: OutboxMessage) -> None:
        second.append(message.id)

    await drain(factory, own_settings, {NAME: [record]})
    assert second == ids  # at least once: the ten the first one saw come again
    assert first == ids[:10]


async def test_the_prune_keeps_what_is_undispatched_or_recent(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    old_done, recent_done, old_waiting = await add_messages(factory, 3)
    async with factory() as session:
        long_ago = utcnow() - timedelta(days=10)
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([old_done, old_waiting]))
            .values(occurred_at=long_ago)
        )
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == old_done).values(dispatched_at=long_ago)
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == recent_done)
            .values(dispatched_at=utcnow() - timedelta(days=1))
        )
        assert await repository.prune(session, 7) == 1
        await session.commit()
        left = await session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id))
        assert list(left) == [recent_done, old_waiting]


async def test_the_application_dispatches_in_the_background(
    factory: async_sessionmaker[AsyncSession], committed_url: str
) -> None:
    settings = make_settings(
        committed_url, outbox_dispatch_enabled=True, outbox_dispatch_seconds=0.05
    )
    await add_messages(factory, 3)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for _ in range(200):
            if await undispatched(factory) == 0:
                break
            await asyncio.sleep(0.05)
    assert await undispatched(factory) == 0


def test_only_recorded_events_have_later_consumers() -> None:
    async def consume(_session: AsyncSession, _message: OutboxMessage) -> None:
        return None

    with pytest.raises(ValueError, match="question"):
        later(PoliciesPresented)(consume)
    assert MemberExited.recorded
