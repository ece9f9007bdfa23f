"""The high-tech enterprise rules (高新技术企业认定)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from app.i18n import Sentence, Yuan
from app.pools.readiness.arithmetic import (
    ONE_CENT,
    _banded,
    _Checked,
    _extra_for_share,
    _met,
    _percent,
    _ratio,
    _reports_by_year,
    _rule_percent,
    _shown,
    _total,
    _window,
    _yuan,
)
from app.pools.readiness.facts import EnterpriseFacts, YearFigures
from app.pools.readiness.outcome import REPORT_MISSING, Assessment, Condition, Gap, Part
from app.pools.readiness.rule_sets import (
    HTE_2016_GUIDELINES,
    NO_POINTS,
    HteThresholds,
    Points,
    RuleSet,
)
from app.pools.readiness.shared import _assessment, _no_major_incident, _score_gap, _st_staff_gap


def default_apply_on(year: int) -> date:
    """The application an assessment of data year `year` is for when none is named: the
    middle of the next year's application season."""
    return date(year + 1, 6, 30)


def operating_years(established_on: date | None, year: int, span: int) -> list[int]:
    """The years of the `span` ending with `year` whose 31 December falls on or after the
    establishment (实际经营期不满三年的，按实际经营时间计算); all of them when the date is
    not on record (the registration condition is unmet then), `year` at least."""
    years = range(year - span + 1, year + 1)
    if established_on is None:
        return list(years)
    return [y for y in years if date(y, 12, 31) >= established_on] or [year]


def assess_hte(
    facts: EnterpriseFacts,
    reports: Sequence[YearFigures],
    year: int,
    rules: RuleSet = HTE_2016_GUIDELINES,
) -> Assessment:
    """Assess data year `year` for an application on `facts.apply_on` against the high-tech
    enterprise rules; `reports` may hold any years."""
    thresholds = rules.thresholds
    if not isinstance(thresholds, HteThresholds):
        raise ValueError(f"assess_hte needs HTE rules, got {rules.name} {rules.version}")
    by_year = _reports_by_year(reports, year)
    current = by_year[year]
    apply_on = facts.apply_on or default_apply_on(year)

    missing: list[int] = []
    if thresholds.operating_years:
        years = operating_years(facts.established_on, year, thresholds.rd_years)
        missing = [y for y in years if y not in by_year]
        window = [by_year[y] for y in years if y in by_year]
        transformation = _transformation_part(window, thresholds, complete=not missing)
        growth = _growth_part_operating(window, thresholds, complete=not missing)
        rd_window: list[YearFigures] | None = None if missing else window
    else:
        transformation = _transformation_part(
            _window(by_year, year, thresholds.transformation_years), thresholds
        )
        growth = _growth_part(by_year, year, thresholds)
        rd_window = _window(by_year, year, thresholds.rd_years)
    parts = (
        _ip_part(current, thresholds),
        transformation,
        _rd_organisation_part(current, thresholds),
        growth,
    )
    score = _total(part.points for part in parts)
    checks = (
        _registered(facts.established_on, year, apply_on, thresholds),
        _owns_ip(current, thresholds),
        _tech_field(facts.tech_field, thresholds),
        _st_staff_ratio(current, thresholds),
        _rd_ratio(current, rd_window, thresholds),
        _rd_domestic_share(rd_window, thresholds),
        _high_tech_revenue_ratio(current, thresholds),
        _no_major_incident(current),
        _innovation_score(score, thresholds),
    )
    return _assessment(
        rules,
        year,
        score,
        parts,
        checks,
        score_code="innovation_score",
        pass_mark=thresholds.pass_mark,
        cultivating_from=thresholds.cultivating_from,
        mature_margin=thresholds.mature_margin,
        missing=[
            Gap(
                REPORT_MISSING,
                Sentence(
                    "no annual report for {year}, an operating year: file it (the figures "
                    "that need it count as unknown)",
                    year=y,
                ),
                None,
            )
            for y in missing
        ],
        apply_on=apply_on,
    )


def _unknown_part(code: str, max_points: int) -> Part:
    # A part that needs a missing report: anything from nothing to all of it.
    return Part(code=code, points=Points(0, max_points), max_points=max_points, inputs={})


def _usable_class2(report: YearFigures, rules: HteThresholds) -> int:
    # 仅限使用一次: a class II item that supported an earlier recognition supports no other.
    return report.ip_class2 - report.ip_class2_used if rules.class2_once else report.ip_class2


def _grade(grade: str | None, rules: HteThresholds) -> Points:
    if grade is None:  # not graded yet: nothing can be counted
        return NO_POINTS
    if grade not in rules.grade_points:
        raise ValueError(f"grade must be one of {sorted(rules.grade_points)}, got {grade!r}")
    return rules.grade_points[grade]


