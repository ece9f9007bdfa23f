from __future__ import annotations

import functools
import json
import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    Select,
    Text,
    and_,
    bindparam,
    case,
    literal,
    not_,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db import constraint_name, driver_connection, stream_batches
from app.enterprises.enums import QualificationKind
from app.enterprises.models import AnnualReport, Enterprise, Qualification
from app.enterprises.schemas import EnterpriseFilter
from app.enterprises.uscc import is_uscc_prefix
from app.errors import Conflict, ProblemCode
from app.i18n import _
from app.pagination import SortKey, after_clause, order_by

NAME_ORDER = (SortKey(Enterprise.name), SortKey(Enterprise.id))
REPORT_ORDER = (SortKey(AnnualReport.year, descending=True),)
AnySelect = Select[*tuple[Any, ...]]
AnyRow = Row[*tuple[Any, ...]]
# The match rank of a name that merely contains the query (not equal to it, not starting it).
SUBSTRING_RANK = 3


class DuplicateUSCC(Conflict):
    code = ProblemCode.DUPLICATE_USCC


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_grams(text: str) -> list[str]:
    """The grams a query needs: itself when 1-2 characters, else each of its bigrams."""
    return [text] if len(text) <= 2 else sorted({text[i : i + 2] for i in range(len(text) - 1)})


# The list and the search are built once per shape (which filters are set, whether q could
# begin a USCC, where the cursor points) with their values as bound parameters, and the
# statement is reused: building the search's union anew cost half of each search request.
Q = bindparam("q", type_=Text)
Q_UPPER = bindparam("q_upper", type_=Text)
NAME_PREFIX = bindparam("name_prefix", type_=Text)
CODE_PREFIX = bindparam("code_prefix", type_=Text)
NAME_CONTAINS = bindparam("name_contains", type_=Text)
GRAMS = bindparam("grams", type_=ARRAY(Text))
LIMIT = bindparam("limit", type_=Integer)
OPTIONAL_FILTERS = ("tech_field", "district", "tag", "only_id")


def _name_contains() -> ColumnElement[bool]:
    """The name or short name contains q: the gram index narrows, LIKE confirms."""
    return and_(
        Enterprise.name_grams.contains(GRAMS),
        Enterprise.search_text.like(NAME_CONTAINS, escape="\\"),
    )


def _best_match(code_prefix: bool, *, negated: bool = False) -> ColumnElement[bool]:
    """Exact names and codes, and prefixes: each served by its own B-tree index. Negated, it
    is spelt out predicate by predicate, so that the planner estimates it well (a negated
    CASE looks rare to it, and it would then rank every match instead of walking by name)."""
    name_prefix = Enterprise.search_text.like(NAME_PREFIX, escape="\\")
    code = Enterprise.uscc.like(CODE_PREFIX) if code_prefix else None
    if negated:
        conditions = [Enterprise.name != Q, Enterprise.short_name.is_distinct_from(Q)]
        conditions.append(not_(name_prefix))
        if code is not None:
            conditions.append(not_(code))
        return and_(*conditions)
    positive = [Enterprise.name == Q, Enterprise.short_name == Q, name_prefix]
    if code is not None:
        positive.append(code)
    return or_(*positive)


def _match_rank() -> ColumnElement[int]:
    """0 for an exact name or code, then prefixes, then any substring: best match first."""
    return case(
        (or_(Enterprise.name == Q, Enterprise.short_name == Q, Enterprise.uscc == Q_UPPER), 0),
        (Enterprise.search_text.like(NAME_PREFIX, escape="\\"), 1),
        (Enterprise.uscc.like(CODE_PREFIX), 2),
        else_=literal(SUBSTRING_RANK),
    )


SEARCH_ORDER = (SortKey(_match_rank()), *NAME_ORDER)


def sort_keys(q: str | None) -> tuple[SortKey, ...]:
    return NAME_ORDER if not q else SEARCH_ORDER


