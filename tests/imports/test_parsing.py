"""Per-line parsing limits, on the pure parser (bytes in, rows and row errors out)."""

from __future__ import annotations

import json

from app.imports.enums import ImportFormat
from app.imports.parsing import Limits, parse


def _lines(
    fmt: ImportFormat, text: str, limits: Limits | None = None
) -> tuple[list[int], dict[int, str]]:
    rows, errors = parse(text.encode(), fmt, limits)
    return [r.line for r in rows], {e.line: e.message for e in errors}


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
