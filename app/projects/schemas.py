from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

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
    AlertCause,
    AlertColor,
    ProjectLevel,
    ProjectStatus,
    ReasonCode,
    StaleSince,
)
from app.schemas import (
    CalendarDate,
    DecimalText,
    JsonInt,
    Money,
    Schema,
    Settable,
    inconsistent,
)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# Written as strings whose pattern is the whole rule (range and places, as the columns hold).
Percent = Annotated[Decimal, DecimalText(2, 2, top=True)]
Weight = Annotated[Decimal, DecimalText(7, 2, positive=True)]
Threshold = Annotated[Decimal, DecimalText(1, 4, top=True, positive=True)]


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
    code: Literal[ReasonCode.SPI_BELOW_RED]
    severity: Literal["red"]

    def sentence(self) -> str:
        return _(
            "{actual}% done where {expected}% was due: SPI {spi}, red below {threshold}.",
            **self.figures(),
        )


class SpiBelowYellowReason(_SpiReason):
    code: Literal[ReasonCode.SPI_BELOW_YELLOW]
    severity: Literal["yellow"]

    def sentence(self) -> str:
        return _(
            "{actual}% done where {expected}% was due: SPI {spi}, yellow below {threshold}.",
            **self.figures(),
        )


class MilestoneDueSoonReason(_Reason):
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

    @model_validator(mode="after")
    def _consistent(self) -> ProjectCreate:
        if self.end_on < self.start_on:
            raise inconsistent("end_on cannot be before start_on")
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


class BoardEntry(Schema):
    project_id: uuid.UUID
    title: str
    level: ProjectLevel
    enterprise_id: uuid.UUID
    enterprise_name: str
    color: AlertColor
    first_reason: AlertReason | None


class Recovery(Schema):
    project_id: uuid.UUID
    title: str
    enterprise_id: uuid.UUID
    enterprise_name: str
    from_color: AlertColor
    recovered_at: datetime


class AlertBoardRead(Schema):
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
