"""The annual dynamic monitoring ranking (动态监测排名): runs computed from the register,
the pools, the visits and the activities, stored whole, published once per pool and year."""

from __future__ import annotations

import gc
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.activities import service as activity_service
from app.audit import service as audit
from app.auth.roles import Principal, Role
from app.config import Settings
from app.db import AdvisoryLock, take_keyed_lock
from app.enterprises import service as enterprise_service
from app.enterprises.repository import ReportFigureRow
from app.errors import Conflict, NotFound, ProblemCode, Unprocessable, ValidationErrorItem
from app.http import check_if_match
from app.i18n import _
from app.pagination import PageParams, Sorts
from app.pools import service as pool_service
from app.pools.enums import Pool
from app.rankings import formula, repository
from app.rankings.enums import RunStatus
from app.rankings.models import RankingEntry, RankingRun
from app.rankings.schemas import (
    EnterpriseRankingPage,
    EnterpriseRankingRead,
    EntryFilter,
    RankingEntryPage,
    RankingEntryRead,
    RankingRunCreate,
    RankingRunPage,
    RankingRunRead,
    RankingWeightsWrite,
    RunFilter,
)
from app.visits import service as visit_service

STAFF = frozenset({Role.ADMIN, Role.MANAGER})
# What everyone but the bureau's staff may see: the rankings of record, current and past.
PUBLIC_STATUSES = (RunStatus.PUBLISHED.value, RunStatus.SUPERSEDED.value)


class RankingNotFound(NotFound):
    code = ProblemCode.RANKING_NOT_FOUND


class RankingNotDraft(Conflict):
    code = ProblemCode.RANKING_NOT_DRAFT


# --- Between the API's shapes and the formula's ------------------------------------------


def _weights(data: RankingWeightsWrite | None) -> formula.Weights:
    default = formula.DEFAULT_WEIGHTS
    if data is None:
        return default
    return formula.Weights(
        dimensions=dict(data.dimensions.model_dump()) if data.dimensions else default.dimensions,
        indicators=dict(data.indicators.model_dump()) if data.indicators else default.indicators,
    )


def _weights_json(weights: formula.Weights) -> dict[str, Any]:
    return {
        "dimensions": {d: str(weights.dimensions[d]) for d in formula.DIMENSIONS},
        "indicators": {c: str(weights.indicators[c]) for c in formula.INDICATORS},
    }


def _figures(row: ReportFigureRow | None) -> formula.ReportFigures | None:
    if row is None:
        return None
    return formula.ReportFigures(
        revenue=row.revenue,
        rd_expense=row.rd_expense,
        employees=row.employees,
        st_staff=row.st_staff,
        net_assets=row.net_assets,
        class_i_ip_new=row.ip_class1_new,
        class_ii_ip_new=row.ip_class2_new,
        achievements_transformed=row.achievements_transformed,
    )


def _json(number: Decimal | None) -> str:
    return "null" if number is None else f'"{number}"'


def _record(
    run_id: uuid.UUID,
    entry: formula.RankedEntry,
    name: str,
    movement: int | None,
) -> tuple[Any, ...]:
    """One row for COPY, in repository.ENTRY_COLUMNS order. The JSON is written by hand: the
    keys are fixed codes and the numbers decimal strings, and json.dumps of 100k nested dicts
    was a fifth of a run."""
    indicators = ",".join(
        f'"{code}":{{"value":{_json(score.value)},"percentile":"{score.percentile}"}}'
        for code, score in entry.indicators.items()
    )
    board = entry.short_board
    short_board = (
        f'{{"dimension":"{board.dimension}","indicator":"{board.indicator}",'
        f'"score":"{board.score}","value":{_json(board.value)},'
        f'"cohort_median":{_json(board.cohort_median)}}}'
    )
    return (
        run_id,
        entry.position,
        entry.enterprise_id,
        entry.uscc,
        name,
        entry.composite,
        entry.dimensions[formula.INNOVATION],
        entry.dimensions[formula.GROWTH],
        entry.dimensions[formula.PARTICIPATION],
        "{" + indicators + "}",
        short_board,
        board.dimension,
        entry.incentive,
        entry.data_incomplete,
        movement,
    )


