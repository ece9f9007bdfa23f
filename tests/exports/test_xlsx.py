"""Issue 16 point 8: `format=xlsx` on the exports, opened as a spreadsheet opens it (openpyxl):
one sheet, the documented columns as the header, identifiers and codes as text (an all-digit
code stays a code), dates and times as dates, numbers as numbers, contacts masked for
integrations as everywhere."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import httpx
import openpyxl
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.exports.registry import ENTERPRISES, EXPORTS, TITLES_ZH, ExportResource
from app.exports.xlsx import MEDIA_TYPE, SheetWriter
from tests.factories import bearer, make_api_key, make_enterprise, make_user
from tests.problems import assert_problem


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames == ["export"]
    return list(book.active.iter_rows(values_only=True))


async def test_the_register_as_a_workbook(client: httpx.AsyncClient, session: AsyncSession) -> None:
    enterprise = await make_enterprise(
        session,
        name="克拉玛依市<表格>&有限公司",
        established_on=date(2012, 6, 1),
        tags=["a", "b"],
        contact_name="王小明",
    )
    manager = await make_user(session, Role.MANAGER)
    answer = await client.get(
        "/api/v1/exports/enterprises", headers=bearer(manager), params={"format": "xlsx"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == MEDIA_TYPE
    assert 'filename="enterprises.xlsx"' in answer.headers["content-disposition"]
    rows = sheet_rows(answer.content)
    names = [c.name for c in ENTERPRISES.columns]
    assert list(rows[0]) == names
    row = dict(zip(names, next(r for r in rows[1:] if r[0] == str(enterprise.id)), strict=True))
    assert row["uscc"] == enterprise.uscc and isinstance(row["uscc"], str)
    assert row["name"] == "克拉玛依市<表格>&有限公司"
    assert row["established_on"] == datetime(2012, 6, 1)
    assert isinstance(row["created_at"], datetime)
    assert isinstance(row["version"], int)
    assert row["tags"] == "a;b"
    assert row["contact_name"] == "王小明"
    assert len(rows) >= 2

    _, secret = await make_api_key(session, scopes=["read:enterprises"])
    masked = await client.get(
        "/api/v1/exports/enterprises",
        headers={"Authorization": f"Bearer {secret}"},
        params={"format": "xlsx"},
    )
    masked_rows = sheet_rows(masked.content)
    theirs = next(r for r in masked_rows if r[0] == str(enterprise.id))
    assert theirs[names.index("contact_name")] == "王**"


async def test_every_resource_exports_as_a_workbook(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_user(session, Role.ADMIN)
    opened = 0
    for resource in ExportResource:
        answer = await client.get(
            f"/api/v1/exports/{resource.value}", headers=bearer(admin), params={"format": "xlsx"}
        )
        assert answer.status_code == 200, (resource, answer.text)
        assert len(sheet_rows(answer.content)[0]) >= 3
        opened += 1
    assert opened == len(ExportResource) >= 8
    unknown = await client.get(
        "/api/v1/exports/enterprises", headers=bearer(admin), params={"format": "xls"}
    )
    assert_problem(unknown, 422, "validation_failed")


def test_an_all_digit_code_stays_text_and_control_characters_are_dropped() -> None:
    sheet = SheetWriter("export")
    content = sheet.start(["code", "note", "amount", "day"])
    content += sheet.rows([["916502000000000001", "a\x01b", 12.5, date(2026, 1, 2)]])
    content += sheet.finish()
    rows = sheet_rows(content)
    assert rows[1] == ("916502000000000001", "ab", 12.5, datetime(2026, 1, 2))


async def test_chinese_headers_on_every_resource_in_csv_and_xlsx(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_user(session, Role.ADMIN)
    checked = 0
    for export in EXPORTS.values():
        titles = [TITLES_ZH[c.name] for c in export.columns]
        assert len(set(titles)) == len(titles), (export.resource, titles)
        path = f"/api/v1/exports/{export.resource.value}"
        workbook = await client.get(
            path, headers=bearer(admin), params={"format": "xlsx", "headers": "zh"}
        )
        assert workbook.status_code == 200, (export.resource, workbook.text)
        assert list(sheet_rows(workbook.content)[0]) == titles
        table = await client.get(
            path, headers=bearer(admin), params={"format": "csv", "headers": "zh"}
        )
        first_line = table.content.decode("utf-8-sig").split("\r\n", 1)[0]
        assert first_line == ",".join(titles)
        checked += 1
    assert checked == len(ExportResource)
    names = await client.get(
        "/api/v1/exports/visits", headers=bearer(admin), params={"format": "csv"}
    )
    assert names.content.decode("utf-8-sig").startswith("id,")
