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
from app.errors import NotFound, PayloadTooLarge, ProblemCode, Unprocessable
from app.i18n import EN, Sentence, _, locale_var
from app.imports import repository
from app.imports.enums import ImportFormat, ImportKind, ImportMode, ImportStatus
from app.imports.models import ImportJob, ImportRowError
from app.imports.parsing import Limits, RowError, SourceRow, UnreadableFile, parse
from app.imports.schemas import (
    ImportJobFilter,
    ImportJobPage,
    ImportJobRead,
    ImportJobSummary,
    ImportRowErrorPage,
    ImportRowErrorRead,
)
from app.modelkit import utcnow
from app.pagination import PageParams
from app.scheduling.claimed import ClaimLost, Run, Timing, Worker, claim_run, gave_up
from app.validation_messages import sentence_of

logger = logging.getLogger(__name__)

ERRORS_SHOWN = 1000
CHECK_BATCH = 2000
# Jobs a replica's reaper runs at once (uploads start at once whatever the count).
REAPER_JOBS = 2
# (phase, done, total): phase is `checked` or `stored`.
Progress = Callable[[str, int, int], None]


class ImportJobNotFound(NotFound):
    code = ProblemCode.IMPORT_JOB_NOT_FOUND


class TooManyRows(PayloadTooLarge):
    code = ProblemCode.TOO_MANY_ROWS


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
        raise Unprocessable(_("The file is empty."), code=ProblemCode.EMPTY_FILE, loc=["body"])
    # Lines bound rows from above (a CSV cell may span lines, never the reverse).
    if payload.count(b"\n") > settings.import_max_rows + 1:
        raise TooManyRows(
            _(
                "An import holds at most {import_max_rows} rows.",
                import_max_rows=settings.import_max_rows,
            )
        )
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


def _summary(job: ImportJob) -> ImportJobSummary:
    values = _read(job, []).model_dump()
    values.pop("errors")
    return ImportJobSummary.model_validate(values)


async def list_jobs(
    session: AsyncSession, where: ImportJobFilter, page: PageParams
) -> ImportJobPage:
    fetched = await page.fetch(session, repository.jobs(where), repository.JOB_SORTS)
    return ImportJobPage(items=[_summary(j) for j in fetched.items], **fetched.page_fields())


def _worded(english: str | None, sentence: dict[str, Any] | None) -> str | None:
    """A stored sentence in the reader's language (rows from before sentences were stored
    keep their English)."""
    if sentence is None or locale_var.get() == EN:
        return english
    return str(Sentence.from_json(sentence))


def _row_error_read(error: ImportRowError) -> ImportRowErrorRead:
    return ImportRowErrorRead(
        line=error.line, field=error.field, message=_worded(error.message, error.sentence) or ""
    )


def _read(job: ImportJob, errors: list[ImportRowError]) -> ImportJobRead:
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
        errors=[_row_error_read(e) for e in errors],
        failure=_worded(job.failure, job.failure_sentence),
        attempts=job.attempts or 0,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> ImportJobRead:
    job = await repository.get(session, job_id)
    if job is None:
        raise ImportJobNotFound(_("import job {job_id} does not exist", job_id=job_id))
    return _read(job, await repository.errors_of(session, job_id, ERRORS_SHOWN))


async def rejected_rows(session: AsyncSession, job_id: uuid.UUID) -> int:
    """Rows of the job's file with at least one error."""
    return await repository.rejected_rows(session, job_id)


async def list_errors(
    session: AsyncSession, job_id: uuid.UUID, page: PageParams
) -> ImportRowErrorPage:
    if await repository.get(session, job_id) is None:
        raise ImportJobNotFound(_("import job {job_id} does not exist", job_id=job_id))
    rows = await repository.errors_of(session, job_id, page.limit + 1, page.after(2))
    items, cursor = page.paginate(rows, lambda e: (e.line, e.id))
    return ImportRowErrorPage(
        items=[_row_error_read(e) for e in items],
        next_cursor=cursor,
    )


