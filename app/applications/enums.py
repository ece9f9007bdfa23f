from __future__ import annotations

from enum import StrEnum


class CampaignKind(StrEnum):
    """What a campaign is a round of."""

    HTE_RECOGNITION = "hte_recognition"  # 高新技术企业认定
    SME_EVALUATION = "sme_evaluation"  # 科技型中小企业评价
    PROJECT = "project"  # 科技项目申报
    LITTLE_GIANT = "little_giant"  # 科技小巨人企业
    SRDI_LITTLE_GIANT = "srdi_little_giant"  # 专精特新"小巨人"企业


class ApplicationStatus(StrEnum):
    PREPARING = "preparing"  # 准备中
    SUBMITTED = "submitted"  # 已提交
    UNDER_REVIEW = "under_review"  # 评审中
    PUBLICIZED = "publicized"  # 公示中
    APPROVED = "approved"  # 已通过
    REJECTED = "rejected"  # 未通过
    WITHDRAWN = "withdrawn"  # 已撤回


class ChecklistItemStatus(StrEnum):
    MISSING = "missing"  # 待提供
    PROVIDED = "provided"  # 已提供
    CHECKED = "checked"  # 已审核
    NOT_APPLICABLE = "not_applicable"  # 不适用


class CoachingChannel(StrEnum):
    ON_SITE = "on_site"
    PHONE = "phone"
    ONLINE = "online"
    OFFICE = "office"  # at the bureau
    OTHER = "other"
