from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    computed_field,
    model_validator,
)

from app.i18n import _
from app.pagination import Page
from app.projects.enums import (
    APPROVED_STATUSES,
    AlertCause,
    AlertColor,
    ProjectLevel,
    ProjectStatus,
    ReasonCode,
    StaleSince,
)
from app.schemas import (
    NON_BLANK,
    CalendarDate,
    DecimalText,
    JsonInt,
    Money,
    Schema,
    Settable,
    inconsistent,
)

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NON_BLANK
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NON_BLANK
]
# Written as strings whose pattern is the whole rule (range and places, as the columns hold).
Percent = Annotated[Decimal, DecimalText(2, 2, top=True)]
Weight = Annotated[Decimal, DecimalText(7, 2, positive=True)]
Threshold = Annotated[Decimal, DecimalText(1, 4, top=True, positive=True)]


# The reasons as a screen sees them on 15 June 2026 under the default policy, `description`
# in zh-CN (what the screens ask for): each sentence is the one its figures make.
MILESTONE_OVERDUE_EXAMPLE: dict[str, Any] = {
    "code": "milestone_overdue",
    "severity": "red",
    "milestone": "平台原型上线",
    "due_on": "2026-05-31",
    "days_overdue": 15,
    "description": "里程碑“平台原型上线”应于2026-05-31完成，已逾期15天。",
}
PAST_END_DATE_EXAMPLE: dict[str, Any] = {
    "code": "past_end_date",
    "severity": "red",
    "end_on": "2026-03-31",
    "days_past_end": 76,
    "description": "项目应于2026-03-31结束，已超期76天仍未完成。",
}
SPI_BELOW_RED_EXAMPLE: dict[str, Any] = {
    "code": "spi_below_red",
    "severity": "red",
    "spi": "0.5000",
    "threshold": "0.8",
    "expected": "60.00",
    "actual": "30.00",
    "description": "实际完成30.00%，应完成60.00%：进度指数0.5000，低于红色阈值0.8。",
}
SPI_BELOW_YELLOW_EXAMPLE: dict[str, Any] = {
    "code": "spi_below_yellow",
    "severity": "yellow",
    "spi": "0.8571",
    "threshold": "0.9",
    "expected": "70.00",
    "actual": "60.00",
    "description": "实际完成60.00%，应完成70.00%：进度指数0.8571，低于黄色阈值0.9。",
}
MILESTONE_DUE_SOON_EXAMPLE: dict[str, Any] = {
    "code": "milestone_due_soon",
    "severity": "yellow",
    "milestone": "样机联调",
    "due_on": "2026-07-10",
    "days_to_due": 25,
    "spi": "0.9000",
    "description": "里程碑“样机联调”将于2026-07-10到期（25天后），进度滞后（进度指数0.9000）。",
}
REPORT_STALE_EXAMPLE: dict[str, Any] = {
    "code": "report_stale",
    "severity": "yellow",
    "last_report_on": "2026-03-06",
    "counted_from": "report",
    "days_since_report": 101,
    "threshold_days": 90,
    "description": "自2026-03-06起101天未报送进度报告（应每90天报送一次）。",
}
END_NEAR_INCOMPLETE_EXAMPLE: dict[str, Any] = {
    "code": "end_near_incomplete",
    "severity": "yellow",
    "end_on": "2026-07-31",
    "days_to_end": 46,
    "actual": "65.00",
    "threshold": "80",
    "description": "项目将于2026-07-31结束（46天后），完成度65.00%，低于80%。",
}


class _Reason(Schema):
    # Read back from the stored evaluation: a figure a later release adds is not an error.
    model_config = Schema.model_config | ConfigDict(extra="ignore")

    @computed_field(description="The rule and its figures as a sentence, in the request's language")  # type: ignore[prop-decorator]
    @property
    def description(self) -> str:
        return self.sentence()

    def sentence(self) -> str:
        # Each reason says its own; a shape without a sentence shows its code.
        return str(getattr(self, "code", ""))


