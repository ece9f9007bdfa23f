"""The tech-based SME rules (科技型中小企业评价)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from app.i18n import Sentence, Yuan
from app.pools.readiness.arithmetic import (
    ONE_CENT,
    _banded,
    _Checked,
    _met,
    _ratio,
    _reports_by_year,
    _shown,
    _total,
)
from app.pools.readiness.facts import EnterpriseFacts, YearFigures
from app.pools.readiness.outcome import Assessment, Condition, Gap, Part, Value
from app.pools.readiness.rule_sets import SME_2022, Points, RuleSet, SmeThresholds
from app.pools.readiness.shared import _assessment, _no_major_incident, _score_gap, _st_staff_gap


def assess_sme(
    facts: EnterpriseFacts,
    reports: Sequence[YearFigures],
    year: int,
    rules: RuleSet = SME_2022,
) -> Assessment:
    """Assess data year `year` against the tech-based SME rules: that year's report counts,
    and the next one's incidents where it is filed."""
    thresholds = rules.thresholds
    if not isinstance(thresholds, SmeThresholds):
        raise ValueError(f"assess_sme needs SME rules, got {rules.name} {rules.version}")
    by_year = _reports_by_year(reports, year)
    current = by_year[year]

    st_staff = _sme_st_staff_part(current, thresholds)
    parts = (
        st_staff,
        _sme_rd_part(current, thresholds),
        _sme_achievements_part(current, thresholds),
    )
    score = _total(part.points for part in parts)
    route = _direct_route(facts, thresholds)
    size = (
        _at_most(
            "max_employees", Sentence("employees"), current.employees, thresholds.max_employees
        ),
        _at_most("max_revenue", Sentence("revenue"), current.revenue, thresholds.max_revenue),
        _at_most(
            "max_total_assets",
            Sentence("total assets"),
            current.total_assets,
            thresholds.max_total_assets,
        ),
    )
    if thresholds.basic_conditions:
        basic: tuple[_Checked, ...] = (
            _resident(facts),
            *size,
            _no_restricted_products(facts),
            _no_incident_in_y_or_next(current, by_year.get(year + 1)),
            _not_credit_listed(facts),
        )
    else:
        basic = (*size, _no_major_incident(current))
    if thresholds.tax_collection_audit:
        basic = (*basic, _tax_collection_audit(facts))
    if thresholds.excluded_industries:
        basic = (*basic, _industry_eligible(facts, thresholds.excluded_industries))
    checks = (
        *basic,
        _st_staff_score(current, st_staff.points, route, thresholds),
        _sme_score(score, route, thresholds),
    )
    return _assessment(
        rules,
        year,
        score,
        parts,
        checks,
        score_code="score",
        pass_mark=thresholds.pass_mark,
        cultivating_from=thresholds.cultivating_from,
        mature_margin=thresholds.mature_margin,
    )


def _sme_st_staff_part(report: YearFigures, rules: SmeThresholds) -> Part:
    ratio = _ratio(report.st_staff, report.employees)
    return Part(
        code="st_staff",
        points=_banded(ratio, rules.st_staff_bands).capped(rules.st_staff_max),
        max_points=rules.st_staff_max,
        inputs={
            "st_staff": report.st_staff,
            "employees": report.employees,
            "ratio": _shown(ratio),
        },
    )


def _sme_rd_part(report: YearFigures, rules: SmeThresholds) -> Part:
    to_revenue = _ratio(report.rd_expense, report.revenue)
    to_cost = _ratio(report.rd_expense, report.total_cost)
    revenue_points = _banded(to_revenue, rules.rd_revenue_bands)
    cost_points = _banded(to_cost, rules.rd_cost_bands)
    return Part(
        code="rd",
        points=max(revenue_points, cost_points, key=lambda p: p.min).capped(rules.rd_max),
        max_points=rules.rd_max,
        inputs={
            "rd_expense": report.rd_expense,
            "revenue": report.revenue,
            "total_cost": report.total_cost,
            "rd_to_revenue": _shown(to_revenue),
            "rd_to_total_cost": _shown(to_cost),
            "revenue_points": revenue_points.min,
            "total_cost_points": cost_points.min,
        },
    )


def _sme_achievements_part(report: YearFigures, rules: SmeThresholds) -> Part:
    if report.ip_class1 >= 1:
        points = rules.achievements_class1_points
    else:
        points = _banded(report.ip_class2, rules.achievements_class2_bands)
    return Part(
        code="achievements",
        points=points.capped(rules.achievements_max),
        max_points=rules.achievements_max,
        inputs={"ip_class1": report.ip_class1, "ip_class2": report.ip_class2},
    )


def _direct_route(facts: EnterpriseFacts, rules: SmeThresholds) -> str | None:
    held = {
        "hte_certificate": facts.hte_certified,
        "national_st_award": facts.national_st_award,
        "provincial_rd_institution": facts.provincial_rd_institution,
        "led_standard": facts.led_standard,
    }
    return next((route for route in rules.direct_routes if held[route]), None)