def _filtered(stmt: AnySelect, filters: tuple[str, ...]) -> AnySelect:
    stmt = stmt.where(Enterprise.status == bindparam("status"))
    if "tech_field" in filters:
        stmt = stmt.where(Enterprise.tech_field == bindparam("tech_field"))
    if "district" in filters:
        stmt = stmt.where(Enterprise.district == bindparam("district"))
    if "tag" in filters:
        stmt = stmt.where(Enterprise.tags.contains(bindparam("tags", type_=Enterprise.tags.type)))
    if "only_id" in filters:
        stmt = stmt.where(Enterprise.id == bindparam("only_id"))
    return stmt


def _after(width: int) -> list[BindParameter[Any]]:
    return [bindparam(f"after_{index}") for index in range(width)]


@functools.lru_cache(maxsize=128)
def _list_shape(filters: tuple[str, ...], paged: bool) -> AnySelect:
    stmt = _filtered(select(Enterprise, Enterprise.name, Enterprise.id), filters)
    if paged:
        stmt = stmt.where(after_clause(NAME_ORDER, _after(len(NAME_ORDER))))
    return stmt.order_by(*order_by(NAME_ORDER)).limit(LIMIT)


@functools.lru_cache(maxsize=128)
def _search_shape(filters: tuple[str, ...], code_prefix: bool, resume: str | None) -> AnySelect:
    """`resume`: None on the first page; "best" after a best match, "rest" after a name that
    merely contains q."""
    # Best matches (exact, prefix, USCC prefix) first, then the names containing q, by name.
    # Ranking every match in one ORDER BY would read all of them (a common bigram such as 科技
    # is in a third of the register), so each half is its own query: the few best matches
    # through their B-tree indexes, the rest in name order, where PostgreSQL either walks the
    # name index and stops after `limit` rows (common q) or sorts the few it finds (rare q).
    keys = SEARCH_ORDER
    best = _filtered(select(Enterprise, keys[0].column.label("match_rank")), filters)
    best = best.where(_best_match(code_prefix))
    rest = _filtered(select(Enterprise, literal(SUBSTRING_RANK).label("match_rank")), filters)
    rest = rest.where(_name_contains(), _best_match(code_prefix, negated=True))
    if resume is not None:
        after = _after(len(keys))
        best = best.where(after_clause(keys, after))
        if resume == "rest":
            rest = rest.where(after_clause(NAME_ORDER, after[1:]))
    best = best.order_by(*order_by(keys)).limit(LIMIT)
    rest = rest.order_by(*order_by(NAME_ORDER)).limit(LIMIT)
    both = union_all(best, rest).subquery()
    found = aliased(Enterprise, both)
    return (
        select(found, both.c.match_rank, both.c.name, both.c.id)
        .order_by(both.c.match_rank, both.c.name, both.c.id)
        .limit(LIMIT)
    )


def list_statement(
    where: EnterpriseFilter, after: tuple[Any, ...] | None, limit: int
) -> tuple[AnySelect, dict[str, Any]]:
    """Rows of (enterprise, *sort key values), `limit + 1` of them, in the list's order: the
    statement of the list's shape and the values for its parameters."""
    filters = tuple(name for name in OPTIONAL_FILTERS if getattr(where, name) is not None)
    values: dict[str, Any] = {"status": where.status, "limit": limit + 1}
    values.update({name: getattr(where, name) for name in filters if name != "tag"})
    if where.tag is not None:
        values["tags"] = [where.tag]
    if after is not None:
        values.update({f"after_{index}": value for index, value in enumerate(after)})
    if not where.q:
        return _list_shape(filters, after is not None), values
    q = where.q
    lowered = _like_escape(q.lower())
    values.update(
        q=q,
        q_upper=q.upper(),
        name_prefix=f"{lowered}%",
        code_prefix=f"{q.upper()}%",
        name_contains=f"%{lowered}%",
        grams=search_grams(q.lower()),
    )
    resume = None if after is None else ("rest" if after[0] == SUBSTRING_RANK else "best")
    return _search_shape(filters, is_uscc_prefix(q), resume), values


def total_statement(where: EnterpriseFilter) -> AnySelect:
    """The enterprises the list (or search) finds, all pages, with the values bound (for a
    total: `pagination.count_rows`)."""
    _statement, values = list_statement(where, None, 0)
    filters = tuple(name for name in OPTIONAL_FILTERS if getattr(where, name) is not None)
    found = _filtered(select(Enterprise.id), filters)
    if where.q:
        found = found.where(
            or_(_best_match(is_uscc_prefix(where.q)), _name_contains()),
        )
    values.pop("limit")
    return found.params(values)


