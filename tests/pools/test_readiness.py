"""The readiness rules, table by table. Each table quotes the DOMAIN.md rule it checks; the
cases sit just below and at every boundary. A 'good' enterprise passes everything, and each
test changes the one thing it is about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.pools.readiness import (
    DIRECT_ROUTES,
    HTE_2016,
    HTE_2016_GUIDELINES,
    HTE_FIELDS,
    RULE_SETS,
    SME_2017,
    SME_2017_MEASURES,
    SME_2022,
    Assessment,
    Band,
    Condition,
    EnterpriseFacts,
    Gap,
    HteThresholds,
    MissingReport,
    NoRuleSet,
    Points,
    RdRatioTier,
    RuleSet,
    Tier,
    YearFigures,
    assess_hte,
    assess_sme,
    rule_set_for,
    suggest_tier,
)

Y = 2024


def mil(amount: str) -> Decimal:
    return Decimal(amount) * 1_000_000


def yuan(amount: str) -> Decimal:
    return Decimal(amount)


def pct(percent: str) -> Decimal:
    return Decimal(percent) / 100


def report(year: int = Y, **changes: Any) -> YearFigures:
    """A good year: passes every HTE and SME rule on its own."""
    good = YearFigures(
        year=year,
        revenue=mil("100"),
        high_tech_revenue=mil("80"),
        total_cost=mil("60"),
        net_assets=mil("40"),
        total_assets=mil("150"),
        employees=100,
        st_staff=30,
        rd_expense=mil("6"),
        rd_expense_domestic=mil("6"),
        ip_class1=2,
        ip_class2=5,
        ip_class1_new=1,
        ip_class2_new=2,
        achievements_transformed=5,
        tech_advancement="A",
        core_support="A",
        ip_self_developed=True,
        standards_drafted=1,
        rd_accounting=True,
        rd_institution=True,
        transformation_incentives=True,
        talent_programs=True,
        major_incident=False,
    )
    return replace(good, **changes)


def good_reports(**changes: Any) -> list[YearFigures]:
    """Y-2..Y growing by about 41 % a year; `changes` apply to Y's report only."""
    return [
        report(Y - 2, revenue=mil("50"), high_tech_revenue=mil("40"), net_assets=mil("20")),
        report(Y - 1, revenue=mil("70"), high_tech_revenue=mil("56"), net_assets=mil("28")),
        report(Y, **changes),
    ]


def series(**columns: Sequence[object]) -> list[YearFigures]:
    """Good reports for consecutive years ending with Y, one column value per year."""
    (length,) = {len(values) for values in columns.values()}
    return [
        report(Y - length + 1 + i, **{name: values[i] for name, values in columns.items()})
        for i in range(length)
    ]


def facts(**changes: Any) -> EnterpriseFacts:
    good = EnterpriseFacts(established_on=date(2015, 3, 1), tech_field="electronic_information")
    return replace(good, **changes)


def hte(
    reports: Sequence[YearFigures] | None = None,
    enterprise: EnterpriseFacts | None = None,
    rules: RuleSet = HTE_2016,
    year: int = Y,
) -> Assessment:
    return assess_hte(
        enterprise or facts(), good_reports() if reports is None else reports, year, rules
    )


def sme(
    reports: Sequence[YearFigures] | None = None,
    enterprise: EnterpriseFacts | None = None,
    year: int = Y,
) -> Assessment:
    return assess_sme(
        enterprise or facts(), [report()] if reports is None else reports, year, SME_2017
    )


def unmet(assessment: Assessment) -> list[str]:
    return [condition.code for condition in assessment.conditions if not condition.met]


def gap_for(assessment: Assessment, code: str) -> Gap:
    return next(gap for gap in assessment.gaps if gap.code == code)


# Every IP item scores 0 here, so one changed item shows its own points.
NO_IP_POINTS: dict[str, Any] = {
    "tech_advancement": "E",
    "core_support": "E",
    "ip_class1": 0,
    "ip_class2": 0,
    "ip_self_developed": None,
    "standards_drafted": 0,
}


def ip_points(**changes: Any) -> Points:
    return hte([report(**{**NO_IP_POINTS, **changes})]).part("ip").points


# --- HTE: the good enterprise -----------------------------------------------------------------


class TestHteGoodEnterprise:
    def test_passes_every_condition_and_applies(self) -> None:
        assessment = hte()
        assert assessment.passed
        assert unmet(assessment) == []
        assert assessment.gaps == ()
        assert assessment.suggested_tier == Tier.APPLYING
        assert assessment.score == Points(76, 100)
        assert assessment.year == Y

    def test_names_the_rule_set_it_used(self) -> None:
        ref = hte().rule_set
        assert (ref.name, ref.version, ref.applies_from) == ("hte", "2016", 2016)

    def test_reports_conditions_and_parts_with_the_documented_codes(self) -> None:
        assessment = hte()
        assert [condition.code for condition in assessment.conditions] == [
            "established_one_year",
            "owns_ip",
            "tech_field",
            "st_staff_ratio",
            "rd_ratio",
            "rd_domestic_share",
            "high_tech_revenue_ratio",
            "no_major_incident",
            "innovation_score",
        ]
        assert [(part.code, part.max_points) for part in assessment.parts] == [
            ("ip", 30),
            ("transformation", 30),
            ("rd_organisation", 20),
            ("growth", 20),
        ]


# --- HTE: hard conditions ---------------------------------------------------------------------


class TestHteEstablished:
    # "established at least one year before the end of Y"
    @pytest.mark.parametrize(
        ("established_on", "met"),
        [
            pytest.param(date(2023, 12, 31), True, id="a full year before the end of Y"),
            pytest.param(date(2024, 1, 1), False, id="one day short"),
        ],
    )
    def test_boundary(self, established_on: date, met: bool) -> None:
        condition = hte(enterprise=facts(established_on=established_on)).condition(
            "established_one_year"
        )
        assert condition.met is met
        assert condition.required == "2023-12-31"

    def test_gap_names_the_first_eligible_year(self) -> None:
        assessment = hte(enterprise=facts(established_on=date(2024, 6, 1)))
        (gap,) = assessment.gaps
        assert gap.code == "established_one_year"
        assert gap.needed == 1
        assert "eligible from the 2025 assessment" in str(gap.message)


class TestHteOwnsIp:
    # "owns IP (≥ 1 class I or II at the end of Y)"
    @pytest.mark.parametrize(
        ("class1", "class2", "met"),
        [
            pytest.param(0, 0, False, id="none"),
            pytest.param(0, 1, True, id="one class II"),
            pytest.param(1, 0, True, id="one class I"),
        ],
    )
    def test_counts_class_i_and_ii(self, class1: int, class2: int, met: bool) -> None:
        reports = good_reports(ip_class1=class1, ip_class2=class2)
        assert hte(reports).condition("owns_ip").met is met

    def test_gap_asks_for_one_ip(self) -> None:
        gap = gap_for(hte(good_reports(ip_class1=0, ip_class2=0)), "owns_ip")
        assert (gap.code, gap.needed) == ("owns_ip", 1)


