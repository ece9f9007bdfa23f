"""The enterprise register: enterprises, who may see and change them, and annual reports."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal, Role, may_read, own_records_only
from app.config import Settings
from app.enterprises import reporting, repository
from app.enterprises.enums import (
    ROUTE_YEARS,
    EnterpriseStatus,
    QualificationKind,
    QualificationLevel,
)
from app.enterprises.events import EnterpriseUpdating, ReportsFiled
from app.enterprises.models import AnnualReport, Enterprise, Qualification
from app.enterprises.repository import AnyRow, ReportFigureRow
from app.enterprises.schemas import (
    AnnualReportPage,
    AnnualReportRead,
    AnnualReportWrite,
    DueQualificationPage,
    DueQualificationRead,
    EnterpriseCreate,
    EnterpriseFilter,
    EnterprisePage,
    EnterpriseRead,
    EnterpriseUpdate,
    QualificationCreate,
    QualificationPage,
    QualificationRead,
    RdOrganisation,
)
from app.errors import Forbidden, NotFound, ProblemCode, Unprocessable
from app.events.bus import publish
from app.http import check_if_match
from app.i18n import _
from app.modelkit import apply_changes
from app.pagination import PageParams, Sorts, count_rows
from app.privacy import mask_email, mask_name, mask_phone

CONTACT_FIELDS = frozenset({"contact_name", "contact_phone", "contact_email"})
RD_ORG_FIELDS = ("rd_accounting", "rd_institution", "transformation_incentives", "talent_programs")
FIRST_REPORT_YEAR = 2000


class EnterpriseNotFound(NotFound):
    code = ProblemCode.ENTERPRISE_NOT_FOUND


class QualificationNotFound(NotFound):
    code = ProblemCode.QUALIFICATION_NOT_FOUND


class AnnualReportNotFound(NotFound):
    code = ProblemCode.ANNUAL_REPORT_NOT_FOUND


def _read(enterprise: Enterprise, viewer: Principal | None) -> EnterpriseRead:
    read = EnterpriseRead.model_validate(enterprise)
    if viewer is not None and viewer.masks_personal_data:
        read = read.model_copy(
            update={
                "contact_name": mask_name(read.contact_name),
                "contact_phone": mask_phone(read.contact_phone),
                "contact_email": mask_email(read.contact_email),
            }
        )
    return read


def _visible(enterprise: Enterprise | None, viewer: Principal) -> bool:
    # An enterprise user is told others do not exist (404), never that they are forbidden.
    if enterprise is None:
        return False
    return may_read(viewer, enterprise.id)


async def _load(session: AsyncSession, viewer: Principal, enterprise_id: uuid.UUID) -> Enterprise:
    enterprise = await repository.get(session, enterprise_id)
    if enterprise is None or not _visible(enterprise, viewer):
        raise EnterpriseNotFound(
            _("enterprise {enterprise_id} does not exist", enterprise_id=enterprise_id)
        )
    return enterprise


async def create_enterprise(
    session: AsyncSession, actor: Principal | None, data: EnterpriseCreate
) -> tuple[EnterpriseRead, int]:
    values = data.model_dump()
    if values["tech_field"] is not None:
        values["tech_field"] = values["tech_field"].value
    enterprise = await repository.add(session, Enterprise(**values))
    created = _read(enterprise, None)
    await audit.commit_change(
        session,
        actor,
        "enterprise.create",
        "enterprise",
        enterprise.id,
        after=created,
    )
    return created, enterprise.version


async def list_enterprises(
    session: AsyncSession, viewer: Principal, where: EnterpriseFilter, page: PageParams
) -> EnterprisePage:
    where = own_records_only(where, viewer, "only_id")
    width = len(repository.sort_keys(where.q))
    rows = await repository.list_enterprises(session, where, page.after(width), page.limit)
    items, cursor = page.paginate(rows, lambda row: row[1])
    total = (
        (await count_rows(session, repository.total_statement(where))).fields()
        if page.include_total
        else {}
    )
    return EnterprisePage(items=[_read(e, viewer) for e, _ in items], next_cursor=cursor, **total)


async def get_enterprise(
    session: AsyncSession, viewer: Principal, enterprise_id: uuid.UUID
) -> tuple[EnterpriseRead, int]:
    enterprise = await _load(session, viewer, enterprise_id)
    return _read(enterprise, viewer), enterprise.version


async def update_enterprise(
    session: AsyncSession,
    actor: Principal,
    enterprise_id: uuid.UUID,
    data: EnterpriseUpdate,
    if_match: str | None,
) -> tuple[EnterpriseRead, int]:
    enterprise = await _load(session, actor, enterprise_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if actor.role is Role.ENTERPRISE and not changes.keys() <= CONTACT_FIELDS:
        refused = ", ".join(sorted(changes.keys() - CONTACT_FIELDS))
        raise Forbidden(
            _(
                "An enterprise user may change only its contact fields, not {refused}.",
                refused=refused,
            ),
            code=ProblemCode.FIELD_NOT_ALLOWED,
        )
    await publish(session, EnterpriseUpdating(actor=actor, enterprise_id=enterprise.id))
    check_if_match(if_match, enterprise.version)
    before = _read(enterprise, None)
    apply_changes(enterprise, changes)
    await repository.flush(session)
    after = _read(enterprise, None)
    await audit.commit_change(
        session,
        actor,
        "enterprise.update",
        "enterprise",
        enterprise.id,
        before=before,
        after=after,
    )
    return _read(enterprise, actor), enterprise.version


async def archive_enterprise(
    session: AsyncSession, actor: Principal, enterprise_id: uuid.UUID, if_match: str | None
) -> None:
    enterprise = await _load(session, actor, enterprise_id)
    check_if_match(if_match, enterprise.version)
    if enterprise.status == EnterpriseStatus.ARCHIVED.value:
        return
    before = _read(enterprise, None)
    enterprise.status = EnterpriseStatus.ARCHIVED
    await repository.flush(session)
    await audit.commit_change(
        session,
        actor,
        "enterprise.archive",
        "enterprise",
        enterprise.id,
        before=before,
        after=_read(enterprise, None),
    )


async def ensure_visible(
    session: AsyncSession, viewer: Principal, enterprise_id: uuid.UUID
) -> None:
    """For other domains: 404 unless the enterprise exists and the viewer may see it."""
    await _load(session, viewer, enterprise_id)


def _report_read(report: AnnualReport) -> AnnualReportRead:
    values = {
        name: getattr(report, name) for name in AnnualReportRead.model_fields if name != "rd_org"
    }
    values["rd_org"] = RdOrganisation(**{name: getattr(report, name) for name in RD_ORG_FIELDS})
    return AnnualReportRead.model_validate(values)


def _check_year(year: int, settings: Settings) -> None:
    last = clock.today(settings.zone).year + 1
    if not FIRST_REPORT_YEAR <= year <= last:
        raise Unprocessable(
            _(
                "The report year must be between {FIRST_REPORT_YEAR} and {last}.",
                FIRST_REPORT_YEAR=FIRST_REPORT_YEAR,
                last=last,
            ),
            code=ProblemCode.INVALID_YEAR,
            loc=["path", "year"],
        )


async def _reports_changed(session: AsyncSession, enterprise_id: uuid.UUID) -> None:
    await publish(session, ReportsFiled(enterprise_ids=(enterprise_id,)))


async def put_report(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    enterprise_id: uuid.UUID,
    year: int,
    data: AnnualReportWrite,
    if_match: str | None,
) -> tuple[AnnualReportRead, int, bool]:
    """Create or replace the year's report; answers (report, version, created)."""
    _check_year(year, settings)
    await _load(session, actor, enterprise_id)
    values: dict[str, Any] = data.model_dump(exclude={"rd_org", "filed_on"})
    values.update(data.rd_org.model_dump())
    for grade in ("tech_advancement", "core_support"):
        if values[grade] is not None:
            values[grade] = values[grade].value
    # Staff may load history with its real filing dates; a filing by the enterprise is dated
    # today, and a correction keeps the first filing date (the ranking asks if it was on time).
    staff_date = data.filed_on if actor.is_staff else None
    existing = await repository.get_report(session, enterprise_id, year)
    if existing is None:
        if if_match not in (None, "*"):
            check_if_match(if_match, 0)
        report = AnnualReport(
            enterprise_id=enterprise_id,
            year=year,
            filed_on=staff_date or clock.today(settings.zone),
            **values,
        )
        await repository.add_report(session, report)
        created = _report_read(report)
        audit.record(
            session,
            actor,
            "annual_report.create",
            "annual_report",
            report.id,
            after=audit.snapshot(created),
        )
        await _reports_changed(session, enterprise_id)
        await session.commit()
        return created, report.version, True
    check_if_match(if_match, existing.version)
    before = _report_read(existing)
    for field, value in values.items():
        setattr(existing, field, value)
    if staff_date is not None:
        existing.filed_on = staff_date
    await repository.flush(session)
    after = _report_read(existing)
    audit.record(
        session,
        actor,
        "annual_report.replace",
        "annual_report",
        existing.id,
        before=audit.snapshot(before),
        after=audit.snapshot(after),
    )
    await _reports_changed(session, enterprise_id)
    await session.commit()
    return after, existing.version, False


