"""Bulk imports as jobs in PostgreSQL: upload → 202 and a job; any replica runs it (claimed
with a conditional UPDATE, kept alive by a heartbeat, taken over when its replica dies).

Rows are checked with the register's own schemas (`EnterpriseCreate`, `AnnualReportWrite`,
the USCC rules), then against the database (codes already registered, unknown enterprises,
years already filed, repeats within the file). `all_or_nothing` stores nothing when any row
is bad; `valid_only` stores the good rows. The stored rows, their audit events and the job's
outcome commit in one transaction, so a row is never half written and a job never claims rows
it did not store.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.auth.roles import Principal, Role
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.enterprises.schemas import AnnualReportWrite, EnterpriseCreate
from app.enterprises.service import RD_ORG_FIELDS
from app.enterprises.uscc import InvalidUSCC, normalize_uscc
from app.errors import NotFound, PayloadTooLarge, Unprocessable, is_database_down
from app.imports import repository
from app.imports.enums import ImportFormat, ImportKind, ImportMode, ImportStatus
from app.imports.models import ImportJob
from app.imports.parsing import Limits, RowError, SourceRow, UnreadableFile, parse
from app.imports.schemas import ImportJobRead, ImportRowErrorPage, ImportRowErrorRead
from app.modelkit import utcnow
from app.pagination import PageParams

logger = logging.getLogger(__name__)

ERRORS_SHOWN = 1000
CHECK_BATCH = 2000
# Jobs a replica's reaper runs at once (uploads start at once whatever the count).
REAPER_JOBS = 2
# Shutdown waits this long for a job to be handed back.
HAND_BACK_SECONDS = 5.0
# Recording a failure while the database is away: backoff from 0.5 s to 10 s, ~30 min in all.
SETTLE_FIRST_DELAY = 0.5
SETTLE_MAX_DELAY = 10.0
SETTLE_TRIES = 200
# (phase, done, total): phase is `checked` or `stored`.
Progress = Callable[[str, int, int], None]


class ImportJobNotFound(NotFound):
    code = "import_job_not_found"


class TooManyRows(PayloadTooLarge):
    code = "too_many_rows"


@dataclass(frozen=True)
class Checked:
    line: int
    value: Any  # EnterpriseCreate, or (enterprise_id, year, AnnualReportWrite)


async def create_job(
    session: AsyncSession,
    settings: Settings,
    actor: Principal | None,
    *,
    kind: ImportKind,
    mode: ImportMode,
    fmt: ImportFormat,
    payload: bytes,
) -> ImportJobRead:
    if not payload.strip():
        raise Unprocessable("The file is empty.", code="empty_file", loc=["body"])
    # Lines bound rows from above (a CSV cell may span lines, never the reverse).
    if payload.count(b"\n") > settings.import_max_rows + 1:
        raise TooManyRows(f"An import holds at most {settings.import_max_rows} rows.")
    job = await repository.add(
        session,
        ImportJob(
            id=uuid.uuid4(),
            kind=kind.value,
            mode=mode.value,
            format=fmt.value,
            status=ImportStatus.PENDING.value,
            total=0,
            processed=0,
            stored=0,
            error_count=0,
            created_by=actor.id if actor is not None and actor.kind == "user" else None,
            created_by_role=actor.role.value if actor is not None else None,
            payload=payload,
        ),
    )
    read = _read(job, [])
    audit.record(
        session,
        actor,
        "import.create",
        "import_job",
        job.id,
        after=read.model_dump(mode="json") | {"bytes": len(payload)},
    )
    await session.commit()
    return read


def _read(job: ImportJob, errors: list[Any]) -> ImportJobRead:
    return ImportJobRead(
        id=job.id,
        kind=ImportKind(job.kind),
        mode=ImportMode(job.mode),
        format=ImportFormat(job.format),
        status=ImportStatus(job.status),
        total=job.total,
        processed=job.processed,
        stored=job.stored,
        error_count=job.error_count,
        errors=[ImportRowErrorRead(line=e.line, field=e.field, message=e.message) for e in errors],
        failure=job.failure,
        attempts=job.attempts or 0,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> ImportJobRead:
    job = await repository.get(session, job_id)
    if job is None:
        raise ImportJobNotFound(f"import job {job_id} does not exist")
    return _read(job, await repository.errors_of(session, job_id, ERRORS_SHOWN))


async def list_errors(
    session: AsyncSession, job_id: uuid.UUID, page: PageParams
) -> ImportRowErrorPage:
    if await repository.get(session, job_id) is None:
        raise ImportJobNotFound(f"import job {job_id} does not exist")
    rows = await repository.errors_of(session, job_id, page.limit + 1, page.after(2))
    items, cursor = page.paginate(rows, lambda e: (e.line, e.id))
    return ImportRowErrorPage(
        items=[ImportRowErrorRead(line=e.line, field=e.field, message=e.message) for e in items],
        next_cursor=cursor,
    )


# --- Running a job ---------------------------------------------------------------------------


def _field_errors(line: int, error: ValidationError, prefix: str = "") -> list[RowError]:
    out = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        out.append(RowError(line, prefix + ".".join(loc) if loc else None, item["msg"]))
    return out


def _check_enterprise(row: SourceRow) -> tuple[EnterpriseCreate | None, list[RowError]]:
    try:
        return EnterpriseCreate.model_validate(row.values), []
    except ValidationError as exc:
        return None, _field_errors(row.line, exc)


def _check_report(
    row: SourceRow, years: tuple[int, int], text: bool
) -> tuple[tuple[str, int, AnnualReportWrite] | None, list[RowError]]:
    values = dict(row.values)
    errors: list[RowError] = []
    raw_uscc, raw_year = values.pop("uscc", None), values.pop("year", None)
    uscc: str | None = None
    try:
        uscc = normalize_uscc(str(raw_uscc)) if raw_uscc is not None else None
        if uscc is None:
            errors.append(RowError(row.line, "uscc", "Field required"))
    except InvalidUSCC as exc:
        errors.append(RowError(row.line, "uscc", f"USCC {exc.rule}: {exc}"))
    year: int | None = None
    try:
        year = int(str(raw_year)) if raw_year is not None else None
        if year is None:
            errors.append(RowError(row.line, "year", "Field required"))
        elif not years[0] <= year <= years[1]:
            errors.append(RowError(row.line, "year", f"must be {years[0]} to {years[1]}"))
            year = None
    except ValueError:
        errors.append(RowError(row.line, "year", "must be a whole number"))
    # The export's flat R&D organisation columns load back into the API's `rd_org`.
    flat = {name: values.pop(name) for name in RD_ORG_FIELDS if name in values}
    if flat:
        values["rd_org"] = {**values.get("rd_org", {}), **flat}
    try:
        # A CSV cell is text ("86", "true"), as the API's strict counts and flags are not.
        validate = (
            AnnualReportWrite.model_validate_strings if text else AnnualReportWrite.model_validate
        )
        report = validate(values)
    except ValidationError as exc:
        return None, errors + _field_errors(row.line, exc)
    if errors or uscc is None or year is None:
        return None, errors
    return (uscc, year, report), []


class ClaimLost(Exception):
    """Another run took the job over (this one went silent), or the job has ended."""


class _Job:
    """One run of one job: its claim, its sessions, its counters and its progress reports."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        job: ImportJob,
        claim: repository.Claim,
        claim_id: uuid.UUID,
        progress: Progress | None,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.job = job
        self.claim = claim
        self.claim_id = claim_id
        self.progress = progress
        self.total = 0
        self.actor = (
            Principal(kind="user", id=job.created_by, role=Role(job.created_by_role))
            if job.created_by is not None and job.created_by_role is not None
            else None
        )

    async def beat(self, **values: Any) -> None:
        """Progress and heartbeat, committed on their own so that readers see them."""
        async with self.factory() as session:
            held = await repository.progress(session, self.job.id, self.claim_id, **values)
            await session.commit()
        if not held:
            raise ClaimLost

    async def keep_alive(self) -> None:
        """Beat every few seconds, whatever the run is doing, until the claim is lost: a
        database that does not answer only skips beats (the run itself then fails)."""
        while True:
            await asyncio.sleep(self.settings.import_heartbeat_seconds)
            try:
                await self.beat()
            except ClaimLost:
                return
            except Exception as exc:
                if not is_database_down(exc):
                    logger.exception("import job %s: heartbeat failed", self.job.id)

    def tell(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)

    async def supervise(self) -> None:
        """The run beside its heartbeat. Cancelled (shutdown): the job is handed back. Taken
        over: it stops, writing nothing. Failed: the reason is recorded once the database
        answers, and the job handed back for another attempt, or ended at the last."""
        work = asyncio.create_task(self.run())
        alive = asyncio.create_task(self.keep_alive())
        try:
            await asyncio.wait({work, alive}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            await _stop(work, alive)
            await self.hand_back_at_shutdown()
            raise
        if not work.done():  # the heartbeat found the claim gone
            await _stop(work, alive)
            logger.warning("import job %s was taken over; this run stops", self.job.id)
            return
        await _stop(alive)
        failure = work.exception()
        if failure is None or isinstance(failure, ClaimLost):
            return
        if is_database_down(failure):
            logger.warning("import job %s: the database did not answer", self.job.id)
        else:
            logger.error("import job %s failed", self.job.id, exc_info=failure)
        await self.settle(_reason(failure))

    async def hand_back_at_shutdown(self) -> None:
        """Release the job so that another replica (or this one, restarted) runs it at once;
        if the database does not answer in time, the reaper takes it over once it is silent."""
        try:
            async with asyncio.timeout(HAND_BACK_SECONDS), self.factory() as session:
                await repository.hand_back(session, self.job.id, self.claim_id, error=None)
                await session.commit()
            logger.info("import job %s handed back at shutdown", self.job.id)
        except Exception:
            logger.warning("import job %s could not be handed back", self.job.id)

    async def settle(self, reason: str) -> None:
        """Record why the run stopped, retrying until the database answers (backoff): the
        job goes back to `pending` for its next attempt, or, at the last, ends `failed`."""
        delay = SETTLE_FIRST_DELAY
        broken = 0  # tries that failed for another reason than the database being away
        for _ in range(SETTLE_TRIES):
            try:
                if self.claim.attempt >= self.settings.import_max_attempts:
                    await self.finish([], stored=0, failure=_gave_up(self.claim.attempt, reason))
                else:
                    async with self.factory() as session:
                        await repository.hand_back(
                            session, self.job.id, self.claim_id, error=reason
                        )
                        await session.commit()
                    logger.info("import job %s handed back after: %s", self.job.id, reason)
                return
            except ClaimLost:
                return
            except Exception as exc:
                if not is_database_down(exc):
                    logger.exception("import job %s: recording its failure failed", self.job.id)
                    broken += 1
                    if broken == 3:
                        break
            await asyncio.sleep(delay)
            delay = min(delay * 2, SETTLE_MAX_DELAY)
        # Still silent: the job's heartbeat has stopped, so a reaper takes it over.

    async def give_up(self) -> None:
        """The claim found a job whose runs all failed: it ends here, with the last reason."""
        attempts = self.claim.attempt - 1  # this claim runs nothing
        reason = self.claim.last_error or "its replica stopped"
        await self.finish([], stored=0, failure=_gave_up(attempts, reason), attempts=attempts)

    async def run(self) -> None:
        limits = Limits(self.settings.import_max_line_chars, self.settings.import_max_depth)
        try:
            # A thread: reading a large file must not hold up the replica's requests.
            rows, errors = await asyncio.to_thread(
                parse, self.job.payload or b"", ImportFormat(self.job.format), limits
            )
        except UnreadableFile as exc:
            await self.finish([], stored=0, failure=str(exc))
            return
        total = len(rows) + len(errors)
        if total > self.settings.import_max_rows:
            await self.finish(
                [], stored=0, failure=f"more than {self.settings.import_max_rows} rows"
            )
            return
        self.total = total
        await self.beat(total=total, processed=0)
        checked, row_errors = await self.check(rows, total, len(errors))
        errors += row_errors
        errors.sort(key=lambda e: e.line)
        if errors and self.job.mode == ImportMode.ALL_OR_NOTHING.value:
            await self.finish(errors, stored=0)
            return
        await self.store(checked, errors)

    async def check(
        self, rows: list[SourceRow], total: int, unreadable: int
    ) -> tuple[list[Checked], list[RowError]]:
        valid: list[Checked] = []
        errors: list[RowError] = []
        years = enterprise_service.report_year_range(self.settings)
        kind = ImportKind(self.job.kind)
        text = ImportFormat(self.job.format) is ImportFormat.CSV
        for start in range(0, len(rows), CHECK_BATCH):
            for row in rows[start : start + CHECK_BATCH]:
                if kind is ImportKind.ENTERPRISES:
                    value, found = _check_enterprise(row)
                else:
                    value, found = _check_report(row, years, text)  # type: ignore[assignment]
                if value is not None:
                    valid.append(Checked(row.line, value))
                errors += found
            done = unreadable + min(start + CHECK_BATCH, len(rows))
            await self.beat(processed=done)
            self.tell("checked", done, total)
            await asyncio.sleep(0)  # a long check never starves the replica's requests
        async with self.factory() as session:
            if kind is ImportKind.ENTERPRISES:
                valid, more = await _against_register(session, valid)
            else:
                valid, more = await _against_reports(session, valid)
        return valid, errors + more

    async def store(self, checked: list[Checked], errors: list[RowError]) -> None:
        request_id = f"import:{self.job.id}"
        kind = ImportKind(self.job.kind)

        async def stored_so_far(count: int) -> None:
            await self.beat()
            self.tell("stored", count, len(checked))

        async with self.factory() as session:
            try:
                if kind is ImportKind.ENTERPRISES:
                    wanted = [c.value for c in checked]
                    codes = await enterprise_service.import_enterprises(
                        session, self.actor, wanted, request_id=request_id, on_batch=stored_so_far
                    )
                    skipped = [c for c in checked if c.value.uscc not in codes]
                else:
                    reports = [c.value for c in checked]
                    stored_keys = await enterprise_service.import_reports(
                        session,
                        self.settings,
                        self.actor,
                        reports,
                        request_id=request_id,
                        on_batch=stored_so_far,
                    )
                    skipped = [c for c in checked if (c.value[0], c.value[1]) not in stored_keys]
                if skipped:
                    # Written by someone else between the check and the write.
                    errors = sorted(
                        errors
                        + [
                            RowError(c.line, None, "stored meanwhile by another writer")
                            for c in skipped
                        ],
                        key=lambda e: e.line,
                    )
                    if self.job.mode == ImportMode.ALL_OR_NOTHING.value:
                        await session.rollback()
                        await self.finish(errors, stored=0)
                        return
                await self.finish(errors, stored=len(checked) - len(skipped), session=session)
            except Exception:
                await session.rollback()
                raise

    async def finish(
        self,
        errors: list[RowError],
        *,
        stored: int,
        failure: str | None = None,
        session: AsyncSession | None = None,
        attempts: int | None = None,
    ) -> None:
        """The outcome, committed with the stored rows when there are any (`session`), and
        only while this run holds the job (ClaimLost otherwise: nothing is written)."""
        failed = failure is not None or (
            bool(errors) and self.job.mode == ImportMode.ALL_OR_NOTHING.value
        )
        if session is None:
            async with self.factory() as own:
                await self._outcome(own, errors, stored, failure, failed, attempts)
        else:
            await self._outcome(session, errors, stored, failure, failed, attempts)

    async def _outcome(
        self,
        session: AsyncSession,
        errors: list[RowError],
        stored: int,
        failure: str | None,
        failed: bool,
        attempts: int | None,
    ) -> None:
        await repository.add_errors(
            session, self.job.id, [(e.line, e.field, e.message) for e in errors]
        )
        values: dict[str, Any] = {
            "status": (ImportStatus.FAILED if failed else ImportStatus.SUCCEEDED).value,
            "stored": stored,
            "error_count": len(errors),
            "failure": failure,
            "finished_at": utcnow(),
            "payload": None,  # the upload is not kept once the job is over
        }
        if failure is None:
            values["processed"] = self.total
        if attempts is not None:
            values["attempts"] = attempts
        # Taken over meanwhile: the rows and errors of this transaction are rolled back, so
        # the run that holds the job stores them once.
        if not await repository.progress(session, self.job.id, self.claim_id, **values):
            await session.rollback()
            raise ClaimLost
        audit.record(
            session,
            self.actor,
            "import.finish",
            "import_job",
            self.job.id,
            after={"status": values["status"], "stored": stored, "error_count": len(errors)},
        )
        await session.commit()


async def _against_register(
    session: AsyncSession, valid: list[Checked]
) -> tuple[list[Checked], list[RowError]]:
    """Codes already registered, or repeated within the file, are errors."""
    usccs = [c.value.uscc for c in valid]
    taken = await enterprise_service.registered(session, usccs)
    first_line: dict[str, int] = {}
    kept: list[Checked] = []
    errors: list[RowError] = []
    for c in valid:
        uscc = c.value.uscc
        if uscc in taken:
            errors.append(RowError(c.line, "uscc", f"{uscc} is already registered"))
        elif uscc in first_line:
            errors.append(RowError(c.line, "uscc", f"{uscc} repeats line {first_line[uscc]}"))
        else:
            first_line[uscc] = c.line
            kept.append(c)
    return kept, errors


async def _against_reports(
    session: AsyncSession, valid: list[Checked]
) -> tuple[list[Checked], list[RowError]]:
    """Reports of unknown enterprises, years already filed or repeated are errors."""
    ids = await enterprise_service.registered(session, sorted({c.value[0] for c in valid}))
    filed = await enterprise_service.filed_years(session, sorted(set(ids.values())))
    first_line: dict[tuple[str, int], int] = {}
    kept: list[Checked] = []
    errors: list[RowError] = []
    for c in valid:
        uscc, year, report = c.value
        key = (uscc, year)
        if uscc not in ids:
            errors.append(RowError(c.line, "uscc", f"no enterprise is registered as {uscc}"))
        elif (ids[uscc], year) in filed:
            errors.append(RowError(c.line, "year", f"{uscc} has filed {year} already"))
        elif key in first_line:
            errors.append(RowError(c.line, "year", f"{uscc} {year} repeats line {first_line[key]}"))
        else:
            first_line[key] = c.line
            kept.append(Checked(c.line, (ids[uscc], year, report)))
    return kept, errors


def _reason(error: BaseException) -> str:
    if is_database_down(error):
        return f"the database did not answer ({error.__class__.__name__})"
    return f"the job stopped: {error.__class__.__name__}"


def _gave_up(attempts: int, reason: str) -> str:
    return f"given up after {attempts} attempts; the last: {reason}"


async def _stop(*tasks: asyncio.Task[Any]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def run_job(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    job_id: uuid.UUID,
    progress: Progress | None = None,
) -> bool:
    """Run the job if it is free (waiting, or its runner went silent); False when another
    run holds it or it has ended. Never raises but for cancellation (the job is handed back)."""
    claim_id = uuid.uuid4()
    async with factory() as session:
        claim = await repository.claim(session, job_id, claim_id, settings.import_stale_seconds)
        await session.commit()
        job = await repository.get(session, job_id) if claim is not None else None
    if claim is None or job is None:
        return False
    runner = _Job(factory, settings, job, claim, claim_id, progress)
    if claim.attempt > settings.import_max_attempts:
        try:
            await runner.give_up()
        except Exception:
            # Left running and silent: the next claim gives up again.
            logger.warning("import job %s: could not end it", job_id)
        return True
    await runner.supervise()
    return True


async def run_to_end(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    job_id: uuid.UUID,
    progress: Progress | None = None,
) -> None:
    """Run the job here until it has ended, its failed runs tried again up to the attempts
    allowed (the command line's import, which has no reaper to do that)."""
    while True:
        await run_job(factory, settings, job_id, progress)
        async with factory() as session:
            job = await repository.get(session, job_id)
        if job is None or job.status in (ImportStatus.SUCCEEDED.value, ImportStatus.FAILED.value):
            return
        await asyncio.sleep(settings.import_heartbeat_seconds)


class Worker:
    """A replica's import jobs: those it took the upload of, and those its reaper takes over
    (waiting ones, and running ones whose heartbeat stopped), on every replica."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.factory = factory
        self.settings = settings
        self.jobs: dict[uuid.UUID, asyncio.Task[bool]] = {}
        self.reaper: asyncio.Task[None] | None = None

    def run(self, job_id: uuid.UUID) -> None:
        """Run the job in the background, unless this replica runs it already."""
        if job_id in self.jobs:
            return
        task = asyncio.create_task(run_job(self.factory, self.settings, job_id))
        # The loop keeps only weak references to tasks: hold one until it is done.
        self.jobs[job_id] = task
        task.add_done_callback(lambda done: self._done(job_id, done))

    def _done(self, job_id: uuid.UUID, task: asyncio.Task[bool]) -> None:
        if self.jobs.get(job_id) is task:
            del self.jobs[job_id]
        if not task.cancelled() and (error := task.exception()) is not None:
            # The claim found no database: the reaper tries again.
            logger.warning("import job %s not started: %r", job_id, error)

    def begin(self) -> None:
        self.reaper = asyncio.create_task(self.reap())

    async def reap(self) -> None:
        while True:
            try:
                await self.reap_once()
            except Exception as exc:
                if not is_database_down(exc):
                    logger.exception("import reaper failed")
            await asyncio.sleep(self.settings.import_heartbeat_seconds)

    async def reap_once(self) -> None:
        """Start the free jobs, oldest first, while fewer than REAPER_JOBS run here."""
        room = REAPER_JOBS - len(self.jobs)
        if room <= 0:
            return
        async with self.factory() as session:
            free = await repository.free_jobs(
                session, self.settings.import_stale_seconds, room + len(self.jobs)
            )
        for job_id in free:
            if len(self.jobs) >= REAPER_JOBS:
                break
            self.run(job_id)

    async def stop(self) -> None:
        """Shutdown: the reaper stops and the running jobs are handed back."""
        tasks = [*self.jobs.values(), *([self.reaper] if self.reaper is not None else [])]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=HAND_BACK_SECONDS + 1)


def start_worker(
    state: Any, factory: async_sessionmaker[AsyncSession], settings: Settings
) -> Worker | None:
    """The replica's worker and its reaper (at start-up); None when imports run elsewhere."""
    if not settings.import_worker_enabled:
        return None
    worker = state.import_worker = Worker(factory, settings)
    worker.begin()
    return worker


def start(state: Any, settings: Settings, job_id: uuid.UUID) -> None:
    """Run the job in this replica, in the background (the upload has been answered)."""
    if not settings.import_worker_enabled:
        return  # another replica's reaper, or `python -m app.cli import`, will run it
    worker: Worker | None = getattr(state, "import_worker", None)
    if worker is None:  # an app whose lifespan did not run (tests in process)
        worker = state.import_worker = Worker(state.session_factory, settings)
    worker.run(job_id)
