"""Reading an uploaded file into rows with their line numbers (pure: bytes in, rows out)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

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
    message: str


class UnreadableFile(ValueError):
    pass


def _text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8-sig")  # an Excel BOM is welcome
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"the file is not UTF-8 (byte {exc.start})") from exc


def parse(payload: bytes, fmt: ImportFormat) -> tuple[list[SourceRow], list[RowError]]:
    """The rows of the file, and the lines that are not rows at all."""
    text = _text(payload)
    if "\x00" in text:
        raise UnreadableFile("the file contains a NUL character")
    return _parse_csv(text) if fmt is ImportFormat.CSV else _parse_ndjson(text)


def _parse_ndjson(text: str) -> tuple[list[SourceRow], list[RowError]]:
    rows: list[SourceRow] = []
    errors: list[RowError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, None, f"not JSON: {exc.msg}"))
            continue
        if not isinstance(value, dict):
            errors.append(RowError(number, None, "each line must be one JSON object"))
            continue
        rows.append(SourceRow(number, value))
    return rows, errors


def _parse_csv(text: str) -> tuple[list[SourceRow], list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return [], []
    except csv.Error as exc:
        raise UnreadableFile(f"the header row cannot be read: {exc}") from exc
    if len(set(header)) != len(header) or not all(header):
        raise UnreadableFile("the header row must name each column once")
    rows: list[SourceRow] = []
    errors: list[RowError] = []
    end_of_previous = reader.line_num
    while True:
        start = end_of_previous + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(start, None, f"not CSV: {exc}"))
            break
        end_of_previous = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            errors.append(
                RowError(start, None, f"{len(record)} cells where the header has {len(header)}")
            )
            continue
        values: dict[str, Any] = {}
        for name, cell in zip(header, record, strict=True):
            if cell == "":
                continue  # an empty cell is an absent value
            values[name] = [t for t in cell.split(";") if t] if name in LIST_COLUMNS else cell
        rows.append(SourceRow(start, values))
    return rows, errors
