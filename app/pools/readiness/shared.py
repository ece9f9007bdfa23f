"""What both rule families build their verdicts with: gaps and the assessment itself."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from app.pools.readiness.arithmetic import (
    _Checked,
    _extra_for_share,
    _headcount,
    _met,
    _percent,
    _rule_percent,
)
from app.pools.readiness.facts import YearFigures
from app.pools.readiness.outcome import Assessment, Condition, Gap, Part, suggest_tier
from app.pools.readiness.rule_sets import Points, RuleSet


def _st_staff_gap(code: str, report: YearFigures, ratio: Decimal | None, required: Decimal) -> Gap:
    if ratio is None:
        return Gap(
            code,
            f"no employees reported for {report.year} → S&T staff must be at least "
            f"{_rule_percent(required)} of employees",
            None,
        )
    needed = _headcount(_extra_for_share(report.st_staff, report.employees, required))
    return Gap(
        code,
        f"S&T staff ratio {_percent(ratio)} → needs {_rule_percent(required)}: +{needed} S&T staff",
        needed,
    )


def _no_major_incident(report: YearFigures) -> _Checked:
    condition = Condition(
        "no_major_incident", not report.major_incident, not report.major_incident, True
    )
    if condition.met:
        return _met(condition)
    return condition, Gap(
        condition.code,
        f"a major safety, quality or environmental incident in {report.year} → none "
        f"allowed in the assessed year",
        None,
    )


def _score_gap(code: str, label: str, score: Points, pass_mark: int, hint: str = "") -> Gap:
    needed = pass_mark - score.min
    shown = str(score.min) if score.min == score.max else f"{score.min}-{score.max}"
    unit = "point" if needed == 1 else "points"
    return Gap(code, f"{label} {shown} → needs {pass_mark}: +{needed} {unit}{hint}", needed)


def _assessment(
    rules: RuleSet,
    year: int,
    score: Points,
    parts: Sequence[Part],
    checks: Sequence[_Checked],
    *,
    score_code: str,
    pass_mark: int,
    cultivating_from: int,
    mature_margin: int,
) -> Assessment:
    conditions = tuple(condition for condition, _ in checks)
    return Assessment(
        rule_set=rules.ref,
        year=year,
        passed=all(condition.met for condition in conditions),
        score=score,
        parts=tuple(parts),
        conditions=conditions,
        gaps=tuple(gap for _, gap in checks if gap is not None),
        suggested_tier=suggest_tier(
            conditions,
            score,
            score_code=score_code,
            pass_mark=pass_mark,
            cultivating_from=cultivating_from,
            mature_margin=mature_margin,
        ),
    )