def _ip_part(report: YearFigures, rules: HteThresholds) -> Part:
    usable = _usable_class2(report, rules)
    owned = report.ip_class1 + usable
    if report.ip_class1 >= 1:
        quantity = rules.ip_class1_points
    else:
        quantity = _banded(usable, rules.ip_class2_bands)
    # With no IP there is nothing acquired, whatever the flag says; an unknown way of
    # acquisition is not given the benefit of the doubt.
    if owned == 0 or report.ip_self_developed is None:
        acquisition = NO_POINTS
    elif report.ip_self_developed:
        acquisition = rules.self_developed_points
    else:
        acquisition = rules.transferred_points
    standards = rules.standards_bonus if report.standards_drafted >= 1 else NO_POINTS
    points = _total(
        (
            _grade(report.tech_advancement, rules),
            _grade(report.core_support, rules),
            quantity,
            acquisition,
            standards,
        )
    )
    return Part(
        code="ip",
        points=points.capped(rules.ip_max),
        max_points=rules.ip_max,
        inputs={
            "tech_advancement": report.tech_advancement,
            "core_support": report.core_support,
            "ip_class1": report.ip_class1,
            "ip_class2": report.ip_class2,
            "ip_class2_used": report.ip_class2_used,
            "ip_self_developed": report.ip_self_developed,
            "standards_drafted": report.standards_drafted,
        },
    )


def _transformation_part(
    window: Sequence[YearFigures], rules: HteThresholds, *, complete: bool = True
) -> Part:
    counts = [report.achievements_transformed for report in window]
    inputs: dict[str, object] = {
        "years": [report.year for report in window],
        "achievements_transformed": counts,
        "average": None,
    }
    if not complete:
        return replace(_unknown_part("transformation", rules.transformation_max), inputs=inputs)
    average = Decimal(sum(counts)) / len(counts)
    inputs["average"] = average.quantize(ONE_CENT, rounding=ROUND_FLOOR)
    return Part(
        code="transformation",
        points=_banded(average, rules.transformation_bands).capped(rules.transformation_max),
        max_points=rules.transformation_max,
        inputs=inputs,
    )


def _rd_org_answers(report: YearFigures) -> dict[str, bool]:
    return {
        "rd_accounting": report.rd_accounting,
        "rd_institution": report.rd_institution,
        "transformation_incentives": report.transformation_incentives,
        "talent_programs": report.talent_programs,
    }


def _rd_organisation_part(report: YearFigures, rules: HteThresholds) -> Part:
    answers = _rd_org_answers(report)
    points = _total(
        item_points if answers[item] else NO_POINTS
        for item, item_points in rules.rd_org_items.items()
    )
    return Part(
        code="rd_organisation",
        points=points.capped(rules.rd_organisation_max),
        max_points=rules.rd_organisation_max,
        inputs={item: answers[item] for item in rules.rd_org_items},
    )


def _growth_rate(figures: Mapping[int, Decimal], year: int) -> Decimal | None:
    """½·(Y1→Y2 ratio + Y2→Y3 ratio) − 1 over Y-2..Y; None when it scores 0 whatever it is.

    "Under three years of data" is read as fewer than three reports on file for Y-2..Y: a
    report for Y-2 whose figure is ≤ 0 is data (the enterprise existed, with no sales or no
    net assets yet) and falls under "when the Y-2 figure is ≤ 0 only Y-1→Y counts"; a
    missing Y-2 report is not three years of data, so the score is 0 rather than Y-1→Y.
    """
    first, second, third = figures.get(year - 2), figures.get(year - 1), figures.get(year)
    if first is None or second is None or third is None:
        return None
    if second <= 0:  # "when the Y-1 figure is ≤ 0 the growth score is 0"
        return None
    if first <= 0:
        return third / second - 1
    return (second / first + third / second) / 2 - 1


def _growth_part(by_year: Mapping[int, YearFigures], year: int, rules: HteThresholds) -> Part:
    years = range(year - 2, year + 1)
    net_assets = {y: by_year[y].net_assets for y in years if y in by_year}
    sales = {y: by_year[y].revenue for y in years if y in by_year}
    net_asset_growth = _growth_rate(net_assets, year)
    sales_growth = _growth_rate(sales, year)
    # Negative growth falls through every band: "≤ 0 → 0".
    points = _banded(net_asset_growth, rules.growth_bands) + _banded(
        sales_growth, rules.growth_bands
    )
    return Part(
        code="growth",
        points=points.capped(rules.growth_max),
        max_points=rules.growth_max,
        inputs={
            "years": sorted(net_assets),
            "net_assets": [net_assets[y] for y in sorted(net_assets)],
            "revenue": [sales[y] for y in sorted(sales)],
            "net_asset_growth": _shown(net_asset_growth),
            "sales_growth": _shown(sales_growth),
        },
    )