async def get_report(
    session: AsyncSession, viewer: Principal, enterprise_id: uuid.UUID, year: int
) -> tuple[AnnualReportRead, int]:
    await _load(session, viewer, enterprise_id)
    report = await repository.get_report(session, enterprise_id, year)
    if report is None:
        raise AnnualReportNotFound(
            _(
                "enterprise {enterprise_id} has no report for {year}",
                enterprise_id=enterprise_id,
                year=year,
            )
        )
    return _report_read(report), report.version


async def list_reports(
    session: AsyncSession, viewer: Principal, enterprise_id: uuid.UUID, page: PageParams
) -> AnnualReportPage:
    await _load(session, viewer, enterprise_id)
    fetched = await page.fetch(
        session, repository.enterprise_reports(enterprise_id), Sorts.single(repository.REPORT_ORDER)
    )
    items = fetched.items
    return AnnualReportPage(items=[_report_read(r) for r in items], **fetched.page_fields())


def _with_reporting(read: QualificationRead, filed: dict[int, date], today: date) -> dict[str, Any]:
    """The qualification with its development-report record (high-tech recognitions)."""
    values = read.model_dump()
    if read.kind is QualificationKind.HTE:
        record = reporting.reporting_record(read.issued_on, read.valid_until, filed, today)
        values["reporting"] = [dataclasses.asdict(entry) for entry in record]
        values["reporting_lapsed"] = reporting.lapsed(record)
        values["re_recognition_year"] = reporting.third_year(read.issued_on)
    return values