class MilestoneOverdueReason(_Reason):
    model_config = _Reason.model_config | {
        "json_schema_extra": {"examples": [MILESTONE_OVERDUE_EXAMPLE]}
    }

    code: Literal[ReasonCode.MILESTONE_OVERDUE]
    severity: Literal["red"]
    milestone: str
    due_on: date
    days_overdue: int

    def sentence(self) -> str:
        return _(
            "Milestone “{milestone}” was due on {due_on} and is {days} days overdue.",
            milestone=self.milestone,
            due_on=self.due_on,
            days=self.days_overdue,
        )


class PastEndDateReason(_Reason):
    model_config = _Reason.model_config | {
        "json_schema_extra": {"examples": [PAST_END_DATE_EXAMPLE]}
    }

    code: Literal[ReasonCode.PAST_END_DATE]
    severity: Literal["red"]
    end_on: date
    days_past_end: int

    def sentence(self) -> str:
        return _(
            "The project was to end on {end_on}, {days} days ago, and is not finished.",
            end_on=self.end_on,
            days=self.days_past_end,
        )


class _SpiReason(_Reason):
    # Declared here so that the answer reads code and severity first; each colour narrows them.
    code: Literal[ReasonCode.SPI_BELOW_RED, ReasonCode.SPI_BELOW_YELLOW]
    severity: Literal["red", "yellow"]
    spi: Decimal
    threshold: Decimal
    expected: Decimal
    actual: Decimal

    def figures(self) -> dict[str, object]:
        return {
            "actual": self.actual,
            "expected": self.expected,
            "spi": self.spi,
            "threshold": self.threshold,
        }


class SpiBelowRedReason(_SpiReason):
    model_config = _Reason.model_config | {
        "json_schema_extra": {"examples": [SPI_BELOW_RED_EXAMPLE]}
    }

    code: Literal[ReasonCode.SPI_BELOW_RED]
    severity: Literal["red"]

    def sentence(self) -> str:
        return _(
            "{actual}% done where {expected}% was due: SPI {spi}, red below {threshold}.",
            **self.figures(),
        )


class SpiBelowYellowReason(_SpiReason):
    model_config = _Reason.model_config | {
        "json_schema_extra": {"examples": [SPI_BELOW_YELLOW_EXAMPLE]}
    }

    code: Literal[ReasonCode.SPI_BELOW_YELLOW]
    severity: Literal["yellow"]

    def sentence(self) -> str:
        return _(
            "{actual}% done where {expected}% was due: SPI {spi}, yellow below {threshold}.",
            **self.figures(),
        )


class MilestoneDueSoonReason(_Reason):
    model_config = _Reason.model_config | {
        "json_schema_extra": {"examples": [MILESTONE_DUE_SOON_EXAMPLE]}
    }

    code: Literal[ReasonCode.MILESTONE_DUE_SOON]
    severity: Literal["yellow"]
    milestone: str
    due_on: date
    days_to_due: int
    spi: Decimal

    def sentence(self) -> str:
        return _(
            "Milestone “{milestone}” is due on {due_on}, in {days} days, and work is behind "
            "(SPI {spi}).",
            milestone=self.milestone,
            due_on=self.due_on,
            days=self.days_to_due,
            spi=self.spi,
        )


class ReportStaleReason(_Reason):
    model_config = _Reason.model_config | {
        "json_schema_extra": {"examples": [REPORT_STALE_EXAMPLE]}
    }

    code: Literal[ReasonCode.REPORT_STALE]
    severity: Literal["yellow"]
    last_report_on: date | None = Field(description="null: no report yet, counted from start")
    counted_from: StaleSince
    days_since_report: int
    threshold_days: int

    def sentence(self) -> str:
        if self.last_report_on is None:
            return _(
                "No progress report in the {days} days since the project started (one is due "
                "every {threshold} days).",
                days=self.days_since_report,
                threshold=self.threshold_days,
            )
        return _(
            "No progress report in the {days} days since {since} (one is due every "
            "{threshold} days).",
            days=self.days_since_report,
            since=self.last_report_on,
            threshold=self.threshold_days,
        )


