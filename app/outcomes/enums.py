from __future__ import annotations

from enum import StrEnum

from app.i18n import Sentence


class AchievementKind(StrEnum):
    """The outcomes ledger's kinds (DOMAIN.md, "Outcomes and the bureau's figures")."""

    HTE_CERTIFIED = "hte_certified"  # 高新技术企业认定
    SME_REGISTERED = "sme_registered"  # 科技型中小企业入库
    LITTLE_GIANT = "little_giant"  # 市级科技小巨人
    SRDI_LITTLE_GIANT = "srdi_little_giant"  # 专精特新（自治区级/国家级）
    PROJECT_APPROVED = "project_approved"  # 科技项目立项
    FUNDING_AWARDED = "funding_awarded"  # 争取资金
    COMPETITION_AWARD = "competition_award"  # 创新创业大赛获奖
    FIRST_OF_KIND_PRODUCT = "first_of_kind_product"  # 首台套/首批次/首版次
    IP_PLEDGE_LOAN = "ip_pledge_loan"  # 知识产权质押贷款


class AchievementLevel(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"  # the autonomous region
    CITY = "city"
    DISTRICT = "district"


# Kinds whose record is a sum of money: the amount is required.
AMOUNT_REQUIRED = frozenset({AchievementKind.FUNDING_AWARDED, AchievementKind.IP_PLEDGE_LOAN})
# Kinds that may carry an amount (a prize, a project's funding) without requiring one.
AMOUNT_ALLOWED = AMOUNT_REQUIRED | {
    AchievementKind.COMPETITION_AWARD,
    AchievementKind.PROJECT_APPROVED,
}
AWARD_GRADES = (1, 2, 3)


def unfit(kind: AchievementKind, has_amount: bool, grade: int | None) -> Sentence | None:
    """Why an amount or grade does not fit the kind, or None when they fit."""
    if kind in AMOUNT_REQUIRED and not has_amount:
        return Sentence("amount is required for {kind}", kind=kind.value)
    if kind not in AMOUNT_ALLOWED and has_amount:
        return Sentence("{kind} carries no amount", kind=kind.value)
    award = kind is AchievementKind.COMPETITION_AWARD
    if award and grade is None:
        return Sentence("grade (1, 2 or 3) is required for competition_award")
    if not award and grade is not None:
        return Sentence("only a competition_award has a grade")
    return None