class TestHteTechField:
    # "field is one of the eight"
    @pytest.mark.parametrize("field", HTE_FIELDS)
    def test_each_of_the_eight_is_met(self, field: str) -> None:
        assert hte(enterprise=facts(tech_field=field)).condition("tech_field").met

    @pytest.mark.parametrize("field", [None, "retail", ""])
    def test_anything_else_is_unmet(self, field: str | None) -> None:
        condition = hte(enterprise=facts(tech_field=field)).condition("tech_field")
        assert not condition.met
        assert condition.actual == field

    def test_exactly_eight_fields(self) -> None:
        assert len(set(HTE_FIELDS)) == 8


class TestHteStStaffRatio:
    # "S&T staff ≥ 10 % of employees in Y"
    @pytest.mark.parametrize(
        ("st_staff", "met"),
        [pytest.param(10, True, id="at 10 %"), pytest.param(9, False, id="below 10 %")],
    )
    def test_boundary(self, st_staff: int, met: bool) -> None:
        condition = hte(good_reports(employees=100, st_staff=st_staff)).condition("st_staff_ratio")
        assert condition.met is met
        assert condition.required == pct("10")

    def test_gap_counts_new_hires_in_both_numbers(self) -> None:
        # 9 of 100 → 11 of 102 is 10.8 %; one hire (10 of 101) would still be 9.9 %.
        (gap,) = hte(good_reports(employees=100, st_staff=9)).gaps
        assert gap.needed == 2
        assert str(gap.message) == "S&T staff ratio 9.00 % → needs 10 %: +2 S&T staff"

    def test_zero_employees_is_unmet_without_a_ratio(self) -> None:
        assessment = hte(good_reports(employees=0, st_staff=0))
        condition = assessment.condition("st_staff_ratio")
        assert not condition.met
        assert condition.actual is None
        gap = gap_for(assessment, "st_staff_ratio")
        assert gap.needed is None


class TestHteRdRatio:
    # "≥ 5 % of revenue ... when Y's revenue ≤ 50 M yuan, ≥ 4 % when ≤ 200 M, ≥ 3 % above"
    @pytest.mark.parametrize(
        ("revenue", "required"),
        [
            pytest.param(mil("50"), pct("5"), id="50 M: ≤ 50 M → 5 %"),
            pytest.param(mil("50") + yuan("0.01"), pct("4"), id="just over 50 M → 4 %"),
            pytest.param(mil("200"), pct("4"), id="200 M: ≤ 200 M → 4 %"),
            pytest.param(mil("200") + yuan("0.01"), pct("3"), id="just over 200 M → 3 %"),
        ],
    )
    def test_the_revenue_tier_picks_the_required_ratio(
        self, revenue: Decimal, required: Decimal
    ) -> None:
        condition = hte([report(revenue=revenue)]).condition("rd_ratio")
        assert condition.required == required

    @pytest.mark.parametrize(
        ("revenue", "rd", "met"),
        [
            pytest.param(mil("40"), mil("2"), True, id="≤ 50 M at 5 %"),
            pytest.param(mil("40"), yuan("1999999.99"), False, id="≤ 50 M below 5 %"),
            # The case: an R&D share of 4.99 % against the required 5.00 %.
            pytest.param(mil("40"), yuan("1996000.00"), False, id="4.99 % against 5.00 %"),
            pytest.param(mil("100"), mil("4"), True, id="≤ 200 M at 4 %"),
            pytest.param(mil("100"), yuan("3999999.99"), False, id="≤ 200 M below 4 %"),
            pytest.param(mil("300"), mil("9"), True, id="above 200 M at 3 %"),
            pytest.param(mil("300"), yuan("8999999.99"), False, id="above 200 M below 3 %"),
        ],
    )
    def test_boundary_in_each_tier(self, revenue: Decimal, rd: Decimal, met: bool) -> None:
        reports = [report(revenue=revenue, rd_expense=rd, rd_expense_domestic=rd)]
        assert hte(reports).condition("rd_ratio").met is met

    def test_gap_message_and_amount(self) -> None:
        # DOMAIN.md's own example: "R&D ratio 3.2 % → needs 4 %: +0.8 M yuan R&D"
        reports = [
            report(revenue=mil("100"), rd_expense=mil("3.2"), rd_expense_domestic=mil("3.2"))
        ]
        gap = gap_for(hte(reports), "rd_ratio")
        assert str(gap.message) == "R&D ratio 3.20 % → needs 4 %: +800000.00 yuan R&D"
        assert gap.needed == yuan("800000.00")


class TestHteRdOverYears:
    # "R&D expense summed over Y-2..Y (the years on file when fewer) ≥ 5 % of revenue summed
    # over the same years"
    @pytest.mark.parametrize(
        ("rd_by_year", "actual", "met"),
        [
            pytest.param(["1"], pct("2.5"), False, id="only Y on file: 1 of 40"),
            pytest.param(["3", "1"], pct("5"), True, id="Y-1 and Y: 4 of 80"),
            pytest.param(["0.5", "3", "1"], pct("3.75"), False, id="Y-2..Y: 4.5 of 120"),
        ],
    )
    def test_sums_the_years_on_file(
        self, rd_by_year: list[str], actual: Decimal, met: bool
    ) -> None:
        rds = [mil(rd) for rd in rd_by_year]
        reports = series(revenue=[mil("40")] * len(rds), rd_expense=rds, rd_expense_domestic=rds)
        condition = hte(reports).condition("rd_ratio")
        assert (condition.actual, condition.met) == (actual, met)

    def test_years_before_y_minus_2_are_ignored(self) -> None:
        reports = [
            report(Y - 3, revenue=mil("40"), rd_expense=mil("100")),
            report(Y, revenue=mil("40"), rd_expense=mil("1"), rd_expense_domestic=mil("1")),
        ]
        assert hte(reports).condition("rd_ratio").actual == pct("2.5")

    def test_the_tier_follows_y_revenue_not_the_sum(self) -> None:
        # 240 M over three years, but Y's 40 M puts it in the 5 % tier.
        reports = series(revenue=[mil("100"), mil("100"), mil("40")])
        assert hte(reports).condition("rd_ratio").required == pct("5")

    def test_gap_is_measured_against_the_summed_revenue(self) -> None:
        rds = [mil("0.5"), mil("3"), mil("1")]
        reports = series(revenue=[mil("40")] * 3, rd_expense=rds, rd_expense_domestic=rds)
        gap = gap_for(hte(reports), "rd_ratio")
        assert gap.needed == mil("1.5")  # 5 % of 120 M is 6 M; 4.5 M on file


