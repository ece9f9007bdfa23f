"""Readiness assessments: the bureau's rules behind the pool tiers (DOMAIN.md, "Readiness
assessments").

Pure functions of plain values, so the rules can be reviewed and tested without a database:
frozen dataclasses in (an enterprise's facts and its annual reports), a frozen `Assessment` out.
Every number the rules mention lives in a versioned `RuleSet`; the rules change by decree (the
2008 HTE measures asked for 6 % R&D, the 2016 ones for 5 %), so a new decree is a new
`RuleSet` added to `RULE_SETS`, and results computed under an older one keep naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import TypeAlias

# What a condition reports as its actual and required values: plain, JSON-friendly values.
Value: TypeAlias = Decimal | int | str | None

ONE_CENT = Decimal("0.01")
# Ratios are shown to 0.01 %, rounded down: with thresholds in whole hundredths of a percent,
# "shown ≥ required" then always agrees with "met".
RATIO_SHOWN = Decimal("0.0001")


class MissingReport(LookupError):
    """The assessed year has no annual report on file."""

    def __init__(self, year: int) -> None:
        super().__init__(f"no annual report on file for {year}")
        self.year = year


class NoRuleSet(LookupError):
    """No rule set of that name applies to that year."""

    def __init__(self, name: str, year: int) -> None:
        super().__init__(f"no {name!r} rule set applies to {year}")
        self.name = name
        self.year = year


# --- Inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    """One annual report. Money is yuan; IP counts are those owned at the end of the year
    unless named `_new` (granted during the year)."""

    year: int
    revenue: Decimal
    high_tech_revenue: Decimal
    total_cost: Decimal
    net_assets: Decimal
    total_assets: Decimal
    employees: int
    st_staff: int
    rd_expense: Decimal
    rd_expense_domestic: Decimal
    ip_class1: int
    ip_class2: int
    ip_class1_new: int
    ip_class2_new: int
    achievements_transformed: int
    tech_advancement: str | None  # expert grade 'A'..'E'; None = not graded
    core_support: str | None  # expert grade 'A'..'E'; None = not graded
    ip_self_developed: bool | None  # False = only transferred IP; None = no IP or unknown
    standards_drafted: int
    rd_accounting: bool
    rd_institution: bool
    transformation_incentives: bool
    talent_programs: bool
    major_incident: bool  # a major safety, quality or environmental incident in the year


@dataclass(frozen=True)
class EnterpriseFacts:
    """What the assessments need beyond the annual reports. The SME direct-route facts are
    as of the assessment: the caller decides what "valid" and "in the last five years" mean
    against its records."""

    established_on: date | None  # None: not on record, so the condition cannot be met
    tech_field: str | None
    hte_certified: bool = False  # holds a valid high-tech enterprise qualification
    national_st_award: bool = False  # national S&T award (top 3 units), last five years
    provincial_rd_institution: bool = False  # provincial or ministerial R&D institution
    led_standard: bool = False  # led an international/national/industry standard, 5 years


# --- Rule sets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    """A score. The HTE guidelines give bands, not points, so HTE scores are ranges; SME
    scores are exact (min == max)."""

    min: int
    max: int

    def __post_init__(self) -> None:
        if not 0 <= self.min <= self.max:
            raise ValueError(f"points must satisfy 0 ≤ min ≤ max, got {self.min}-{self.max}")

    @classmethod
    def exact(cls, points: int) -> Points:
        return cls(points, points)

    def __add__(self, other: Points) -> Points:
        return Points(self.min + other.min, self.max + other.max)

    def capped(self, cap: int) -> Points:
        return Points(min(self.min, cap), min(self.max, cap))


NO_POINTS = Points(0, 0)


@dataclass(frozen=True)
class Band:
    """`points` for a measured value of at least `floor`; `strict` bands need more than
    `floor` (the growth rule's "> 0")."""

    floor: Decimal
    points: Points
    strict: bool = False

    def admits(self, value: Decimal) -> bool:
        return value > self.floor or (not self.strict and value == self.floor)


@dataclass(frozen=True)
class RdRatioTier:
    """The R&D ratio required when the assessed year's revenue is at most `revenue_up_to`
    (None: any revenue)."""

    revenue_up_to: Decimal | None
    min_ratio: Decimal


HTE_FIELDS: tuple[str, ...] = (
    "electronic_information",
    "biology_new_medicine",
    "aerospace",
    "new_materials",
    "high_tech_services",
    "new_energy_energy_saving",
    "resources_environment",
    "advanced_manufacturing_automation",
)

# The R&D organisation items, as YearFigures names them.
RD_ORG_ITEMS: tuple[str, ...] = (
    "rd_accounting",
    "rd_institution",
    "transformation_incentives",
    "talent_programs",
)

# The SME direct qualification routes this module knows how to read from EnterpriseFacts;
# a rule set lists the ones it recognises, in the order they are named.
DIRECT_ROUTES: tuple[str, ...] = (
    "hte_certificate",
    "national_st_award",
    "provincial_rd_institution",
    "led_standard",
)


@dataclass(frozen=True)
class HteThresholds:
    """Every number of the high-tech enterprise rules."""

    established_years: int
    min_ip_owned: int
    tech_fields: tuple[str, ...]
    min_st_staff_ratio: Decimal
    rd_years: int  # R&D is summed over the assessed year and the ones before it
    rd_ratio_tiers: tuple[RdRatioTier, ...]
    min_rd_domestic_share: Decimal
    min_high_tech_revenue_ratio: Decimal
    pass_mark: int
    cultivating_from: int  # score.max that makes a non-mature enterprise 'cultivating'
    mature_margin: int  # how far under the pass mark a lone unmet score may be for 'mature'
    grade_points: Mapping[str, Points]
    ip_class1_points: Points
    ip_class2_bands: tuple[Band, ...]
    self_developed_points: Points
    transferred_points: Points
    standards_bonus: Points
    ip_max: int
    transformation_years: int
    transformation_bands: tuple[Band, ...]
    transformation_max: int
    rd_org_items: Mapping[str, Points]  # keyed by the YearFigures yes/no field
    rd_organisation_max: int
    growth_bands: tuple[Band, ...]  # per item: net-asset growth and sales growth
    growth_max: int

    def __post_init__(self) -> None:
        _check_tiers(self.rd_ratio_tiers)
        for bands in (self.ip_class2_bands, self.transformation_bands, self.growth_bands):
            _check_descending(bands)
        for share in (
            self.min_st_staff_ratio,
            self.min_rd_domestic_share,
            self.min_high_tech_revenue_ratio,
        ):
            _check_share(share)
        unknown = set(self.rd_org_items) - set(RD_ORG_ITEMS)
        if unknown:
            raise ValueError(f"unknown R&D organisation items: {sorted(unknown)}")


@dataclass(frozen=True)
class SmeThresholds:
    """Every number of the tech-based SME rules."""

    max_employees: int
    max_revenue: Decimal
    max_total_assets: Decimal
    pass_mark: int
    cultivating_from: int
    mature_margin: int
    st_staff_bands: tuple[Band, ...]
    st_staff_max: int
    rd_revenue_bands: tuple[Band, ...]
    rd_cost_bands: tuple[Band, ...]
    rd_max: int
    achievements_class1_points: Points
    achievements_class2_bands: tuple[Band, ...]
    achievements_max: int
    direct_routes: tuple[str, ...]

    def __post_init__(self) -> None:
        for bands in (
            self.st_staff_bands,
            self.rd_revenue_bands,
            self.rd_cost_bands,
            self.achievements_class2_bands,
        ):
            _check_descending(bands)
        if not self.st_staff_bands:
            raise ValueError("the S&T staff score needs at least one band")
        _check_share(self.st_staff_bands[-1].floor)
        unknown = set(self.direct_routes) - set(DIRECT_ROUTES)
        if unknown:
            raise ValueError(f"unknown direct routes: {sorted(unknown)}")


@dataclass(frozen=True)
class RuleSetRef:
    """Which rules an assessment used."""

    name: str
    version: str
    applies_from: int


@dataclass(frozen=True)
class RuleSet:
    """One decree's rules: `name` is the pool ('hte' or 'sme'), `applies_from` the first
    assessed year they govern."""

    name: str
    version: str
    applies_from: int
    thresholds: HteThresholds | SmeThresholds

    def __post_init__(self) -> None:
        kind = "hte" if isinstance(self.thresholds, HteThresholds) else "sme"
        if self.name != kind:
            raise ValueError(f"rule set {self.name!r} carries {kind} thresholds")

    @property
    def ref(self) -> RuleSetRef:
        return RuleSetRef(self.name, self.version, self.applies_from)


def _check_descending(bands: Sequence[Band]) -> None:
    # The first band a value reaches wins, so a band out of order would shadow the next.
    floors = [band.floor for band in bands]
    if floors != sorted(floors, reverse=True) or len(set(floors)) != len(floors):
        raise ValueError(f"bands must be ordered from the highest floor down: {floors}")


def _check_tiers(tiers: Sequence[RdRatioTier]) -> None:
    # Every revenue must find a tier, hence the open last one.
    limits = [tier.revenue_up_to for tier in tiers]
    if not tiers or limits[-1] is not None or None in limits[:-1]:
        raise ValueError("R&D ratio tiers must end with exactly one open (None) tier")
    bounded = [limit for limit in limits if limit is not None]
    if bounded != sorted(bounded):
        raise ValueError(f"R&D ratio tiers must be ordered by revenue: {bounded}")


def _check_share(share: Decimal) -> None:
    # The gap arithmetic divides by (1 - share).
    if not Decimal(0) < share < Decimal(1):
        raise ValueError(f"a required share must lie strictly between 0 and 1, got {share}")


def _range(low: int, high: int) -> Points:
    return Points(low, high)


def _pct(text: str) -> Decimal:
    return Decimal(text) / 100


def _million(text: str) -> Decimal:
    return Decimal(text) * 1_000_000


HTE_2016 = RuleSet(
    name="hte",
    version="2016",
    applies_from=2016,
    thresholds=HteThresholds(
        # "established at least one year before the end of Y"
        established_years=1,
        # "owns IP (≥ 1 class I or II at the end of Y)"
        min_ip_owned=1,
        # "field is one of the eight"
        tech_fields=HTE_FIELDS,
        # "S&T staff ≥ 10 % of employees in Y"
        min_st_staff_ratio=_pct("10"),
        # "R&D expense summed over Y-2..Y ... ≥ 5 % ... when Y's revenue ≤ 50 M yuan,
        # ≥ 4 % when ≤ 200 M, ≥ 3 % above"
        rd_years=3,
        rd_ratio_tiers=(
            RdRatioTier(_million("50"), _pct("5")),
            RdRatioTier(_million("200"), _pct("4")),
            RdRatioTier(None, _pct("3")),
        ),
        # "domestic R&D ≥ 60 % of all R&D over those years"
        min_rd_domestic_share=_pct("60"),
        # "high-tech revenue ≥ 60 % of Y's revenue"
        min_high_tech_revenue_ratio=_pct("60"),
        # "innovation score ≥ 71 (the guidelines' 'above 70')"
        pass_mark=71,
        # "'cultivating' when score.max reaches 50 (HTE)"; "at most 10 points under"
        cultivating_from=50,
        mature_margin=10,
        # "grade A/B/C/D/E → 7-8/5-6/3-4/1-2/0"
        grade_points=MappingProxyType(
            {
                "A": _range(7, 8),
                "B": _range(5, 6),
                "C": _range(3, 4),
                "D": _range(1, 2),
                "E": NO_POINTS,
            }
        ),
        # "≥ 1 class I → 7-8, else ≥ 5 class II → 5-6, 3-4 → 3-4, 1-2 → 1-2, none → 0"
        ip_class1_points=_range(7, 8),
        ip_class2_bands=(
            Band(Decimal(5), _range(5, 6)),
            Band(Decimal(3), _range(3, 4)),
            Band(Decimal(1), _range(1, 2)),
        ),
        # "self developed → 1-6, only transferred → 1-3, no IP → 0"
        self_developed_points=_range(1, 6),
        transferred_points=_range(1, 3),
        # "standards drafted ≥ 1 → bonus 1-2; the part is capped at 30"
        standards_bonus=_range(1, 2),
        ip_max=30,
        # "≥ 5 → 25-30, ≥ 4 → 19-24, ≥ 3 → 13-18, ≥ 2 → 7-12, ≥ 1 → 1-6, under 1 → 0"
        transformation_years=3,
        transformation_bands=(
            Band(Decimal(5), _range(25, 30)),
            Band(Decimal(4), _range(19, 24)),
            Band(Decimal(3), _range(13, 18)),
            Band(Decimal(2), _range(7, 12)),
            Band(Decimal(1), _range(1, 6)),
        ),
        transformation_max=30,
        # "four yes/no items worth at most 6, 6, 4, 4; a yes scores half to all of it"
        rd_org_items=MappingProxyType(
            {
                "rd_accounting": _range(3, 6),
                "rd_institution": _range(3, 6),
                "transformation_incentives": _range(2, 4),
                "talent_programs": _range(2, 4),
            }
        ),
        rd_organisation_max=20,
        # "≥ 35 % → 9-10, ≥ 25 % → 7-8, ≥ 15 % → 5-6, ≥ 5 % → 3-4, > 0 → 1-2, ≤ 0 → 0"
        growth_bands=(
            Band(_pct("35"), _range(9, 10)),
            Band(_pct("25"), _range(7, 8)),
            Band(_pct("15"), _range(5, 6)),
            Band(_pct("5"), _range(3, 4)),
            Band(Decimal(0), _range(1, 2), strict=True),
        ),
        growth_max=20,
    ),
)

SME_2017 = RuleSet(
    name="sme",
    version="2017",
    applies_from=2017,
    thresholds=SmeThresholds(
        # "Size limits: ≤ 500 employees, revenue ≤ 200 M yuan, total assets ≤ 200 M"
        max_employees=500,
        max_revenue=_million("200"),
        max_total_assets=_million("200"),
        # "Passes with ≥ 60"; "'cultivating' when score.max reaches ... 40 (SME)"
        pass_mark=60,
        cultivating_from=40,
        mature_margin=10,
        # "S&T staff ratio 20 (≥ 30 % → 20, ≥ 25 % → 16, ≥ 20 % → 12, ≥ 15 % → 8,
        # ≥ 10 % → 4, else 0)"
        st_staff_bands=(
            Band(_pct("30"), Points.exact(20)),
            Band(_pct("25"), Points.exact(16)),
            Band(_pct("20"), Points.exact(12)),
            Band(_pct("15"), Points.exact(8)),
            Band(_pct("10"), Points.exact(4)),
        ),
        st_staff_max=20,
        # "R&D 50, the better of R&D/revenue (≥ 6 % → 50, ≥ 5 % → 40, ≥ 4 % → 30,
        # ≥ 3 % → 20, ≥ 2 % → 10, else 0) ..."
        rd_revenue_bands=(
            Band(_pct("6"), Points.exact(50)),
            Band(_pct("5"), Points.exact(40)),
            Band(_pct("4"), Points.exact(30)),
            Band(_pct("3"), Points.exact(20)),
            Band(_pct("2"), Points.exact(10)),
        ),
        # "... and R&D/total cost (≥ 30 % → 50, ≥ 25 % → 40, ≥ 20 % → 30, ≥ 15 % → 20,
        # ≥ 10 % → 10, else 0)"
        rd_cost_bands=(
            Band(_pct("30"), Points.exact(50)),
            Band(_pct("25"), Points.exact(40)),
            Band(_pct("20"), Points.exact(30)),
            Band(_pct("15"), Points.exact(20)),
            Band(_pct("10"), Points.exact(10)),
        ),
        rd_max=50,
        # "achievements 30 (≥ 1 class I → 30, ≥ 4 class II → 24, 3 → 18, 2 → 12, 1 → 6,
        # none → 0)"
        achievements_class1_points=Points.exact(30),
        achievements_class2_bands=(
            Band(Decimal(4), Points.exact(24)),
            Band(Decimal(3), Points.exact(18)),
            Band(Decimal(2), Points.exact(12)),
            Band(Decimal(1), Points.exact(6)),
        ),
        achievements_max=30,
        # "valid HTE certificate; a national S&T award (top 3 units) in the last five
        # years; a provincial or ministerial R&D institution; led an international,
        # national or industry standard in the last five years"
        direct_routes=DIRECT_ROUTES,
    ),
)

RULE_SETS: tuple[RuleSet, ...] = (HTE_2016, SME_2017)


def rule_set_for(name: str, year: int, registry: Iterable[RuleSet] = RULE_SETS) -> RuleSet:
    """The newest rule set of that name already in force in `year`."""
    candidates = [rules for rules in registry if rules.name == name and rules.applies_from <= year]
    if not candidates:
        raise NoRuleSet(name, year)
    newest = max(candidates, key=lambda rules: rules.applies_from)
    rivals = [rules.version for rules in candidates if rules.applies_from == newest.applies_from]
    if len(rivals) > 1:
        raise ValueError(f"{name!r} rule sets {rivals} all apply from {newest.applies_from}")
    return newest


# --- Outputs ----------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Condition:
    code: str
    met: bool
    actual: Value
    required: Value


@dataclass(frozen=True)
class Gap:
    code: str  # the unmet condition's code
    message: str
    # How much: yuan, headcount, points or years to wait to reach a minimum, or the excess
    # over a maximum; None when the rule has no quantity to offer.
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


# --- Arithmetic -------------------------------------------------------------------------------


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    # A ratio of nothing is not zero: the condition is unmet and reported without a value.
    if whole <= 0:
        return None
    return Decimal(part) / Decimal(whole)


def _shown(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else ratio.quantize(RATIO_SHOWN, rounding=ROUND_FLOOR)


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(ONE_CENT, rounding=ROUND_FLOOR)} %"


def _rule_percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f} %"


