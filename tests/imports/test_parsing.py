"""Per-line parsing limits and workbooks, on the pure parser (bytes in, rows and row errors
out), and how a file's format is told."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

import pytest

from app.imports.enums import ImportFormat
from app.imports.parsing import ZIP_MAGIC, Limits, UnreadableFile, format_of, parse
from tests.factories import workbook


def _lines(
    fmt: ImportFormat, text: str, limits: Limits | None = None
) -> tuple[list[int], dict[int, str]]:
    rows, errors = parse(text.encode(), fmt, limits)
    return [r.line for r in rows], {e.line: str(e.message) for e in errors}


class TestNdjsonLimits:
    def test_brackets_inside_strings_do_not_count_as_nesting(self) -> None:
        line = json.dumps({"name": "[" * 200 + "{" * 200, "quote": '\\"[[[['})
        rows, errors = _lines(ImportFormat.NDJSON, line + "\n")
        assert (rows, errors) == ([1], {})

    def test_depth_is_counted_to_the_limit_and_no_further(self) -> None:
        limits = Limits(max_line_chars=1024, max_depth=4)
        at_limit = '{"a": [[[1]]]}'  # four levels
        beyond = '{"a": [[[[1]]]]}'
        rows, errors = _lines(ImportFormat.NDJSON, f"{at_limit}\n{beyond}\n", limits)
        assert rows == [1]
        assert errors == {2: "nested deeper than 4 levels"}

    def test_crlf_lines_and_a_blank_line_keep_their_numbers(self) -> None:
        text = '{"a": 1}\r\n\r\n' + "[" * 5000 + '\r\n{"b": 2}\r\n'
        rows, errors = _lines(ImportFormat.NDJSON, text)
        assert rows == [1, 4]
        assert errors == {3: "nested deeper than 32 levels"}


class TestCsvLimits:
    def test_an_overlong_line_inside_a_quoted_cell_rejects_that_row_only(self) -> None:
        limits = Limits(max_line_chars=1024)
        text = "a,b\n1,2\n" + '3,"first\n' + "x" * 2000 + '\nlast"\n' + "4,5\n"
        rows, errors = _lines(ImportFormat.CSV, text, limits)
        assert rows == [2, 6]
        assert errors == {4: "the line is longer than 1024 characters"}

    def test_a_field_past_the_reader_limit_is_one_row_error_not_the_end_of_the_file(self) -> None:
        # A quoted cell of many short lines, larger than the csv module's field limit.
        text = "a,b\n1,2\n" + '3,"' + ("y" * 1000 + "\n") * 140 + '"\n4,5\n'
        rows, errors = _lines(ImportFormat.CSV, text)
        assert rows == [2]
        assert errors[3] == "not CSV: field larger than field limit (131072)"
        # The reader went on with the lines after the one it refused (before, it stopped).
        assert errors[134] == "1 cells where the header has 2"


class TestWorkbooks:
    def test_cells_read_as_the_csv_would_hold_them(self) -> None:
        payload = workbook(
            [
                ["uscc", "year", "revenue", "rd_expense", "filed_on", "tags", "flag"],
                ["91650200MA78000001", 2025, 38500000, 0.1, date(2026, 4, 20), "a;b", True],
                [None, None, None, None, None, None, None],
                ["91650200MA78000002", 2024, 1.5, None, datetime(2026, 4, 20, 9, 30), "", False],
            ]
        )
        rows, errors = parse(payload, ImportFormat.XLSX)
        assert errors == []
        assert [row.line for row in rows] == [2, 4]
        assert rows[0].values == {
            "uscc": "91650200MA78000001",
            "year": "2025",
            "revenue": "38500000",
            "rd_expense": "0.1",
            "filed_on": "2026-04-20",
            "tags": ["a", "b"],
            "flag": "true",
        }
        assert rows[1].values == {
            "uscc": "91650200MA78000002",
            "year": "2024",
            "revenue": "1.5",
            "filed_on": "2026-04-20T09:30:00",
            "flag": "false",
        }

    def test_a_cell_beyond_the_header_and_an_overlong_row_are_row_errors(self) -> None:
        payload = workbook([["uscc", "name"], ["a", "b", "extra"], ["x" * 1100, "y"], ["c", "d"]])
        rows, errors = parse(payload, ImportFormat.XLSX, Limits(max_line_chars=1024))
        assert [row.line for row in rows] == [4]
        assert {e.line: str(e.message) for e in errors} == {
            2: "cells beyond the header's 2 columns",
            3: "the line is longer than 1024 characters",
        }

    def test_reading_stops_past_the_row_limit(self) -> None:
        payload = workbook([["uscc"]] + [[f"u{n}"] for n in range(50)])
        rows, errors = parse(payload, ImportFormat.XLSX, Limits(max_rows=10))
        assert (len(rows), errors) == (11, [])  # one more than allowed: the caller refuses

    def test_a_header_naming_a_column_twice_or_a_damaged_file_is_unreadable(self) -> None:
        with pytest.raises(UnreadableFile, match="each column once"):
            parse(workbook([["uscc", "uscc"]]), ImportFormat.XLSX)
        with pytest.raises(UnreadableFile, match="not an xlsx workbook"):
            parse(ZIP_MAGIC + b"\x00" * 64, ImportFormat.XLSX)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as written:
            written.writestr("[Content_Types].xml", "<Types/>")
        with pytest.raises(UnreadableFile, match="cannot be read"):
            parse(archive.getvalue(), ImportFormat.XLSX)

    def test_a_workbook_that_unpacks_beyond_the_limit_is_refused_unopened(self) -> None:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as written:
            written.writestr("xl/sharedStrings.xml", b"<" + b"a" * 4_000_000)
        assert len(archive.getvalue()) < 20_000  # a few KB that would inflate to 4 MB
        with pytest.raises(UnreadableFile, match="unpacks to more than"):
            parse(archive.getvalue(), ImportFormat.XLSX, Limits(max_unpacked_bytes=1_000_000))


class TestFormatOf:
    @pytest.mark.parametrize(
        ("name", "payload", "expected"),
        [
            ("e.xlsx", b"anything", ImportFormat.XLSX),
            ("E.CSV", b'{"a": 1}', ImportFormat.CSV),
            ("e.jsonl", b"uscc", ImportFormat.NDJSON),
            (None, ZIP_MAGIC + b"rest", ImportFormat.XLSX),
            ("upload", b'\xef\xbb\xbf \n{"uscc": "x"}', ImportFormat.NDJSON),
            ("upload.txt", b"uscc,name\n", ImportFormat.CSV),
        ],
    )
    def test_the_name_tells_else_the_first_bytes(
        self, name: str | None, payload: bytes, expected: ImportFormat
    ) -> None:
        assert format_of(name, payload) is expected