class TestHteRdDomesticShare:
    # "domestic R&D ≥ 60 % of all R&D over those years"
    @pytest.mark.parametrize(
        ("domestic", "met"),
        [
            pytest.param(mil("3.6"), True, id="at 60 %"),
            pytest.param(yuan("3599999.99"), False, id="below 60 %"),
        ],
    )
    def test_boundary(self, domestic: Decimal, met: bool) -> None:
        reports = [report(rd_expense=mil("6"), rd_expense_domestic=domestic)]
        assert hte(reports).condition("rd_domestic_share").met is met

    def test_summed_over_the_years_on_file(self) -> None:
        # Y alone is all domestic, but Y-1's foreign R&D pulls the share to 50 %.
        reports = series(rd_expense=[mil("6"), mil("6")], rd_expense_domestic=[0, mil("6")])
        condition = hte(reports).condition("rd_domestic_share")
        assert (condition.actual, condition.met) == (pct("50"), False)

    def test_gap_counts_new_domestic_r_and_d_in_both_sums(self) -> None:
        # 9 of 18 M over three years → 13.5 of 22.5 M is 60 %.
        reports = [
            replace(r, rd_expense=mil("6"), rd_expense_domestic=mil("3")) for r in good_reports()
        ]
        (gap,) = hte(reports).gaps
        assert gap.needed == mil("4.5")
        assert (
            str(gap.message)
            == "domestic R&D share 50.00 % → needs 60 %: +4500000.00 yuan domestic R&D"
        )

    def test_no_r_and_d_is_unmet_without_a_share(self) -> None:
        reports = [report(rd_expense=0, rd_expense_domestic=0)]
        assessment = hte(reports)
        condition = assessment.condition("rd_domestic_share")
        assert (condition.met, condition.actual) == (False, None)
        gap = gap_for(assessment, "rd_domestic_share")
        assert gap.needed is None


class TestHteHighTechRevenue:
    # "high-tech revenue ≥ 60 % of Y's revenue"
    @pytest.mark.parametrize(
        ("high_tech", "met"),
        [
            pytest.param(mil("60"), True, id="at 60 %"),
            pytest.param(yuan("59999999.99"), False, id="below 60 %"),
        ],
    )
    def test_boundary(self, high_tech: Decimal, met: bool) -> None:
        reports = good_reports(revenue=mil("100"), high_tech_revenue=high_tech)
        assert hte(reports).condition("high_tech_revenue_ratio").met is met

    def test_gap_counts_new_sales_in_both_numbers(self) -> None:
        # 50 of 100 M → 75 of 125 M is 60 %.
        (gap,) = hte(good_reports(high_tech_revenue=mil("50"))).gaps
        assert gap.needed == mil("25")


class TestHteZeroRevenue:
    def test_ratios_over_zero_revenue_are_unmet_without_a_value(self) -> None:
        reports = [report(revenue=0, high_tech_revenue=0)]
        assessment = hte(reports)
        for code in ("rd_ratio", "high_tech_revenue_ratio"):
            condition = assessment.condition(code)
            assert (condition.met, condition.actual) == (False, None)
        needed = {gap.code: gap.needed for gap in assessment.gaps}
        assert needed["rd_ratio"] is None
        assert needed["high_tech_revenue_ratio"] is None


class TestHteMajorIncident:
    # "no major safety/quality/environmental incident in Y"
    def test_an_incident_in_y_is_unmet(self) -> None:
        assessment = hte(good_reports(major_incident=True))
        assert unmet(assessment) == ["no_major_incident"]
        assert assessment.condition("no_major_incident").actual is False

    def test_an_incident_in_an_earlier_year_does_not_count(self) -> None:
        reports = good_reports()
        reports[1] = replace(reports[1], major_incident=True)
        assert hte(reports).condition("no_major_incident").met


class TestHteInnovationScore:
    # "innovation score ≥ 71 (the guidelines' 'above 70')"; "decides pass/fail on min"
    @pytest.mark.parametrize(
        ("changes", "score_min", "met"),
        [
            # 76 − 2 (A → B) − 2 (A → B) − 1 (no standards) = 71
            pytest.param(
                {"tech_advancement": "B", "core_support": "B", "standards_drafted": 0},
                71,
                True,
                id="min 71",
            ),
            # 76 − 2 − 2 − 2 (no talent programmes) = 70
            pytest.param(
                {"tech_advancement": "B", "core_support": "B", "talent_programs": False},
                70,
                False,
                id="min 70",
            ),
        ],
    )
    def test_pass_mark_on_the_minimum(
        self, changes: dict[str, Any], score_min: int, met: bool
    ) -> None:
        assessment = hte(good_reports(**changes))
        assert assessment.score.min == score_min
        assert assessment.score.max > 71
        assert assessment.condition("innovation_score").met is met
        assert assessment.passed is met

    def test_gap_gives_the_missing_points(self) -> None:
        changes = {"tech_advancement": "B", "core_support": "B", "talent_programs": False}
        (gap,) = hte(good_reports(**changes)).gaps
        assert (gap.code, gap.needed) == ("innovation_score", 1)
        assert str(gap.message) == "innovation score 70-94 → needs 71: +1 point on the minimum"


# --- HTE: the innovation score's parts --------------------------------------------------------