# --- Running a job ---------------------------------------------------------------------------


def _field_errors(line: int, error: ValidationError, prefix: str = "") -> list[RowError]:
    out = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        out.append(RowError(line, prefix + ".".join(loc) if loc else None, sentence_of(item)))
    return out


def _check_enterprise(row: SourceRow, text: bool) -> tuple[EnterpriseCreate | None, list[RowError]]:
    # A CSV or xlsx cell is text ("false"), as the API's strict flags are not.
    validate = EnterpriseCreate.model_validate_strings if text else EnterpriseCreate.model_validate
    try:
        return validate(row.values), []
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
            errors.append(RowError(row.line, "uscc", Sentence("Field required")))
    except InvalidUSCC as exc:
        errors.append(
            RowError(
                row.line,
                "uscc",
                Sentence("USCC {rule}: {reason}", rule=exc.rule, reason=exc.message),
            )
        )
    year: int | None = None
    try:
        year = int(str(raw_year)) if raw_year is not None else None
        if year is None:
            errors.append(RowError(row.line, "year", Sentence("Field required")))
        elif not years[0] <= year <= years[1]:
            errors.append(
                RowError(
                    row.line,
                    "year",
                    Sentence("must be {first} to {last}", first=years[0], last=years[1]),
                )
            )
            year = None
    except ValueError:
        errors.append(RowError(row.line, "year", Sentence("must be a whole number")))
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


class _Job:
    """One run of one job: its claim (`Run`: heartbeat, hand-back, settling), its sessions,
    its counters and its progress reports."""

    def __init__(
        self,
        claimed: Run,
        settings: Settings,
        job: ImportJob,
        progress: Progress | None,
    ) -> None:
        self.claimed = claimed
        self.factory = claimed.factory
        self.settings = settings
        self.job = job
        self.progress = progress
        self.total = 0
        self.actor = (
            Principal(kind="user", id=job.created_by, role=Role(job.created_by_role))
            if job.created_by is not None and job.created_by_role is not None
            else None
        )

    async def beat(self, **values: Any) -> None:
        await self.claimed.beat(**values)

    def tell(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)

    async def fail(self, failure: Sentence) -> None:
        await self.finish([], stored=0, failure=failure)

    async def give_up(self) -> None:
        """The claim found a job whose runs all failed: it ends here, with the last reason."""
        attempts = self.claimed.claim.attempt - 1  # this claim runs nothing
        reason = self.claimed.claim.last_error or Sentence("its replica stopped")
        await self.finish([], stored=0, failure=gave_up(attempts, reason), attempts=attempts)

    async def run(self) -> None:
        limits = Limits(
            self.settings.import_max_line_chars,
            self.settings.import_max_depth,
            max_rows=self.settings.import_max_rows,
        )
        try:
            # A thread: reading a large file must not hold up the replica's requests.
            rows, errors = await asyncio.to_thread(
                parse, self.job.payload or b"", ImportFormat(self.job.format), limits
            )
        except UnreadableFile as exc:
            await self.finish([], stored=0, failure=exc.sentence)
            return
        total = len(rows) + len(errors)
        if total > self.settings.import_max_rows:
            await self.finish(
                [],
                stored=0,
                failure=Sentence("more than {rows} rows", rows=self.settings.import_max_rows),
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
        text = ImportFormat(self.job.format) is not ImportFormat.NDJSON  # cells are text
        for start in range(0, len(rows), CHECK_BATCH):
            for row in rows[start : start + CHECK_BATCH]:
                if kind is ImportKind.ENTERPRISES:
                    value, found = _check_enterprise(row, text)
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
                            RowError(c.line, None, Sentence("stored meanwhile by another writer"))
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
        failure: Sentence | None = None,
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
        failure: Sentence | None,
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
            # Stored in English, for whoever reads the table; worded anew for each reader.
            "failure": failure.render(EN) if failure is not None else None,
            "failure_sentence": failure.to_json() if failure is not None else None,
            "finished_at": utcnow(),
            "payload": None,  # the upload is not kept once the job is over
        }
        if failure is None:
            values["processed"] = self.total
        if attempts is not None:
            values["attempts"] = attempts
        # Taken over meanwhile: the rows and errors of this transaction are rolled back, so
        # the run that holds the job stores them once.
        if not await self.claimed.holds(session, **values):
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
            errors.append(
                RowError(c.line, "uscc", Sentence("{uscc} is already registered", uscc=uscc))
            )
        elif uscc in first_line:
            errors.append(
                RowError(
                    c.line,
                    "uscc",
                    Sentence("{uscc} repeats line {line}", uscc=uscc, line=first_line[uscc]),
                )
            )
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
            errors.append(
                RowError(
                    c.line, "uscc", Sentence("no enterprise is registered as {uscc}", uscc=uscc)
                )
            )
        elif (ids[uscc], year) in filed:
            errors.append(
                RowError(
                    c.line,
                    "year",
                    Sentence("{uscc} has filed {year} already", uscc=uscc, year=year),
                )
            )
        elif key in first_line:
            errors.append(
                RowError(
                    c.line,
                    "year",
                    Sentence(
                        "{uscc} {year} repeats line {line}",
                        uscc=uscc,
                        year=year,
                        line=first_line[key],
                    ),
                )
            )
        else:
            first_line[key] = c.line
            kept.append(Checked(c.line, (ids[uscc], year, report)))
    return kept, errors