async def list_enterprises(
    session: AsyncSession, where: EnterpriseFilter, after: tuple[Any, ...] | None, limit: int
) -> list[tuple[Enterprise, tuple[Any, ...]]]:
    """Enterprises with the values of their sort keys (for the cursor)."""
    stmt, values = list_statement(where, after, limit)
    rows = (await session.execute(stmt, values)).all()
    return [(row[0], tuple(row[1:])) for row in rows]


async def get(session: AsyncSession, enterprise_id: uuid.UUID) -> Enterprise | None:
    return await session.get(Enterprise, enterprise_id)


async def exists(session: AsyncSession, enterprise_id: uuid.UUID) -> bool:
    found = await session.scalar(select(Enterprise.id).where(Enterprise.id == enterprise_id))
    return found is not None


async def add(session: AsyncSession, enterprise: Enterprise) -> Enterprise:
    session.add(enterprise)
    try:
        await session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) == "uq_enterprise_uscc":
            raise DuplicateUSCC(
                _("an enterprise with USCC {uscc} exists", uscc=enterprise.uscc)
            ) from exc
        raise
    await session.refresh(enterprise, ["search_text"])
    return enterprise


async def enterprise_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Every enterprise, in the order of their names (for seeding)."""
    return list(
        await session.scalars(select(Enterprise.id).order_by(Enterprise.name, Enterprise.id))
    )


async def any_enterprise(session: AsyncSession) -> bool:
    return (await session.scalar(select(Enterprise.id).limit(1))) is not None


async def add_many(
    session: AsyncSession, enterprises: list[Enterprise], reports: list[AnnualReport]
) -> None:
    # No relationship() links the two, so the unit of work must be told the order.
    session.add_all(enterprises)
    await session.flush()
    session.add_all(reports)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def get_report(
    session: AsyncSession, enterprise_id: uuid.UUID, year: int
) -> AnnualReport | None:
    return await session.scalar(
        select(AnnualReport).where(
            AnnualReport.enterprise_id == enterprise_id, AnnualReport.year == year
        )
    )


async def add_report(session: AsyncSession, report: AnnualReport) -> AnnualReport:
    session.add(report)
    await session.flush()
    return report


def enterprise_reports(enterprise_id: uuid.UUID) -> Select[AnnualReport]:
    """What the list shows (ordered and paged by `PageParams.fetch` in REPORT_ORDER)."""
    stmt = select(AnnualReport).where(AnnualReport.enterprise_id == enterprise_id)
    return stmt


QUALIFICATION_ORDER = (SortKey(Qualification.issued_on, descending=True), SortKey(Qualification.id))


async def add_qualification(session: AsyncSession, qualification: Qualification) -> Qualification:
    session.add(qualification)
    await session.flush()
    return qualification


async def get_qualification(
    session: AsyncSession, enterprise_id: uuid.UUID, qualification_id: uuid.UUID
) -> Qualification | None:
    return await session.scalar(
        select(Qualification).where(
            Qualification.id == qualification_id, Qualification.enterprise_id == enterprise_id
        )
    )


async def get_qualification_by_id(
    session: AsyncSession, qualification_id: uuid.UUID
) -> Qualification | None:
    return await session.get(Qualification, qualification_id)


async def delete_qualification(session: AsyncSession, qualification: Qualification) -> None:
    await session.delete(qualification)
    await session.flush()


def enterprise_qualifications(enterprise_id: uuid.UUID) -> Select[Qualification]:
    """What the list shows (ordered and paged by `PageParams.fetch` in QUALIFICATION_ORDER)."""
    stmt = select(Qualification).where(Qualification.enterprise_id == enterprise_id)
    return stmt


def recognitions_in_third_year(year: int) -> Select[Qualification, str, str]:
    """High-tech recognitions whose third year is `year` (issued in `year` − 2), with the
    enterprise's name and USCC (ordered and paged by `PageParams.fetch`)."""
    return (
        select(Qualification, Enterprise.name, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == Qualification.enterprise_id)
        .where(
            Qualification.kind == QualificationKind.HTE.value,
            Qualification.issued_on >= date(year - 2, 1, 1),
            Qualification.issued_on <= date(year - 2, 12, 31),
        )
    )


