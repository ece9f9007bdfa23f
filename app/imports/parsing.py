"""Reading an uploaded file into rows with their line numbers (pure: bytes in, rows out)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from app.i18n import Sentence
from app.imports.enums import ImportFormat

# CSV has no lists: a tag column holds `a;b`.
LIST_COLUMNS = frozenset({"tags"})


@dataclass(frozen=True)
class SourceRow:
    line: int  # 1-based line of the file where the row starts
    values: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    message: Sentence


class UnreadableFile(ValueError):
    """Why a file cannot be read at all, as a sentence (the job's `failure`)."""

    def __init__(self, sentence: Sentence) -> None:
        super().__init__(sentence.msgid)
        self.sentence = sentence

    def __str__(self) -> str:
        return str(self.sentence)


def _text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8-sig")  # an Excel BOM is welcome
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            Sentence("the file is not UTF-8 (byte {byte})", byte=exc.start)
        ) from exc


@dataclass(frozen=True)
class Limits:
    """What one line may hold; a line beyond them is one row error, read no further."""

    max_line_chars: int = 65_536
    max_depth: int = 32  # NDJSON: arrays and objects nested in one another, the row included
    # xlsx: rows read before giving up (the caller refuses more than its maximum), and what
    # the workbook may unpack to: a few MB of zip can inflate to gigabytes of XML.
    max_rows: int = 100_000
    max_unpacked_bytes: int = 512 * 1024 * 1024


# A workbook is a zip archive; a text file never starts with these bytes.
ZIP_MAGIC = b"PK\x03\x04"


def sniff(payload: bytes) -> ImportFormat:
    """The format of a file sent without a telling media type: a zip is a workbook, a first
    `{` an NDJSON line, anything else CSV (whose job then says what its rows lack)."""
    if payload.startswith(ZIP_MAGIC):
        return ImportFormat.XLSX
    start = payload.removeprefix(b"\xef\xbb\xbf").lstrip()
    return ImportFormat.NDJSON if start.startswith(b"{") else ImportFormat.CSV


SUFFIXES = {
    ".csv": ImportFormat.CSV,
    ".ndjson": ImportFormat.NDJSON,
    ".jsonl": ImportFormat.NDJSON,
    ".xlsx": ImportFormat.XLSX,
}


def format_of(filename: str | None, payload: bytes) -> ImportFormat:
    """By the file's name where it tells, else by its first bytes."""
    suffix = PurePath(filename or "").suffix.lower()
    return SUFFIXES.get(suffix) or sniff(payload)


def parse(
    payload: bytes, fmt: ImportFormat, limits: Limits | None = None
) -> tuple[list[SourceRow], list[RowError]]:
    """The rows of the file, and the lines that are not rows at all."""
    limits = limits or Limits()
    if fmt is ImportFormat.XLSX:
        return _parse_xlsx(payload, limits)
    text = _text(payload)
    if "\x00" in text:
        raise UnreadableFile(Sentence("the file contains a NUL character"))
    return _parse_csv(text, limits) if fmt is ImportFormat.CSV else _parse_ndjson(text, limits)


def _too_long(limits: Limits) -> Sentence:
    return Sentence(
        "the line is longer than {max_line_chars} characters", max_line_chars=limits.max_line_chars
    )


# A JSON string (escapes included, perhaps unterminated) or a bracket outside strings.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def _deeper_than(line: str, limit: int) -> bool:
    """Nesting beyond `limit`, found before decoding: the decoder recurses once per level, so
    100,000 `[` would exhaust the interpreter's stack (RecursionError) rather than fail."""
    if line.count("[") + line.count("{") <= limit:
        return False  # the usual row: too few openers to nest that deep, and no scan at all
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(line):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False


def _parse_ndjson(text: str, limits: Limits) -> tuple[list[SourceRow], list[RowError]]:
    rows: list[SourceRow] = []
    errors: list[RowError] = []
    # Lines end at \n (or \r\n) only: JSON strings may hold U+2028 and the like, which
    # str.splitlines() would break on.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        if len(line) > limits.max_line_chars:
            errors.append(RowError(number, None, _too_long(limits)))
            continue
        if _deeper_than(line, limits.max_depth):
            errors.append(
                RowError(
                    number,
                    None,
                    Sentence("nested deeper than {depth} levels", depth=limits.max_depth),
                )
            )
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, None, Sentence("not JSON: {reason}", reason=exc.msg)))
            continue
        except ValueError:
            # The decoder's only other refusal: an integer beyond the interpreter's digit limit.
            errors.append(
                RowError(number, None, Sentence("not JSON: a number with too many digits"))
            )
            continue
        if not isinstance(value, dict):
            errors.append(RowError(number, None, Sentence("each line must be one JSON object")))
            continue
        rows.append(SourceRow(number, value))
    return rows, errors


