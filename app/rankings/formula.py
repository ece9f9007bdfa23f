"""The annual dynamic monitoring ranking (动态监测排名), as DOMAIN.md states it.

Pure: the service gathers each cohort member's figures, turns them into indicator values
with `indicator_values`, ranks the cohort with `rank` and stores the entries with the
weights and parameters it used, so a run can be reproduced and compared year over year.

Numbers are Decimal (in a fixed 28-digit context whatever the caller's thread has set) or
exact integer ratios, so the same inputs give the same digits everywhere:
- indicator values are rounded half-even to 6 decimal places when they are computed, so the
  values a run stores are exactly the values it ranked, and re-ranking them reproduces it;
- percentiles, dimension scores and composites are exact ratios of integers (a percentile is
  100 × below / (n − 1), the weights are fractions over a power of ten), rounded half-up to
  6 decimal places only at output; the order, the incentive marks and the short board are
  all decided on those output figures, so a published run can be checked from its own
  numbers. Integers also make a cohort of 100k several times cheaper than Decimal division.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import NamedTuple, TypeAlias, cast
from uuid import UUID

from app.i18n import Sentence

EnterpriseId: TypeAlias = str | UUID

INNOVATION = "innovation"
GROWTH = "growth"
PARTICIPATION = "participation"
# The orders here are DOMAIN.md's and are the short board's tie-break orders.
DIMENSIONS: tuple[str, ...] = (INNOVATION, GROWTH, PARTICIPATION)
INDICATORS_BY_DIMENSION: Mapping[str, tuple[str, ...]] = {
    INNOVATION: ("rd_intensity", "st_staff_ratio", "new_ip", "achievements"),
    GROWTH: ("revenue_growth", "net_asset_growth"),
    PARTICIPATION: ("attendance", "visits", "timely_report"),
}
INDICATORS: tuple[str, ...] = tuple(c for d in DIMENSIONS for c in INDICATORS_BY_DIMENSION[d])
DIMENSION_OF: Mapping[str, str] = {
    code: dimension for dimension in DIMENSIONS for code in INDICATORS_BY_DIMENSION[dimension]
}

VALUE_PLACES = Decimal("0.000001")
SCORE_PLACES = Decimal("0.000001")
_SCORE_DIGITS = 6
_SCORE_SCALE = 10**_SCORE_DIGITS
WEIGHT_SUM_TOLERANCE = Decimal("0.000001")
VISITS_CAP = 3
CLASS_II_IP_FACTOR = Decimal("0.25")

_CONTEXT = Context(prec=28)
_HUNDRED = Decimal(100)


def _value(number: Decimal) -> Decimal:
    return number.quantize(VALUE_PLACES, rounding=ROUND_HALF_EVEN)


# ---------------------------------------------------------------------------------------------
# Indicator values from plain figures


@dataclass(frozen=True)
class ReportFigures:
    """The parts of one year's annual report the ranking reads; None where not filed.

    `net_assets` is total assets − total liabilities; the caller computes it.
    """

    revenue: Decimal | None
    rd_expense: Decimal | None
    employees: int | None
    st_staff: int | None
    net_assets: Decimal | None
    class_i_ip_new: int | None
    class_ii_ip_new: int | None
    achievements_transformed: int | None


def default_report_deadline(year: int) -> date:
    """The year-Y report is due by 31 May of Y+1, the high-tech development report's date."""
    return date(year + 1, 5, 31)


