"""What an assessment reads: an enterprise's facts and its annual reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


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
    # Of ip_class2, those that already supported a recognition (usable once for the HTE).
    ip_class2_used: int = 0


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
    apply_on: date | None = None  # the application (None: 30 June after the data year)
    # The SME basic conditions (what the enterprise record says of them).
    resident_enterprise: bool = True
    restricted_products: bool = False
    credit_listed: bool = False
    tax_collection: str | None = None  # 'audit' (查账征收) or 'assessed' (核定征收); None: unknown
    industry_code: str | None = None  # GB/T 4754, e.g. C3511