def _parse_csv(text: str, limits: Limits) -> tuple[list[SourceRow], list[RowError]]:
    overlong: list[int] = []

    def lines() -> Iterator[str]:
        # An overlong line reaches the reader as an empty one (its row is rejected below):
        # the reader never holds it, and the lines after it keep their numbers.
        for number, line in enumerate(io.StringIO(text, newline=""), start=1):
            if len(line.rstrip("\r\n")) > limits.max_line_chars:
                overlong.append(number)
                yield "\n"
            else:
                yield line

    reader = csv.reader(lines())
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return [], []
    except csv.Error as exc:
        raise UnreadableFile(
            Sentence("the header row cannot be read: {reason}", reason=str(exc))
        ) from exc
    if overlong and overlong[0] == 1:
        raise UnreadableFile(
            Sentence(
                "the header row is longer than {max_line_chars} characters",
                max_line_chars=limits.max_line_chars,
            )
        )
    if not header or len(set(header)) != len(header) or not all(header):
        raise UnreadableFile(Sentence("the header row must name each column once"))
    rows: list[SourceRow] = []
    errors: list[RowError] = []
    end_of_previous = reader.line_num
    reported = 0  # overlong lines before this row
    while True:
        start = end_of_previous + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader starts afresh on the next line: one row lost, not the rest of the file.
            errors.append(RowError(start, None, Sentence("not CSV: {reason}", reason=str(exc))))
            end_of_previous = reader.line_num
            continue
        end_of_previous = reader.line_num
        while reported < len(overlong) and overlong[reported] < start:
            reported += 1  # within a row the reader refused, reported already
        if reported < len(overlong) and overlong[reported] <= end_of_previous:
            errors.append(RowError(overlong[reported], None, _too_long(limits)))
            continue
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            errors.append(
                RowError(
                    start,
                    None,
                    Sentence(
                        "{cells} cells where the header has {columns}",
                        cells=len(record),
                        columns=len(header),
                    ),
                )
            )
            continue
        values: dict[str, Any] = {}
        for name, cell in zip(header, record, strict=True):
            if cell == "":
                continue  # an empty cell is an absent value
            values[name] = [t for t in cell.split(";") if t] if name in LIST_COLUMNS else cell
        rows.append(SourceRow(start, values))
    return rows, errors


def _cell_text(value: object) -> str | None:
    """A cell as the text a CSV would hold: the rows are then checked the same way."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # A number typed into Excel arrives as a float: 38500000 is 38500000, not 38500000.0.
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _workbook_rows(
    payload: bytes, limits: Limits
) -> Generator[tuple[int, list[str | None]], None, None]:
    # Imported here: only an xlsx upload pays for loading the reader.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(Sentence("the file is not an xlsx workbook")) from exc
    if unpacked > limits.max_unpacked_bytes:
        raise UnreadableFile(
            Sentence(
                "the workbook unpacks to more than {bytes} bytes", bytes=limits.max_unpacked_bytes
            )
        )
    try:
        workbook = load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
    except Exception as exc:  # the reader's many refusals of a damaged or foreign file
        raise UnreadableFile(
            Sentence("the workbook cannot be read ({reason})", reason=type(exc).__name__)
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in row]
    except UnreadableFile:
        raise
    except Exception as exc:  # as above, met while reading the sheet's rows
        raise UnreadableFile(
            Sentence("the workbook cannot be read ({reason})", reason=type(exc).__name__)
        ) from exc
    finally:
        workbook.close()


def _parse_xlsx(payload: bytes, limits: Limits) -> tuple[list[SourceRow], list[RowError]]:
    """The first sheet: a header row, then one row per line, as the export writes it."""
    with closing(_workbook_rows(payload, limits)) as lines:
        return _workbook_parsed(lines, limits)


def _workbook_parsed(
    lines: Iterator[tuple[int, list[str | None]]], limits: Limits
) -> tuple[list[SourceRow], list[RowError]]:
    header: list[str] = []
    for _, cells in lines:
        if any(cells):
            header = [(cell or "").strip() for cell in cells]
            break
    while header and not header[-1]:
        header.pop()  # formatted but empty columns on the right
    if not header:
        return [], []
    if len(set(header)) != len(header) or not all(header):
        raise UnreadableFile(Sentence("the header row must name each column once"))
    rows: list[SourceRow] = []
    errors: list[RowError] = []
    for number, cells in lines:
        if len(rows) + len(errors) > limits.max_rows:
            break  # the caller refuses the file for holding too many rows
        if not any(cells):
            continue
        if any(cell for cell in cells[len(header) :]):
            errors.append(
                RowError(
                    number,
                    None,
                    Sentence("cells beyond the header's {columns} columns", columns=len(header)),
                )
            )
            continue
        if sum(len(cell) for cell in cells if cell) > limits.max_line_chars:
            errors.append(RowError(number, None, _too_long(limits)))
            continue
        values: dict[str, Any] = {}
        for name, cell in zip(header, cells, strict=False):
            if cell is not None:
                values[name] = [t for t in cell.split(";") if t] if name in LIST_COLUMNS else cell
        rows.append(SourceRow(number, values))
    return rows, errors
