"""The matching rules, table-driven: "a policy applies on a day when that day lies in its
validity and every criterion it sets is met; a criterion it does not set asks nothing; size
limits read the latest annual report, and without one they are not met"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.policies.enums import PolicyCriterion
from app.policies.matching import Criteria, Profile, applies, awareness_percent

MEMBER = Profile(
    pools=frozenset({"hte"}),
    tech_field="new_materials",
    report_year=2025,
    employees=250,
    revenue=Decimal("38500000.00"),
    qualifications=frozenset({"sme"}),
)
NO_REPORT = Profile(
    pools=frozenset(),
    tech_field=None,
    report_year=None,
    employees=None,
    revenue=None,
    qualifications=frozenset(),
)


class TestApplies:
    @pytest.mark.parametrize(
        ("criteria", "profile", "expected", "checked"),
        [
            (Criteria(), MEMBER, True, []),
            (
                Criteria(pools=frozenset({"hte"}), max_employees=300),
                MEMBER,
                True,
                [PolicyCriterion.POOL, PolicyCriterion.MAX_EMPLOYEES],
            ),
            (Criteria(pools=frozenset({"sme"})), MEMBER, False, [PolicyCriterion.POOL]),
            (Criteria(max_employees=249), MEMBER, False, [PolicyCriterion.MAX_EMPLOYEES]),
            (Criteria(max_employees=250), MEMBER, True, [PolicyCriterion.MAX_EMPLOYEES]),
            (
                Criteria(max_revenue=Decimal("38500000.00")),
                MEMBER,
                True,
                [PolicyCriterion.MAX_REVENUE],
            ),
            (
                Criteria(tech_fields=frozenset({"aerospace"})),
                MEMBER,
                False,
                [PolicyCriterion.TECH_FIELD],
            ),
            (
                Criteria(qualification_required="sme"),
                MEMBER,
                True,
                [PolicyCriterion.QUALIFICATION],
            ),
            (
                Criteria(qualification_required="hte"),
                MEMBER,
                False,
                [PolicyCriterion.QUALIFICATION],
            ),
            (Criteria(max_employees=10_000), NO_REPORT, False, [PolicyCriterion.MAX_EMPLOYEES]),
            (Criteria(), NO_REPORT, True, []),
        ],
    )
    def test_every_set_criterion_is_checked(
        self,
        criteria: Criteria,
        profile: Profile,
        expected: bool,
        checked: list[PolicyCriterion],
    ) -> None:
        result, checks = applies(criteria, profile)
        assert result is expected
        assert [c.criterion for c in checks] == checked

    def test_the_reason_names_the_figures(self) -> None:
        _, checks = applies(Criteria(max_employees=300), MEMBER)
        assert str(checks[0].message) == "250 employees in the 2025 report, within the limit 300"
        _, missing = applies(Criteria(max_employees=300), NO_REPORT)
        assert (missing[0].met, str(missing[0].message)) == (False, "no annual report on file")


class TestAwareness:
    @pytest.mark.parametrize(
        ("told", "eligible", "percent"),
        [(1, 3, Decimal("33.33")), (2, 3, Decimal("66.67")), (0, 5, Decimal("0.00")), (0, 0, None)],
    )
    def test_percent(self, told: int, eligible: int, percent: Decimal | None) -> None:
        assert awareness_percent(told, eligible) == percent