async def filing_dates(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[int, date]]:
    """When each of these enterprises filed each year's report."""
    stmt = select(AnnualReport.enterprise_id, AnnualReport.year, AnnualReport.filed_on).where(
        AnnualReport.enterprise_id.in_(list(enterprise_ids))
    )
    filed: dict[uuid.UUID, dict[int, date]] = {}
    for enterprise_id, year, filed_on in await session.execute(stmt):
        filed.setdefault(enterprise_id, {})[year] = filed_on
    return filed


async def all_reports(session: AsyncSession, enterprise_id: uuid.UUID) -> list[AnnualReport]:
    stmt = select(AnnualReport).where(AnnualReport.enterprise_id == enterprise_id)
    return list(await session.scalars(stmt.order_by(AnnualReport.year)))


async def all_qualifications(
    session: AsyncSession, enterprise_id: uuid.UUID
) -> list[Qualification]:
    stmt = select(Qualification).where(Qualification.enterprise_id == enterprise_id)
    return list(await session.scalars(stmt.order_by(Qualification.issued_on)))


async def assessment_rows(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID]
) -> tuple[list[Enterprise], list[AnnualReport], list[Qualification]]:
    """What the assessments read of many enterprises, in three statements."""
    ids = list(enterprise_ids)
    enterprises = await session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))
    reports = await session.scalars(
        select(AnnualReport)
        .where(AnnualReport.enterprise_id.in_(ids))
        .order_by(AnnualReport.enterprise_id, AnnualReport.year)
    )
    qualifications = await session.scalars(
        select(Qualification)
        .where(Qualification.enterprise_id.in_(ids))
        .order_by(Qualification.enterprise_id, Qualification.issued_on)
    )
    return list(enterprises), list(reports), list(qualifications)


async def qualified_on(session: AsyncSession, day: date) -> set[uuid.UUID]:
    stmt = select(Qualification.enterprise_id).where(
        Qualification.issued_on <= day, Qualification.valid_until >= day
    )
    return set(await session.scalars(stmt))


IDENTITY_ROWS = """
    SELECT e.id, e.uscc, e.name
    FROM unnest($1::uuid[]) AS wanted(id) JOIN enterprise AS e ON e.id = wanted.id
"""
REPORT_FIGURE_ROWS = """
    SELECT r.enterprise_id, r.year, r.revenue, r.rd_expense, r.employees, r.st_staff,
           r.net_assets, r.ip_class1_new, r.ip_class2_new, r.achievements_transformed, r.filed_on
    FROM unnest($1::uuid[]) AS wanted(id)
    JOIN annual_report AS r ON r.enterprise_id = wanted.id
    WHERE r.year = ANY($2::int[])
"""


async def identities(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, str, str]]:
    """(id, uscc, name) of the given enterprises, joined through unnest so that 100k ids cost
    a hash join rather than 100k lookups."""
    driver = await driver_connection(session)
    return [(r[0], r[1], r[2]) for r in await driver.fetch(IDENTITY_ROWS, list(enterprise_ids))]


class ReportFigureRow(NamedTuple):
    enterprise_id: uuid.UUID
    year: int
    revenue: Decimal
    rd_expense: Decimal
    employees: int
    st_staff: int
    net_assets: Decimal
    ip_class1_new: int
    ip_class2_new: int
    achievements_transformed: int
    filed_on: date


async def report_figure_rows(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID], years: Sequence[int]
) -> list[ReportFigureRow]:
    driver = await driver_connection(session)
    rows = await driver.fetch(REPORT_FIGURE_ROWS, list(enterprise_ids), list(years))
    return [ReportFigureRow(*row) for row in rows]


