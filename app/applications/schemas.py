from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from app.applications.enums import (
    ApplicationStatus,
    CampaignKind,
    ChecklistItemStatus,
    CoachingChannel,
)
from app.outcomes.enums import AchievementLevel
from app.pagination import Page
from app.pools.enums import Pool, Tier
from app.pools.schemas import ConditionRead, GapRead, PointsRead, RuleSetRead
from app.projects.enums import ProjectLevel
from app.schemas import NON_BLANK, CalendarDate, CalendarDateTime, Schema, Settable, inconsistent
from app.visits.schemas import SpecialistScoresRead

Text200 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NON_BLANK
]
Batch = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), NON_BLANK
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NON_BLANK
]
CertificateNo = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NON_BLANK
]
Year = Annotated[int, Field(ge=2000, le=2100)]


class ChecklistTemplateItem(Schema):
    code: str = Field(description="Stable code of the material (the checklist's item_code)")
    name: str = Field(description="The material's Chinese name, as the guidelines list it")
    name_en: str


class CampaignCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "hte_recognition",
                    "title": "2026年度第一批高新技术企业认定",
                    "year": 2026,
                    "batch": "第一批",
                    "opens_on": "2026-04-01",
                    "internal_deadline_on": "2026-05-20",
                    "submission_deadline_on": "2026-05-31",
                },
                {
                    "kind": "project",
                    "title": "2026年自治区重点研发计划项目申报",
                    "year": 2026,
                    "project_level": "regional",
                    "programme": "自治区重点研发计划",
                    "opens_on": "2026-03-01",
                    "internal_deadline_on": "2026-03-25",
                    "submission_deadline_on": "2026-04-10",
                },
            ]
        }
    }

    kind: CampaignKind
    title: Text200
    year: Year = Field(description="The year of the round (the application year)")
    batch: Batch | None = Field(default=None, description="The batch within the year, if any")
    project_level: ProjectLevel | None = Field(
        default=None, description="A project campaign's level (required for it, only for it)"
    )
    programme: Text200 | None = Field(
        default=None, description="A project campaign's programme (required for it, only for it)"
    )
    opens_on: CalendarDate
    internal_deadline_on: CalendarDate = Field(
        description="The bureau's own deadline for complete materials (on or after opens_on)"
    )
    submission_deadline_on: CalendarDate = Field(
        description="The authority's deadline (on or after internal_deadline_on)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> CampaignCreate:
        if not self.opens_on <= self.internal_deadline_on <= self.submission_deadline_on:
            raise inconsistent("opens_on ≤ internal_deadline_on ≤ submission_deadline_on")
        is_project = self.kind is CampaignKind.PROJECT
        if is_project != (self.project_level is not None) or is_project != (
            self.programme is not None
        ):
            raise inconsistent("project_level and programme go with a project campaign, only")
        return self


class CampaignUpdate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"internal_deadline_on": "2026-05-25"}]}
    }

    title: Settable[Text200] = None
    year: Settable[Year] = None
    batch: Batch | None = None
    project_level: Settable[ProjectLevel] = None
    programme: Settable[Text200] = None
    opens_on: Settable[CalendarDate] = None
    internal_deadline_on: Settable[CalendarDate] = None
    submission_deadline_on: Settable[CalendarDate] = None


class CampaignRead(Schema):
    id: uuid.UUID
    kind: CampaignKind
    title: str
    year: int
    batch: str | None
    project_level: ProjectLevel | None
    programme: str | None
    opens_on: date
    internal_deadline_on: date
    submission_deadline_on: date
    checklist_version: str = Field(description="The version of the kind's checklist template")
    checklist: list[ChecklistTemplateItem] = Field(
        description="The materials its applications need"
    )
    created_at: datetime
    updated_at: datetime


class CampaignPage(Page[CampaignRead]):
    pass


class ApplicationCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "campaign_id": "5d0f0c3e-7a55-4b0e-9f7e-2b1c3d4e5f60",
                    "enterprise_id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
                }
            ]
        }
    }

    campaign_id: uuid.UUID
    enterprise_id: uuid.UUID
    project_id: uuid.UUID | None = Field(
        default=None,
        description="For a project campaign: the enterprise's project, in status `applying`",
    )


class ChecklistCounts(Schema):
    missing: int = 0
    provided: int = 0
    checked: int = 0
    not_applicable: int = 0


class AssessmentSnapshot(Schema):
    """The readiness assessment as it stood at submission (the pools' assessment)."""

    pool: Pool
    year: int = Field(description="The data year assessed")
    apply_on: date
    rule_set: RuleSetRead
    passed: bool = Field(description="Decided on the score's minimum")
    score: PointsRead
    conditions: list[ConditionRead]
    gaps: list[GapRead]
    suggested_tier: Tier


