"""Issue 17 points 1, 2, 3 and 7: the 2016 high-tech measures as their work guidelines state
them (rule set 2016.2), table-tested from the texts' own wording. Each case below fails under
the first reading (2016), which is kept for the results it gave."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from app.pools.readiness import (
    HTE_2016,
    HTE_2016_GUIDELINES,
    REPORT_MISSING,
    SUPERSEDED,
    Assessment,
    EnterpriseFacts,
    HteThresholds,
    NoRuleSet,
    YearFigures,
    assess_hte,
    operating_years,
    rule_set_for,
)
from tests.pools.test_readiness import Y, facts, good_reports, mil, pct, report


def hte(
    reports: list[YearFigures],
    established_on: date | None = date(2015, 3, 1),
    apply_on: date | None = None,
) -> Assessment:
    enterprise = replace(facts(), established_on=established_on, apply_on=apply_on)
    return assess_hte(enterprise, reports, Y, HTE_2016_GUIDELINES)


def gap_codes(assessment: Assessment) -> list[str]:
    return [gap.code for gap in assessment.gaps]


class TestOperatingYears:
    # "实际经营期不满三年的，按实际经营时间计算": the operating years are those of Y-2..Y
    # whose 31 December falls on or after the establishment date.
    @pytest.mark.parametrize(
        ("established_on", "years"),
        [
            pytest.param(date(Y - 3, 6, 1), [Y - 2, Y - 1, Y], id="three years and more"),
            pytest.param(date(Y - 2, 1, 1), [Y - 2, Y - 1, Y], id="founded 1 January Y-2"),
            pytest.param(date(Y - 2, 12, 31), [Y - 2, Y - 1, Y], id="founded 31 December Y-2"),
            pytest.param(date(Y - 1, 1, 1), [Y - 1, Y], id="founded 1 January Y-1"),
            pytest.param(date(Y - 1, 12, 31), [Y - 1, Y], id="founded 31 December Y-1"),
            pytest.param(date(Y, 1, 1), [Y], id="founded 1 January Y"),
            pytest.param(date(Y, 12, 31), [Y], id="founded 31 December Y"),
            pytest.param(None, [Y - 2, Y - 1, Y], id="date not on record"),
        ],
    )
    def test_the_operating_years(self, established_on: date | None, years: list[int]) -> None:
        assert operating_years(established_on, Y, 3) == years

    def test_two_operating_years_grow_by_one_ratio_not_zero(self) -> None:
        # "Two: V(Y)/V(Y-1) − 1": 28 → 40 M net assets is 42.9 %, 70 → 100 M sales 42.9 %.
        reports = good_reports()[1:]
        under_guidelines = hte(reports, established_on=date(Y - 1, 3, 1))
        growth = under_guidelines.part("growth")
        assert growth.inputs["years"] == [Y - 1, Y]
        assert growth.inputs["net_asset_growth"] == Decimal("0.4285")
        assert (growth.points.min, growth.points.max) == (18, 20)
        first_reading = assess_hte(
            replace(facts(), established_on=date(Y - 1, 3, 1)), reports, Y, HTE_2016
        )
        assert first_reading.part("growth").points.max == 0  # what changed

    def test_one_operating_year_grows_by_nothing(self) -> None:
        assessment = hte(good_reports()[2:], established_on=date(Y, 2, 1))
        assert assessment.part("growth").points.max == 0
        assert REPORT_MISSING not in gap_codes(assessment)

    def test_the_rd_window_is_the_operating_years(self) -> None:
        # Founded in Y-1: Y-2's year without R&D is not the enterprise's and does not count
        # (with it: 12 M of R&D on 370 M revenue, 3.24 % under the 4 % band).
        reports = [
            report(
                Y - 2,
                revenue=mil("200"),
                high_tech_revenue=mil("160"),
                rd_expense=Decimal(0),
                rd_expense_domestic=Decimal(0),
            ),
            *good_reports()[1:],
        ]
        assert hte(reports, established_on=date(Y - 1, 5, 1)).condition("rd_ratio").met
        assert hte(reports, established_on=date(Y - 3, 5, 1)).condition("rd_ratio").met is False

    def test_the_transformation_average_is_over_the_operating_years(self) -> None:
        # Two operating years with 5 and 3 achievements: average 4 → 19-24 (over three
        # calendar years with a missing one it would have been 8/3 = 2.67 → 7-12).
        reports = [
            report(Y - 1, achievements_transformed=5, revenue=mil("70"), net_assets=mil("28")),
            report(Y, achievements_transformed=3),
        ]
        part = hte(reports, established_on=date(Y - 1, 1, 1)).part("transformation")
        assert part.inputs["average"] == Decimal("4.00")
        assert (part.points.min, part.points.max) == (19, 24)

    def test_an_operating_year_without_a_report_is_a_gap_not_a_shorter_window(self) -> None:
        # Founded long ago, Y-1 not filed: the R&D conditions cannot be judged and say why,
        # the parts that need Y-1 are anything from 0 to their maximum, and a gap names Y-1.
        reports = [good_reports()[0], good_reports()[2]]
        assessment = hte(reports)
        assert gap_codes(assessment)[0] == REPORT_MISSING
        assert str(assessment.gaps[0].message).startswith(f"no annual report for {Y - 1}")
        for code in ("rd_ratio", "rd_domestic_share"):
            condition = assessment.condition(code)
            assert (condition.met, condition.actual, condition.reason) == (
                False,
                None,
                REPORT_MISSING,
            )
        for code, most in (("transformation", 30), ("growth", 20)):
            points = assessment.part(code).points
            assert (points.min, points.max) == (0, most)
        assert assessment.passed is False
        # The first reading read the two reports as a shorter window, and passed them.
        first_reading = assess_hte(facts(), reports, Y, HTE_2016)
        assert first_reading.condition("rd_ratio").met
        assert REPORT_MISSING not in gap_codes(first_reading)


class TestRegistration:
    # "registered at least 365 calendar days before apply_on (default: 30 June of Y+1)"
    @pytest.mark.parametrize(
        ("established_on", "apply_on", "met", "short"),
        [
            pytest.param(date(Y, 6, 30), None, True, None, id="365 days before the default"),
            pytest.param(date(Y, 7, 1), None, False, 1, id="364 days before the default"),
            # 2024 is a leap year: 365 days before 28 February 2025 is 29 February 2024.
            pytest.param(date(Y, 2, 29), date(Y + 1, 2, 28), True, None, id="365 days, early"),
            pytest.param(date(Y, 3, 1), date(Y + 1, 2, 28), False, 1, id="a day short"),
            pytest.param(date(Y, 12, 31), date(Y + 1, 12, 31), True, None, id="a year to the day"),
        ],
    )
    def test_registered_a_year_before_the_application(
        self, established_on: date, apply_on: date | None, met: bool, short: int | None
    ) -> None:
        assessment = hte([report(Y)], established_on=established_on, apply_on=apply_on)
        condition = assessment.condition("established_one_year")
        assert condition.met is met
        latest = (apply_on or date(Y + 1, 6, 30)).toordinal() - 365
        assert condition.required == date.fromordinal(latest).isoformat()
        gaps = {gap.code: gap.needed for gap in assessment.gaps}
        assert gaps.get("established_one_year") == short
        assert assessment.apply_on == (apply_on or date(Y + 1, 6, 30))

    def test_founded_in_july_of_y_was_refused_by_the_first_reading(self) -> None:
        # The first reading asked for establishment by 31 December of Y-1: a July Y founding
        # could never apply the next June; 2016.2 counts 365 days to the application.
        reports = [report(Y)]
        founded = date(Y, 6, 1)
        assert hte(reports, established_on=founded).condition("established_one_year").met
        first = assess_hte(replace(facts(), established_on=founded), reports, Y, HTE_2016)
        assert first.condition("established_one_year").met is False


class TestClassTwoOnce:
    # "Class II IP may support one recognition only (仅限使用一次): only ip_class2 −
    # ip_class2_used count for the HTE"
    @pytest.mark.parametrize(
        ("class1", "class2", "used", "owns", "quantity"),
        [
            pytest.param(0, 5, 0, True, (5, 6), id="five unused: 5-6"),
            pytest.param(0, 5, 1, True, (3, 4), id="one used: four count, 3-4"),
            pytest.param(0, 5, 5, False, (0, 0), id="all used: none owned"),
            pytest.param(1, 5, 5, True, (7, 8), id="a class I still counts"),
        ],
    )
    def test_only_unused_class_ii_counts(
        self, class1: int, class2: int, used: int, owns: bool, quantity: tuple[int, int]
    ) -> None:
        reports = good_reports(
            ip_class1=class1,
            ip_class2=class2,
            ip_class2_used=used,
            tech_advancement=None,
            core_support=None,
            ip_self_developed=None,
            standards_drafted=0,
        )
        assessment = hte(reports)
        assert assessment.condition("owns_ip").met is owns
        points = assessment.part("ip").points
        assert (points.min, points.max) == quantity
        assert assessment.part("ip").inputs["ip_class2_used"] == used

    def test_the_first_reading_counted_them_again(self) -> None:
        reports = good_reports(ip_class1=0, ip_class2=2, ip_class2_used=2)
        assert assess_hte(facts(), reports, Y, HTE_2016).condition("owns_ip").met
        assert hte(reports).condition("owns_ip").met is False


class TestRuleSetByApplicationYear:
    # "the 2016 HTE measures apply to data year 2015 (applications in 2016)"
    def test_data_year_2015_is_assessed_under_the_2016_measures(self) -> None:
        rules = rule_set_for("hte", date(2016, 6, 30).year)
        assert rules is HTE_2016_GUIDELINES
        with pytest.raises(NoRuleSet):
            rule_set_for("hte", 2015)

    def test_the_first_reading_stays_for_the_results_it_gave(self) -> None:
        assert HTE_2016 in SUPERSEDED
        assert rule_set_for("hte", 2030) is HTE_2016_GUIDELINES
        assert hte(good_reports()).rule_set.version == "2016.2"
        # Every number of the measures is the first reading's: only the reading changed.
        guidelines = HTE_2016_GUIDELINES.thresholds
        assert isinstance(guidelines, HteThresholds)
        first = replace(guidelines, operating_years=False, registered_days=None, class2_once=False)
        assert first == HTE_2016.thresholds
        assert guidelines.rd_ratio_tiers[0].min_ratio == pct("5")


def test_a_default_facts_record_applies_on_30_june_after_the_data_year() -> None:
    assessment = assess_hte(EnterpriseFacts(date(2015, 3, 1), "aerospace"), good_reports(), Y)
    assert assessment.apply_on == date(Y + 1, 6, 30)
