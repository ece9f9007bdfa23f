"""Test data: factories flush, never commit (the test's transaction is rolled back)."""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey, User
from app.auth.roles import Role
from app.auth.scopes import READ_SCOPES
from app.auth.security import hash_password, issue_token, new_api_key
from app.enterprises.models import AnnualReport, Enterprise
from app.enterprises.uscc import ALPHABET, check_character
from tests.conftest import TEST_SECRET

PASSWORD = "correct-horse-battery"
# Hashing is deliberately slow; factories hash once and reuse it.
PASSWORD_HASH = hash_password(PASSWORD)


async def make_user(
    session: AsyncSession,
    role: Role = Role.ADMIN,
    *,
    email: str | None = None,
    enterprise_id: uuid.UUID | None = None,
    is_active: bool = True,
) -> User:
    user = User(
        email=email or f"{role.value}-{uuid.uuid4().hex[:8]}@example.com",
        password_hash=PASSWORD_HASH,
        role=role.value,
        enterprise_id=enterprise_id,
        is_active=is_active,
    )
    session.add(user)
    await session.flush()
    return user


def bearer(user: User, lifetime: timedelta = timedelta(minutes=30)) -> dict[str, str]:
    token, _ = issue_token(user.id, user.credential_version, TEST_SECRET, lifetime)
    return {"Authorization": f"Bearer {token}"}


async def make_api_key(
    session: AsyncSession, *, scopes: list[str] | None = None
) -> tuple[ApiKey, str]:
    """A key with the given scopes; by default every read scope, as migration 0030 gave the
    keys issued before scopes were enforced."""
    fresh = new_api_key()
    key = ApiKey(
        name="integration",
        prefix=fresh.prefix,
        key_hash=fresh.key_hash,
        scopes=sorted(READ_SCOPES) if scopes is None else scopes,
    )
    session.add(key)
    await session.flush()
    return key, fresh.secret


async def headers_for(session: AsyncSession, role: Role, **kwargs: object) -> dict[str, str]:
    if role is Role.INTEGRATION:
        _, secret = await make_api_key(session)
        return {"Authorization": f"Bearer {secret}"}
    user = await make_user(session, role, **kwargs)  # type: ignore[arg-type]
    return bearer(user)


def random_uscc(rng: random.Random | None = None) -> str:
    """A valid USCC: legal-person code 9, registration 1, division 650200 (克拉玛依)."""
    rng = rng or random.Random()
    body = "91650200" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


async def make_enterprise(session: AsyncSession, **overrides: Any) -> Enterprise:
    values: dict[str, Any] = {
        "uscc": random_uscc(),
        "name": f"克拉玛依市测试{uuid.uuid4().hex[:6]}有限公司",
        "tech_field": "new_materials",
        "industry_code": "C3985",
        "tax_collection": "audit",
        "tags": [],
    }
    values.update(overrides)
    enterprise = Enterprise(**values)
    session.add(enterprise)
    await session.flush()
    return enterprise


REPORT_VALUES: dict[str, Any] = {
    "revenue": Decimal("38500000.00"),
    "high_tech_revenue": Decimal("27200000.00"),
    "total_cost": Decimal("31000000.00"),
    "net_assets": Decimal("16400000.00"),
    "total_assets": Decimal("42000000.00"),
    "employees": 86,
    "st_staff": 21,
    "rd_expense": Decimal("2150000.00"),
    "rd_expense_domestic": Decimal("2150000.00"),
}


async def make_report(
    session: AsyncSession, enterprise: Enterprise, year: int, **overrides: Any
) -> AnnualReport:
    values = {**REPORT_VALUES, "filed_on": date(year + 1, 4, 20), **overrides}
    report = AnnualReport(enterprise_id=enterprise.id, year=year, **values)
    session.add(report)
    await session.flush()
    return report


def workbook(rows: Sequence[Sequence[object]]) -> bytes:
    """An xlsx file holding these rows in its first sheet, as Excel would save it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