class TestHteIpPart:
    # "technical advancement grade A/B/C/D/E → 7-8/5-6/3-4/1-2/0; core-support grade, same
    # bands"
    @pytest.mark.parametrize("item", ["tech_advancement", "core_support"])
    @pytest.mark.parametrize(
        ("grade", "expected"),
        [
            ("A", Points(7, 8)),
            ("B", Points(5, 6)),
            ("C", Points(3, 4)),
            ("D", Points(1, 2)),
            ("E", Points(0, 0)),
            pytest.param(None, Points(0, 0), id="not graded"),
        ],
    )
    def test_grades(self, item: str, grade: str | None, expected: Points) -> None:
        assert ip_points(**{item: grade}) == expected

    def test_an_unknown_grade_is_refused(self) -> None:
        with pytest.raises(ValueError, match="grade"):
            ip_points(tech_advancement="F")

    # "IP quantity: ≥ 1 class I → 7-8, else ≥ 5 class II → 5-6, 3-4 → 3-4, 1-2 → 1-2,
    # none → 0"
    @pytest.mark.parametrize(
        ("class1", "class2", "expected"),
        [
            pytest.param(1, 0, Points(7, 8), id="1 class I"),
            pytest.param(1, 9, Points(7, 8), id="class I wins over class II"),
            pytest.param(0, 6, Points(5, 6), id="6 class II"),
            pytest.param(0, 5, Points(5, 6), id="5 class II"),
            pytest.param(0, 4, Points(3, 4), id="4 class II"),
            pytest.param(0, 3, Points(3, 4), id="3 class II"),
            pytest.param(0, 2, Points(1, 2), id="2 class II"),
            pytest.param(0, 1, Points(1, 2), id="1 class II"),
            pytest.param(0, 0, Points(0, 0), id="none"),
        ],
    )
    def test_quantity(self, class1: int, class2: int, expected: Points) -> None:
        assert ip_points(ip_class1=class1, ip_class2=class2) == expected

    # "acquisition: self developed → 1-6, only transferred → 1-3, no IP → 0" (one class II
    # adds its quantity points, 1-2)
    @pytest.mark.parametrize(
        ("class2", "self_developed", "expected"),
        [
            pytest.param(1, True, Points(1 + 1, 2 + 6), id="self developed"),
            pytest.param(1, False, Points(1 + 1, 2 + 3), id="only transferred"),
            pytest.param(1, None, Points(1, 2), id="unknown acquisition"),
            pytest.param(0, True, Points(0, 0), id="no IP"),
        ],
    )
    def test_acquisition(self, class2: int, self_developed: bool | None, expected: Points) -> None:
        assert ip_points(ip_class2=class2, ip_self_developed=self_developed) == expected

    # "standards drafted ≥ 1 → bonus 1-2"
    @pytest.mark.parametrize(
        ("standards", "expected"), [(0, Points(0, 0)), (1, Points(1, 2)), (3, Points(1, 2))]
    )
    def test_standards_bonus(self, standards: int, expected: Points) -> None:
        assert ip_points(standards_drafted=standards) == expected

    def test_capped_at_30(self) -> None:
        # "the part is capped at 30": 8 + 8 + 8 + 6 + 2 = 32 at most
        assert hte().part("ip").points == Points(23, 30)


class TestHteTransformationPart:
    # "the yearly average of achievements_transformed over Y-2..Y: ≥ 5 → 25-30, ≥ 4 → 19-24,
    # ≥ 3 → 13-18, ≥ 2 → 7-12, ≥ 1 → 1-6, under 1 → 0"
    @pytest.mark.parametrize(
        ("counts", "expected"),
        [
            pytest.param([5, 5, 5], Points(25, 30), id="5"),
            pytest.param([4, 5, 5], Points(19, 24), id="4.67"),
            pytest.param([4, 4, 4], Points(19, 24), id="4"),
            pytest.param([3, 4, 4], Points(13, 18), id="3.67"),
            pytest.param([3, 3, 3], Points(13, 18), id="3"),
            pytest.param([2, 3, 3], Points(7, 12), id="2.67"),
            pytest.param([2, 2, 2], Points(7, 12), id="2"),
            pytest.param([1, 2, 2], Points(1, 6), id="1.67"),
            pytest.param([1, 1, 1], Points(1, 6), id="1"),
            pytest.param([0, 1, 1], Points(0, 0), id="0.67"),
            pytest.param([0, 0, 0], Points(0, 0), id="0"),
        ],
    )
    def test_bands(self, counts: list[int], expected: Points) -> None:
        reports = series(achievements_transformed=counts)
        assert hte(reports).part("transformation").points == expected

    # "(over the years on file when fewer)"
    @pytest.mark.parametrize(
        ("counts", "expected"),
        [
            pytest.param([5], Points(25, 30), id="only Y: 5"),
            pytest.param([4], Points(19, 24), id="only Y: 4"),
            pytest.param([4, 6], Points(25, 30), id="Y-1 and Y: average 5"),
            pytest.param([6, 3], Points(19, 24), id="Y-1 and Y: average 4.5"),
        ],
    )
    def test_fewer_years_on_file(self, counts: list[int], expected: Points) -> None:
        reports = series(achievements_transformed=counts)
        assert hte(reports).part("transformation").points == expected

    def test_years_before_y_minus_2_are_ignored(self) -> None:
        reports = [report(Y - 3, achievements_transformed=50), report(achievements_transformed=0)]
        assert hte(reports).part("transformation").points == Points(0, 0)


NO_RD_ORGANISATION: dict[str, Any] = {
    "rd_accounting": False,
    "rd_institution": False,
    "transformation_incentives": False,
    "talent_programs": False,
}


class TestHteRdOrganisationPart:
    # "four yes/no items worth at most 6, 6, 4, 4; a yes scores half to all of it (3-6, 3-6,
    # 2-4, 2-4), a no 0"
    @pytest.mark.parametrize(
        ("item", "expected"),
        [
            ("rd_accounting", Points(3, 6)),
            ("rd_institution", Points(3, 6)),
            ("transformation_incentives", Points(2, 4)),
            ("talent_programs", Points(2, 4)),
        ],
    )
    def test_each_yes(self, item: str, expected: Points) -> None:
        reports = good_reports(**{**NO_RD_ORGANISATION, item: True})
        assert hte(reports).part("rd_organisation").points == expected

    def test_all_no(self) -> None:
        assert hte(good_reports(**NO_RD_ORGANISATION)).part("rd_organisation").points == Points(
            0, 0
        )

    def test_all_yes(self) -> None:
        assert hte().part("rd_organisation").points == Points(10, 20)


