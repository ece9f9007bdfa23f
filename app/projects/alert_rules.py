"""The red/yellow/green project alert (红黄绿三色预警), as DOMAIN.md states it.

Pure rules: the service loads a project's facts, calls `evaluate` for a date and stores what
comes back (colour, reasons with their figures, the policy version), so a daily sweep and an
edit to a project give the same answer for the same facts.

Figures: percentages are truncated to 2 decimal places and the SPI to 4 (rounding towards
zero, all of them being non-negative). Truncation, unlike rounding, never lifts a figure onto
a threshold that the exact value is below (79.999 % stays under 80 %, an SPI of 0.79998 stays
under 0.8), so every rule compares the very figures its reason shows. The SPI is the quotient
of the two shown percentages, so anyone can recompute it from the result.

Day counts are calendar days between dates (`as_of` − date); `as_of` is a date in the
bureau's time zone, chosen by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Context, Decimal, localcontext
from enum import StrEnum
from typing import Literal, NamedTuple, TypeVar

from app.i18n import Sentence

Color = Literal["red", "yellow", "green"]
# A colour as the caller holds it: a literal here, the stored enum member in the service.
C = TypeVar("C", bound=str)
Severity = Literal["red", "yellow"]

_HUNDRED = Decimal(100)
_PERCENT_PLACES = Decimal("0.01")
_SPI_PLACES = Decimal("0.0001")
# Every division below runs in this context, whatever the caller's thread has set.
_CONTEXT = Context(prec=28)


class ProjectStatus(StrEnum):
    APPLYING = "applying"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ACCEPTED = "accepted"
    TERMINATED = "terminated"


PROJECT_STATUSES: frozenset[str] = frozenset(ProjectStatus)
MONITORED_STATUSES: frozenset[str] = frozenset({ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS})
# The statuses of a project that was approved (立项): it carries its approval date.
APPROVED_STATUSES: frozenset[str] = frozenset(
    {
        ProjectStatus.APPROVED,
        ProjectStatus.IN_PROGRESS,
        ProjectStatus.COMPLETED,
        ProjectStatus.ACCEPTED,
    }
)


class ReasonCode(StrEnum):
    MILESTONE_OVERDUE = "milestone_overdue"
    PAST_END_DATE = "past_end_date"
    SPI_BELOW_RED = "spi_below_red"
    SPI_BELOW_YELLOW = "spi_below_yellow"
    MILESTONE_DUE_SOON = "milestone_due_soon"
    REPORT_STALE = "report_stale"
    END_NEAR_INCOMPLETE = "end_near_incomplete"


@dataclass(frozen=True)
class AlertPolicy:
    """The thresholds an administrator edits; `version` is stored with every evaluation.

    Day windows are inclusive at both ends: a milestone due in exactly `due_soon_days` days,
    or an end date exactly `end_near_days` away, is inside the window.
    """

    version: int = 1
    # red: SPI < spi_red_below; yellow: spi_red_below <= SPI < spi_yellow_below
    spi_red_below: Decimal = Decimal("0.8")
    spi_yellow_below: Decimal = Decimal("0.9")
    # The SPI rules stay silent until this much work is expected: early figures are noise.
    spi_min_expected_percent: Decimal = Decimal(10)
    # red: a milestone not completed this many days after its due date
    overdue_after_days: int = 1
    # yellow: an open milestone due within 0..due_soon_days days while SPI < due_soon_spi_below
    due_soon_days: int = 30
    due_soon_spi_below: Decimal = Decimal(1)
    # yellow: more than this many days since the last report (or the start date)
    report_stale_after_days: int = 90
    # yellow: the end date within 0..end_near_days days while actual < end_near_actual_below
    end_near_days: int = 60
    end_near_actual_below: Decimal = Decimal(80)


DEFAULT_POLICY = AlertPolicy()


def validate_policy(policy: AlertPolicy) -> list[Sentence]:
    """What is wrong with a policy an administrator submitted; empty when it can be used."""
    problems: list[Sentence] = []
    if policy.version < 1:
        problems.append(
            Sentence("version must be at least 1, not {version}", version=policy.version)
        )
    decimals = {
        "spi_red_below": policy.spi_red_below,
        "spi_yellow_below": policy.spi_yellow_below,
        "spi_min_expected_percent": policy.spi_min_expected_percent,
        "due_soon_spi_below": policy.due_soon_spi_below,
        "end_near_actual_below": policy.end_near_actual_below,
    }
    finite = True
    for name, value in decimals.items():
        if not value.is_finite():
            problems.append(
                Sentence("{name} must be a finite number, not {value}", name=name, value=value)
            )
            finite = False
        elif value < 0:
            problems.append(
                Sentence("{name} must not be negative, not {value}", name=name, value=value)
            )
    if finite and policy.spi_red_below > policy.spi_yellow_below:
        problems.append(
            Sentence(
                "spi_red_below ({red}) must not exceed spi_yellow_below ({yellow})",
                red=policy.spi_red_below,
                yellow=policy.spi_yellow_below,
            )
        )
    if finite and policy.spi_min_expected_percent > _HUNDRED:
        problems.append(Sentence("spi_min_expected_percent must not exceed 100"))
    if policy.overdue_after_days < 1:
        problems.append(Sentence("overdue_after_days must be at least 1"))
    for name, days in (
        ("due_soon_days", policy.due_soon_days),
        ("report_stale_after_days", policy.report_stale_after_days),
        ("end_near_days", policy.end_near_days),
    ):
        if days < 0:
            problems.append(
                Sentence("{name} must not be negative, not {value}", name=name, value=days)
            )
    return problems


# Milestones and reports are named tuples, checked by ProjectFacts: the daily sweep builds
# 800k of them at 100k projects, and a frozen dataclass costs ten times as much to build.
class Milestone(NamedTuple):
    title: str
    due_on: date
    weight: Decimal
    completed_on: date | None = None

    def completed_by(self, as_of: date) -> bool:
        return self.completed_on is not None and self.completed_on <= as_of


class ProgressReport(NamedTuple):
    reported_on: date
    percent: Decimal


@dataclass(frozen=True)
class ProjectFacts:
    """What the rules need of a project.

    When several reports share the latest date, the one listed last is taken as the latest,
    so the caller passes reports in the order they were filed.
    """

    status: str
    start_on: date
    end_on: date
    milestones: Sequence[Milestone] = ()
    reports: Sequence[ProgressReport] = ()

    def __post_init__(self) -> None:
        if self.status not in PROJECT_STATUSES:
            raise ValueError(f"unknown project status {self.status!r}")
        if self.end_on < self.start_on:
            raise ValueError(f"end date {self.end_on} is before start date {self.start_on}")
        for milestone in self.milestones:
            if not milestone.weight.is_finite() or milestone.weight < 0:
                raise ValueError(
                    f"milestone weight must be a non-negative number, not {milestone.weight}"
                )
        for report in self.reports:
            if not report.percent.is_finite() or not Decimal(0) <= report.percent <= _HUNDRED:
                raise ValueError(f"a report's percent must be within 0-100, not {report.percent}")


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    severity: Severity
    # Left out of the hash: the dict cannot be hashed, and code and severity identify enough.
    figures: dict[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class AlertResult:
    """`color` and `spi` are None for a project that is not monitored (it has no colour);
    expected and actual are still given, for display."""

    color: Color | None
    reasons: list[Reason]
    expected_percent: Decimal
    actual_percent: Decimal
    spi: Decimal | None
    policy_version: int


def _truncate(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_FLOOR)


def _total_weight(milestones: Sequence[Milestone]) -> Decimal:
    return sum((m.weight for m in milestones), Decimal(0))


def expected_percent(project: ProjectFacts, as_of: date) -> Decimal:
    """Share of milestone weight due on or before `as_of`; without milestones (or when
    their weights are all zero) the elapsed share of start → end, clamped to 0-100.

    The elapsed share is 0 on the start date and 100 on the end date, so a project whose
    start and end are the same day is expected 0 % before it and 100 % from that day on:
    the work is due by its end date.
    """
    with localcontext(_CONTEXT):
        total = _total_weight(project.milestones)
        if total > 0:
            due = sum((m.weight for m in project.milestones if m.due_on <= as_of), Decimal(0))
            return _truncate(due * _HUNDRED / total, _PERCENT_PLACES)
        if as_of >= project.end_on:
            return _truncate(_HUNDRED, _PERCENT_PLACES)
        if as_of <= project.start_on:
            return _truncate(Decimal(0), _PERCENT_PLACES)
        elapsed = Decimal((as_of - project.start_on).days) * _HUNDRED
        return _truncate(elapsed / (project.end_on - project.start_on).days, _PERCENT_PLACES)


def latest_report(project: ProjectFacts, as_of: date) -> ProgressReport | None:
    latest: ProgressReport | None = None
    for report in project.reports:
        if report.reported_on <= as_of and (
            latest is None or report.reported_on >= latest.reported_on
        ):
            latest = report
    return latest


def actual_percent(project: ProjectFacts, as_of: date) -> Decimal:
    """The latest report's percent (as of `as_of`); without one, the completed share of
    milestone weight; 0 when there is neither."""
    with localcontext(_CONTEXT):
        report = latest_report(project, as_of)
        if report is not None:
            return _truncate(report.percent, _PERCENT_PLACES)
        total = _total_weight(project.milestones)
        if total <= 0:
            return _truncate(Decimal(0), _PERCENT_PLACES)
        done = sum((m.weight for m in project.milestones if m.completed_by(as_of)), Decimal(0))
        return _truncate(done * _HUNDRED / total, _PERCENT_PLACES)


def schedule_performance_index(expected: Decimal, actual: Decimal) -> Decimal:
    """actual / expected, 1 when nothing is expected yet."""
    if expected == 0:
        return _truncate(Decimal(1), _SPI_PLACES)
    with localcontext(_CONTEXT):
        return _truncate(actual / expected, _SPI_PLACES)


def _open_milestones(project: ProjectFacts, as_of: date) -> list[Milestone]:
    # Sorted so that reasons come out in the same order whatever order the caller used.
    open_ones = [m for m in project.milestones if not m.completed_by(as_of)]
    return sorted(open_ones, key=lambda m: (m.due_on, m.title))


def _red_reasons(
    project: ProjectFacts,
    as_of: date,
    policy: AlertPolicy,
    expected: Decimal,
    actual: Decimal,
    spi: Decimal,
) -> list[Reason]:
    reasons: list[Reason] = []
    # One reason per overdue milestone, each with its own due date and delay.
    for milestone in _open_milestones(project, as_of):
        days_overdue = (as_of - milestone.due_on).days
        if days_overdue >= policy.overdue_after_days:
            reasons.append(
                Reason(
                    ReasonCode.MILESTONE_OVERDUE,
                    "red",
                    {
                        "milestone": milestone.title,
                        "due_on": milestone.due_on,
                        "days_overdue": days_overdue,
                    },
                )
            )
    if as_of > project.end_on:
        reasons.append(
            Reason(
                ReasonCode.PAST_END_DATE,
                "red",
                {"end_on": project.end_on, "days_past_end": (as_of - project.end_on).days},
            )
        )
    if expected >= policy.spi_min_expected_percent and spi < policy.spi_red_below:
        reasons.append(
            Reason(
                ReasonCode.SPI_BELOW_RED,
                "red",
                {
                    "spi": spi,
                    "threshold": policy.spi_red_below,
                    "expected": expected,
                    "actual": actual,
                },
            )
        )
    return reasons


def _yellow_reasons(
    project: ProjectFacts,
    as_of: date,
    policy: AlertPolicy,
    expected: Decimal,
    actual: Decimal,
    spi: Decimal,
) -> list[Reason]:
    reasons: list[Reason] = []
    if (
        expected >= policy.spi_min_expected_percent
        and policy.spi_red_below <= spi < policy.spi_yellow_below
    ):
        reasons.append(
            Reason(
                ReasonCode.SPI_BELOW_YELLOW,
                "yellow",
                {
                    "spi": spi,
                    "threshold": policy.spi_yellow_below,
                    "expected": expected,
                    "actual": actual,
                },
            )
        )
    # The SPI here is a condition of a milestone rule, not one of "the SPI rules", so the
    # 10 % gate does not silence it: a first milestone falling due with nothing done counts.
    if spi < policy.due_soon_spi_below:
        for milestone in _open_milestones(project, as_of):
            days_to_due = (milestone.due_on - as_of).days
            if 0 <= days_to_due <= policy.due_soon_days:
                reasons.append(
                    Reason(
                        ReasonCode.MILESTONE_DUE_SOON,
                        "yellow",
                        {
                            "milestone": milestone.title,
                            "due_on": milestone.due_on,
                            "days_to_due": days_to_due,
                            "spi": spi,
                        },
                    )
                )
    report = latest_report(project, as_of)
    counted_from = project.start_on if report is None else report.reported_on
    days_since_report = (as_of - counted_from).days
    if days_since_report > policy.report_stale_after_days:
        reasons.append(
            Reason(
                ReasonCode.REPORT_STALE,
                "yellow",
                {
                    "last_report_on": None if report is None else report.reported_on,
                    "counted_from": "start_date" if report is None else "report",
                    "days_since_report": days_since_report,
                    "threshold_days": policy.report_stale_after_days,
                },
            )
        )
    days_to_end = (project.end_on - as_of).days
    if 0 <= days_to_end <= policy.end_near_days and actual < policy.end_near_actual_below:
        reasons.append(
            Reason(
                ReasonCode.END_NEAR_INCOMPLETE,
                "yellow",
                {
                    "end_on": project.end_on,
                    "days_to_end": days_to_end,
                    "actual": actual,
                    "threshold": policy.end_near_actual_below,
                },
            )
        )
    return reasons


def evaluate(
    project: ProjectFacts, as_of: date, policy: AlertPolicy = DEFAULT_POLICY
) -> AlertResult:
    """The project's colour on `as_of`, as it stood then: reports and completions dated
    after `as_of` are ignored. Reasons: every rule that fired, red ones first, each group
    in DOMAIN.md's order, milestones by due date then title."""
    expected = expected_percent(project, as_of)
    actual = actual_percent(project, as_of)
    if project.status not in MONITORED_STATUSES:
        return AlertResult(None, [], expected, actual, None, policy.version)
    spi = schedule_performance_index(expected, actual)
    red = _red_reasons(project, as_of, policy, expected, actual, spi)
    yellow = _yellow_reasons(project, as_of, policy, expected, actual, spi)
    color: Color = "red" if red else "yellow" if yellow else "green"
    return AlertResult(color, red + yellow, expected, actual, spi, policy.version)


def effective_color(
    computed: C | None,
    override_color: C | None,
    override_expires_on: date | None,
    as_of: date,
) -> C | None:
    """The colour to show: a staff override while `as_of` is on or before its expiry date
    (the expiry day itself still counts; it lapses the day after), else the computed one.

    An override without an expiry date holds until staff remove it. A project that is not
    monitored (computed None) has no colour, so an override left on it no longer shows.
    """
    if computed is None:
        return computed
    if override_holds(override_color, override_expires_on, as_of):
        return override_color
    return computed


def override_holds(
    override_color: str | None, override_expires_on: date | None, as_of: date
) -> bool:
    """Whether a staff override is in force on `as_of` (its expiry day included)."""
    return override_color is not None and (
        override_expires_on is None or as_of <= override_expires_on
    )
