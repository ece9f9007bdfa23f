"""The figures' arithmetic, table-driven against the article's numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.outcomes.figures import Period, growth_percent


class TestPreviousPeriod:
    @pytest.mark.parametrize(
        ("period", "previous"),
        [
            # "+95 % on the previous three years": 2023-2025 against 2020-2022, 1096 days each.
            (
                Period(date(2023, 1, 1), date(2025, 12, 31)),
                Period(date(2020, 1, 1), date(2022, 12, 31)),
            ),
            # One day against the day before.
            (
                Period(date(2026, 3, 1), date(2026, 3, 1)),
                Period(date(2026, 2, 28), date(2026, 2, 28)),
            ),
            # A leap February's 29 days against the 29 days before it.
            (
                Period(date(2024, 2, 1), date(2024, 2, 29)),
                Period(date(2024, 1, 3), date(2024, 1, 31)),
            ),
        ],
    )
    def test_equal_length_ending_the_day_before(self, period: Period, previous: Period) -> None:
        assert period.previous() == previous
        assert previous.days == period.days


class TestGrowth:
    @pytest.mark.parametrize(
        ("current", "previous", "growth"),
        [
            (41, 21, Decimal("95.2381")),
            (Decimal("40050000"), Decimal("19440000"), Decimal("106.0185")),
            (Decimal("5150000"), Decimal("2146000"), Decimal("139.9814")),
            (10, 10, Decimal("0.0000")),
            (5, 10, Decimal("-50.0000")),
            (0, 4, Decimal("-100.0000")),
            (3, 0, None),
            (0, 0, None),
        ],
    )
    def test_growth_percent(
        self, current: Decimal | int, previous: Decimal | int, growth: Decimal | None
    ) -> None:
        assert growth_percent(current, previous) == growth