class TestHteGrowthPart:
    # "growth = ½·(Y1→Y2 ratio + Y2→Y3 ratio) − 1 over the three years; ≥ 35 % → 9-10,
    # ≥ 25 % → 7-8, ≥ 15 % → 5-6, ≥ 5 % → 3-4, > 0 → 1-2, ≤ 0 ... → 0"
    # With Y-2 = Y-1 = 100 the growth is (Y − 100) / 200; revenue stays flat, so only the
    # net-asset item scores.
    @pytest.mark.parametrize(
        ("last", "expected"),
        [
            pytest.param("170", Points(9, 10), id="35 %"),
            pytest.param("169.99", Points(7, 8), id="just under 35 %"),
            pytest.param("150", Points(7, 8), id="25 %"),
            pytest.param("149.99", Points(5, 6), id="just under 25 %"),
            pytest.param("130", Points(5, 6), id="15 %"),
            pytest.param("129.99", Points(3, 4), id="just under 15 %"),
            pytest.param("110", Points(3, 4), id="5 %"),
            pytest.param("109.99", Points(1, 2), id="just under 5 %"),
            pytest.param("100.01", Points(1, 2), id="just over 0"),
            pytest.param("100", Points(0, 0), id="0"),
            pytest.param("90", Points(0, 0), id="negative"),
        ],
    )
    def test_net_asset_bands(self, last: str, expected: Points) -> None:
        reports = series(net_assets=[yuan("100"), yuan("100"), yuan(last)])
        assert hte(reports).part("growth").points == expected

    def test_sales_growth_scores_the_same_bands(self) -> None:
        reports = series(revenue=[mil("100"), mil("100"), mil("170")])
        assert hte(reports).part("growth").points == Points(9, 10)

    def test_both_items_add_up(self) -> None:
        assert hte().part("growth").points == Points(18, 20)

    def test_uneven_years_average_both_ratios(self) -> None:
        # ½·(200/100 + 200/200) − 1 = 50 %
        reports = series(net_assets=[yuan("100"), yuan("200"), yuan("200")])
        growth = hte(reports).part("growth")
        assert growth.inputs["net_asset_growth"] == pct("50")
        assert growth.points == Points(9, 10)

    # "when the Y-2 figure is ≤ 0 only Y-1→Y counts; when the Y-1 figure is ≤ 0 the growth
    # score is 0; negative growth scores 0"
    @pytest.mark.parametrize(
        ("figures", "growth", "expected"),
        [
            pytest.param(["0", "100", "140"], pct("40"), Points(9, 10), id="Y-2 zero: Y-1→Y"),
            pytest.param(["-50", "100", "104"], pct("4"), Points(1, 2), id="Y-2 negative"),
            pytest.param(["100", "0", "500"], None, Points(0, 0), id="Y-1 zero"),
            pytest.param(["100", "-10", "500"], None, Points(0, 0), id="Y-1 negative"),
            pytest.param(["100", "90", "80"], pct("-10.56"), Points(0, 0), id="shrinking"),
        ],
    )
    def test_edge_cases(self, figures: list[str], growth: Decimal | None, expected: Points) -> None:
        reports = series(net_assets=[yuan(figure) for figure in figures])
        part = hte(reports).part("growth")
        assert part.points == expected
        if growth is None:
            assert part.inputs["net_asset_growth"] is None
        else:
            assert part.inputs["net_asset_growth"] == growth

    # "under three years of data → 0": three reports on file for Y-2..Y, whatever they say.
    @pytest.mark.parametrize(
        "years",
        [
            pytest.param([Y], id="only Y"),
            pytest.param([Y - 1, Y], id="Y-1 and Y"),
            pytest.param([Y - 2, Y], id="Y-1 missing"),
            pytest.param([Y - 3, Y - 1, Y], id="Y-3 does not stand in for Y-2"),
        ],
    )
    def test_under_three_years_of_data_scores_0(self, years: list[int]) -> None:
        reports = [
            report(year, net_assets=mil("1") * (year - 2000), revenue=mil("1") * (year - 2000))
            for year in years
        ]
        assert hte(reports).part("growth").points == Points(0, 0)


# --- HTE: suggested tier ----------------------------------------------------------------------


class TestHteSuggestedTier:
    # "'applying' when it passes; else 'mature' when exactly one condition is unmet (the
    # score's pass mark counts as a condition) and, if that one is the score, score.min is at
    # most 10 points under the pass mark; else 'cultivating' when score.max reaches 50;
    # else 'selected'"
    def test_applying_when_it_passes(self) -> None:
        assert hte().suggested_tier == Tier.APPLYING

    def test_mature_when_one_hard_condition_is_unmet(self) -> None:
        assessment = hte(enterprise=facts(tech_field=None))
        assert unmet(assessment) == ["tech_field"]
        assert assessment.suggested_tier == Tier.MATURE

    def test_mature_when_only_the_score_is_unmet_by_10_points(self) -> None:
        # 76 − 2 (A → B) − 1 (no standards) − 12 (transformation average 3) = 61
        reports = series(
            achievements_transformed=[3, 3, 3],
            revenue=[mil("50"), mil("70"), mil("100")],
            net_assets=[mil("20"), mil("28"), mil("40")],
        )
        reports[-1] = replace(reports[-1], tech_advancement="B", standards_drafted=0)
        assessment = hte(reports)
        assert assessment.score.min == 61
        assert unmet(assessment) == ["innovation_score"]
        assert assessment.suggested_tier == Tier.MATURE

    def test_cultivating_when_only_the_score_is_unmet_by_11_points(self) -> None:
        # 76 − 2 − 2 (A → B twice) − 12 (transformation average 3) = 60
        reports = series(
            achievements_transformed=[3, 3, 3],
            revenue=[mil("50"), mil("70"), mil("100")],
            net_assets=[mil("20"), mil("28"), mil("40")],
        )
        reports[-1] = replace(reports[-1], tech_advancement="B", core_support="B")
        assessment = hte(reports)
        assert assessment.score == Points(60, 86)
        assert unmet(assessment) == ["innovation_score"]
        assert assessment.suggested_tier == Tier.CULTIVATING

    def test_cultivating_when_two_are_unmet_and_max_reaches_50(self) -> None:
        assessment = hte(good_reports(major_incident=True), facts(tech_field=None))
        assert len(unmet(assessment)) == 2
        assert assessment.suggested_tier == Tier.CULTIVATING

    def test_cultivating_at_max_exactly_50(self) -> None:
        # 20 (R&D organisation) + 20 (growth) + 6 (transformation average 1) + 2 + 2 (grade D
        # twice), no IP
        changes = {**NO_IP_POINTS, "tech_advancement": "D", "core_support": "D"}
        reports = [replace(r, achievements_transformed=1) for r in good_reports(**changes)]
        assessment = hte(reports)
        assert assessment.score.max == 50
        assert assessment.suggested_tier == Tier.CULTIVATING

    def test_selected_at_max_49(self) -> None:
        # 20 + 20 + 2 + 2 (grade D twice) + 2 (one class II) + 3 (only transferred)
        changes = {
            **NO_IP_POINTS,
            "tech_advancement": "D",
            "core_support": "D",
            "ip_class2": 1,
            "ip_self_developed": False,
        }
        reports = [replace(r, achievements_transformed=0) for r in good_reports(**changes)]
        assessment = hte(reports)
        assert assessment.score.max == 49
        assert unmet(assessment) == ["innovation_score"]
        assert assessment.suggested_tier == Tier.SELECTED