async def list_qualifications(
    session: AsyncSession,
    settings: Settings,
    viewer: Principal,
    enterprise_id: uuid.UUID,
    page: PageParams,
) -> QualificationPage:
    await _load(session, viewer, enterprise_id)
    fetched = await page.fetch(
        session,
        repository.enterprise_qualifications(enterprise_id),
        Sorts.single(repository.QUALIFICATION_ORDER),
    )
    filed = (await repository.filing_dates(session, [enterprise_id])).get(enterprise_id, {})
    today = clock.today(settings.zone)
    items = [
        QualificationRead.model_validate(
            _with_reporting(QualificationRead.model_validate(q), filed, today)
        )
        for q in fetched.items
    ]
    return QualificationPage(items=items, **fetched.page_fields())


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return date(day.year + years, 3, 1)


async def record_direct_route(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    enterprise_id: uuid.UUID,
    data: QualificationCreate,
) -> QualificationRead:
    """Staff record a direct route of the SME evaluation (an award, an institution, a
    standard); the SME assessment reads it when it is valid on the application date."""
    await _load(session, actor, enterprise_id)
    if data.issued_on > clock.today(settings.zone):
        raise Unprocessable(
            _("issued_on cannot be in the future."),
            code=ProblemCode.ISSUED_IN_FUTURE,
            loc=["body", "issued_on"],
        )
    valid_until = data.valid_until or _years_after(data.issued_on, ROUTE_YEARS) - timedelta(days=1)
    read = await add_qualification(
        session,
        actor,
        enterprise_id,
        kind=QualificationKind(data.kind.value),
        reference=data.reference,
        issued_on=data.issued_on,
        valid_until=valid_until,
        source="staff",
        award_rank=data.award_rank,
        level=data.level,
    )
    await session.commit()
    return read


