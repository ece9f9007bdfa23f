"""After recognition (DOMAIN.md, "High-tech enterprise"): the annual development report
(年度发展情况报表) of each year is due by 31 May of the next; two consecutive years late or
missing flag the qualification `reporting_lapsed` (the authority may revoke it: the service
flags, staff decide); the third year of a recognition makes it due for re-recognition.

Pure: a qualification's dates, the filing dates of the enterprise's reports and today in,
the record out. The development report is the annual report the service holds for that year:
its `filed_on` is when it reached the bureau.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

RECOGNITION_YEARS = 3
LAPSED_AFTER = 2  # consecutive years late or missing


class ReportingStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # past its due date and not filed
    NOT_DUE = "not_due"  # its due date is still ahead


@dataclass(frozen=True)
class ReportingYear:
    year: int
    due_on: date
    filed_on: date | None
    status: ReportingStatus


def report_due_on(year: int) -> date:
    """The year's development report is due by 31 May of the next year."""
    return date(year + 1, 5, 31)


def reporting_years(issued_on: date, valid_until: date) -> range:
    """The years a recognition reports on: from the year it was issued through the last year
    it is valid in."""
    return range(issued_on.year, valid_until.year + 1)


def reporting_record(
    issued_on: date, valid_until: date, filed: Mapping[int, date], today: date
) -> list[ReportingYear]:
    """Each year of the recognition with its due date, its filing date and how it stands."""
    record = []
    for year in reporting_years(issued_on, valid_until):
        due_on = report_due_on(year)
        filed_on = filed.get(year)
        if filed_on is not None:
            status = ReportingStatus.ON_TIME if filed_on <= due_on else ReportingStatus.LATE
        elif today > due_on:
            status = ReportingStatus.MISSING
        else:
            status = ReportingStatus.NOT_DUE
        record.append(ReportingYear(year, due_on, filed_on, status))
    return record


def lapsed(record: Sequence[ReportingYear]) -> bool:
    """Two consecutive years late or missing."""
    run = 0
    for entry in record:
        run = run + 1 if entry.status in (ReportingStatus.LATE, ReportingStatus.MISSING) else 0
        if run >= LAPSED_AFTER:
            return True
    return False


def third_year(issued_on: date) -> int:
    """The recognition's third year, in which the enterprise is due for re-recognition."""
    return issued_on.year + RECOGNITION_YEARS - 1