class TestSuggestTierTable:
    """The tier rule on its own, with HTE (71, 50) and SME (60, 40) numbers."""

    @staticmethod
    def conditions(*unmet_codes: str) -> list[Condition]:
        codes = ["owns_ip", "tech_field", "score"]
        return [Condition(code, code not in unmet_codes, None, None) for code in codes]

    @pytest.mark.parametrize(
        ("unmet_codes", "score", "pass_mark", "cultivating_from", "expected"),
        [
            pytest.param((), Points(71, 90), 71, 50, Tier.APPLYING, id="passes"),
            pytest.param(("tech_field",), Points(20, 30), 71, 50, Tier.MATURE, id="one hard"),
            pytest.param(("score",), Points(61, 80), 71, 50, Tier.MATURE, id="score 10 under"),
            pytest.param(("score",), Points(60, 80), 71, 50, Tier.CULTIVATING, id="score 11 under"),
            pytest.param(
                ("score",), Points(30, 49), 71, 50, Tier.SELECTED, id="score far under, max 49"
            ),
            pytest.param(
                ("owns_ip", "score"), Points(35, 50), 71, 50, Tier.CULTIVATING, id="two, max 50"
            ),
            pytest.param(
                ("owns_ip", "tech_field"), Points(20, 49), 71, 50, Tier.SELECTED, id="two, 49"
            ),
            pytest.param(("score",), Points(50, 50), 60, 40, Tier.MATURE, id="SME 10 under"),
            pytest.param(("score",), Points(49, 49), 60, 40, Tier.CULTIVATING, id="SME 11 under"),
            pytest.param(
                ("owns_ip", "score"), Points(40, 40), 60, 40, Tier.CULTIVATING, id="SME max 40"
            ),
            pytest.param(
                ("owns_ip", "score"), Points(39, 39), 60, 40, Tier.SELECTED, id="SME max 39"
            ),
        ],
    )
    def test_rule(
        self,
        unmet_codes: tuple[str, ...],
        score: Points,
        pass_mark: int,
        cultivating_from: int,
        expected: Tier,
    ) -> None:
        tier = suggest_tier(
            self.conditions(*unmet_codes),
            score,
            score_code="score",
            pass_mark=pass_mark,
            cultivating_from=cultivating_from,
            mature_margin=10,
        )
        assert tier == expected


# --- HTE: reports on file ---------------------------------------------------------------------


class TestReportsOnFile:
    def test_missing_assessed_year_raises(self) -> None:
        with pytest.raises(MissingReport) as raised:
            hte([report(Y - 1)])
        assert raised.value.year == Y

    def test_missing_assessed_year_raises_for_sme_too(self) -> None:
        with pytest.raises(MissingReport):
            sme([report(Y - 1)])

    def test_two_reports_for_one_year_are_refused(self) -> None:
        with pytest.raises(ValueError, match="two annual reports"):
            hte([report(), report()])

    def test_later_years_are_ignored(self) -> None:
        reports = [*good_reports(), report(Y + 1, major_incident=True, revenue=0)]
        assert hte(reports).passed

    def test_rules_of_the_other_pool_are_refused(self) -> None:
        with pytest.raises(ValueError, match="HTE rules"):
            assess_hte(facts(), good_reports(), Y, SME_2017)
        with pytest.raises(ValueError, match="SME rules"):
            assess_sme(facts(), good_reports(), Y, HTE_2016)


# --- SME --------------------------------------------------------------------------------------


class TestSmeGoodEnterprise:
    def test_passes_with_full_marks(self) -> None:
        assessment = sme()
        assert assessment.passed
        assert assessment.score == Points(100, 100)
        assert assessment.suggested_tier == Tier.APPLYING
        assert assessment.gaps == ()
        assert assessment.condition("score").actual == 100
        ref = assessment.rule_set
        assert (ref.name, ref.version, ref.applies_from) == ("sme", "2017", 2017)

    def test_reports_conditions_and_parts_with_the_documented_codes(self) -> None:
        assessment = sme()
        assert [condition.code for condition in assessment.conditions] == [
            "max_employees",
            "max_revenue",
            "max_total_assets",
            "no_major_incident",
            "st_staff_score",
            "score",
        ]
        assert [(part.code, part.max_points) for part in assessment.parts] == [
            ("st_staff", 20),
            ("rd", 50),
            ("achievements", 30),
        ]

    def test_only_the_assessed_year_counts(self) -> None:
        reports = [report(Y - 1, employees=9000, major_incident=True), report()]
        assert sme(reports).passed


class TestSmeSizeLimits:
    # "Size limits: ≤ 500 employees, revenue ≤ 200 M yuan, total assets ≤ 200 M"
    @pytest.mark.parametrize(
        ("field", "code", "value", "met"),
        [
            pytest.param("employees", "max_employees", 500, True, id="500 employees"),
            pytest.param("employees", "max_employees", 501, False, id="501 employees"),
            pytest.param("revenue", "max_revenue", mil("200"), True, id="revenue 200 M"),
            pytest.param(
                "revenue", "max_revenue", mil("200") + yuan("0.01"), False, id="revenue over"
            ),
            pytest.param(
                "total_assets", "max_total_assets", mil("200"), True, id="total assets 200 M"
            ),
            pytest.param(
                "total_assets",
                "max_total_assets",
                mil("200") + yuan("0.01"),
                False,
                id="total assets over",
            ),
        ],
    )
    def test_boundary(self, field: str, code: str, value: Decimal | int, met: bool) -> None:
        changes: dict[str, Any] = {field: value}
        assessment = sme([report(**changes)])
        assert assessment.condition(code).met is met

    def test_gap_gives_the_excess(self) -> None:
        (gap,) = sme([report(employees=620, st_staff=200)]).gaps
        assert (gap.code, gap.needed) == ("max_employees", 120)
        assert str(gap.message) == "employees 620 → at most 500: 120 over the limit"

    def test_money_gap_gives_the_excess_in_yuan(self) -> None:
        (gap,) = sme([report(total_assets=mil("250"))]).gaps
        assert gap.needed == mil("50")
        assert str(gap.message) == (
            "total assets 250000000.00 yuan → at most 200000000.00 yuan: "
            "50000000.00 yuan over the limit"
        )


class TestSmeStStaffPart:
    # "S&T staff ratio 20 (≥ 30 % → 20, ≥ 25 % → 16, ≥ 20 % → 12, ≥ 15 % → 8, ≥ 10 % → 4,
    # else 0)" — of 100 employees
    @pytest.mark.parametrize(
        ("st_staff", "points"),
        [
            (30, 20),
            (29, 16),
            (25, 16),
            (24, 12),
            (20, 12),
            (19, 8),
            (15, 8),
            (14, 4),
            (10, 4),
            (9, 0),
        ],
    )
    def test_bands(self, st_staff: int, points: int) -> None:
        assessment = sme([report(employees=100, st_staff=st_staff)])
        assert assessment.part("st_staff").points == Points.exact(points)

    # "Passes with ≥ 60 and a non-zero S&T staff score"
    def test_a_zero_st_staff_score_fails_even_with_enough_points(self) -> None:
        assessment = sme([report(employees=100, st_staff=9)])
        assert assessment.score.min == 80
        assert unmet(assessment) == ["st_staff_score"]
        (gap,) = assessment.gaps
        assert gap.needed == 2
        assert str(gap.message) == "S&T staff ratio 9.00 % → needs 10 %: +2 S&T staff"
        assert assessment.suggested_tier == Tier.MATURE