async def get_qualification(
    session: AsyncSession, viewer: Principal, enterprise_id: uuid.UUID, qualification_id: uuid.UUID
) -> QualificationRead:
    await _load(session, viewer, enterprise_id)
    qualification = await repository.get_qualification(session, enterprise_id, qualification_id)
    if qualification is None:
        raise QualificationNotFound(
            _(
                "enterprise {enterprise_id} has no qualification {qualification_id}",
                enterprise_id=enterprise_id,
                qualification_id=qualification_id,
            )
        )
    return QualificationRead.model_validate(qualification)


async def due_for_re_recognition(
    session: AsyncSession, settings: Settings, year: int, page: PageParams
) -> DueQualificationPage:
    """High-tech recognitions in their third year in `year`: due for re-recognition."""
    fetched = await page.fetch(
        session,
        repository.recognitions_in_third_year(year),
        Sorts.single(repository.QUALIFICATION_ORDER),
    )
    rows = list(fetched.items)
    filed = await repository.filing_dates(session, [q.enterprise_id for q, _, _ in rows])
    today = clock.today(settings.zone)
    items = [
        DueQualificationRead.model_validate(
            {
                **_with_reporting(
                    QualificationRead.model_validate(q), filed.get(q.enterprise_id, {}), today
                ),
                "enterprise_name": name,
                "uscc": uscc,
            }
        )
        for q, name, uscc in rows
    ]
    return DueQualificationPage(items=items, **fetched.page_fields())


async def add_qualification(
    session: AsyncSession,
    actor: Principal | None,
    enterprise_id: uuid.UUID,
    *,
    kind: QualificationKind,
    reference: str | None,
    issued_on: date,
    valid_until: date,
    source: str,
    award_rank: int | None = None,
    level: QualificationLevel | None = None,
) -> QualificationRead:
    """Record a qualification as part of the caller's unit of work (the caller commits)."""
    qualification = await repository.add_qualification(
        session,
        Qualification(
            enterprise_id=enterprise_id,
            kind=kind.value,
            reference=reference,
            issued_on=issued_on,
            valid_until=valid_until,
            source=source,
            award_rank=award_rank,
            level=level.value if level else None,
        ),
    )
    read = QualificationRead.model_validate(qualification)
    audit.record(
        session, actor, "qualification.create", "qualification", read.id, after=audit.snapshot(read)
    )
    return read


async def _qualification(session: AsyncSession, qualification_id: uuid.UUID) -> Qualification:
    qualification = await repository.get_qualification_by_id(session, qualification_id)
    if qualification is None:
        raise QualificationNotFound(
            _("qualification {qualification_id} does not exist", qualification_id=qualification_id)
        )
    return qualification


async def qualification_by_id(
    session: AsyncSession, qualification_id: uuid.UUID
) -> QualificationRead:
    return QualificationRead.model_validate(await _qualification(session, qualification_id))


async def remove_qualification(
    session: AsyncSession, actor: Principal, qualification_id: uuid.UUID
) -> QualificationRead:
    """Remove a qualification whose grant was withdrawn, as part of the caller's unit of work
    (the caller commits); answers what it was."""
    qualification = await _qualification(session, qualification_id)
    read = QualificationRead.model_validate(qualification)
    await repository.delete_qualification(session, qualification)
    audit.record(
        session,
        actor,
        "qualification.delete",
        "qualification",
        read.id,
        before=audit.snapshot(read),
    )
    return read


@dataclass(frozen=True)
class AssessmentInputs:
    """What the readiness assessments read about one enterprise."""

    enterprise: EnterpriseRead
    reports: list[AnnualReportRead]
    qualifications: list[QualificationRead]

    def holds(self, kind: QualificationKind, on: date) -> bool:
        return any(
            q.kind is kind and q.issued_on <= on <= q.valid_until for q in self.qualifications
        )

    @property
    def latest_report(self) -> AnnualReportRead | None:
        return max(self.reports, key=lambda r: r.year, default=None)