def _yuan(amount: Decimal) -> Decimal:
    # Rounded up: adding the amount shown must be enough.
    return amount.quantize(ONE_CENT, rounding=ROUND_CEILING)


def _headcount(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_CEILING))


def _extra_for_share(part: Decimal | int, whole: Decimal | int, share: Decimal) -> Decimal:
    # What is added (a new S&T hire, new high-tech sales, new domestic R&D) joins both the
    # part and the whole, so (part + x) / (whole + x) ≥ share gives x ≥ (share·whole − part)
    # / (1 − share) — not share·whole − part, which would fall short.
    return (share * Decimal(whole) - Decimal(part)) / (1 - share)


def _banded(value: Decimal | int | None, bands: Sequence[Band]) -> Points:
    if value is None:
        return NO_POINTS
    measured = Decimal(value)
    return next((band.points for band in bands if band.admits(measured)), NO_POINTS)


def _total(points: Iterable[Points]) -> Points:
    total = NO_POINTS
    for item in points:
        total += item
    return total


def _reports_by_year(reports: Sequence[YearFigures], year: int) -> dict[int, YearFigures]:
    by_year: dict[int, YearFigures] = {}
    for report in reports:
        if report.year in by_year:
            raise ValueError(f"two annual reports for {report.year}")
        by_year[report.year] = report
    if year not in by_year:
        raise MissingReport(year)
    return by_year