def _flag(code: str, met: bool, actual: Value, required: Value, gap: Sentence) -> _Checked:
    condition = Condition(code, met, actual, required)
    return _met(condition) if met else (condition, Gap(code, gap, None))


def _resident(facts: EnterpriseFacts) -> _Checked:
    return _flag(
        "resident_enterprise",
        facts.resident_enterprise,
        facts.resident_enterprise,
        True,
        Sentence("not a resident enterprise registered in the mainland → it must be one"),
    )


def _no_restricted_products(facts: EnterpriseFacts) -> _Checked:
    return _flag(
        "no_restricted_products",
        not facts.restricted_products,
        facts.restricted_products,
        False,
        Sentence(
            "its products or services are in the prohibited, restricted or eliminated "
            "catalogues → none may be"
        ),
    )


def _not_credit_listed(facts: EnterpriseFacts) -> _Checked:
    return _flag(
        "not_credit_listed",
        not facts.credit_listed,
        facts.credit_listed,
        False,
        Sentence(
            "on the list of abnormal operations or of serious illegal and dishonest "
            "enterprises → it must be off both"
        ),
    )


def _no_incident_in_y_or_next(current: YearFigures, following: YearFigures | None) -> _Checked:
    # "在填报上一年及当年内未发生": the assessed year and, where its report is filed, the next.
    years = [r.year for r in (current, following) if r is not None and r.major_incident]
    return _flag(
        "no_major_incident",
        not years,
        not years,
        True,
        Sentence(
            "a major safety, quality or environmental incident or serious research misconduct "
            "in {years} → none allowed in the assessed year or the next",
            years=", ".join(map(str, years)),
        ),
    )


def _tax_collection_audit(facts: EnterpriseFacts) -> _Checked:
    if facts.tax_collection is None:
        return _flag(
            "tax_collection_audit",
            False,
            None,
            "audit",
            Sentence("how its income tax is collected is not on record: add it to the enterprise"),
        )
    return _flag(
        "tax_collection_audit",
        facts.tax_collection == "audit",
        facts.tax_collection,
        "audit",
        Sentence(
            "income tax assessed by the tax office (核定征收) → it must be assessed on the "
            "books (查账征收)"
        ),
    )


def _industry_eligible(facts: EnterpriseFacts, excluded: Sequence[str]) -> _Checked:
    required = "not " + ", ".join(excluded)
    code = facts.industry_code
    if code is None:
        return _flag(
            "industry_eligible",
            False,
            None,
            required,
            Sentence("the industry (GB/T 4754) is not on record: add it to the enterprise"),
        )
    hit = next((prefix for prefix in excluded if code.startswith(prefix)), None)
    return _flag(
        "industry_eligible",
        hit is None,
        code,
        required,
        Sentence(
            "industry {code} falls under {excluded}, which the R&D super-deduction excludes "
            "→ not eligible",
            code=code,
            excluded=hit,
        ),
    )


def _at_most(code: str, label: Sentence, actual: Decimal | int, limit: Decimal | int) -> _Checked:
    condition = Condition(code, actual <= limit, actual, limit)
    if condition.met:
        return _met(condition)
    over = actual - limit
    return condition, Gap(
        code,
        Sentence(
            "{label} {actual} → at most {limit}: {over} over the limit",
            label=label,
            actual=_amount(actual),
            limit=_amount(limit),
            over=_amount(over),
        ),
        over,
    )


def _amount(value: Decimal | int) -> Sentence | int:
    # Money limits are Decimal, headcounts int.
    if isinstance(value, Decimal):
        return Sentence("{amount} yuan", amount=Yuan(value.quantize(ONE_CENT)))
    return value


def _st_staff_score(
    report: YearFigures, points: Points, route: str | None, rules: SmeThresholds
) -> _Checked:
    # "Passes with ≥ 60 and a non-zero S&T staff score, or directly when ...": a direct
    # route stands in for the whole score test, the S&T staff part included; only the size
    # limits and the other basic conditions still apply.
    lowest = rules.st_staff_bands[-1]
    if points.min > 0:
        return _met(Condition("st_staff_score", True, points.min, lowest.points.min))
    if route is not None:
        return _met(Condition("st_staff_score", True, f"direct:{route}", lowest.points.min))
    condition = Condition("st_staff_score", False, points.min, lowest.points.min)
    ratio = _ratio(report.st_staff, report.employees)
    return condition, _st_staff_gap(condition.code, report, ratio, lowest.floor)


def _sme_score(score: Points, route: str | None, rules: SmeThresholds) -> _Checked:
    # The score is named when it passes on its own: it is what the assessment computed,
    # while a route rests on a fact the bureau has to keep checking.
    if score.min >= rules.pass_mark:
        return _met(Condition("score", True, score.min, rules.pass_mark))
    if route is not None:
        return _met(Condition("score", True, f"direct:{route}", rules.pass_mark))
    condition = Condition("score", False, score.min, rules.pass_mark)
    routes = ", ".join(rules.direct_routes)
    return condition, _score_gap(
        condition.code,
        Sentence("score"),
        score,
        rules.pass_mark,
        Sentence(" (or a direct route: {routes})", routes=routes),
    )