async def snapshot_rows(
    session: AsyncSession, day: date, enterprise_id: uuid.UUID | None
) -> tuple[list[Any], list[Any], list[Any]]:
    """Active enterprises (id, tech_field); their latest reports (enterprise, year,
    employees, revenue); their qualifications valid on `day` (enterprise, kind)."""
    enterprises = select(Enterprise.id, Enterprise.tech_field).where(Enterprise.status == "active")
    reports = (
        select(
            AnnualReport.enterprise_id,
            AnnualReport.year,
            AnnualReport.employees,
            AnnualReport.revenue,
        )
        .ext(distinct_on(AnnualReport.enterprise_id))
        .order_by(AnnualReport.enterprise_id, AnnualReport.year.desc())
    )
    qualifications = select(Qualification.enterprise_id, Qualification.kind).where(
        Qualification.issued_on <= day, Qualification.valid_until >= day
    )
    if enterprise_id is not None:
        enterprises = enterprises.where(Enterprise.id == enterprise_id)
        reports = reports.where(AnnualReport.enterprise_id == enterprise_id)
        qualifications = qualifications.where(Qualification.enterprise_id == enterprise_id)
    return (
        list((await session.execute(enterprises)).all()),
        list((await session.execute(reports)).all()),
        list((await session.execute(qualifications)).all()),
    )


# What the exports read: every stored column except the search helpers, as plain rows.
EXPORT_ENTERPRISE_COLUMNS = [
    c for c in Enterprise.__table__.columns if c.name not in ("search_text", "name_grams")
]


async def stream_enterprises(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[AnyRow]]:
    """Enterprises in id order, in batches, through a server-side cursor: memory stays flat
    however many there are."""
    stmt = select(*EXPORT_ENTERPRISE_COLUMNS).order_by(Enterprise.id)
    if updated_since is not None:
        stmt = stmt.where(Enterprise.updated_at >= updated_since)
    async for batch in stream_batches(session, stmt):
        yield batch


async def stream_with_uscc(
    session: AsyncSession, model: Any, updated_since: datetime | None
) -> AsyncIterator[Sequence[AnyRow]]:
    """Every row of a table whose rows belong to enterprises (`enterprise_id`), with the
    enterprise's USCC, in id order, in batches through a server-side cursor: memory stays
    flat however many there are (the exports)."""
    stmt = (
        select(*model.__table__.columns, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == model.enterprise_id)
        .order_by(model.id)
    )
    if updated_since is not None:
        stmt = stmt.where(model.updated_at >= updated_since)
    async for batch in stream_batches(session, stmt):
        yield batch


def stream_reports(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[AnyRow]]:
    """Annual reports with their enterprise's USCC, in id order, in batches."""
    return stream_with_uscc(session, AnnualReport, updated_since)


# Bulk loads: one statement per batch inserts the rows and their audit events together
# (INSERT ... RETURNING feeding the audit INSERT), from one JSON parameter.
BULK_ENTERPRISES = text(
    """
    WITH ins AS (
        INSERT INTO enterprise (id, uscc, name, short_name, established_on, district,
            industry_code, tech_field, tags, contact_name, contact_phone, contact_email,
            resident_enterprise, restricted_products, credit_listed, tax_collection,
            status, version, created_at, updated_at)
        SELECT gen_random_uuid(), r.uscc, r.name, r.short_name, r.established_on, r.district,
            r.industry_code, r.tech_field, coalesce(r.tags, '{}'), r.contact_name,
            r.contact_phone, r.contact_email, coalesce(r.resident_enterprise, true),
            coalesce(r.restricted_products, false), coalesce(r.credit_listed, false),
            r.tax_collection, 'active', 1, now(), now()
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(uscc text, name text,
            short_name text, established_on date, district text, industry_code text,
            tech_field text, tags text[], contact_name text, contact_phone text,
            contact_email text, resident_enterprise boolean, restricted_products boolean,
            credit_listed boolean, tax_collection text)
        ON CONFLICT (uscc) DO NOTHING
        RETURNING *
    )
    INSERT INTO audit_event (id, occurred_at, actor_kind, actor_id, actor_role, action,
        resource_type, resource_id, after, request_id)
    SELECT gen_random_uuid(), now(), CAST(:actor_kind AS text), CAST(:actor_id AS uuid),
        CAST(:actor_role AS text), 'enterprise.create',
        'enterprise', ins.id::text, to_jsonb(ins) - 'search_text' - 'name_grams' - 'version',
        CAST(:request_id AS text)
    FROM ins
    RETURNING after ->> 'uscc'
    """
)

