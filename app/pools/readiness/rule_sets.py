"""The versioned rule sets: every number the rules name, by decree and year."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType
from typing import cast

from app.pools.readiness.facts import NoRuleSet


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
    # The work guidelines' reading (2016.2): windows are the operating years and an operating
    # year without a report is missing, not skipped; registration is counted in days before
    # the application date; a class II item supports one recognition only.
    operating_years: bool = False
    registered_days: int | None = None  # None: `established_years` before the end of Y
    class2_once: bool = False

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
    # The evaluation measures' basic conditions beyond size (2017.2): resident in the
    # mainland, no restricted products, no major incident in Y or (filed) Y+1, not
    # credit-listed.
    basic_conditions: bool = False
    # From the 2022 service guidelines: income tax assessed on the books (查账征收), and an
    # industry the R&D super-deduction does not exclude (GB/T 4754 code prefixes).
    tax_collection_audit: bool = False
    excluded_industries: tuple[str, ...] = ()

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
    application (HTE) or evaluation (SME) year they govern: the data year before it."""

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

# The 2016 measures as their work guidelines state them (DOMAIN.md, "Readiness assessments"):
# "实际经营期不满三年的，按实际经营时间计算" (the operating years), "注册成立一年以上" counted
# to the application (365 days before `apply_on`), and class II IP "仅限使用一次".
HTE_2016_GUIDELINES = RuleSet(
    name="hte",
    version="2016.2",
    applies_from=2016,
    thresholds=replace(
        cast(HteThresholds, HTE_2016.thresholds),
        operating_years=True,
        registered_days=365,
        class2_once=True,
    ),
)

# The 2017 evaluation measures with their basic conditions (第六条: 在中国境内注册的居民
# 企业; 企业提供的产品和服务不属于国家规定的禁止、限制和淘汰类; 在填报上一年及当年内未发生
# 重大安全、重大质量事故和严重环境违法、科研严重失信行为; 企业未列入经营异常名录和严重违法
# 失信企业名单).
SME_2017_MEASURES = RuleSet(
    name="sme",
    version="2017.2",
    applies_from=2017,
    thresholds=replace(cast(SmeThresholds, SME_2017.thresholds), basic_conditions=True),
)

# The 2022 evaluation service guidelines (科技型中小企业评价服务工作指引): 企业所得税实行查账
# 征收, and an industry outside those excluded from the R&D super-deduction (烟草制造业,
# 批发和零售业, 住宿和餐饮业, 房地产业, 租赁和商务服务业, 娱乐业).
SME_2022 = RuleSet(
    name="sme",
    version="2022",
    applies_from=2022,
    thresholds=replace(
        cast(SmeThresholds, SME_2017_MEASURES.thresholds),
        tax_collection_audit=True,
        excluded_industries=("C16", "F", "H", "K", "L", "R90"),
    ),
)

# What the service chooses from, by application or evaluation year.
RULE_SETS: tuple[RuleSet, ...] = (HTE_2016_GUIDELINES, SME_2017_MEASURES, SME_2022)
# Earlier readings, kept so that a result names rules that can still be looked up.
SUPERSEDED: tuple[RuleSet, ...] = (HTE_2016, SME_2017)


def rule_set_for(name: str, year: int, registry: Iterable[RuleSet] = RULE_SETS) -> RuleSet:
    """The newest rule set of that name already in force in `year`, the application (HTE)
    or evaluation (SME) year."""
    candidates = [rules for rules in registry if rules.name == name and rules.applies_from <= year]
    if not candidates:
        raise NoRuleSet(name, year)
    newest = max(candidates, key=lambda rules: rules.applies_from)
    rivals = [rules.version for rules in candidates if rules.applies_from == newest.applies_from]
    if len(rivals) > 1:
        raise ValueError(f"{name!r} rule sets {rivals} all apply from {newest.applies_from}")
    return newest