class TestSmeRdPart:
    # "R&D/revenue (≥ 6 % → 50, ≥ 5 % → 40, ≥ 4 % → 30, ≥ 3 % → 20, ≥ 2 % → 10, else 0)"
    # — revenue 100 M, total cost 1 000 M so the cost ratio scores nothing
    @pytest.mark.parametrize(
        ("rd", "points"),
        [
            (mil("6"), 50),
            (yuan("5999999.99"), 40),
            (mil("5"), 40),
            (yuan("4999999.99"), 30),
            (mil("4"), 30),
            (yuan("3999999.99"), 20),
            (mil("3"), 20),
            (yuan("2999999.99"), 10),
            (mil("2"), 10),
            (yuan("1999999.99"), 0),
        ],
    )
    def test_revenue_bands(self, rd: Decimal, points: int) -> None:
        reports = [report(revenue=mil("100"), total_cost=mil("1000"), rd_expense=rd)]
        assert sme(reports).part("rd").points == Points.exact(points)

    # "R&D/total cost (≥ 30 % → 50, ≥ 25 % → 40, ≥ 20 % → 30, ≥ 15 % → 20, ≥ 10 % → 10,
    # else 0)" — total cost 10 M; the revenue ratio (of 100 M) always scores less
    @pytest.mark.parametrize(
        ("rd", "points"),
        [
            (mil("3"), 50),
            (yuan("2999999.99"), 40),
            (mil("2.5"), 40),
            (yuan("2499999.99"), 30),
            (mil("2"), 30),
            (yuan("1999999.99"), 20),
            (mil("1.5"), 20),
            (yuan("1499999.99"), 10),
            (mil("1"), 10),
            (yuan("999999.99"), 0),
        ],
    )
    def test_total_cost_bands(self, rd: Decimal, points: int) -> None:
        reports = [report(revenue=mil("100"), total_cost=mil("10"), rd_expense=rd)]
        assert sme(reports).part("rd").points == Points.exact(points)

    # "the better of R&D/revenue ... and R&D/total cost"
    @pytest.mark.parametrize(
        ("total_cost", "rd", "points"),
        [
            pytest.param(mil("10"), mil("3"), 50, id="cost 30 % beats revenue 3 %"),
            pytest.param(mil("1000"), mil("6"), 50, id="revenue 6 % beats cost 0.6 %"),
        ],
    )
    def test_the_better_ratio_counts(self, total_cost: Decimal, rd: Decimal, points: int) -> None:
        reports = [report(revenue=mil("100"), total_cost=total_cost, rd_expense=rd)]
        part = sme(reports).part("rd")
        assert part.points == Points.exact(points)


class TestSmeAchievementsPart:
    # "achievements 30 (≥ 1 class I → 30, ≥ 4 class II → 24, 3 → 18, 2 → 12, 1 → 6,
    # none → 0)"
    @pytest.mark.parametrize(
        ("class1", "class2", "points"),
        [(1, 0, 30), (0, 5, 24), (0, 4, 24), (0, 3, 18), (0, 2, 12), (0, 1, 6), (0, 0, 0)],
    )
    def test_bands(self, class1: int, class2: int, points: int) -> None:
        assessment = sme([report(ip_class1=class1, ip_class2=class2)])
        assert assessment.part("achievements").points == Points.exact(points)


class TestSmeScore:
    # "Passes with ≥ 60"
    @pytest.mark.parametrize(
        ("st_staff", "score", "met"),
        [
            pytest.param(30, 60, True, id="20 + 40 + 0 = 60"),
            pytest.param(25, 56, False, id="16 + 40 + 0 = 56"),
        ],
    )
    def test_pass_mark(self, st_staff: int, score: int, met: bool) -> None:
        reports = [report(st_staff=st_staff, rd_expense=mil("5"), ip_class1=0, ip_class2=0)]
        assessment = sme(reports)
        assert assessment.score == Points.exact(score)
        assert assessment.condition("score").met is met
        assert assessment.passed is met

    def test_gap_gives_the_missing_points_and_the_routes(self) -> None:
        reports = [report(st_staff=25, rd_expense=mil("5"), ip_class1=0, ip_class2=0)]
        (gap,) = sme(reports).gaps
        assert (gap.code, gap.needed) == ("score", 4)
        assert str(gap.message).startswith("score 56 → needs 60: +4 points (or a direct route")

    # "'mature' when exactly one condition is unmet ... if that one is the score, score.min is
    # at most 10 points under the pass mark; else 'cultivating' when score.max reaches ... 40
    # (SME); else 'selected'" — the SME points are all even, so 10 and 12 under
    @pytest.mark.parametrize(
        ("changes", "score", "tier"),
        [
            pytest.param(
                {"st_staff": 30, "rd_expense": 0, "ip_class1": 1}, 50, Tier.MATURE, id="50"
            ),
            pytest.param(
                {"st_staff": 20, "rd_expense": mil("4"), "ip_class1": 0, "ip_class2": 1},
                48,
                Tier.CULTIVATING,
                id="48",
            ),
            pytest.param(
                {"st_staff": 10, "rd_expense": mil("4"), "ip_class1": 0, "ip_class2": 1},
                40,
                Tier.CULTIVATING,
                id="40",
            ),
            pytest.param(
                {"st_staff": 15, "rd_expense": mil("4"), "ip_class1": 0, "ip_class2": 0},
                38,
                Tier.SELECTED,
                id="38",
            ),
        ],
    )
    def test_suggested_tier(self, changes: dict[str, Any], score: int, tier: Tier) -> None:
        assessment = sme([report(**changes)])
        assert assessment.score == Points.exact(score)
        assert unmet(assessment) == ["score"]
        assert assessment.suggested_tier == tier


# An SME that scores 4: a non-zero S&T staff score and nothing else.
WEAK: dict[str, Any] = {"st_staff": 10, "rd_expense": 0, "ip_class1": 0, "ip_class2": 0}