class EndNearIncompleteReason(_Reason):
    model_config = _Reason.model_config | {
        "json_schema_extra": {"examples": [END_NEAR_INCOMPLETE_EXAMPLE]}
    }

    code: Literal[ReasonCode.END_NEAR_INCOMPLETE]
    severity: Literal["yellow"]
    end_on: date
    days_to_end: int
    actual: Decimal
    threshold: Decimal

    def sentence(self) -> str:
        return _(
            "The project ends on {end_on}, in {days} days, with {actual}% done (below "
            "{threshold}%).",
            end_on=self.end_on,
            days=self.days_to_end,
            actual=self.actual,
            threshold=self.threshold,
        )


class AlertReason(
    RootModel[
        Annotated[
            MilestoneOverdueReason
            | PastEndDateReason
            | SpiBelowRedReason
            | SpiBelowYellowReason
            | MilestoneDueSoonReason
            | ReportStaleReason
            | EndNearIncompleteReason,
            Field(discriminator="code"),
        ]
    ]
):
    """A rule that fired, with its figures: one shape per `code` (labels of the codes under
    `AlertReasonCode` in /api/v1/meta/enums)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [MILESTONE_OVERDUE_EXAMPLE, REPORT_STALE_EXAMPLE]}
    )


class AlertSummary(Schema):
    color: AlertColor | None = Field(
        description="The colour to show: an active override, else the computed one; null when "
        "the project is not monitored (only approved and in_progress are)"
    )
    computed_color: AlertColor | None
    reasons: list[AlertReason] = Field(description="Every rule that fired, red ones first")
    overridden: bool
    evaluated_on: date | None


class ProjectCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "enterprise_id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
                    "title": "油田采出水智能防腐处理技术研发",
                    "level": "city",
                    "programme": "克拉玛依市重大科技专项",
                    "status": "approved",
                    "approved_funding": "3000000.00",
                    "disbursed_funding": "1000000.00",
                    "start_on": "2026-01-01",
                    "end_on": "2027-12-31",
                }
            ]
        }
    }

    enterprise_id: uuid.UUID
    title: Title
    level: ProjectLevel
    programme: Title | None = None
    status: ProjectStatus = ProjectStatus.APPLYING
    approved_funding: Money = Decimal(0)
    disbursed_funding: Money = Decimal(0)
    start_on: CalendarDate
    end_on: CalendarDate

    approved_on: CalendarDate | None = Field(
        default=None,
        description="When it was approved (立项), for a project recorded past applying "
        "(default: today); not with status applying or terminated",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ProjectCreate:
        if self.end_on < self.start_on:
            raise inconsistent("end_on cannot be before start_on")
        if self.approved_on is not None and self.status not in APPROVED_STATUSES:
            raise inconsistent("approved_on goes with a project that was approved")
        if self.disbursed_funding > self.approved_funding:
            raise inconsistent("disbursed_funding cannot exceed approved_funding")
        return self


class ProjectUpdate(Schema):
    """Every field optional; `status` moves along applying → approved → in_progress →
    completed → accepted, or to terminated from any open state (other moves are 409)."""

    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [{"status": "in_progress"}, {"disbursed_funding": "2000000.00"}]
        }
    }

    title: Settable[Title] = None
    level: Settable[ProjectLevel] = None
    programme: Title | None = None
    status: Settable[ProjectStatus] = None
    approved_funding: Settable[Money] = None
    disbursed_funding: Settable[Money] = None
    start_on: Settable[CalendarDate] = None
    end_on: Settable[CalendarDate] = None

    approved_on: Settable[CalendarDate] = Field(
        default=None,
        description="When it was approved (立项): with the move out of applying (default: "
        "today), or a correction of an approved project's date",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ProjectUpdate:
        # Only when both ends are in the request; against the stored record it is the service's.
        if self.start_on is not None and self.end_on is not None and self.end_on < self.start_on:
            raise inconsistent("end_on cannot be before start_on")
        funding = (self.approved_funding, self.disbursed_funding)
        if None not in funding and funding[1] > funding[0]:  # type: ignore[operator]
            raise inconsistent("disbursed_funding cannot exceed approved_funding")
        return self


class ProjectRead(Schema):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    title: str
    level: ProjectLevel
    programme: str | None
    status: ProjectStatus
    approved_on: date | None = Field(description="When it was approved (立项); null: not yet")
    approved_funding: Decimal
    disbursed_funding: Decimal
    start_on: CalendarDate
    end_on: CalendarDate
    alert: AlertSummary
    created_at: datetime
    updated_at: datetime


class ProjectPage(Page[ProjectRead]):
    pass


class MilestoneCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [{"title": "中试装置建成", "due_on": "2026-09-30", "weight": "2"}]
        }
    }

    title: Title
    due_on: CalendarDate
    weight: Weight = Decimal(1)
    completed_on: CalendarDate | None = None


class MilestoneUpdate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"completed_on": "2026-09-28"}]}
    }

    title: Settable[Title] = None
    due_on: Settable[CalendarDate] = None
    weight: Settable[Weight] = None
    completed_on: CalendarDate | None = Field(default=None, description="null: not completed")


class MilestoneRead(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    due_on: CalendarDate
    weight: Decimal
    completed_on: CalendarDate | None
    created_at: datetime
    updated_at: datetime


class MilestonePage(Page[MilestoneRead]):
    pass


class ProgressReportCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [{"reported_on": "2026-06-30", "percent": "35", "note": "完成小试"}]
        }
    }

    reported_on: CalendarDate
    percent: Percent
    note: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None, description="Required when the percent falls below the previous report's"
    )


class ProgressReportRead(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    reported_on: CalendarDate
    percent: Decimal
    note: str | None
    reported_by: uuid.UUID | None
    created_at: datetime


class ProgressReportPage(Page[ProgressReportRead]):
    pass


class OverrideWrite(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {"color": "green", "reason": "已约谈企业，调整计划获批", "expires_on": "2026-12-31"}
            ]
        }
    }

    color: AlertColor
    reason: Reason
    expires_on: CalendarDate = Field(description="The override lapses after this day")


class OverrideRead(Schema):
    color: AlertColor
    reason: str
    expires_on: CalendarDate
    active: bool = Field(description="False once the expiry date has passed")
    set_by: uuid.UUID | None


class ProjectAlertRead(Schema):
    project_id: uuid.UUID
    as_of: date
    color: AlertColor | None = Field(description="Computed for as_of; null when not monitored")
    effective_color: AlertColor | None = Field(description="With an active override applied")
    reasons: list[AlertReason]
    expected_percent: Decimal
    actual_percent: Decimal
    spi: Decimal | None
    policy_version: int
    override: OverrideRead | None


class AlertEventRead(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    from_color: AlertColor | None
    to_color: AlertColor | None
    reasons: list[AlertReason]
    cause: AlertCause
    as_of: date
    policy_version: int
    occurred_at: datetime


class AlertEventPage(Page[AlertEventRead]):
    pass


class AlertPolicyWrite(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "spi_red_below": "0.8",
                    "spi_yellow_below": "0.9",
                    "spi_min_expected_percent": "10",
                    "overdue_after_days": 1,
                    "due_soon_days": 30,
                    "due_soon_spi_below": "1",
                    "report_stale_after_days": 90,
                    "end_near_days": 60,
                    "end_near_actual_below": "80",
                }
            ]
        }
    }

    spi_red_below: Threshold
    spi_yellow_below: Threshold
    spi_min_expected_percent: Percent
    overdue_after_days: JsonInt = Field(ge=1, le=365)
    due_soon_days: JsonInt = Field(ge=0, le=365)
    due_soon_spi_below: Threshold
    report_stale_after_days: JsonInt = Field(ge=1, le=3650)
    end_near_days: JsonInt = Field(ge=0, le=3650)
    end_near_actual_below: Percent

    @model_validator(mode="after")
    def _consistent(self) -> AlertPolicyWrite:
        if self.spi_red_below > self.spi_yellow_below:
            raise inconsistent("spi_red_below cannot exceed spi_yellow_below")
        return self


class AlertPolicyRead(AlertPolicyWrite):
    version: int
    created_at: datetime | None
    created_by: uuid.UUID | None


class SweepRead(Schema):
    as_of: date
    evaluated: int
    changed: int = Field(description="Projects whose colour changed (one alert event each)")
    updated: int = Field(description="Projects whose stored alert was rewritten")


# The board on 15 June 2026: every flagged project is listed, so the counts are what it shows.
BOARD_ENTRY_EXAMPLES: list[dict[str, Any]] = [
    {
        "project_id": "9a508bb1-f4c9-4a65-b868-e6d9ca0bc36c",
        "title": "油气田数字孪生平台关键技术研究与示范",
        "level": "national",
        "enterprise_id": "48f165d5-7b00-47f4-b81e-f86f5c8cc1ab",
        "enterprise_name": "克拉玛依昆仑数智科技有限公司",
        "color": "red",
        "first_reason": MILESTONE_OVERDUE_EXAMPLE,
    },
    {
        "project_id": "2769e927-e4bf-4564-8537-2ef440e5c51e",
        "title": "高性能油田化学品绿色制备技术研究",
        "level": "regional",
        "enterprise_id": "017f9ee6-725e-409d-ba05-62d56abd685a",
        "enterprise_name": "新疆华油新材料股份有限公司",
        "color": "red",
        "first_reason": SPI_BELOW_RED_EXAMPLE,
    },
    {
        "project_id": "844948a8-6c51-4e92-be89-f91859082551",
        "title": "稠油热采尾气余热回收装备研制",
        "level": "city",
        "enterprise_id": "b6043106-a85f-48b6-9aa8-b2a668d605d4",
        "enterprise_name": "克拉玛依市博达石油装备有限公司",
        "color": "yellow",
        "first_reason": REPORT_STALE_EXAMPLE,
    },
]
RECOVERY_EXAMPLE: dict[str, Any] = {
    "project_id": "48658079-0b44-445f-9429-523c4b037d52",
    "title": "智能注采一体化控制系统研发",
    "enterprise_id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
    "enterprise_name": "克拉玛依市正诚有限公司",
    "from_color": "yellow",
    "recovered_at": "2026-06-03T09:12:40Z",
}


class BoardEntry(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [BOARD_ENTRY_EXAMPLES[0]]}
    }

    project_id: uuid.UUID
    title: str
    level: ProjectLevel
    enterprise_id: uuid.UUID
    enterprise_name: str
    color: AlertColor
    first_reason: AlertReason | None


class Recovery(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [RECOVERY_EXAMPLE]}}

    project_id: uuid.UUID
    title: str
    enterprise_id: uuid.UUID
    enterprise_name: str
    from_color: AlertColor
    recovered_at: datetime


class AlertBoardRead(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "counts": {"red": 2, "yellow": 1, "green": 17},
                    "by_level": {
                        "city": {"red": 0, "yellow": 1, "green": 5},
                        "district": {"red": 0, "yellow": 0, "green": 3},
                        "national": {"red": 1, "yellow": 0, "green": 5},
                        "regional": {"red": 1, "yellow": 0, "green": 4},
                    },
                    "flagged": [*BOARD_ENTRY_EXAMPLES],
                    "recovered": [RECOVERY_EXAMPLE],
                    "period_from": "2026-05-16",
                    "period_to": "2026-06-15",
                }
            ]
        }
    }

    counts: dict[str, int] = Field(description="Monitored projects by effective colour")
    by_level: dict[str, dict[str, int]] = Field(description="level → colour → count")
    flagged: list[BoardEntry] = Field(
        description="Red, then yellow projects, with their first reason"
    )
    recovered: list[Recovery] = Field(
        description="Brought back to green from red or yellow in the period"
    )
    period_from: date
    period_to: date


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class ProjectFilter:
    enterprise_id: uuid.UUID | None = None
    level: str | None = None
    status: str | None = None
    alert: str | None = None