def _operating_growth(values: Sequence[Decimal]) -> Decimal | None:
    """Growth over the operating years, oldest first; None when it scores 0 whatever it is.
    Three: ½·(V(Y-1)/V(Y-2) + V(Y)/V(Y-1)) − 1, only V(Y)/V(Y-1) − 1 when V(Y-2) ≤ 0; two:
    V(Y)/V(Y-1) − 1; one: 0. V(Y-1) ≤ 0 scores 0."""
    if len(values) < 2:
        return None
    *earlier, second, third = values
    if second <= 0:
        return None
    if not earlier or earlier[-1] <= 0:
        return third / second - 1
    return (second / earlier[-1] + third / second) / 2 - 1


def _growth_part_operating(
    window: Sequence[YearFigures], rules: HteThresholds, *, complete: bool
) -> Part:
    net_asset_growth = _operating_growth([r.net_assets for r in window]) if complete else None
    sales_growth = _operating_growth([r.revenue for r in window]) if complete else None
    points = (
        (
            _banded(net_asset_growth, rules.growth_bands)
            + _banded(sales_growth, rules.growth_bands)
        ).capped(rules.growth_max)
        if complete
        else Points(0, rules.growth_max)
    )
    return Part(
        code="growth",
        points=points,
        max_points=rules.growth_max,
        inputs={
            "years": [r.year for r in window],
            "net_assets": [r.net_assets for r in window],
            "revenue": [r.revenue for r in window],
            "net_asset_growth": _shown(net_asset_growth),
            "sales_growth": _shown(sales_growth),
        },
    )


def _registered(
    established_on: date | None, year: int, apply_on: date, rules: HteThresholds
) -> _Checked:
    # 注册成立一年以上: the first reading counted to the end of Y-1, the guidelines count
    # 365 calendar days before the application.
    if rules.registered_days is None:
        latest = date(year - rules.established_years, 12, 31)
    else:
        latest = apply_on - timedelta(days=rules.registered_days)
    if established_on is None:
        unknown = Condition("established_one_year", False, None, latest.isoformat())
        return unknown, Gap(
            unknown.code,
            Sentence("the establishment date is not on record: add it to the enterprise"),
            None,
        )
    condition = Condition(
        "established_one_year",
        established_on <= latest,
        established_on.isoformat(),
        latest.isoformat(),
    )
    if condition.met:
        return _met(condition)
    if rules.registered_days is None:
        first_year = established_on.year + rules.established_years
        return condition, Gap(
            condition.code,
            Sentence(
                "established {established_on} → must be established by {latest}: eligible "
                "from the {first_year} assessment",
                established_on=established_on.isoformat(),
                latest=latest.isoformat(),
                first_year=first_year,
            ),
            first_year - year,
        )
    short = (established_on - latest).days
    return condition, Gap(
        condition.code,
        Sentence(
            "registered {established_on} → must be registered by {latest}, {days} days before "
            "applying on {apply_on}: {short} days short",
            established_on=established_on.isoformat(),
            latest=latest.isoformat(),
            days=rules.registered_days,
            apply_on=apply_on.isoformat(),
            short=short,
        ),
        short,
    )


def _owns_ip(report: YearFigures, rules: HteThresholds) -> _Checked:
    owned = report.ip_class1 + _usable_class2(report, rules)
    condition = Condition("owns_ip", owned >= rules.min_ip_owned, owned, rules.min_ip_owned)
    if condition.met:
        return _met(condition)
    needed = rules.min_ip_owned - owned
    if rules.class2_once:
        return condition, Gap(
            condition.code,
            Sentence(
                "{owned} class I or unused class II IP owned at the end of {year} (class II "
                "that supported a recognition does not count again) → needs {required}: "
                "+{needed} IP",
                owned=owned,
                year=report.year,
                required=rules.min_ip_owned,
                needed=needed,
            ),
            needed,
        )
    return condition, Gap(
        condition.code,
        Sentence(
            "{owned} class I/II IP owned at the end of {year} → needs {required}: +{needed} IP",
            owned=owned,
            year=report.year,
            required=rules.min_ip_owned,
            needed=needed,
        ),
        needed,
    )


def _tech_field(tech_field: str | None, rules: HteThresholds) -> _Checked:
    required = ", ".join(rules.tech_fields)
    condition = Condition("tech_field", tech_field in rules.tech_fields, tech_field, required)
    if condition.met:
        return _met(condition)
    return condition, Gap(
        condition.code,
        Sentence(
            "high-tech field {field} → needs one of: {required}",
            field=tech_field,
            required=required,
        )
        if tech_field
        else Sentence("high-tech field not set → needs one of: {required}", required=required),
        None,
    )


