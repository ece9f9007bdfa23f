"""What both rule families build their verdicts with: gaps and the assessment itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from app.i18n import Sentence
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
            Sentence(
                "no employees reported for {year} → S&T staff must be at least {required} of "
                "employees",
                year=report.year,
                required=_rule_percent(required),
            ),
            None,
        )
    needed = _headcount(_extra_for_share(report.st_staff, report.employees, required))
    return Gap(
        code,
        Sentence(
            "S&T staff ratio {ratio} → needs {required}: +{needed} S&T staff",
            ratio=_percent(ratio),
            required=_rule_percent(required),
            needed=needed,
        ),
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
        Sentence(
            "a major safety, quality or environmental incident in {year} → none allowed in "
            "the assessed year",
            year=report.year,
        ),
        None,
    )


def _score_gap(
    code: str, label: Sentence, score: Points, pass_mark: int, hint: Sentence | str = ""
) -> Gap:
    needed = pass_mark - score.min
    shown = str(score.min) if score.min == score.max else f"{score.min}-{score.max}"
    values = {"label": label, "shown": shown, "pass_mark": pass_mark, "needed": needed}
    message = (
        Sentence("{label} {shown} → needs {pass_mark}: +{needed} point{hint}", hint=hint, **values)
        if needed == 1
        else Sentence(
            "{label} {shown} → needs {pass_mark}: +{needed} points{hint}", hint=hint, **values
        )
    )
    return Gap(code, message, needed)


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
    missing: Sequence[Gap] = (),
    apply_on: date | None = None,
) -> Assessment:
    conditions = tuple(condition for condition, _ in checks)
    return Assessment(
        apply_on=apply_on,
        rule_set=rules.ref,
        year=year,
        passed=all(condition.met for condition in conditions),
        score=score,
        parts=tuple(parts),
        conditions=conditions,
        gaps=(*missing, *(gap for _, gap in checks if gap is not None)),
        suggested_tier=suggest_tier(
            conditions,
            score,
            score_code=score_code,
            pass_mark=pass_mark,
            cultivating_from=cultivating_from,
            mature_margin=mature_margin,
        ),
    )