def timing(settings: Settings) -> Timing:
    return Timing(
        settings.import_heartbeat_seconds,
        settings.import_stale_seconds,
        settings.import_max_attempts,
    )


async def run_job(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    job_id: uuid.UUID,
    progress: Progress | None = None,
) -> bool:
    """Run the job if it is free (waiting, or its runner went silent); False when another
    run holds it or it has ended. Never raises but for cancellation (the job is handed back)."""
    claimed = await claim_run(
        repository.LEASES, factory, timing(settings), job_id, f"import job {job_id}"
    )
    if claimed is None:
        return False
    async with factory() as session:
        job = await repository.get(session, job_id)
    if job is None:
        return False
    runner = _Job(claimed, settings, job, progress)
    if claimed.claim.attempt > settings.import_max_attempts:
        try:
            await runner.give_up()
        except Exception:
            # Left running and silent: the next claim gives up again.
            logger.warning("import job %s: could not end it", job_id)
        return True
    await claimed.supervise(runner.run(), runner.fail)
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


def new_worker(factory: async_sessionmaker[AsyncSession], settings: Settings) -> Worker:
    """A replica's import jobs: those it took the upload of, and those its reaper takes over."""

    async def free(session: AsyncSession, limit: int) -> list[uuid.UUID]:
        return await repository.free_jobs(session, settings.import_stale_seconds, limit)

    async def run(job_id: uuid.UUID) -> bool:
        return await run_job(factory, settings, job_id)

    return Worker("import job", factory, settings.import_heartbeat_seconds, REAPER_JOBS, free, run)


def start_worker(
    state: Any, factory: async_sessionmaker[AsyncSession], settings: Settings
) -> Worker | None:
    """The replica's worker and its reaper (at start-up); None when imports run elsewhere."""
    if not settings.import_worker_enabled:
        return None
    worker = state.import_worker = new_worker(factory, settings)
    worker.begin()
    return worker


def start(state: Any, settings: Settings, job_id: uuid.UUID) -> None:
    """Run the job in this replica, in the background (the upload has been answered)."""
    if not settings.import_worker_enabled:
        return  # another replica's reaper, or `python -m app.cli import`, will run it
    worker: Worker | None = getattr(state, "import_worker", None)
    if worker is None:  # an app whose lifespan did not run (tests in process)
        worker = state.import_worker = new_worker(state.session_factory, settings)
    worker.run(job_id)
