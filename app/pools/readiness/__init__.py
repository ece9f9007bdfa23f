"""Readiness assessments: the bureau's rules behind the pool tiers (DOMAIN.md, "Readiness
assessments").

Pure functions of plain values, so the rules can be reviewed and tested without a database:
frozen dataclasses in (an enterprise's facts and its annual reports), a frozen `Assessment` out.
Every number the rules mention lives in a versioned `RuleSet`; the rules change by decree (the
2008 HTE measures asked for 6 % R&D, the 2016 ones for 5 %), so a new decree is a new
`RuleSet` added to `RULE_SETS`, and results computed under an older one keep naming it.
"""

from app.pools.readiness.arithmetic import (
    ONE_CENT,
    RATIO_SHOWN,
)
from app.pools.readiness.facts import (
    EnterpriseFacts,
    MissingReport,
    NoRuleSet,
    YearFigures,
)
from app.pools.readiness.hte import (
    assess_hte,
    default_apply_on,
    operating_years,
)
from app.pools.readiness.outcome import (
    REPORT_MISSING,
    Assessment,
    Condition,
    Gap,
    Part,
    Tier,
    Value,
    suggest_tier,
)
from app.pools.readiness.rule_sets import (
    DIRECT_ROUTES,
    HTE_2016,
    HTE_2016_GUIDELINES,
    HTE_FIELDS,
    NO_POINTS,
    RD_ORG_ITEMS,
    RULE_SETS,
    SME_2017,
    SME_2017_MEASURES,
    SME_2022,
    SUPERSEDED,
    Band,
    HteThresholds,
    Points,
    RdRatioTier,
    RuleSet,
    RuleSetRef,
    SmeThresholds,
    rule_set_for,
)
from app.pools.readiness.sme import (
    assess_sme,
)

__all__ = [
    "DIRECT_ROUTES",
    "HTE_2016",
    "HTE_2016_GUIDELINES",
    "HTE_FIELDS",
    "NO_POINTS",
    "ONE_CENT",
    "RATIO_SHOWN",
    "RD_ORG_ITEMS",
    "REPORT_MISSING",
    "RULE_SETS",
    "SME_2017",
    "SME_2017_MEASURES",
    "SME_2022",
    "SUPERSEDED",
    "Assessment",
    "Band",
    "Condition",
    "EnterpriseFacts",
    "Gap",
    "HteThresholds",
    "MissingReport",
    "NoRuleSet",
    "Part",
    "Points",
    "RdRatioTier",
    "RuleSet",
    "RuleSetRef",
    "SmeThresholds",
    "Tier",
    "Value",
    "YearFigures",
    "assess_hte",
    "assess_sme",
    "default_apply_on",
    "operating_years",
    "rule_set_for",
    "suggest_tier",
]