def _st_staff_ratio(report: YearFigures, rules: HteThresholds) -> _Checked:
    required = rules.min_st_staff_ratio
    ratio = _ratio(report.st_staff, report.employees)
    condition = Condition(
        "st_staff_ratio", ratio is not None and ratio >= required, _shown(ratio), required
    )
    if condition.met:
        return _met(condition)
    return condition, _st_staff_gap(condition.code, report, ratio, required)


def _years_text(window: Sequence[YearFigures]) -> str:
    first, last = window[0].year, window[-1].year
    return str(last) if first == last else f"{first}-{last}"


def _rd_ratio(
    current: YearFigures, window: Sequence[YearFigures] | None, rules: HteThresholds
) -> _Checked:
    # The band follows the assessed year's revenue, the ratio the whole window's.
    required = next(
        tier.min_ratio
        for tier in rules.rd_ratio_tiers
        if tier.revenue_up_to is None or current.revenue <= tier.revenue_up_to
    )
    if window is None:  # an operating year's report is missing: the gap says so
        return Condition("rd_ratio", False, None, required, REPORT_MISSING), None
    rd = sum((report.rd_expense for report in window), Decimal(0))
    revenue = sum((report.revenue for report in window), Decimal(0))
    ratio = _ratio(rd, revenue)
    condition = Condition(
        "rd_ratio", ratio is not None and ratio >= required, _shown(ratio), required
    )
    if condition.met:
        return _met(condition)
    if ratio is None:
        return condition, Gap(
            condition.code,
            Sentence(
                "no revenue on file for {years} → R&D must be at least {required} of revenue",
                years=_years_text(window),
                required=_rule_percent(required),
            ),
            None,
        )
    needed = _yuan(required * revenue - rd)
    return condition, Gap(
        condition.code,
        Sentence(
            "R&D ratio {ratio} → needs {required}: +{needed} yuan R&D",
            ratio=_percent(ratio),
            required=_rule_percent(required),
            needed=Yuan(needed),
        ),
        needed,
    )


def _rd_domestic_share(window: Sequence[YearFigures] | None, rules: HteThresholds) -> _Checked:
    required = rules.min_rd_domestic_share
    if window is None:  # an operating year's report is missing: the gap says so
        return Condition("rd_domestic_share", False, None, required, REPORT_MISSING), None
    rd = sum((report.rd_expense for report in window), Decimal(0))
    domestic = sum((report.rd_expense_domestic for report in window), Decimal(0))
    share = _ratio(domestic, rd)
    condition = Condition(
        "rd_domestic_share", share is not None and share >= required, _shown(share), required
    )
    if condition.met:
        return _met(condition)
    if share is None:
        return condition, Gap(
            condition.code,
            Sentence(
                "no R&D expense on file for {years} → domestic R&D must be at least "
                "{required} of it",
                years=_years_text(window),
                required=_rule_percent(required),
            ),
            None,
        )
    needed = _yuan(_extra_for_share(domestic, rd, required))
    return condition, Gap(
        condition.code,
        Sentence(
            "domestic R&D share {share} → needs {required}: +{needed} yuan domestic R&D",
            share=_percent(share),
            required=_rule_percent(required),
            needed=Yuan(needed),
        ),
        needed,
    )


def _high_tech_revenue_ratio(report: YearFigures, rules: HteThresholds) -> _Checked:
    required = rules.min_high_tech_revenue_ratio
    ratio = _ratio(report.high_tech_revenue, report.revenue)
    condition = Condition(
        "high_tech_revenue_ratio", ratio is not None and ratio >= required, _shown(ratio), required
    )
    if condition.met:
        return _met(condition)
    if ratio is None:
        return condition, Gap(
            condition.code,
            Sentence(
                "no revenue reported for {year} → high-tech revenue must be at least "
                "{required} of it",
                year=report.year,
                required=_rule_percent(required),
            ),
            None,
        )
    needed = _yuan(_extra_for_share(report.high_tech_revenue, report.revenue, required))
    return condition, Gap(
        condition.code,
        Sentence(
            "high-tech revenue ratio {ratio} → needs {required}: +{needed} yuan high-tech revenue",
            ratio=_percent(ratio),
            required=_rule_percent(required),
            needed=Yuan(needed),
        ),
        needed,
    )


def _innovation_score(score: Points, rules: HteThresholds) -> _Checked:
    # Pass/fail reads the bottom of every band: a pass must not depend on the experts'
    # generosity.
    condition = Condition(
        "innovation_score", score.min >= rules.pass_mark, score.min, rules.pass_mark
    )
    if condition.met:
        return _met(condition)
    return condition, _score_gap(
        condition.code,
        Sentence("innovation score"),
        score,
        rules.pass_mark,
        Sentence(" on the minimum"),
    )
