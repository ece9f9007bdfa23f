"""The applications' statistics, pure (app/applications/figures.py), table by table."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from app.applications import figures
from app.applications.figures import ApplicationFact

CAMPAIGN = uuid.uuid4()
ALICE, BOB = uuid.uuid4(), uuid.uuid4()


def fact(
    status: str,
    *,
    submitted: bool = True,
    tier: str | None = "applying",
    specialist: uuid.UUID | None = ALICE,
    predicted: bool | None = True,
    minutes: int = 0,
    kind: str = "hte_recognition",
) -> ApplicationFact:
    return ApplicationFact(CAMPAIGN, kind, status, submitted, tier, specialist, predicted, minutes)


class TestFunnel:
    def test_each_application_counts_at_every_stage_it_reached(self) -> None:
        facts = [
            fact("preparing", submitted=False),
            fact("withdrawn", submitted=False),
            fact("withdrawn"),  # withdrawn after submitting
            fact("under_review"),
            fact("approved"),
            fact("rejected"),
        ]
        assert figures.funnel(9, facts) == figures.Funnel(
            eligible=9, preparing=6, submitted=4, approved=1, rejected=1, withdrawn=2
        )


class TestPassRates:
    def test_approved_over_decided_per_key_and_undecided_left_out(self) -> None:
        facts = [
            fact("approved", specialist=ALICE),
            fact("rejected", specialist=ALICE),
            fact("approved", specialist=BOB),
            fact("under_review", specialist=BOB),
            fact("withdrawn", specialist=None),
        ]
        rates = figures.pass_rates(facts, lambda f: f.specialist_id)
        assert {k: (r.numerator, r.denominator) for k, r in rates.items()} == {
            ALICE: (1, 2),
            BOB: (1, 1),
        }

    @pytest.mark.parametrize(
        ("minutes", "statuses", "expected"),
        [
            ([90, 60, 30], ["approved", "rejected", "approved"], Decimal("90.0")),
            ([100, 0], ["approved", "approved"], Decimal("50.0")),
            ([45], ["rejected"], None),  # no approval, no ratio
            ([10, 10, 0], ["approved", "approved", "approved"], Decimal("6.7")),  # half-up
        ],
    )
    def test_coaching_minutes_per_approval(
        self, minutes: list[int], statuses: list[str], expected: Decimal | None
    ) -> None:
        facts = [fact(s, minutes=m) for m, s in zip(minutes, statuses, strict=True)]
        assert figures.minutes_per_approval(facts) == expected


class TestCalibration:
    def test_the_verdict_at_submission_against_the_decision(self) -> None:
        facts = [
            fact("approved", predicted=True),
            fact("approved", predicted=True),
            fact("rejected", predicted=True),
            fact("rejected", predicted=False),
            fact("approved", predicted=False),
            fact("rejected", predicted=False),
            fact("approved", predicted=None),
            fact("under_review", predicted=True),  # undecided: not counted
        ]
        table = figures.calibration(facts)
        assert table == figures.Calibration(2, 1, 1, 2, 1, 0)
        assert (table.pass_held.numerator, table.pass_held.denominator) == (2, 3)
        assert (table.fail_held.numerator, table.fail_held.denominator) == (2, 3)
        assert (table.agreement.numerator, table.agreement.denominator) == (4, 6)

    def test_nothing_decided_has_no_percent(self) -> None:
        table = figures.calibration([fact("submitted")])
        assert table.pass_held.percent is None and table.agreement.percent is None