def _window(by_year: Mapping[int, YearFigures], year: int, years: int) -> list[YearFigures]:
    """The reports on file among the `years` years ending with `year`, oldest first."""
    return [by_year[y] for y in range(year - years + 1, year + 1) if y in by_year]


_Checked: TypeAlias = tuple[Condition, Gap | None]


def _met(condition: Condition) -> _Checked:
    return condition, None


# --- High-tech enterprise ---------------------------------------------------------------------


def assess_hte(
    facts: EnterpriseFacts,
    reports: Sequence[YearFigures],
    year: int,
    rules: RuleSet = HTE_2016,
) -> Assessment:
    """Assess `year` against the high-tech enterprise rules; `reports` may hold any years."""
    thresholds = rules.thresholds
    if not isinstance(thresholds, HteThresholds):
        raise ValueError(f"assess_hte needs HTE rules, got {rules.name} {rules.version}")
    by_year = _reports_by_year(reports, year)
    current = by_year[year]

    parts = (
        _ip_part(current, thresholds),
        _transformation_part(_window(by_year, year, thresholds.transformation_years), thresholds),
        _rd_organisation_part(current, thresholds),
        _growth_part(by_year, year, thresholds),
    )
    score = _total(part.points for part in parts)
    rd_window = _window(by_year, year, thresholds.rd_years)
    checks = (
        _established(facts.established_on, year, thresholds),
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
    )