def _run_read(run: RankingRun) -> RankingRunRead:
    values = {
        name: getattr(run, name) for name in RankingRunRead.model_fields if hasattr(run, name)
    }
    values["short_boards"] = {d: run.short_board_counts.get(d, 0) for d in formula.DIMENSIONS}
    return RankingRunRead.model_validate(values)


def _entry_values(entry: RankingEntry) -> dict[str, Any]:
    return {
        "enterprise_id": entry.enterprise_id,
        "uscc": entry.uscc,
        "name": entry.name,
        "position": entry.position,
        "composite": entry.composite,
        "dimensions": {
            "innovation": entry.innovation,
            "growth": entry.growth,
            "participation": entry.participation,
        },
        "indicators": entry.indicators,
        "incentive": entry.incentive,
        "short_board": entry.short_board,
        "data_incomplete": entry.data_incomplete,
        "movement": entry.movement,
    }


def _entry_read(entry: RankingEntry) -> RankingEntryRead:
    return RankingEntryRead.model_validate(_entry_values(entry))


# --- Computing a run ---------------------------------------------------------------------

_pauses = 0
_was_enabled = True


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Keep Python's cycle collector out of a run: a cohort of 100k builds millions of small
    acyclic objects (rows, Decimals, entries), and the collector re-scanning them all cost a
    third of the run. Reference counting still frees them; the collector resumes when the
    last run in the process ends."""
    global _pauses, _was_enabled
    if _pauses == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _pauses += 1
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0 and _was_enabled:
            gc.enable()


def _check_year(year: int, today: date) -> None:
    if year > today.year:
        raise Unprocessable(
            _("{year} has not begun; a ranking covers a year that has.", year=year),
            code=ProblemCode.YEAR_NOT_STARTED,
            loc=["body", "year"],
        )


async def _cohort(
    session: AsyncSession,
    settings: Settings,
    pool: Pool,
    year: int,
    cohort_on: date,
    deadline: date,
) -> tuple[list[formula.CohortMember], dict[uuid.UUID, str]]:
    """Each member's nine indicator values, from the other domains' figures."""
    ids = sorted(await pool_service.enterprises_in_pool_on(session, pool, cohort_on))
    if not ids:
        return [], {}
    register = await enterprise_service.identities(session, ids)
    reports = await enterprise_service.report_figures(session, ids, [year - 1, year])
    visits = await visit_service.visits_in_year(session, settings, ids, year)
    participation = await activity_service.participation(session, ids, year)
    members: list[formula.CohortMember] = []
    names: dict[uuid.UUID, str] = {}
    for enterprise_id in ids:
        uscc, name = register[enterprise_id]
        names[enterprise_id] = name
        report = reports.get((enterprise_id, year))
        invited, attended = participation.get(enterprise_id, activity_service.Counts(0, 0))
        values = formula.indicator_values(
            report_y=_figures(report),
            report_prev=_figures(reports.get((enterprise_id, year - 1))),
            activities_invited=invited,
            activities_attended=attended,
            visits_in_year=visits.get(enterprise_id, 0),
            report_filed_on=None if report is None else report.filed_on,
            report_deadline=deadline,
        )
        members.append(formula.CohortMember(enterprise_id, uscc, values))
    return members, names


async def create_run(
    session: AsyncSession, actor: Principal, settings: Settings, data: RankingRunCreate
) -> tuple[RankingRunRead, int]:
    today = clock.today(settings.zone)
    _check_year(data.year, today)
    weights = _weights(data.weights)
    problems = formula.validate_weights(weights)
    if problems:
        raise Unprocessable(
            _("The weights are not usable: {problems}.", problems="; ".join(map(str, problems))),
            code=ProblemCode.INVALID_WEIGHTS,
            errors=[
                ValidationErrorItem(loc=["body", "weights"], msg=str(p), type="invalid_weights")
                for p in problems
            ],
        )
    cohort_on = min(date(data.year, 12, 31), today)
    deadline = data.report_deadline or formula.default_report_deadline(data.year)
    with _collector_paused():
        members, names = await _cohort(session, settings, data.pool, data.year, cohort_on, deadline)
        if not members:
            raise Unprocessable(
                _(
                    "No enterprise was active in the {pool} pool on {cohort_on}.",
                    pool=data.pool.value,
                    cohort_on=cohort_on,
                ),
                code=ProblemCode.EMPTY_COHORT,
                loc=["body", "pool"],
            )
        entries = formula.rank(members, weights, data.top_share)
        compared = await repository.latest_published_before(session, data.pool.value, data.year)
        previous = await repository.positions(session, compared.id) if compared else {}
        run = RankingRun(
            pool=data.pool.value,
            year=data.year,
            status=RunStatus.DRAFT.value,
            weights=_weights_json(weights),
            top_share=data.top_share,
            report_deadline=deadline,
            cohort_on=cohort_on,
            cohort_size=len(entries),
            incentive_count=sum(1 for e in entries if e.incentive),
            incomplete_count=sum(1 for e in entries if e.data_incomplete),
            short_board_counts={
                d: sum(1 for e in entries if e.short_board.dimension == d)
                for d in formula.DIMENSIONS
            },
            compared_run_id=compared.id if compared else None,
            computed_at=clock.now(),
            created_by=actor.id,
        )
        await repository.add_run(session, run)
        await repository.copy_entries(
            session,
            [
                _record(
                    run.id,
                    entry,
                    names[cast(uuid.UUID, entry.enterprise_id)],
                    formula.movement(previous, entry) if compared else None,
                )
                for entry in entries
            ],
        )
    read = _run_read(run)
    await audit.commit_change(session, actor, "ranking.create", "ranking_run", run.id, after=read)
    return read, run.version


# --- Reading, publishing, deleting --------------------------------------------------------


def _visible_statuses(viewer: Principal) -> tuple[str, ...] | None:
    return None if viewer.role in STAFF else PUBLIC_STATUSES


async def _load(
    session: AsyncSession, viewer: Principal, run_id: uuid.UUID, *, lock: bool = False
) -> RankingRun:
    run = await repository.get_run(session, run_id, lock=lock)
    statuses = _visible_statuses(viewer)
    # Drafts are the bureau's working papers: to everyone else they do not exist.
    if run is None or (statuses is not None and run.status not in statuses):
        raise RankingNotFound(_("ranking run {run_id} does not exist", run_id=run_id))
    return run


async def list_runs(
    session: AsyncSession, viewer: Principal, where: RunFilter, page: PageParams
) -> RankingRunPage:
    visible = _visible_statuses(viewer)
    if visible is not None:
        wanted = where.statuses or visible
        where = RunFilter(
            pool=where.pool, year=where.year, statuses=tuple(s for s in wanted if s in visible)
        )
    fetched = await page.fetch(session, repository.runs(where), Sorts.single(repository.RUN_ORDER))
    items = fetched.items
    return RankingRunPage(items=[_run_read(r) for r in items], **fetched.page_fields())


async def get_run(
    session: AsyncSession, viewer: Principal, run_id: uuid.UUID
) -> tuple[RankingRunRead, int]:
    run = await _load(session, viewer, run_id)
    return _run_read(run), run.version


async def list_entries(
    session: AsyncSession,
    viewer: Principal,
    run_id: uuid.UUID,
    where: EntryFilter,
    page: PageParams,
) -> RankingEntryPage:
    run = await _load(session, viewer, run_id)
    if viewer.role is Role.ENTERPRISE:
        # An enterprise sees its own line of the ranking, not the others'.
        where = EntryFilter(
            incentive=where.incentive,
            data_incomplete=where.data_incomplete,
            short_board_dimension=where.short_board_dimension,
            enterprise_id=viewer.enterprise_id or uuid.UUID(int=0),
        )
    fetched = await page.fetch(session, repository.entries(run.id, where), repository.ENTRY_SORTS)
    return RankingEntryPage(items=[_entry_read(e) for e in fetched.items], **fetched.page_fields())


async def publish(
    session: AsyncSession, actor: Principal, run_id: uuid.UUID, if_match: str | None
) -> tuple[RankingRunRead, int]:
    probe = await _load(session, actor, run_id)
    # Publishing supersedes the pool's year of record: one publisher at a time per pool and
    # year, so that a second one sees the first's result rather than a conflict.
    await take_keyed_lock(session, AdvisoryLock.RANKING_PUBLISH, f"{probe.pool}:{probe.year}")
    run = await _load(session, actor, run_id, lock=True)
    check_if_match(if_match, run.version)
    if run.status != RunStatus.DRAFT:
        raise RankingNotDraft(
            _(
                "ranking run {id} is {status}; a published run is final",
                id=run.id,
                status=run.status,
            )
        )
    before = _run_read(run)
    now = clock.now()
    current = await repository.published_run(session, run.pool, run.year, lock=True)
    if current is not None:
        current.status = RunStatus.SUPERSEDED
        current.superseded_at = now
        await repository.flush(session)
        audit.record(
            session,
            actor,
            "ranking.supersede",
            "ranking_run",
            current.id,
            after={"status": current.status, "superseded_by": str(run.id)},
        )
    # Movement is measured against the pool's latest earlier year as it stands now.
    compared = await repository.latest_published_before(session, run.pool, run.year)
    compared_id = compared.id if compared else None
    if compared_id != run.compared_run_id:
        await repository.measure_movement(session, run.id, compared_id)
        run.compared_run_id = compared_id
    run.status = RunStatus.PUBLISHED
    run.published_at = now
    run.published_by = actor.id
    await repository.publish(session, run)
    after = _run_read(run)
    await audit.commit_change(
        session,
        actor,
        "ranking.publish",
        "ranking_run",
        run.id,
        before=before,
        after=after,
    )
    return after, run.version


async def delete_draft(
    session: AsyncSession, actor: Principal, run_id: uuid.UUID, if_match: str | None
) -> None:
    run = await _load(session, actor, run_id, lock=True)
    check_if_match(if_match, run.version)
    if run.status != RunStatus.DRAFT:
        raise RankingNotDraft(
            _(
                "ranking run {id} is {status}; it is kept for the record",
                id=run.id,
                status=run.status,
            )
        )
    before = _run_read(run)
    await repository.delete_run(session, run)
    await audit.commit_change(
        session, actor, "ranking.delete", "ranking_run", run_id, before=before
    )


async def enterprise_history(
    session: AsyncSession, viewer: Principal, enterprise_id: uuid.UUID, page: PageParams
) -> EnterpriseRankingPage:
    await enterprise_service.ensure_visible(session, viewer, enterprise_id)
    rows = await repository.enterprise_history(session, enterprise_id, page.after(2), page.limit)
    items, cursor = page.paginate(rows, lambda r: (r[1].year, r[1].id))
    return EnterpriseRankingPage(
        items=[_history_read(entry, run) for entry, run in items], next_cursor=cursor
    )


async def latest_entry(
    session: AsyncSession, viewer: Principal, enterprise_id: uuid.UUID
) -> EnterpriseRankingRead | None:
    """The enterprise's entry in the latest published run that ranked it (its short board is
    where a plan starts), or None."""
    await enterprise_service.ensure_visible(session, viewer, enterprise_id)
    rows = await repository.enterprise_history(session, enterprise_id, None, 1)
    return _history_read(*rows[0]) if rows else None


def _history_read(entry: RankingEntry, run: RankingRun) -> EnterpriseRankingRead:
    return EnterpriseRankingRead.model_validate(
        {
            **_entry_values(entry),
            "run_id": run.id,
            "pool": run.pool,
            "year": run.year,
            "cohort_size": run.cohort_size,
            "published_at": run.published_at,
        }
    )


def stream_entries_of_record(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every entry of the runs of record, published or superseded."""
    return repository.stream_entries_of_record(session, updated_since)
