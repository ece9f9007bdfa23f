from __future__ import annotations

from enum import StrEnum


class ActivityKind(StrEnum):
    """The bureau's cultivation activities (DOMAIN.md, "Policies and activities")."""

    TRAINING = "training"  # 培训
    POLICY_BRIEFING = "policy_briefing"  # 政策宣讲
    MATCHMAKING = "matchmaking"  # 对接会
    LITTLE_GIANT_CONSULTING = "little_giant_consulting"  # 小巨人企业咨询
    MAKER_SPACE_PLACEMENT = "maker_space_placement"  # 众创空间入驻
    PILOT_BASE_PLACEMENT = "pilot_base_placement"  # 中试基地入驻
    PUBLICITY = "publicity"  # 宣传推介
