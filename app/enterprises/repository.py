from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Select

from app.db import constraint_name
from app.enterprises.models import AnnualReport, Enterprise, Qualification
from app.enterprises.uscc import is_uscc_prefix
from app.errors import Conflict
from app.pagination import SortKey, after_clause, order_by

NAME_ORDER = (SortKey(Enterprise.name), SortKey(Enterprise.id))
REPORT_ORDER = (SortKey(AnnualReport.year, descending=True),)


class DuplicateUSCC(Conflict):
    code = "duplicate_uscc"


@dataclass(frozen=True)
class EnterpriseFilter:
    q: str | None = None
    tech_field: str | None = None
    district: str | None = None
    tag: str | None = None
    status: str = "active"
    only_id: uuid.UUID | None = None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_grams(text: str) -> list[str]:
    """The grams a query needs: itself when 1-2 characters, else each of its bigrams."""
    return [text] if len(text) <= 2 else sorted({text[i : i + 2] for i in range(len(text) - 1)})


def _search_condition(q: str) -> ColumnElement[bool]:
    lowered = q.lower()
    grams = literal(search_grams(lowered), type_=ARRAY(Text))
    in_name = and_(
        Enterprise.name_grams.contains(grams),
        Enterprise.search_text.like(f"%{_like_escape(lowered)}%", escape="\\"),
    )
    if is_uscc_prefix(q):
        return or_(in_name, Enterprise.uscc.like(f"{q.upper()}%"))
    return in_name


def _match_rank(q: str) -> ColumnElement[int]:
    """0 for an exact name or code, then prefixes, then any substring: best match first."""
    lowered = _like_escape(q.lower())
    return case(
        (or_(Enterprise.name == q, Enterprise.short_name == q, Enterprise.uscc == q.upper()), 0),
        (Enterprise.search_text.like(f"{lowered}%", escape="\\"), 1),
        (Enterprise.uscc.like(f"{q.upper()}%"), 2),
        else_=literal(3),
    )


def sort_keys(q: str | None) -> tuple[SortKey, ...]:
    return NAME_ORDER if not q else (SortKey(_match_rank(q)), *NAME_ORDER)


def list_statement(
    where: EnterpriseFilter, after: tuple[Any, ...] | None, limit: int
) -> Select[Any]:
    keys = sort_keys(where.q)
    stmt = select(Enterprise, *(key.column for key in keys)).where(
        Enterprise.status == where.status
    )
    if where.q:
        stmt = stmt.where(_search_condition(where.q))
    if where.tech_field is not None:
        stmt = stmt.where(Enterprise.tech_field == where.tech_field)
    if where.district is not None:
        stmt = stmt.where(Enterprise.district == where.district)
    if where.tag is not None:
        stmt = stmt.where(Enterprise.tags.contains([where.tag]))
    if where.only_id is not None:
        stmt = stmt.where(Enterprise.id == where.only_id)
    if after is not None:
        stmt = stmt.where(after_clause(keys, after))
    return stmt.order_by(*order_by(keys)).limit(limit + 1)


async def list_enterprises(
    session: AsyncSession, where: EnterpriseFilter, after: tuple[Any, ...] | None, limit: int
) -> list[tuple[Enterprise, tuple[Any, ...]]]:
    """Enterprises with the values of their sort keys (for the cursor)."""
    rows = (await session.execute(list_statement(where, after, limit))).all()
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
            raise DuplicateUSCC(f"an enterprise with USCC {enterprise.uscc} exists") from exc
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


async def list_reports(
    session: AsyncSession, enterprise_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
) -> list[AnnualReport]:
    stmt = select(AnnualReport).where(AnnualReport.enterprise_id == enterprise_id)
    if after is not None:
        stmt = stmt.where(after_clause(REPORT_ORDER, after))
    return list(await session.scalars(stmt.order_by(*order_by(REPORT_ORDER)).limit(limit + 1)))


QUALIFICATION_ORDER = (SortKey(Qualification.issued_on, descending=True), SortKey(Qualification.id))


async def add_qualification(session: AsyncSession, qualification: Qualification) -> Qualification:
    session.add(qualification)
    await session.flush()
    return qualification


async def list_qualifications(
    session: AsyncSession, enterprise_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
) -> list[Qualification]:
    stmt = select(Qualification).where(Qualification.enterprise_id == enterprise_id)
    if after is not None:
        stmt = stmt.where(after_clause(QUALIFICATION_ORDER, after))
    stmt = stmt.order_by(*order_by(QUALIFICATION_ORDER)).limit(limit + 1)
    return list(await session.scalars(stmt))


async def all_reports(session: AsyncSession, enterprise_id: uuid.UUID) -> list[AnnualReport]:
    stmt = select(AnnualReport).where(AnnualReport.enterprise_id == enterprise_id)
    return list(await session.scalars(stmt.order_by(AnnualReport.year)))


async def all_qualifications(
    session: AsyncSession, enterprise_id: uuid.UUID
) -> list[Qualification]:
    stmt = select(Qualification).where(Qualification.enterprise_id == enterprise_id)
    return list(await session.scalars(stmt.order_by(Qualification.issued_on)))
