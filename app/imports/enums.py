from __future__ import annotations

from enum import StrEnum


class ImportKind(StrEnum):
    ENTERPRISES = "enterprises"
    ANNUAL_REPORTS = "annual_reports"


class ImportMode(StrEnum):
    # One bad row and nothing is stored.
    ALL_OR_NOTHING = "all_or_nothing"
    # The valid rows are stored, the bad ones reported.
    VALID_ONLY = "valid_only"


class ImportFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"
    XLSX = "xlsx"


class ImportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