class TestSmeDirectRoutes:
    # "or directly when it holds a valid high-tech qualification (size limits still apply)";
    # "SME direct qualification routes ...: valid HTE certificate; a national S&T award
    # (top 3 units) in the last five years; a provincial or ministerial R&D institution; led
    # an international, national or industry standard in the last five years"
    @pytest.mark.parametrize(
        ("fact", "route"),
        [
            ("hte_certified", "hte_certificate"),
            ("national_st_award", "national_st_award"),
            ("provincial_rd_institution", "provincial_rd_institution"),
            ("led_standard", "led_standard"),
        ],
    )
    def test_each_route_passes_a_low_score(self, fact: str, route: str) -> None:
        assessment = sme([report(**WEAK)], facts(**{fact: True}))
        assert assessment.score == Points.exact(4)
        assert assessment.passed
        assert assessment.condition("score").actual == f"direct:{route}"
        assert assessment.suggested_tier == Tier.APPLYING
        assert route in DIRECT_ROUTES

    def test_a_route_stands_in_for_the_st_staff_score_too(self) -> None:
        assessment = sme([report(**{**WEAK, "st_staff": 0})], facts(hte_certified=True))
        assert assessment.passed
        assert assessment.condition("st_staff_score").actual == "direct:hte_certificate"

    def test_size_limits_still_apply(self) -> None:
        reports = [report(**{**WEAK, "employees": 501})]
        assessment = sme(reports, facts(hte_certified=True))
        assert not assessment.passed
        assert unmet(assessment) == ["max_employees"]
        assert assessment.condition("score").met
        assert assessment.suggested_tier == Tier.MATURE

    def test_a_major_incident_still_counts(self) -> None:
        reports = [report(**{**WEAK, "major_incident": True})]
        assessment = sme(reports, facts(hte_certified=True))
        assert unmet(assessment) == ["no_major_incident"]

    def test_a_passing_score_is_named_before_a_route(self) -> None:
        assessment = sme(enterprise=facts(hte_certified=True))
        assert assessment.condition("score").actual == 100

    def test_no_route_without_a_fact(self) -> None:
        assessment = sme([report(**WEAK)])
        assert not assessment.passed
        assert assessment.condition("score").actual == 4


class TestSmeZeroDenominators:
    def test_zero_employees_revenue_and_cost(self) -> None:
        reports = [report(employees=0, st_staff=0, revenue=0, total_cost=0, rd_expense=0)]
        assessment = sme(reports)
        assert assessment.part("st_staff").points == Points(0, 0)
        assert assessment.part("rd").points == Points(0, 0)
        assert assessment.part("rd").inputs["rd_to_revenue"] is None
        condition = assessment.condition("st_staff_score")
        assert (condition.met, condition.actual) == (False, 0)
        gap = gap_for(assessment, "st_staff_score")
        assert gap.needed is None


# --- Rule sets --------------------------------------------------------------------------------


def hte_thresholds() -> HteThresholds:
    thresholds = HTE_2016.thresholds
    assert isinstance(thresholds, HteThresholds)
    return thresholds


# A hypothetical return to the 2008 measures' 6 % for small enterprises.
HTE_2008 = RuleSet(
    name="hte",
    version="2008",
    applies_from=2008,
    thresholds=replace(
        hte_thresholds(),
        rd_ratio_tiers=(
            RdRatioTier(mil("50"), pct("6")),
            RdRatioTier(mil("200"), pct("4")),
            RdRatioTier(None, pct("3")),
        ),
    ),
)
HTE_2026 = replace(HTE_2016, version="2026", applies_from=2026)


class TestRuleSetRegistry:
    # "every rule set carries a version and the year it applies from"
    @pytest.mark.parametrize(
        ("name", "year", "expected"),
        [
            ("hte", 2016, HTE_2016_GUIDELINES),
            ("hte", 2030, HTE_2016_GUIDELINES),
            ("sme", 2017, SME_2017_MEASURES),
            ("sme", 2024, SME_2022),
        ],
    )
    def test_built_in_sets(self, name: str, year: int, expected: RuleSet) -> None:
        assert rule_set_for(name, year) is expected

    @pytest.mark.parametrize(("name", "year"), [("hte", 2015), ("sme", 2016), ("project", 2024)])
    def test_nothing_applies(self, name: str, year: int) -> None:
        with pytest.raises(NoRuleSet):
            rule_set_for(name, year)

    # "a new version can be added without touching old results"
    @pytest.mark.parametrize(
        ("year", "version"),
        [
            pytest.param(2008, "2008", id="2008 rules from 2008"),
            pytest.param(2015, "2008", id="still 2008 in 2015"),
            pytest.param(2016, "2016.2", id="2016 rules from 2016"),
            pytest.param(2025, "2016.2", id="still 2016 in 2025"),
            pytest.param(2026, "2026", id="a newer set from 2026"),
        ],
    )
    def test_added_versions_apply_by_year(self, year: int, version: str) -> None:
        registry = (HTE_2026, *RULE_SETS, HTE_2008)
        assert rule_set_for("hte", year, registry).version == version

    # Revenue 40 M with 5.5 % R&D: enough under 2016 (5 %), not under 2008 (6 %).
    @pytest.mark.parametrize(
        ("year", "version", "required", "met"),
        [
            pytest.param(2015, "2008", pct("6"), False, id="2015 under the 2008 rules"),
            pytest.param(2016, "2016.2", pct("5"), True, id="2016 under the 2016 rules"),
        ],
    )
    def test_the_assessment_names_and_uses_the_version(
        self, year: int, version: str, required: Decimal, met: bool
    ) -> None:
        rd = mil("2.2")
        reports = [report(year, revenue=mil("40"), rd_expense=rd, rd_expense_domestic=rd)]
        rules = rule_set_for("hte", year, (*RULE_SETS, HTE_2008))
        # Founded that January: the one report covers every operating year.
        assessment = assess_hte(facts(established_on=date(year, 1, 1)), reports, year, rules)
        assert assessment.rule_set.version == version
        condition = assessment.condition("rd_ratio")
        assert (condition.required, condition.met) == (required, met)

    def test_two_sets_from_the_same_year_are_ambiguous(self) -> None:
        twin = replace(HTE_2016, version="2016b")
        with pytest.raises(ValueError, match="all apply from 2016"):
            rule_set_for("hte", 2020, (HTE_2016, twin))

    def test_a_name_must_match_its_thresholds(self) -> None:
        with pytest.raises(ValueError, match="carries hte thresholds"):
            replace(HTE_2016, name="sme")

    def test_bands_out_of_order_are_refused(self) -> None:
        bands = hte_thresholds().growth_bands
        with pytest.raises(ValueError, match="ordered"):
            replace(hte_thresholds(), growth_bands=tuple(reversed(bands)))

    def test_rd_tiers_must_end_open(self) -> None:
        with pytest.raises(ValueError, match="open"):
            replace(hte_thresholds(), rd_ratio_tiers=(RdRatioTier(mil("50"), pct("5")),))

    def test_points_are_ordered(self) -> None:
        with pytest.raises(ValueError, match="min ≤ max"):
            Points(3, 2)

    def test_a_strict_band_needs_more_than_its_floor(self) -> None:
        band = Band(Decimal(0), Points(1, 2), strict=True)
        assert not band.admits(Decimal(0))
        assert band.admits(Decimal("0.0001"))