async def assessment_inputs(
    session: AsyncSession, viewer: Principal | None, enterprise_id: uuid.UUID
) -> AssessmentInputs:
    enterprise = await repository.get(session, enterprise_id)
    if enterprise is None or (viewer is not None and not _visible(enterprise, viewer)):
        raise EnterpriseNotFound(
            _("enterprise {enterprise_id} does not exist", enterprise_id=enterprise_id)
        )
    reports = await repository.all_reports(session, enterprise_id)
    qualifications = await repository.all_qualifications(session, enterprise_id)
    return AssessmentInputs(
        enterprise=_read(enterprise, None),
        reports=[_report_read(r) for r in reports],
        qualifications=[QualificationRead.model_validate(q) for q in qualifications],
    )


ASSESSMENT_BATCH = 1000


async def assessment_inputs_of(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AssessmentInputs]:
    """`assessment_inputs` for many enterprises at once (for the system, not a viewer): three
    statements per thousand enterprises instead of three per enterprise."""
    found: dict[uuid.UUID, AssessmentInputs] = {}
    ids = list(enterprise_ids)
    for start in range(0, len(ids), ASSESSMENT_BATCH):
        enterprises, reports, qualifications = await repository.assessment_rows(
            session, ids[start : start + ASSESSMENT_BATCH]
        )
        reports_of: dict[uuid.UUID, list[AnnualReportRead]] = {}
        for report in reports:
            reports_of.setdefault(report.enterprise_id, []).append(_report_read(report))
        held: dict[uuid.UUID, list[QualificationRead]] = {}
        for qualification in qualifications:
            held.setdefault(qualification.enterprise_id, []).append(
                QualificationRead.model_validate(qualification)
            )
        for enterprise in enterprises:
            found[enterprise.id] = AssessmentInputs(
                enterprise=_read(enterprise, None),
                reports=reports_of.get(enterprise.id, []),
                qualifications=held.get(enterprise.id, []),
            )
    return found


async def qualified_on(session: AsyncSession, day: date) -> set[uuid.UUID]:
    """Enterprises holding a valid HTE or SME qualification on `day`."""
    return await repository.qualified_on(session, day)


async def identities(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """For other domains' bulk work: each enterprise's (uscc, name)."""
    rows = await repository.identities(session, enterprise_ids)
    return {enterprise_id: (uscc, name) for enterprise_id, uscc, name in rows}


async def report_figures(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID], years: Sequence[int]
) -> dict[tuple[uuid.UUID, int], ReportFigureRow]:
    """For the ranking: the annual-report figures of the enterprises for the years, by
    (enterprise, year); absent where no report was filed."""
    rows = await repository.report_figure_rows(session, enterprise_ids, years)
    return {(row.enterprise_id, row.year): row for row in rows}


@dataclass
class EnterpriseSnapshot:
    """What other domains' eligibility rules read about an active enterprise on a day."""

    tech_field: str | None
    report_year: int | None = None
    employees: int | None = None
    revenue: Decimal | None = None
    qualifications: set[str] = dataclasses.field(default_factory=set)


async def snapshots(
    session: AsyncSession, day: date, enterprise_id: uuid.UUID | None = None
) -> dict[uuid.UUID, EnterpriseSnapshot]:
    """Active enterprises (or the one named) with their latest report's size and the
    qualifications valid on `day`; archived enterprises are left out."""
    enterprises, reports, qualifications = await repository.snapshot_rows(
        session, day, enterprise_id
    )
    found = {row[0]: EnterpriseSnapshot(tech_field=row[1]) for row in enterprises}
    for owner, year, employees, revenue in reports:
        if owner in found:
            snapshot = found[owner]
            snapshot.report_year, snapshot.employees, snapshot.revenue = year, employees, revenue
    for owner, kind in qualifications:
        if owner in found:
            found[owner].qualifications.add(kind)
    return found


def stream_enterprises(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[AnyRow]]:
    """For the exports: every enterprise (archived too) as plain rows, in batches. The
    caller masks personal data for its viewer."""
    return repository.stream_enterprises(session, updated_since)


def stream_reports(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[AnyRow]]:
    """For the exports: every annual report with its enterprise's `uscc`, in batches."""
    return repository.stream_reports(session, updated_since)


# --- Bulk import: the import job validates with the schemas above and writes through these ---

IMPORT_BATCH_ROWS = 5000


def _audit_actor(actor: Principal | None, request_id: str | None) -> dict[str, Any]:
    return {
        "actor_kind": actor.kind if actor else "system",
        "actor_id": actor.id if actor else None,
        "actor_role": actor.role.value if actor else None,
        "request_id": request_id,
    }


