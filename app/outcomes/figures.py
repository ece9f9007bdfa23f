"""The bureau's figures (DOMAIN.md, "Outcomes and the bureau's figures"): pure functions.

A period is compared with the previous period of equal length, which ends the day before
the period starts (2023-2025 against 2020-2022: both 1096 days). Growth is
100 × (current − previous) / previous, computed in decimal arithmetic and given to four
decimal places (41 against 21 → 95.2381); with nothing to compare with (previous 0) it is
None, never 0 % or infinity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

_PLACES = Decimal("0.0001")
_CONTEXT = Context(prec=28)


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def previous(self) -> Period:
        """The period of equal length ending the day before this one starts."""
        ends_on = self.starts_on - timedelta(days=1)
        return Period(ends_on - timedelta(days=self.days - 1), ends_on)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.starts_on <= day <= self.ends_on


def growth_percent(current: Decimal | int, previous: Decimal | int) -> Decimal | None:
    """100 × (current − previous) / previous, to four places; None when previous is 0."""
    if previous == 0:
        return None
    with localcontext(_CONTEXT):
        change = (Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)
        return change.quantize(_PLACES, rounding=ROUND_HALF_UP)