class ApplicationRead(Schema):
    id: uuid.UUID
    campaign_id: uuid.UUID
    kind: CampaignKind = Field(description="The campaign's kind")
    year: int = Field(description="The campaign's year")
    enterprise_id: uuid.UUID
    enterprise_name: str
    project_id: uuid.UUID | None
    specialist_id: uuid.UUID | None = Field(
        description="The enterprise's responsible specialist when the application was opened"
    )
    status: ApplicationStatus
    overdue: bool = Field(
        description="Preparing, materials still missing, and the campaign's internal deadline "
        "within 7 days or passed"
    )
    checklist: ChecklistCounts
    submitted_at: datetime | None
    assessment: AssessmentSnapshot | None = Field(
        description="hte_recognition / sme_evaluation: the readiness assessment at submission "
        "(null before, for other kinds, or when no annual report could be assessed)"
    )
    tier_at_submission: Tier | None = Field(
        description="The tier of the enterprise's (a project's) active pool membership at "
        "submission; null when it was in none"
    )
    decided_on: date | None
    certificate_no: str | None
    level: AchievementLevel | None
    rejection_reasons: list[str]
    achievement_id: uuid.UUID | None = Field(
        description="The outcomes ledger's entry while approved"
    )
    created_at: datetime
    updated_at: datetime


class ApplicationPage(Page[ApplicationRead]):
    pass


class TransitionCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {"to": "submitted", "reason": "材料齐备，已在系统提交"},
                {"to": "rejected", "reasons": ["研发费用占比不足", "知识产权与主营产品关联度不足"]},
                {"to": "approved", "certificate_no": "GR202665000123", "decided_on": "2026-11-20"},
            ]
        }
    }

    to: ApplicationStatus
    reason: Reason | None = Field(
        default=None,
        description="Why; required when withdrawing an approval (approved → publicized)",
    )
    reasons: list[Reason] | None = Field(
        default=None, max_length=20, description="A rejection's reasons (required for it)"
    )
    certificate_no: CertificateNo | None = Field(
        default=None, description="Approval: the certificate or document number (HTE: required)"
    )
    decided_on: CalendarDate | None = Field(
        default=None, description="Approval: the date of the decision (default: today)"
    )
    level: AchievementLevel | None = Field(
        default=None, description="Approval of a little giant: its level"
    )

    @model_validator(mode="after")
    def _fields_fit_the_move(self) -> TransitionCreate:
        rejecting = self.to is ApplicationStatus.REJECTED
        if rejecting != bool(self.reasons):
            raise inconsistent("a rejection gives its reasons (reasons), and only a rejection")
        approving = self.to is ApplicationStatus.APPROVED
        decision = (self.certificate_no, self.decided_on, self.level)
        if not approving and any(value is not None for value in decision):
            raise inconsistent("certificate_no, decided_on and level go with an approval")
        return self


class TransitionRead(Schema):
    id: uuid.UUID
    application_id: uuid.UUID
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    reason: str | None
    reasons: list[str]
    actor_id: uuid.UUID | None
    actor_role: str | None
    occurred_at: datetime


class TransitionPage(Page[TransitionRead]):
    pass


class ChecklistItemRead(Schema):
    application_id: uuid.UUID
    code: str
    name: str
    position: int
    status: ChecklistItemStatus
    note: str | None
    updated_by: uuid.UUID | None
    updated_at: datetime


class ChecklistItemPage(Page[ChecklistItemRead]):
    pass


class ChecklistItemUpdate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"status": "provided", "note": "已上传盖章扫描件"}]}
    }

    status: Settable[ChecklistItemStatus] = None
    note: Reason | None = None


class CoachingCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "held_at": "2026-04-18T10:00:00+08:00",
                    "channel": "on_site",
                    "minutes": 90,
                    "topics": ["研发费用归集口径", "高新技术产品收入认定"],
                    "next_step": "下周提交研发费用辅助账初稿",
                }
            ]
        }
    }

    specialist_id: uuid.UUID | None = Field(
        default=None, description="Who coached (default: the application's specialist)"
    )
    held_at: CalendarDateTime
    channel: CoachingChannel
    minutes: int = Field(gt=0, le=24 * 60)
    topics: list[Text200] = Field(default_factory=list, max_length=50)
    next_step: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = (
        None
    )
    visit_id: uuid.UUID | None = Field(
        default=None, description="The visit it took place in: a visit of the same enterprise"
    )


class CoachingRead(Schema):
    id: uuid.UUID
    application_id: uuid.UUID
    specialist_id: uuid.UUID
    held_at: datetime
    channel: CoachingChannel
    minutes: int
    topics: list[str]
    next_step: str | None
    visit_id: uuid.UUID | None
    recorded_by: uuid.UUID | None
    created_at: datetime


class CoachingPage(Page[CoachingRead]):
    pass


class CoachedApplicationRead(Schema):
    """An application the specialist coached in the year, and where it stands."""

    application_id: uuid.UUID
    enterprise_id: uuid.UUID
    enterprise_name: str
    campaign_id: uuid.UUID
    campaign_title: str
    kind: CampaignKind
    status: ApplicationStatus
    sessions: int = Field(description="The specialist's coaching sessions on it in the year")
    minutes: int


