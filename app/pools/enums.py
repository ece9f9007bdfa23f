from __future__ import annotations

from enum import StrEnum

from app.pools.readiness import REPORT_MISSING, Tier

__all__ = ["ConditionReason", "ExitOutcome", "MemberStatus", "Pool", "Tier", "TransitionKind"]


class Pool(StrEnum):
    HTE = "hte"  # 高新技术企业培育库
    SME = "sme"  # 科技型中小企业培育库
    PROJECT = "project"  # 科技项目培育库


POOL_NAMES = {
    Pool.HTE: "高新技术企业培育库",
    Pool.SME: "科技型中小企业培育库",
    Pool.PROJECT: "科技项目培育库",
}


class MemberStatus(StrEnum):
    ACTIVE = "active"
    CERTIFIED = "certified"
    WITHDRAWN = "withdrawn"
    DISQUALIFIED = "disqualified"


class ExitOutcome(StrEnum):
    CERTIFIED = "certified"
    WITHDRAWN = "withdrawn"
    DISQUALIFIED = "disqualified"


class ConditionReason(StrEnum):
    """Why a readiness condition is unmet when its figures cannot say."""

    REPORT_MISSING = REPORT_MISSING  # an operating year has no annual report


class TransitionKind(StrEnum):
    ENTRY = "entry"
    TIER_CHANGE = "tier_change"
    EXIT = "exit"
    # Back to active: the approval that certified the member was withdrawn.
    REINSTATEMENT = "reinstatement"
