"""What an assessment gives: parts, conditions, gaps, the tier it suggests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from app.i18n import Sentence
from app.pools.readiness.rule_sets import Points, RuleSetRef

# What a condition reports as its actual and required values: plain, JSON-friendly values.
Value: TypeAlias = Decimal | int | str | None


class Tier(StrEnum):
    SELECTED = "selected"
    CULTIVATING = "cultivating"
    MATURE = "mature"
    APPLYING = "applying"


@dataclass(frozen=True)
class Part:
    code: str
    points: Points
    max_points: int
    inputs: dict[str, object]


REPORT_MISSING = "report_missing"


@dataclass(frozen=True)
class Condition:
    code: str
    met: bool
    actual: Value
    required: Value
    # Why it is unmet when its figures cannot say: `report_missing` (an operating year has no
    # annual report, so the figure is unknown).
    reason: str | None = None


@dataclass(frozen=True)
class Gap:
    code: str  # the unmet condition's code
    message: Sentence
    # How much: yuan, headcount, points, days or years to wait to reach a minimum, or the
    # excess over a maximum; None when the rule has no quantity to offer.
    needed: Decimal | int | None


@dataclass(frozen=True)
class Assessment:
    rule_set: RuleSetRef
    year: int
    passed: bool
    score: Points
    parts: tuple[Part, ...]
    conditions: tuple[Condition, ...]
    gaps: tuple[Gap, ...]
    suggested_tier: Tier
    apply_on: date | None = None  # the application the assessment is for

    def part(self, code: str) -> Part:
        return next(part for part in self.parts if part.code == code)

    def condition(self, code: str) -> Condition:
        return next(condition for condition in self.conditions if condition.code == code)


def suggest_tier(
    conditions: Sequence[Condition],
    score: Points,
    *,
    score_code: str,
    pass_mark: int,
    cultivating_from: int,
    mature_margin: int,
) -> Tier:
    """'applying' when it passes; else 'mature' when exactly one condition is unmet (the
    score's pass mark counts as a condition) and, if that one is the score, score.min is at
    most 10 points under the pass mark; else 'cultivating' when score.max reaches 50 (HTE)
    or 40 (SME); else 'selected'."""
    unmet = [condition.code for condition in conditions if not condition.met]
    if not unmet:
        return Tier.APPLYING
    if len(unmet) == 1 and (unmet[0] != score_code or pass_mark - score.min <= mature_margin):
        return Tier.MATURE
    if score.max >= cultivating_from:
        return Tier.CULTIVATING
    return Tier.SELECTED