class SpecialistCoachingRead(Schema):
    """The specialist's coaching (申报辅导) in the year: the applications coached, the time
    given, and how those decided ended."""

    applications: int
    sessions: int
    minutes: int
    approved: int
    rejected: int
    pass_percent: Decimal | None = Field(description="Approved / decided, of those coached")
    coached: list[CoachedApplicationRead]


class SpecialistAssessmentRead(SpecialistScoresRead):
    """The specialist assessment (科技专员业绩考核): the visits' composite and, beside it, the
    applications they coached and their outcomes."""

    coaching: SpecialistCoachingRead


class SpecialistAssessmentPage(Page[SpecialistAssessmentRead]):
    pass


class CampaignFunnelRead(Schema):
    """One campaign's funnel: eligible by the rules → opened (preparing) → submitted →
    approved, with the rejected and withdrawn beside."""

    campaign_id: uuid.UUID
    title: str
    kind: CampaignKind
    year: int
    batch: str | None
    eligible: int | None = Field(
        description="Enterprises whose data passes the rules for the campaign (assessed on "
        "the campaign year's previous year, as of its submission deadline; null for kinds "
        "the readiness rules do not cover)"
    )
    preparing: int = Field(description="Applications opened")
    submitted: int = Field(description="Applications that reached submitted")
    approved: int
    rejected: int
    withdrawn: int


class PassRateRead(Schema):
    """Approved / decided (approved or rejected)."""

    key: str | None = Field(description="The group: a kind, a tier (null: none) or a specialist")
    name: str | None = Field(description="The specialist's name, for the specialist groups")
    approved: int
    decided: int
    percent: Decimal | None


class CalibrationRead(Schema):
    """The readiness rules against the decisions: the decided applications by the verdict of
    the assessment stored at submission (pass on the minimum score) and by the decision."""

    predicted_pass_approved: int
    predicted_pass_rejected: int
    predicted_fail_approved: int
    predicted_fail_rejected: int
    unpredicted_approved: int = Field(description="Decided without a stored assessment")
    unpredicted_rejected: int
    pass_held_percent: Decimal | None = Field(
        description="Of those predicted to pass, the share approved"
    )
    fail_held_percent: Decimal | None = Field(
        description="Of those predicted to fail, the share rejected"
    )
    agreement_percent: Decimal | None = Field(
        description="Of the predicted, the share the decision agreed with"
    )


class CoachingFiguresRead(Schema):
    sessions: int
    minutes: int
    approvals: int
    minutes_per_approval: Decimal | None


class ApplicationStatisticsRead(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "year": 2025,
                    "kind": "hte_recognition",
                    "campaigns": [
                        {
                            "campaign_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                            "title": "2025年高新技术企业认定（第一批）",
                            "kind": "hte_recognition",
                            "year": 2025,
                            "batch": "第一批",
                            "eligible": 14,
                            "preparing": 12,
                            "submitted": 10,
                            "approved": 7,
                            "rejected": 3,
                            "withdrawn": 2,
                        }
                    ],
                    "by_kind": [
                        {
                            "key": "hte_recognition",
                            "name": None,
                            "approved": 7,
                            "decided": 10,
                            "percent": "70.00",
                        }
                    ],
                    "by_tier": [
                        {
                            "key": "applying",
                            "name": None,
                            "approved": 6,
                            "decided": 7,
                            "percent": "85.71",
                        }
                    ],
                    "by_specialist": [
                        {
                            "key": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                            "name": "李专员",
                            "approved": 4,
                            "decided": 5,
                            "percent": "80.00",
                        }
                    ],
                    "coaching": {
                        "sessions": 31,
                        "minutes": 2790,
                        "approvals": 7,
                        "minutes_per_approval": "398.6",
                    },
                    "calibration": {
                        "predicted_pass_approved": 6,
                        "predicted_pass_rejected": 1,
                        "predicted_fail_approved": 1,
                        "predicted_fail_rejected": 2,
                        "unpredicted_approved": 0,
                        "unpredicted_rejected": 0,
                        "pass_held_percent": "85.71",
                        "fail_held_percent": "66.67",
                        "agreement_percent": "80.00",
                    },
                }
            ]
        }
    }

    year: int | None
    kind: CampaignKind | None
    campaigns: list[CampaignFunnelRead]
    by_kind: list[PassRateRead]
    by_tier: list[PassRateRead] = Field(description="By the pool tier at submission")
    by_specialist: list[PassRateRead] = Field(
        description="By the specialist responsible when the application was opened"
    )
    coaching: CoachingFiguresRead
    calibration: CalibrationRead


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class CampaignFilter:
    kind: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class ApplicationFilter:
    campaign_id: uuid.UUID | None = None
    enterprise_id: uuid.UUID | None = None
    status: str | None = None
    kind: str | None = None
    year: int | None = None
    specialist_id: uuid.UUID | None = None
    overdue: bool | None = None
    # Filled by the service: the day the overdue rule is read on.
    today: date | None = None