BULK_REPORTS = text(
    """
    WITH ins AS (
        INSERT INTO annual_report (id, enterprise_id, year, revenue, high_tech_revenue,
            total_cost, net_assets, total_assets, employees, st_staff, rd_expense,
            rd_expense_domestic, ip_class1, ip_class2, ip_class1_new, ip_class2_new,
            ip_class2_used, achievements_transformed, filed_on, tech_advancement, core_support,
            ip_self_developed, standards_drafted, rd_accounting, rd_institution,
            transformation_incentives, talent_programs, major_incident, version,
            created_at, updated_at)
        SELECT gen_random_uuid(), r.enterprise_id, r.year, r.revenue, r.high_tech_revenue,
            r.total_cost, r.net_assets, r.total_assets, r.employees, r.st_staff, r.rd_expense,
            r.rd_expense_domestic, r.ip_class1, r.ip_class2, r.ip_class1_new, r.ip_class2_new,
            r.ip_class2_used, r.achievements_transformed, r.filed_on, r.tech_advancement,
            r.core_support,
            r.ip_self_developed, r.standards_drafted, r.rd_accounting, r.rd_institution,
            r.transformation_incentives, r.talent_programs, r.major_incident, 1, now(), now()
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(enterprise_id uuid, year int,
            revenue numeric, high_tech_revenue numeric, total_cost numeric,
            net_assets numeric, total_assets numeric, employees int, st_staff int,
            rd_expense numeric, rd_expense_domestic numeric, ip_class1 int, ip_class2 int,
            ip_class1_new int, ip_class2_new int, ip_class2_used int,
            achievements_transformed int, filed_on date,
            tech_advancement text, core_support text, ip_self_developed boolean,
            standards_drafted int, rd_accounting boolean, rd_institution boolean,
            transformation_incentives boolean, talent_programs boolean, major_incident boolean)
        ON CONFLICT (enterprise_id, year) DO NOTHING
        RETURNING *
    )
    INSERT INTO audit_event (id, occurred_at, actor_kind, actor_id, actor_role, action,
        resource_type, resource_id, after, request_id)
    SELECT gen_random_uuid(), now(), CAST(:actor_kind AS text), CAST(:actor_id AS uuid),
        CAST(:actor_role AS text), 'annual_report.create', 'annual_report', ins.id::text,
        to_jsonb(ins) - 'version',
        CAST(:request_id AS text)
    FROM ins
    RETURNING (after ->> 'enterprise_id') || ':' || (after ->> 'year')
    """
)


async def bulk_insert(
    session: AsyncSession, statement: Any, rows: list[dict[str, Any]], actor: dict[str, Any]
) -> list[str]:
    """Insert rows (skipping those whose natural key exists) with one audit event each;
    answers the natural keys inserted."""
    result = await session.execute(
        statement, {"rows": json.dumps(rows, ensure_ascii=False, default=str), **actor}
    )
    return [str(key) for key in result.scalars()]


async def existing_usccs(session: AsyncSession, usccs: list[str]) -> dict[str, uuid.UUID]:
    """The registered enterprises among these codes, by code."""
    rows = await session.execute(
        select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(usccs))
    )
    found: dict[str, uuid.UUID] = {}
    for uscc, enterprise_id in rows.all():
        found[uscc] = enterprise_id
    return found


async def reporting_in(session: AsyncSession, year: int) -> list[uuid.UUID]:
    """Active enterprises with an annual report for `year`."""
    stmt = (
        select(AnnualReport.enterprise_id)
        .join(Enterprise, Enterprise.id == AnnualReport.enterprise_id)
        .where(AnnualReport.year == year, Enterprise.status == "active")
        .order_by(AnnualReport.enterprise_id)
    )
    return list(await session.scalars(stmt))


async def existing_report_years(
    session: AsyncSession, enterprise_ids: list[uuid.UUID]
) -> set[tuple[uuid.UUID, int]]:
    rows = await session.execute(
        select(AnnualReport.enterprise_id, AnnualReport.year).where(
            AnnualReport.enterprise_id.in_(enterprise_ids)
        )
    )
    return {(enterprise_id, year) for enterprise_id, year in rows.all()}


async def names(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    stmt = select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(list(ids)))
    return {row.id: row.name for row in await session.execute(stmt)}