async def names(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The enterprises' names by id, in one statement (none for no ids), for the screens
    that list other records beside their enterprise."""
    wanted = set(ids)
    return await repository.names(session, wanted) if wanted else {}


async def registered(session: AsyncSession, usccs: list[str]) -> dict[str, uuid.UUID]:
    """The enterprises registered under these codes, by code."""
    found: dict[str, uuid.UUID] = {}
    for start in range(0, len(usccs), IMPORT_BATCH_ROWS):
        found.update(
            await repository.existing_usccs(session, usccs[start : start + IMPORT_BATCH_ROWS])
        )
    return found


async def reporting_in(session: AsyncSession, year: int) -> list[uuid.UUID]:
    """Active enterprises that filed their annual report for `year`."""
    return await repository.reporting_in(session, year)


async def filed_years(
    session: AsyncSession, enterprise_ids: list[uuid.UUID]
) -> set[tuple[uuid.UUID, int]]:
    """(enterprise, year) of the reports already on file for these enterprises."""
    found: set[tuple[uuid.UUID, int]] = set()
    for start in range(0, len(enterprise_ids), IMPORT_BATCH_ROWS):
        batch = enterprise_ids[start : start + IMPORT_BATCH_ROWS]
        found |= await repository.existing_report_years(session, batch)
    return found


async def import_enterprises(
    session: AsyncSession,
    actor: Principal | None,
    rows: list[EnterpriseCreate],
    *,
    request_id: str | None,
    on_batch: Callable[[int], Awaitable[None]] | None = None,
) -> set[str]:
    """Register many enterprises, each with its audit event, in the caller's transaction
    (the caller commits). A code registered meanwhile is skipped: answers the codes stored."""
    stored: set[str] = set()
    who = _audit_actor(actor, request_id)
    for start in range(0, len(rows), IMPORT_BATCH_ROWS):
        batch = [row.model_dump(mode="json") for row in rows[start : start + IMPORT_BATCH_ROWS]]
        stored.update(
            await repository.bulk_insert(session, repository.BULK_ENTERPRISES, batch, who)
        )
        if on_batch is not None:
            await on_batch(start + len(batch))
    return stored


def report_values(data: AnnualReportWrite, filed_on: date) -> dict[str, Any]:
    """A report's stored columns, as put_report stores them (rd_org flattened)."""
    values: dict[str, Any] = data.model_dump(mode="json", exclude={"rd_org", "filed_on"})
    values.update(data.rd_org.model_dump())
    values["filed_on"] = (data.filed_on or filed_on).isoformat()
    return values


async def import_reports(
    session: AsyncSession,
    settings: Settings,
    actor: Principal | None,
    rows: list[tuple[uuid.UUID, int, AnnualReportWrite]],
    *,
    request_id: str | None,
    on_batch: Callable[[int], Awaitable[None]] | None = None,
) -> set[tuple[uuid.UUID, int]]:
    """File many reports (staff history loads: `filed_on` as given, else today), each with
    its audit event, in the caller's transaction; a year filed meanwhile is skipped. The pools
    re-advise the tiers of the enterprises concerned. Answers (enterprise, year) stored."""
    today = clock.today(settings.zone)
    stored: set[tuple[uuid.UUID, int]] = set()
    who = _audit_actor(actor, request_id)
    for start in range(0, len(rows), IMPORT_BATCH_ROWS):
        batch = [
            {"enterprise_id": str(enterprise_id), "year": year, **report_values(data, today)}
            for enterprise_id, year, data in rows[start : start + IMPORT_BATCH_ROWS]
        ]
        for key in await repository.bulk_insert(session, repository.BULK_REPORTS, batch, who):
            stored_id, _colon, stored_year = key.partition(":")
            stored.add((uuid.UUID(stored_id), int(stored_year)))
        if on_batch is not None:
            await on_batch(start + len(batch))
    filed = tuple(sorted({enterprise_id for enterprise_id, _ in stored}))
    await publish(session, ReportsFiled(enterprise_ids=filed))
    return stored


def report_year_range(settings: Settings) -> tuple[int, int]:
    """The years a report may be filed for (the same rule as PUT)."""
    return FIRST_REPORT_YEAR, clock.today(settings.zone).year + 1
