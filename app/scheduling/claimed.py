"""Running claimed rows (see `leases`): one run beside its heartbeat, what happens when it
fails, is taken over or is stopped by a shutdown, and each replica's worker that starts the
rows it is given and takes over those nobody runs."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import is_database_down
from app.i18n import EN, Sentence
from app.scheduling.leases import Claim, Leases

logger = logging.getLogger(__name__)

# Shutdown waits this long for a run to be handed back.
HAND_BACK_SECONDS = 5.0
# Recording a failure while the database is away: backoff from 0.5 s to 10 s, ~30 min in all.
SETTLE_FIRST_DELAY = 0.5
SETTLE_MAX_DELAY = 10.0
SETTLE_TRIES = 200


class ClaimLost(Exception):
    """Another run took the row over (this one went silent), or the row has ended."""


@dataclass(frozen=True)
class Timing:
    heartbeat_seconds: float
    stale_seconds: float
    max_attempts: int


async def stop_tasks(*tasks: asyncio.Task[Any]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class Run:
    """One run of one claimed row: its heartbeat, its hand-back and its settling. The work
    itself is the caller's (`supervise`); `label` names the row in the logs."""

    def __init__(
        self,
        leases: Leases[Any],
        factory: async_sessionmaker[AsyncSession],
        timing: Timing,
        row_id: uuid.UUID,
        claim_id: uuid.UUID,
        claim: Claim,
        label: str,
    ) -> None:
        self.leases = leases
        self.factory = factory
        self.timing = timing
        self.row_id = row_id
        self.claim_id = claim_id
        self.claim = claim
        self.label = label

    @property
    def last_allowed(self) -> bool:
        return self.claim.attempt >= self.timing.max_attempts

    async def holds(self, session: AsyncSession, **values: Any) -> bool:
        """Write `values` with a heartbeat in the caller's transaction, if the run still
        holds the row."""
        return await self.leases.beat(session, self.row_id, self.claim_id, **values)

    async def beat(self, **values: Any) -> None:
        """Heartbeat (and `values`), committed on their own so that readers see them."""
        async with self.factory() as session:
            held = await self.holds(session, **values)
            await session.commit()
        if not held:
            raise ClaimLost

    async def keep_alive(self) -> None:
        """Beat every few seconds, whatever the run is doing, until the claim is lost: a
        database that does not answer only skips beats (the run itself then fails)."""
        while True:
            await asyncio.sleep(self.timing.heartbeat_seconds)
            try:
                await self.beat()
            except ClaimLost:
                return
            except Exception as exc:
                if not is_database_down(exc):
                    logger.exception("%s: heartbeat failed", self.label)

    async def supervise(
        self,
        work: Coroutine[Any, Any, None],
        end: Callable[[Sentence], Awaitable[None]],
    ) -> None:
        """The work beside its heartbeat. Cancelled (shutdown): the row is handed back. Taken
        over: it stops, writing nothing. Failed: the reason is recorded once the database
        answers, and the row handed back for another attempt, or, at the last, `end`ed."""
        working = asyncio.create_task(work)
        alive = asyncio.create_task(self.keep_alive())
        try:
            await asyncio.wait({working, alive}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            await stop_tasks(working, alive)
            await self.hand_back_at_shutdown()
            raise
        if not working.done():  # the heartbeat found the claim gone
            await stop_tasks(working, alive)
            logger.warning("%s was taken over; this run stops", self.label)
            return
        await stop_tasks(alive)
        failure = working.exception()
        if failure is None or isinstance(failure, ClaimLost):
            return
        if is_database_down(failure):
            logger.warning("%s: the database did not answer", self.label)
        else:
            logger.error("%s failed", self.label, exc_info=failure)
        await self.settle(failure_reason(failure), end)

    async def hand_back_at_shutdown(self) -> None:
        """Release the row so that another replica (or this one, restarted) runs it at once;
        if the database does not answer in time, a reaper takes it over once it is silent."""
        try:
            async with asyncio.timeout(HAND_BACK_SECONDS), self.factory() as session:
                await self.leases.hand_back(session, self.row_id, self.claim_id, error=None)
                await session.commit()
            logger.info("%s handed back at shutdown", self.label)
        except Exception:
            logger.warning("%s could not be handed back", self.label)

    async def settle(self, reason: Sentence, end: Callable[[Sentence], Awaitable[None]]) -> None:
        """Record why the run stopped, retrying until the database answers (backoff): the
        row waits again for its next attempt, or, at the last, `end(reason)` closes it."""
        delay = SETTLE_FIRST_DELAY
        broken = 0  # tries that failed for another reason than the database being away
        for _ in range(SETTLE_TRIES):
            try:
                if self.last_allowed:
                    await end(gave_up(self.claim.attempt, reason))
                else:
                    async with self.factory() as session:
                        await self.leases.hand_back(
                            session, self.row_id, self.claim_id, error=reason.render(EN)
                        )
                        await session.commit()
                    logger.info("%s handed back after: %s", self.label, reason)
                return
            except ClaimLost:
                return
            except Exception as exc:
                if not is_database_down(exc):
                    logger.exception("%s: recording its failure failed", self.label)
                    broken += 1
                    if broken == 3:
                        break
            await asyncio.sleep(delay)
            delay = min(delay * 2, SETTLE_MAX_DELAY)
        # Still silent: the row's heartbeat has stopped, so a reaper takes it over.


def failure_reason(error: BaseException) -> Sentence:
    if is_database_down(error):
        return Sentence("the database did not answer ({error})", error=error.__class__.__name__)
    return Sentence("the job stopped: {error}", error=error.__class__.__name__)


def gave_up(attempts: int, reason: Sentence | str) -> Sentence:
    """`reason`: a sentence, or the last error a row kept (stored in English)."""
    return Sentence(
        "given up after {attempts} attempts; the last: {reason}", attempts=attempts, reason=reason
    )


async def claim_run(
    leases: Leases[Any],
    factory: async_sessionmaker[AsyncSession],
    timing: Timing,
    row_id: uuid.UUID,
    label: str,
) -> Run | None:
    """A run of the row if it is free (waiting, or its run went silent); None when another
    run holds it or it has ended."""
    claim_id = uuid.uuid4()
    async with factory() as session:
        claim = await leases.claim(session, row_id, claim_id, timing.stale_seconds)
        await session.commit()
    if claim is None:
        return None
    return Run(leases, factory, timing, row_id, claim_id, claim, label)


class Worker:
    """A replica's runs of one table's rows: those it is handed (`run`), and those its reaper
    takes over (waiting ones, and running ones whose heartbeat stopped), at most `capacity`
    of the reaper's at once."""

    def __init__(
        self,
        name: str,
        factory: async_sessionmaker[AsyncSession],
        every: float,
        capacity: int,
        free: Callable[[AsyncSession, int], Awaitable[list[uuid.UUID]]],
        run: Callable[[uuid.UUID], Coroutine[Any, Any, object]],
    ) -> None:
        self.name = name
        self.factory = factory
        self.every = every
        self.capacity = capacity
        self.free = free
        self._run = run
        self.runs: dict[uuid.UUID, asyncio.Task[object]] = {}
        self.reaper: asyncio.Task[None] | None = None

    def run(self, row_id: uuid.UUID) -> None:
        """Run the row in the background, unless this replica runs it already."""
        if row_id in self.runs:
            return
        task = asyncio.create_task(self._run(row_id))
        # The loop keeps only weak references to tasks: hold one until it is done.
        self.runs[row_id] = task
        task.add_done_callback(lambda done: self._done(row_id, done))

    def _done(self, row_id: uuid.UUID, task: asyncio.Task[object]) -> None:
        if self.runs.get(row_id) is task:
            del self.runs[row_id]
        if not task.cancelled() and (error := task.exception()) is not None:
            # The claim found no database: the reaper tries again.
            logger.warning("%s %s not started: %r", self.name, row_id, error)

    def begin(self) -> None:
        self.reaper = asyncio.create_task(self.reap())

    async def reap(self) -> None:
        while True:
            try:
                await self.reap_once()
            except Exception as exc:
                if not is_database_down(exc):
                    logger.exception("%s reaper failed", self.name)
            await asyncio.sleep(self.every)

    async def reap_once(self) -> None:
        """Start the free rows, oldest first, while fewer than `capacity` run here."""
        room = self.capacity - len(self.runs)
        if room <= 0:
            return
        async with self.factory() as session:
            free = await self.free(session, room + len(self.runs))
        for row_id in free:
            if len(self.runs) >= self.capacity:
                break
            self.run(row_id)

    async def stop(self) -> None:
        """Shutdown: the reaper stops and the running rows are handed back."""
        tasks = [*self.runs.values(), *([self.reaper] if self.reaper is not None else [])]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=HAND_BACK_SECONDS + 1)
