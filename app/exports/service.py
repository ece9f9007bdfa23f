"""Exports streamed with constant memory: rows come from a server-side cursor in batches and
leave as bytes batch by batch; nothing holds the whole result."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.auth.roles import Principal
from app.config import Settings
from app.exports import xlsx
from app.exports.registry import EXPORTS, TITLES_ZH, Column, ExportResource

BOM = "\ufeff".encode()


class ExportHeaders(StrEnum):
    NAMES = "names"  # the column names, as the JSON and the imports name the fields
    ZH = "zh"  # Chinese titles, for people reading the sheet


class ExportFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {
    ExportFormat.NDJSON: "application/x-ndjson",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: xlsx.MEDIA_TYPE,
}


def _json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, Decimal | UUID):
        return str(value)  # money stays an exact decimal string
    if isinstance(value, datetime):
        return json_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def json_time(value: datetime) -> str:
    """An instant as the API's JSON writes it: UTC with `Z` (pydantic's form), not `+00:00`."""
    text = value.isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP "CSV
# injection"): `=HYPERLINK(...)` in a contact name would run in the bureau's Excel.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a client wrote, made inert for a spreadsheet: a leading quote, as OWASP advises."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return neutralise(";".join(str(item) for item in value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralise(value)
    # Numbers, dates, times and ids are written by the service from typed columns and cannot
    # hold a formula; a negative amount stays a number the spreadsheet can add up.
    return str(_json_value(value))


def _values(row: Any, columns: tuple[Column, ...], masked: bool) -> list[Any]:
    mapping = row._mapping
    values = []
    for column in columns:
        value = mapping[column.name]
        if masked and column.mask is not None:
            value = column.mask(value)
        values.append(value)
    return values


async def open_export(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    viewer: Principal,
    resource: ExportResource,
    fmt: ExportFormat,
    *,
    updated_since: datetime | None,
    bom: bool,
    headers: ExportHeaders = ExportHeaders.NAMES,
) -> AsyncIterator[bytes]:
    """Start the export and answer its body. The query starts here, before the response, so
    that a database that is down is a 503, not a broken stream."""
    export = EXPORTS[resource]
    session = factory()
    try:
        # Reading personal data in bulk is itself worth an audit record.
        audit.record(
            session,
            viewer,
            "export.read",
            "export",
            resource.value,
            after={"format": fmt.value, "updated_since": _json_value(updated_since)},
        )
        await session.commit()
        batches = export.batches(session, settings, updated_since)
        first = await anext(batches, None)
    except BaseException:
        await session.close()
        raise
    header = [TITLES_ZH[c.name] if headers is ExportHeaders.ZH else c.name for c in export.columns]
    return _body(
        session, batches, first, export.columns, header, fmt, viewer.masks_personal_data, bom
    )


async def _body(
    session: AsyncSession,
    batches: AsyncIterator[Any],
    first: Any,
    columns: tuple[Column, ...],
    header: list[str],
    fmt: ExportFormat,
    masked: bool,
    bom: bool,
) -> AsyncIterator[bytes]:
    names = [c.name for c in columns]
    try:
        if fmt is ExportFormat.XLSX:
            sheet = xlsx.SheetWriter("export")
            yield sheet.start(header)
            batch = first
            while batch is not None:
                yield sheet.rows([_values(row, columns, masked) for row in batch])
                batch = await anext(batches, None)
            yield sheet.finish()
            return
        if fmt is ExportFormat.CSV:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(header)
            yield (BOM if bom else b"") + buffer.getvalue().encode()
        batch = first
        while batch is not None:
            if fmt is ExportFormat.CSV:
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\r\n")
                writer.writerows(
                    [_csv_value(v) for v in _values(row, columns, masked)] for row in batch
                )
                yield buffer.getvalue().encode()
            else:
                yield "".join(
                    json.dumps(
                        dict(
                            zip(names, map(_json_value, _values(row, columns, masked)), strict=True)
                        ),
                        ensure_ascii=False,
                        separators=(",", ":"),
                    )
                    + "\n"
                    for row in batch
                ).encode()
            batch = await anext(batches, None)
    finally:
        await session.close()
