"""The arithmetic the rules share: ratios shown as the texts show them, bands, windows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TypeAlias

from app.pools.readiness.facts import MissingReport, YearFigures
from app.pools.readiness.outcome import Condition, Gap
from app.pools.readiness.rule_sets import NO_POINTS, Band, Points

ONE_CENT = Decimal("0.01")
# Ratios are shown to 0.01 %, rounded down: with thresholds in whole hundredths of a percent,
# "shown ≥ required" then always agrees with "met".
RATIO_SHOWN = Decimal("0.0001")


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    # A ratio of nothing is not zero: the condition is unmet and reported without a value.
    if whole <= 0:
        return None
    return Decimal(part) / Decimal(whole)


def _shown(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else ratio.quantize(RATIO_SHOWN, rounding=ROUND_FLOOR)


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(ONE_CENT, rounding=ROUND_FLOOR)} %"


def _rule_percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f} %"


def _yuan(amount: Decimal) -> Decimal:
    # Rounded up: adding the amount shown must be enough.
    return amount.quantize(ONE_CENT, rounding=ROUND_CEILING)


def _headcount(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_CEILING))


def _extra_for_share(part: Decimal | int, whole: Decimal | int, share: Decimal) -> Decimal:
    # What is added (a new S&T hire, new high-tech sales, new domestic R&D) joins both the
    # part and the whole, so (part + x) / (whole + x) ≥ share gives x ≥ (share·whole − part)
    # / (1 − share) — not share·whole − part, which would fall short.
    return (share * Decimal(whole) - Decimal(part)) / (1 - share)


def _banded(value: Decimal | int | None, bands: Sequence[Band]) -> Points:
    if value is None:
        return NO_POINTS
    measured = Decimal(value)
    return next((band.points for band in bands if band.admits(measured)), NO_POINTS)


def _total(points: Iterable[Points]) -> Points:
    total = NO_POINTS
    for item in points:
        total += item
    return total


def _reports_by_year(reports: Sequence[YearFigures], year: int) -> dict[int, YearFigures]:
    by_year: dict[int, YearFigures] = {}
    for report in reports:
        if report.year in by_year:
            raise ValueError(f"two annual reports for {report.year}")
        by_year[report.year] = report
    if year not in by_year:
        raise MissingReport(year)
    return by_year


def _window(by_year: Mapping[int, YearFigures], year: int, years: int) -> list[YearFigures]:
    """The reports on file among the `years` years ending with `year`, oldest first."""
    return [by_year[y] for y in range(year - years + 1, year + 1) if y in by_year]


_Checked: TypeAlias = tuple[Condition, Gap | None]


def _met(condition: Condition) -> _Checked:
    return condition, None
