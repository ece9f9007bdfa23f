"""Reading an uploaded file into rows with their line numbers (pure: bytes in, rows out)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
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


@dataclass(frozen=True)
class Limits:
    """What one line may hold; a line beyond them is one row error, read no further."""

    max_line_chars: int = 65_536
    max_depth: int = 32  # NDJSON: arrays and objects nested in one another, the row included


def parse(
    payload: bytes, fmt: ImportFormat, limits: Limits | None = None
) -> tuple[list[SourceRow], list[RowError]]:
    """The rows of the file, and the lines that are not rows at all."""
    text = _text(payload)
    if "\x00" in text:
        raise UnreadableFile("the file contains a NUL character")
    limits = limits or Limits()
    return _parse_csv(text, limits) if fmt is ImportFormat.CSV else _parse_ndjson(text, limits)


def _too_long(limits: Limits) -> str:
    return f"the line is longer than {limits.max_line_chars} characters"


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
            errors.append(RowError(number, None, f"nested deeper than {limits.max_depth} levels"))
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, None, f"not JSON: {exc.msg}"))
            continue
        except ValueError:
            # The decoder's only other refusal: an integer beyond the interpreter's digit limit.
            errors.append(RowError(number, None, "not JSON: a number with too many digits"))
            continue
        if not isinstance(value, dict):
            errors.append(RowError(number, None, "each line must be one JSON object"))
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
        raise UnreadableFile(f"the header row cannot be read: {exc}") from exc
    if overlong and overlong[0] == 1:
        raise UnreadableFile(f"the header row is longer than {limits.max_line_chars} characters")
    if not header or len(set(header)) != len(header) or not all(header):
        raise UnreadableFile("the header row must name each column once")
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
            errors.append(RowError(start, None, f"not CSV: {exc}"))
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