def _ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    # A zero or negative denominator makes the ratio meaningless, not zero: it is missing.
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def _growth(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    ratio = _ratio(current, previous)
    return None if ratio is None else ratio - 1


def indicator_values(
    report_y: ReportFigures | None,
    report_prev: ReportFigures | None,
    activities_invited: int,
    activities_attended: int,
    visits_in_year: int,
    report_filed_on: date | None,
    report_deadline: date,
) -> dict[str, Decimal | None]:
    """The nine indicator values for year Y, None where a value is missing.

    A ratio is missing when its denominator is zero or negative or when it needs a report
    that is missing; participation indicators are never missing. Attendance is capped at 1:
    attending more activities than one was invited to does not beat full attendance.
    `report_filed_on` is when the year-Y report was filed (None: not filed).
    """
    if activities_invited < 0 or activities_attended < 0 or visits_in_year < 0:
        raise ValueError("activity and visit counts must not be negative")
    with localcontext(_CONTEXT):
        y = report_y
        prev = report_prev
        rd_intensity = None if y is None else _ratio(y.rd_expense, y.revenue)
        st_staff_ratio = None if y is None else _ratio(y.st_staff, y.employees)
        new_ip: Decimal | None = None
        achievements: Decimal | None = None
        if y is not None and y.class_i_ip_new is not None and y.class_ii_ip_new is not None:
            new_ip = Decimal(y.class_i_ip_new) + CLASS_II_IP_FACTOR * y.class_ii_ip_new
        if y is not None and y.achievements_transformed is not None:
            achievements = Decimal(y.achievements_transformed)
        revenue_growth = None
        net_asset_growth = None
        if y is not None and prev is not None:
            revenue_growth = _growth(y.revenue, prev.revenue)
            net_asset_growth = _growth(y.net_assets, prev.net_assets)
        # Not invited is a value of 0, not a missing one: the enterprise simply took no part.
        attendance = Decimal(0)
        if activities_invited > 0:
            attendance = Decimal(min(activities_attended, activities_invited)) / activities_invited
        visits = Decimal(min(visits_in_year, VISITS_CAP)) / VISITS_CAP
        on_time = report_filed_on is not None and report_filed_on <= report_deadline
        values: dict[str, Decimal | None] = {
            "rd_intensity": rd_intensity,
            "st_staff_ratio": st_staff_ratio,
            "new_ip": new_ip,
            "achievements": achievements,
            "revenue_growth": revenue_growth,
            "net_asset_growth": net_asset_growth,
            "attendance": attendance,
            "visits": visits,
            "timely_report": Decimal(1 if on_time else 0),
        }
        return {code: None if v is None else _value(v) for code, v in values.items()}


# ---------------------------------------------------------------------------------------------
# Weights


def _default_dimension_weights() -> dict[str, Decimal]:
    return {INNOVATION: Decimal("0.5"), GROWTH: Decimal("0.3"), PARTICIPATION: Decimal("0.2")}


def _default_indicator_weights() -> dict[str, Decimal]:
    return {
        "rd_intensity": Decimal("0.35"),
        "st_staff_ratio": Decimal("0.15"),
        "new_ip": Decimal("0.30"),
        "achievements": Decimal("0.20"),
        "revenue_growth": Decimal("0.5"),
        "net_asset_growth": Decimal("0.5"),
        "attendance": Decimal("0.4"),
        "visits": Decimal("0.3"),
        "timely_report": Decimal("0.3"),
    }


@dataclass(frozen=True)
class Weights:
    """Dimension weights (summing to 1) and, per dimension, its indicators' weights (each
    group summing to 1). `Weights()` is DOMAIN.md's default."""

    dimensions: dict[str, Decimal] = field(default_factory=_default_dimension_weights, hash=False)
    indicators: dict[str, Decimal] = field(default_factory=_default_indicator_weights, hash=False)


DEFAULT_WEIGHTS = Weights()


def _check_group(
    label: Sentence, weights: Mapping[str, Decimal], names: Sequence[str]
) -> list[Sentence]:
    problems: list[Sentence] = []
    total = Decimal(0)
    for name in names:
        if name not in weights:
            problems.append(
                Sentence("{label} weight for {name} is missing", label=label, name=name)
            )
            continue
        weight = weights[name]
        if not weight.is_finite():
            problems.append(
                Sentence(
                    "{label} weight for {name} is not a finite number: {weight}",
                    label=label,
                    name=name,
                    weight=weight,
                )
            )
            return problems
        if weight < 0:
            problems.append(
                Sentence(
                    "{label} weight for {name} is negative: {weight}",
                    label=label,
                    name=name,
                    weight=weight,
                )
            )
        total += weight
    if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
        problems.append(Sentence("{label} weights sum to {total}, not 1", label=label, total=total))
    return problems


def validate_weights(weights: Weights) -> list[Sentence]:
    """What is wrong with a set of weights; empty when a run may use it."""
    problems: list[Sentence] = []
    problems += [
        Sentence("unknown dimension {name!r}", name=n)
        for n in weights.dimensions
        if n not in DIMENSIONS
    ]
    problems += [
        Sentence("unknown indicator {name!r}", name=c)
        for c in weights.indicators
        if c not in INDICATORS
    ]
    with localcontext(_CONTEXT):
        problems += _check_group(Sentence("dimension"), weights.dimensions, DIMENSIONS)
        for dimension in DIMENSIONS:
            problems += _check_group(
                Sentence("{dimension} indicator", dimension=dimension),
                weights.indicators,
                INDICATORS_BY_DIMENSION[dimension],
            )
    return problems


# ---------------------------------------------------------------------------------------------
# Ranking


@dataclass(frozen=True)
class CohortMember:
    """One enterprise of the cohort; an indicator that is None or absent is missing."""

    enterprise_id: EnterpriseId
    uscc: str
    indicators: Mapping[str, Decimal | None]


class IndicatorScore(NamedTuple):
    value: Decimal | None
    percentile: Decimal


@dataclass(frozen=True)
class ShortBoard:
    """The weakest spot: the lowest dimension and its lowest indicator.

    `cohort_median` is the median of the values present in the cohort (the mean of the two
    middle ones for an even count): a missing value has no magnitude to take a median of.
    None when no member has a value.
    """

    dimension: str
    indicator: str
    score: Decimal
    value: Decimal | None
    cohort_median: Decimal | None


@dataclass(frozen=True)
class RankedEntry:
    enterprise_id: EnterpriseId
    uscc: str
    position: int
    composite: Decimal
    dimensions: dict[str, Decimal] = field(hash=False)
    indicators: dict[str, IndicatorScore] = field(hash=False)
    incentive: bool
    short_board: ShortBoard
    data_incomplete: bool


def _ranks_below(values: Sequence[Decimal | None]) -> tuple[list[int], int]:
    """Each member's count of members strictly below it, and the divisor n − 1, so that its
    percentile is exactly 100 × below / divisor. A cohort of one is 1 / 1 (100)."""
    n = len(values)
    if n == 1:
        return [1], 1
    # Walk the members in ascending order: each one's count of members strictly below is
    # the index where its run of equal values starts; missing values come first, all tied.
    order = sorted(
        (i for i, v in enumerate(values) if v is not None),
        key=values.__getitem__,  # type: ignore[arg-type]
    )
    missing = n - len(order)
    below = [0] * n
    start, previous = missing, None
    for index, i in enumerate(order, start=missing):
        value = values[i]
        if value != previous:
            start, previous = index, value
        below[i] = start
    return below, n - 1


def percentiles(values: Sequence[Decimal | None]) -> list[Decimal]:
    """100 × PostgreSQL's percent_rank() over the values ascending with missing ones first:
    (rank − 1)/(n − 1), ties sharing the lowest rank; unrounded.

    A cohort of one scores 100, whether its value is present or not.
    """
    below, divisor = _ranks_below(values)
    with localcontext(_CONTEXT):
        return [_HUNDRED * b / divisor for b in below]


def _rounded(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator (both ≥ 0, denominator > 0) rounded half-up to SCORE_PLACES,
    in integers: exact, and far cheaper than Decimal division for a cohort of 100k."""
    quotient, remainder = divmod(numerator * _SCORE_SCALE, denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return Decimal(quotient).scaleb(-_SCORE_DIGITS, _CONTEXT)


def cohort_median(values: Sequence[Decimal | None]) -> Decimal | None:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    middle = len(present) // 2
    if len(present) % 2:
        return present[middle]
    with localcontext(_CONTEXT):
        return (present[middle - 1] + present[middle]) / 2


def _common_denominator(weights: Iterable[Decimal]) -> int:
    """10^k for the most decimal places among the weights, so each weight × it is whole."""
    places = 0
    for weight in weights:
        exponent = weight.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            places = -exponent
    return int(10**places)


def incentive_count(n: int, top_share: Decimal) -> int:
    """⌈top_share × n⌉: a cohort of 11 with 0.10 marks 2, one of 1 marks 1."""
    with localcontext(_CONTEXT):
        return int((top_share * n).to_integral_value(rounding=ROUND_CEILING))


def _check_members(members: Sequence[CohortMember]) -> None:
    usccs = [m.uscc for m in members]
    if len(set(usccs)) != len(usccs):
        raise ValueError("a USCC appears twice in the cohort")
    ids = [m.enterprise_id for m in members]
    if len(set(ids)) != len(ids):
        raise ValueError("an enterprise appears twice in the cohort")
    known = frozenset(INDICATORS)
    for member in members:
        if not member.indicators.keys() <= known:
            unknown = sorted(set(member.indicators) - known)
            raise ValueError(f"{member.uscc}: unknown indicators {', '.join(unknown)}")


@dataclass(frozen=True)
class _Scored:
    member: CohortMember
    composite: Decimal
    dimensions: dict[str, Decimal]
    indicators: dict[str, IndicatorScore]
    short_board: ShortBoard
    data_incomplete: bool


def rank(
    members: Sequence[CohortMember],
    weights: Weights = DEFAULT_WEIGHTS,
    top_share: Decimal = Decimal("0.10"),
) -> list[RankedEntry]:
    """The cohort in ranking order, positions 1..n.

    Order: composite, then innovation, then growth, all descending, then USCC ascending.
    Raises ValueError for invalid weights, a top_share outside 0..1, a USCC or enterprise
    listed twice, or an unknown indicator code.
    """
    problems = validate_weights(weights)
    if problems:
        raise ValueError("invalid weights: " + "; ".join(map(str, problems)))
    if not top_share.is_finite() or not Decimal(0) <= top_share <= 1:
        raise ValueError(f"top_share must be within 0..1, not {top_share}")
    _check_members(members)
    if not members:
        return []

    values = {code: [m.indicators.get(code) for m in members] for code in INDICATORS}
    below: dict[str, list[int]] = {}
    divisor = 1
    for code in INDICATORS:
        below[code], divisor = _ranks_below(values[code])
    medians = {code: cohort_median(values[code]) for code in INDICATORS}

    # Exact arithmetic in integers. With the weights as fractions over one denominator
    # (indicator weight a_c/q, dimension weight b_d/r), a dimension is
    # 100 × Σ a_c·below_c / (divisor × Σ a_c) and the composite is the b_d-weighted sum of
    # those, so every figure is one integer ratio, rounded once at output.
    indicator_scale = _common_denominator(weights.indicators.values())
    a = {c: int(weights.indicators[c] * indicator_scale) for c in INDICATORS}
    dimension_scale = _common_denominator(weights.dimensions.values())
    b = {d: int(weights.dimensions[d] * dimension_scale) for d in DIMENSIONS}
    group = {d: sum(a[c] for c in INDICATORS_BY_DIMENSION[d]) for d in DIMENSIONS}
    # Σ_d b_d·N_d/A_d over one denominator: Π A_d, each term scaled by the other A's.
    product = 1
    for d in DIMENSIONS:
        product *= group[d]
    others = {d: product // group[d] for d in DIMENSIONS}
    # Column by column: a cohort of 100k is nine passes over lists, not 100k small loops.
    weighted: dict[str, list[int]] = {}
    for d in DIMENSIONS:
        column = [0] * len(members)
        for c in INDICATORS_BY_DIMENSION[d]:
            column = [w + a[c] * x for w, x in zip(column, below[c], strict=True)]
        weighted[d] = column
    dimension_scores = {
        d: [_rounded(100 * w, divisor * group[d]) for w in weighted[d]] for d in DIMENSIONS
    }
    composite_denominator = dimension_scale * divisor * product
    k_innovation, k_growth, k_participation = (b[d] * others[d] for d in DIMENSIONS)
    composites = [
        _rounded(
            100 * (k_innovation * wi + k_growth * wg + k_participation * wp),
            composite_denominator,
        )
        for wi, wg, wp in zip(
            weighted[INNOVATION], weighted[GROWTH], weighted[PARTICIPATION], strict=True
        )
    ]
    indicator_scores: dict[str, list[IndicatorScore]] = {}
    for code in INDICATORS:
        # Ties share a percentile: round each distinct count once.
        percentile = {x: _rounded(100 * x, divisor) for x in set(below[code])}
        indicator_scores[code] = [
            IndicatorScore(v, percentile[x]) for v, x in zip(values[code], below[code], strict=True)
        ]

    scored: list[_Scored] = []
    for i, member in enumerate(members):
        dimensions = {d: dimension_scores[d][i] for d in DIMENSIONS}
        composite = composites[i]
        indicators = {code: indicator_scores[code][i] for code in INDICATORS}
        # min() keeps the first of equal candidates, so the listed orders break ties.
        weakest = min(DIMENSIONS, key=lambda d: dimensions[d])
        weakest_code = min(INDICATORS_BY_DIMENSION[weakest], key=lambda c: below[c][i])
        short_board = ShortBoard(
            dimension=weakest,
            indicator=weakest_code,
            score=indicators[weakest_code].percentile,
            value=indicators[weakest_code].value,
            cohort_median=medians[weakest_code],
        )
        scored.append(
            _Scored(
                member=member,
                composite=composite,
                dimensions=dimensions,
                indicators=indicators,
                short_board=short_board,
                data_incomplete=any(values[c][i] is None for c in INDICATORS),
            )
        )

    scored.sort(
        key=lambda s: (
            -s.composite,
            -s.dimensions[INNOVATION],
            -s.dimensions[GROWTH],
            s.member.uscc,
        )
    )
    marked = incentive_count(len(scored), top_share)
    return [
        RankedEntry(
            enterprise_id=s.member.enterprise_id,
            uscc=s.member.uscc,
            position=position,
            composite=s.composite,
            dimensions=s.dimensions,
            indicators=s.indicators,
            incentive=position <= marked,
            short_board=s.short_board,
            data_incomplete=s.data_incomplete,
        )
        for position, s in enumerate(scored, start=1)
    ]


def movement(
    previous_positions: Mapping[str, int] | Mapping[UUID, int], current: RankedEntry
) -> int | None:
    """Positions gained since the previous published run (previous − current; negative when
    it fell), None when the enterprise was not in that run. Keys must be the same kind of id
    (str or UUID) as the entries'."""
    # Either kind of mapping may be looked up with either kind of id; a mismatch just misses.
    lookup = cast("Mapping[object, int]", previous_positions)
    previous = lookup.get(current.enterprise_id)
    return None if previous is None else previous - current.position