def _grade(grade: str | None, rules: HteThresholds) -> Points:
    if grade is None:  # not graded yet: nothing can be counted
        return NO_POINTS
    if grade not in rules.grade_points:
        raise ValueError(f"grade must be one of {sorted(rules.grade_points)}, got {grade!r}")
    return rules.grade_points[grade]


def _ip_part(report: YearFigures, rules: HteThresholds) -> Part:
    owned = report.ip_class1 + report.ip_class2
    if report.ip_class1 >= 1:
        quantity = rules.ip_class1_points
    else:
        quantity = _banded(report.ip_class2, rules.ip_class2_bands)
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
            "ip_self_developed": report.ip_self_developed,
            "standards_drafted": report.standards_drafted,
        },
    )


def _transformation_part(window: Sequence[YearFigures], rules: HteThresholds) -> Part:
    counts = [report.achievements_transformed for report in window]
    average = Decimal(sum(counts)) / len(counts)
    return Part(
        code="transformation",
        points=_banded(average, rules.transformation_bands).capped(rules.transformation_max),
        max_points=rules.transformation_max,
        inputs={
            "years": [report.year for report in window],
            "achievements_transformed": counts,
            "average": average.quantize(ONE_CENT, rounding=ROUND_FLOOR),
        },
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


def _established(established_on: date | None, year: int, rules: HteThresholds) -> _Checked:
    latest = date(year - rules.established_years, 12, 31)
    if established_on is None:
        unknown = Condition("established_one_year", False, None, latest.isoformat())
        return unknown, Gap(
            unknown.code, "the establishment date is not on record: add it to the enterprise", None
        )
    condition = Condition(
        "established_one_year",
        established_on <= latest,
        established_on.isoformat(),
        latest.isoformat(),
    )
    if condition.met:
        return _met(condition)
    first_year = established_on.year + rules.established_years
    return condition, Gap(
        condition.code,
        f"established {established_on.isoformat()} → must be established by "
        f"{latest.isoformat()}: eligible from the {first_year} assessment",
        first_year - year,
    )


def _owns_ip(report: YearFigures, rules: HteThresholds) -> _Checked:
    owned = report.ip_class1 + report.ip_class2
    condition = Condition("owns_ip", owned >= rules.min_ip_owned, owned, rules.min_ip_owned)
    if condition.met:
        return _met(condition)
    needed = rules.min_ip_owned - owned
    return condition, Gap(
        condition.code,
        f"{owned} class I/II IP owned at the end of {report.year} → needs "
        f"{rules.min_ip_owned}: +{needed} IP",
        needed,
    )


def _tech_field(tech_field: str | None, rules: HteThresholds) -> _Checked:
    required = ", ".join(rules.tech_fields)
    condition = Condition("tech_field", tech_field in rules.tech_fields, tech_field, required)
    if condition.met:
        return _met(condition)
    return condition, Gap(
        condition.code,
        f"high-tech field {tech_field or 'not set'} → needs one of: {required}",
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


def _years_text(window: Sequence[YearFigures]) -> str:
    first, last = window[0].year, window[-1].year
    return str(last) if first == last else f"{first}-{last}"


def _rd_ratio(
    current: YearFigures, window: Sequence[YearFigures], rules: HteThresholds
) -> _Checked:
    # The band follows the assessed year's revenue, the ratio the whole window's.
    required = next(
        tier.min_ratio
        for tier in rules.rd_ratio_tiers
        if tier.revenue_up_to is None or current.revenue <= tier.revenue_up_to
    )
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
            f"no revenue on file for {_years_text(window)} → R&D must be at least "
            f"{_rule_percent(required)} of revenue",
            None,
        )
    needed = _yuan(required * revenue - rd)
    return condition, Gap(
        condition.code,
        f"R&D ratio {_percent(ratio)} → needs {_rule_percent(required)}: +{needed} yuan R&D",
        needed,
    )


def _rd_domestic_share(window: Sequence[YearFigures], rules: HteThresholds) -> _Checked:
    required = rules.min_rd_domestic_share
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
            f"no R&D expense on file for {_years_text(window)} → domestic R&D must be at "
            f"least {_rule_percent(required)} of it",
            None,
        )
    needed = _yuan(_extra_for_share(domestic, rd, required))
    return condition, Gap(
        condition.code,
        f"domestic R&D share {_percent(share)} → needs {_rule_percent(required)}: "
        f"+{needed} yuan domestic R&D",
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
            f"no revenue reported for {report.year} → high-tech revenue must be at least "
            f"{_rule_percent(required)} of it",
            None,
        )
    needed = _yuan(_extra_for_share(report.high_tech_revenue, report.revenue, required))
    return condition, Gap(
        condition.code,
        f"high-tech revenue ratio {_percent(ratio)} → needs {_rule_percent(required)}: "
        f"+{needed} yuan high-tech revenue",
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


def _innovation_score(score: Points, rules: HteThresholds) -> _Checked:
    # Pass/fail reads the bottom of every band: a pass must not depend on the experts'
    # generosity.
    condition = Condition(
        "innovation_score", score.min >= rules.pass_mark, score.min, rules.pass_mark
    )
    if condition.met:
        return _met(condition)
    return condition, _score_gap(
        condition.code, "innovation score", score, rules.pass_mark, " on the minimum"
    )


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


# --- Tech-based SME ---------------------------------------------------------------------------


def assess_sme(
    facts: EnterpriseFacts,
    reports: Sequence[YearFigures],
    year: int,
    rules: RuleSet = SME_2017,
) -> Assessment:
    """Assess `year` against the tech-based SME rules; only that year's report counts."""
    thresholds = rules.thresholds
    if not isinstance(thresholds, SmeThresholds):
        raise ValueError(f"assess_sme needs SME rules, got {rules.name} {rules.version}")
    current = _reports_by_year(reports, year)[year]

    st_staff = _sme_st_staff_part(current, thresholds)
    parts = (
        st_staff,
        _sme_rd_part(current, thresholds),
        _sme_achievements_part(current, thresholds),
    )
    score = _total(part.points for part in parts)
    route = _direct_route(facts, thresholds)
    checks = (
        _at_most("max_employees", "employees", current.employees, thresholds.max_employees),
        _at_most("max_revenue", "revenue", current.revenue, thresholds.max_revenue),
        _at_most(
            "max_total_assets", "total assets", current.total_assets, thresholds.max_total_assets
        ),
        _no_major_incident(current),
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


def _at_most(code: str, label: str, actual: Decimal | int, limit: Decimal | int) -> _Checked:
    condition = Condition(code, actual <= limit, actual, limit)
    if condition.met:
        return _met(condition)
    over = actual - limit
    return condition, Gap(
        code,
        f"{label} {_amount(actual)} → at most {_amount(limit)}: {_amount(over)} over the limit",
        over,
    )


def _amount(value: Decimal | int) -> str:
    # Money limits are Decimal, headcounts int.
    return f"{value.quantize(ONE_CENT)} yuan" if isinstance(value, Decimal) else str(value)


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
        condition.code, "score", score, rules.pass_mark, f" (or a direct route: {routes})"
    )
