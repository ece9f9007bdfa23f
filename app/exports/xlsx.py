"""A one-sheet xlsx workbook written as its rows come, for the exports: the sheet's XML goes
through a deflating zip member row batch by row batch, and what the zip has written so far is
handed out at once, so a million rows never sit in memory (a spreadsheet library builds the
whole file first). Identifiers and text are text cells (a USCC of digits stays a code, not
9.16502E+17), numbers are numbers, dates and times are dates (UTC)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's day 0, as its date serials count (1900 leap-year bug included).
EPOCH = datetime(1899, 12, 30, tzinfo=UTC)
# Characters XML 1.0 cannot hold at all: dropped from text.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DATE_STYLE, TIME_STYLE = 1, 2

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"""
SHEET_TAIL = "</sheetData></worksheet>"


class _Drain(io.RawIOBase):
    """Where the zip writes: kept until taken. Not seekable, so the zip writes each member's
    sizes after its data (a data descriptor), never going back."""

    def __init__(self) -> None:
        self.written = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.written += data
        return len(data)

    def take(self) -> bytes:
        taken = bytes(self.written)
        self.written.clear()
        return taken


def _text(value: str) -> str:
    text = escape(NOT_XML.sub("", value))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def cell(value: Any) -> str:
    """One cell: text stays text (ids, codes, lists), numbers numbers, instants dates."""
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f"<c><v>{value}</v></c>"
    if isinstance(value, datetime):
        instant = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        serial = (instant - EPOCH).total_seconds() / 86_400
        return f'<c s="{TIME_STYLE}"><v>{serial:.10f}</v></c>'
    if isinstance(value, date):
        return f'<c s="{DATE_STYLE}"><v>{(value - EPOCH.date()).days}</v></c>'
    if isinstance(value, list | tuple):
        return _text(";".join(str(item) for item in value))
    return _text(str(value))


class SheetWriter:
    """`start(headers)`, then `rows(batch)` as often as rows come, then `finish()`; each
    answers the bytes of the file that are ready."""

    def __init__(self, sheet_name: str) -> None:
        self.drain = _Drain()
        self.zip = zipfile.ZipFile(self.drain, mode="w", compression=zipfile.ZIP_DEFLATED)
        self.sheet_name = sheet_name
        self.sheet: Any = None

    def start(self, headers: Sequence[str]) -> bytes:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK.format(name=escape(self.sheet_name[:31]))),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ):
            self.zip.writestr(name, text)
        self.sheet = self.zip.open("xl/worksheets/sheet1.xml", mode="w", force_zip64=True)
        self.sheet.write(SHEET_HEAD.encode())
        return self.rows([headers])

    def rows(self, rows: Sequence[Sequence[Any]]) -> bytes:
        self.sheet.write(
            "".join("<row>" + "".join(map(cell, row)) + "</row>" for row in rows).encode()
        )
        return self.drain.take()

    def finish(self) -> bytes:
        self.sheet.write(SHEET_TAIL.encode())
        self.sheet.close()
        self.zip.close()
        return self.drain.take()
