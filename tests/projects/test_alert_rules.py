"""The red/yellow/green alert rules, each at its boundary (DOMAIN.md, "Projects and the
red/yellow/green alert"). Pure: no database, no app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

import pytest

from app.projects.alert_rules import (
    DEFAULT_POLICY,
    AlertPolicy,
    Color,
    Milestone,
    ProgressReport,
    ProjectFacts,
    ProjectStatus,
    Reason,
    ReasonCode,
    effective_color,
    evaluate,
    validate_policy,
)

D = Decimal
START = date(2024, 1, 1)
END = date(2024, 12, 31)


def facts(
    *,
    status: str = ProjectStatus.IN_PROGRESS,
    start_on: date = START,
    end_on: date = END,
    milestones: Sequence[Milestone] = (),
    reports: Sequence[ProgressReport] = (),
) -> ProjectFacts:
    return ProjectFacts(status, start_on, end_on, milestones, reports)


def ms(title: str, due_on: date, weight: str, completed_on: date | None = None) -> Milestone:
    return Milestone(title, due_on, D(weight), completed_on)


def rep(reported_on: date, percent: str) -> ProgressReport:
    return ProgressReport(reported_on, D(percent))


def codes(reasons: Sequence[Reason]) -> list[str]:
    return [reason.code for reason in reasons]


# A project half-way through its milestones on 1 June 2024: the first half (weight 50) was
# completed on time, the second half is due at the end of November, so expected = 50 %.
HALF_DONE = (
    ms("Design", date(2024, 3, 1), "50", date(2024, 2, 20)),
    ms("Pilot", date(2024, 11, 30), "50"),
)
JUNE_1 = date(2024, 6, 1)


class TestExpectedPercent:
    # "expected % = share of milestone weight due on or before as_of; with no milestones,
    # the elapsed share of start → end, clamped to 0-100."
    @pytest.mark.parametrize(
        ("project", "as_of", "expected"),
        [
            pytest.param(
                facts(milestones=[ms("A", date(2024, 3, 1), "30"), ms("B", JUNE_1, "70")]),
                JUNE_1,
                D("100.00"),
                id="a milestone due on as_of counts as due",
            ),
            pytest.param(
                facts(milestones=[ms("A", date(2024, 3, 1), "30"), ms("B", JUNE_1, "70")]),
                date(2024, 5, 31),
                D("30.00"),
                id="a milestone due the day after as_of does not count",
            ),
            pytest.param(
                facts(milestones=[ms("A", date(2024, 3, 1), "30"), ms("B", JUNE_1, "70")]),
                date(2024, 2, 29),
                D("0.00"),
                id="nothing due yet is 0",
            ),
            pytest.param(
                facts(
                    milestones=[
                        ms("A", date(2024, 3, 1), "1"),
                        ms("B", date(2024, 4, 1), "1"),
                        ms("C", date(2024, 5, 1), "1"),
                    ]
                ),
                date(2024, 3, 1),
                D("33.33"),
                id="a third of the weight is truncated to 33.33",
            ),
            pytest.param(
                facts(end_on=date(2024, 1, 11)),
                date(2024, 1, 6),
                D("50.00"),
                id="no milestones: elapsed share of start to end",
            ),
            pytest.param(
                facts(end_on=date(2024, 1, 4)),
                date(2024, 1, 2),
                D("33.33"),
                id="no milestones: elapsed share truncated",
            ),
            pytest.param(
                facts(end_on=date(2024, 1, 11)),
                START,
                D("0.00"),
                id="no milestones: the start date is 0",
            ),
            pytest.param(
                facts(end_on=date(2024, 1, 11)),
                date(2023, 12, 1),
                D("0.00"),
                id="no milestones: clamped to 0 before the start",
            ),
            pytest.param(
                facts(end_on=date(2024, 1, 11)),
                date(2024, 1, 11),
                D("100.00"),
                id="no milestones: the end date is 100",
            ),
            pytest.param(
                facts(end_on=date(2024, 1, 11)),
                date(2024, 3, 1),
                D("100.00"),
                id="no milestones: clamped to 100 after the end",
            ),
            pytest.param(
                facts(start_on=JUNE_1, end_on=JUNE_1),
                date(2024, 5, 31),
                D("0.00"),
                id="start == end: 0 before the day",
            ),
            pytest.param(
                facts(start_on=JUNE_1, end_on=JUNE_1),
                JUNE_1,
                D("100.00"),
                id="start == end: 100 from the day on",
            ),
            pytest.param(
                facts(end_on=date(2024, 1, 11), milestones=[ms("A", date(2024, 1, 2), "0")]),
                date(2024, 1, 6),
                D("50.00"),
                id="milestones weighing 0 in all fall back to the elapsed share",
            ),
        ],
    )
    def test_expected_percent(self, project: ProjectFacts, as_of: date, expected: D) -> None:
        assert evaluate(project, as_of).expected_percent == expected


class TestActualPercent:
    # "actual % = the latest progress report's percent; with none, the completed share of
    # milestone weight." "Reports and completions dated after as_of are ignored."
    @pytest.mark.parametrize(
        ("project", "as_of", "actual"),
        [
            pytest.param(
                facts(reports=[rep(date(2024, 3, 1), "20"), rep(date(2024, 5, 1), "40")]),
                JUNE_1,
                D("40.00"),
                id="the latest report",
            ),
            pytest.param(
                facts(reports=[rep(date(2024, 5, 1), "40"), rep(date(2024, 3, 1), "20")]),
                JUNE_1,
                D("40.00"),
                id="latest by date, not by the order given",
            ),
            pytest.param(
                facts(reports=[rep(date(2024, 5, 1), "40"), rep(date(2024, 5, 1), "45")]),
                JUNE_1,
                D("45.00"),
                id="two reports on the same day: the one listed last",
            ),
            pytest.param(
                facts(reports=[rep(date(2024, 3, 1), "20"), rep(date(2024, 7, 1), "60")]),
                JUNE_1,
                D("20.00"),
                id="a report dated after as_of is ignored",
            ),
            pytest.param(
                facts(reports=[rep(JUNE_1, "25")]),
                JUNE_1,
                D("25.00"),
                id="a report dated on as_of counts",
            ),
            pytest.param(
                facts(
                    milestones=[
                        ms("A", date(2024, 3, 1), "40", date(2024, 2, 1)),
                        ms("B", date(2024, 9, 1), "60"),
                    ]
                ),
                JUNE_1,
                D("40.00"),
                id="no report: completed share of milestone weight",
            ),
            pytest.param(
                facts(
                    milestones=[
                        ms("A", date(2024, 3, 1), "40", date(2024, 7, 1)),
                        ms("B", date(2024, 9, 1), "60"),
                    ]
                ),
                JUNE_1,
                D("0.00"),
                id="no report: a completion dated after as_of is ignored",
            ),
            pytest.param(
                facts(
                    milestones=[ms("A", date(2024, 3, 1), "100", date(2024, 2, 1))],
                    reports=[rep(date(2024, 5, 1), "10")],
                ),
                JUNE_1,
                D("10.00"),
                id="a report wins over milestone completions",
            ),
            pytest.param(
                facts(reports=[rep(date(2024, 5, 1), "79.999")]),
                JUNE_1,
                D("79.99"),
                id="truncated to 2 places, never rounded up onto a threshold",
            ),
            pytest.param(facts(), JUNE_1, D("0.00"), id="neither reports nor milestones: 0"),
        ],
    )
    def test_actual_percent(self, project: ProjectFacts, as_of: date, actual: D) -> None:
        assert evaluate(project, as_of).actual_percent == actual


class TestSpiRules:
    # "SPI = actual / expected (1 when expected is 0)"; red: "SPI < 0.8";
    # yellow: "0.8 ≤ SPI < 0.9". Expected is 50 % on 1 June (HALF_DONE).
    @pytest.mark.parametrize(
        ("actual", "spi", "color", "reason_codes"),
        [
            pytest.param("39.99", D("0.7998"), "red", ["spi_below_red"], id="SPI < 0.8 is red"),
            pytest.param(
                "40", D("0.8000"), "yellow", ["spi_below_yellow"], id="SPI exactly 0.8 is yellow"
            ),
            pytest.param(
                "44.99", D("0.8998"), "yellow", ["spi_below_yellow"], id="SPI < 0.9 is yellow"
            ),
            pytest.param("45", D("0.9000"), "green", [], id="SPI exactly 0.9 is green"),
            pytest.param("33.33", D("0.6666"), "red", ["spi_below_red"], id="SPI truncated"),
            pytest.param("75", D("1.5000"), "green", [], id="ahead of schedule"),
        ],
    )
    def test_spi_thresholds(
        self, actual: str, spi: D, color: Color, reason_codes: list[str]
    ) -> None:
        project = facts(milestones=HALF_DONE, reports=[rep(date(2024, 5, 25), actual)])
        result = evaluate(project, JUNE_1)
        assert (result.expected_percent, result.spi) == (D("50.00"), spi)
        assert result.color == color
        assert codes(result.reasons) == reason_codes

    def test_reason_carries_its_figures(self) -> None:
        project = facts(milestones=HALF_DONE, reports=[rep(date(2024, 5, 25), "30")])
        assert evaluate(project, JUNE_1).reasons == [
            Reason(
                ReasonCode.SPI_BELOW_RED,
                "red",
                {
                    "spi": D("0.6000"),
                    "threshold": D("0.8"),
                    "expected": D("50.00"),
                    "actual": D("30.00"),
                },
            )
        ]

    def test_spi_is_one_when_nothing_is_expected(self) -> None:
        project = facts(milestones=[ms("A", date(2024, 9, 1), "1")], reports=[rep(JUNE_1, "0")])
        result = evaluate(project, JUNE_1)
        assert (result.expected_percent, result.spi, result.color) == (D("0.00"), D(1), "green")


class TestSpiRulesWaitForTenPercent:
    # "The SPI rules apply only once expected ≥ 10 % (early figures are noise)."
    @pytest.mark.parametrize(
        ("first_weight", "actual", "color", "reason_codes"),
        [
            pytest.param("10", "0", "red", ["spi_below_red"], id="expected exactly 10 %: applies"),
            pytest.param("10", "8", "yellow", ["spi_below_yellow"], id="expected 10 %: yellow"),
            pytest.param("9.99", "0", "green", [], id="expected 9.99 %: SPI rules are silent"),
        ],
    )
    def test_expected_gate(
        self, first_weight: str, actual: str, color: Color, reason_codes: list[str]
    ) -> None:
        rest = str(D(100) - D(first_weight))
        project = facts(
            milestones=[
                ms("First", date(2024, 3, 1), first_weight, date(2024, 2, 20)),
                ms("Rest", date(2024, 11, 30), rest),
            ],
            reports=[rep(date(2024, 5, 25), actual)],
        )
        result = evaluate(project, JUNE_1)
        assert result.color == color
        assert codes(result.reasons) == reason_codes


class TestMilestoneOverdue:
    # red: "a milestone past its due date and not completed (overdue by one day or more)".
    # One reason per overdue milestone. The report keeps SPI ≥ 1 so that nothing else fires.
    @pytest.mark.parametrize(
        ("milestones", "as_of", "reasons"),
        [
            pytest.param(
                [ms("Prototype", JUNE_1, "50"), ms("Pilot", date(2024, 11, 1), "50")],
                JUNE_1,
                [],
                id="overdue by 0 days (due today) is not red",
            ),
            pytest.param(
                [ms("Prototype", JUNE_1, "50"), ms("Pilot", date(2024, 11, 1), "50")],
                date(2024, 6, 2),
                [
                    Reason(
                        ReasonCode.MILESTONE_OVERDUE,
                        "red",
                        {"milestone": "Prototype", "due_on": JUNE_1, "days_overdue": 1},
                    )
                ],
                id="overdue by 1 day is red",
            ),
            pytest.param(
                [ms("Prototype", JUNE_1, "50", JUNE_1), ms("Pilot", date(2024, 11, 1), "50")],
                date(2024, 6, 2),
                [],
                id="completed on its due date",
            ),
            pytest.param(
                [
                    ms("Prototype", JUNE_1, "50", date(2024, 6, 3)),
                    ms("Pilot", date(2024, 11, 1), "50"),
                ],
                date(2024, 6, 5),
                [],
                id="completed late but before as_of",
            ),
            pytest.param(
                [
                    ms("Prototype", JUNE_1, "50", date(2024, 6, 10)),
                    ms("Pilot", date(2024, 11, 1), "50"),
                ],
                date(2024, 6, 5),
                [
                    Reason(
                        ReasonCode.MILESTONE_OVERDUE,
                        "red",
                        {"milestone": "Prototype", "due_on": JUNE_1, "days_overdue": 4},
                    )
                ],
                id="a completion dated after as_of is ignored (evaluating a past date)",
            ),
            pytest.param(
                [
                    ms("Pilot", date(2024, 5, 1), "50"),
                    ms("Prototype", date(2024, 4, 1), "25"),
                    ms("Paper", date(2024, 11, 1), "25"),
                ],
                date(2024, 5, 3),
                [
                    Reason(
                        ReasonCode.MILESTONE_OVERDUE,
                        "red",
                        {"milestone": "Prototype", "due_on": date(2024, 4, 1), "days_overdue": 32},
                    ),
                    Reason(
                        ReasonCode.MILESTONE_OVERDUE,
                        "red",
                        {"milestone": "Pilot", "due_on": date(2024, 5, 1), "days_overdue": 2},
                    ),
                ],
                id="one reason per overdue milestone, by due date",
            ),
        ],
    )
    def test_overdue(self, milestones: list[Milestone], as_of: date, reasons: list[Reason]) -> None:
        project = facts(milestones=milestones, reports=[rep(date(2024, 5, 1), "100")])
        result = evaluate(project, as_of)
        assert result.reasons == reasons
        assert result.color == ("red" if reasons else "green")


class TestPastEndDate:
    # red: "as_of after the end date". The project reports 100 % on its end date.
    @pytest.mark.parametrize(
        ("as_of", "reasons"),
        [
            pytest.param(END, [], id="as_of on the end date is not past it"),
            pytest.param(
                date(2025, 1, 1),
                [Reason(ReasonCode.PAST_END_DATE, "red", {"end_on": END, "days_past_end": 1})],
                id="the day after the end date is red",
            ),
        ],
    )
    def test_past_end(self, as_of: date, reasons: list[Reason]) -> None:
        project = facts(reports=[rep(END, "100")])
        result = evaluate(project, as_of)
        assert result.reasons == reasons
        assert result.color == ("red" if reasons else "green")


class TestMilestoneDueSoon:
    # yellow: "a milestone not completed and due within the next 30 days (today included)
    # while SPI < 1". The window is 0..30 days inclusive.
    @pytest.mark.parametrize(
        ("milestones", "actual", "reasons"),
        [
            pytest.param(
                [HALF_DONE[0], ms("Pilot", date(2024, 7, 1), "50")],
                "47",
                [
                    Reason(
                        ReasonCode.MILESTONE_DUE_SOON,
                        "yellow",
                        {
                            "milestone": "Pilot",
                            "due_on": date(2024, 7, 1),
                            "days_to_due": 30,
                            "spi": D("0.9400"),
                        },
                    )
                ],
                id="due in exactly 30 days with SPI < 1 is yellow",
            ),
            pytest.param(
                [HALF_DONE[0], ms("Pilot", date(2024, 7, 2), "50")],
                "47",
                [],
                id="due in 31 days is outside the window",
            ),
            pytest.param(
                [HALF_DONE[0], ms("Pilot", date(2024, 7, 1), "50")],
                "50",
                [],
                id="SPI exactly 1 does not fire",
            ),
            pytest.param(
                [HALF_DONE[0], ms("Pilot", date(2024, 7, 1), "50", date(2024, 5, 30))],
                "47",
                [],
                id="a completed milestone does not fire",
            ),
            pytest.param(
                [HALF_DONE[0], ms("Pilot", date(2024, 7, 1), "50", date(2024, 6, 15))],
                "47",
                [
                    Reason(
                        ReasonCode.MILESTONE_DUE_SOON,
                        "yellow",
                        {
                            "milestone": "Pilot",
                            "due_on": date(2024, 7, 1),
                            "days_to_due": 30,
                            "spi": D("0.9400"),
                        },
                    )
                ],
                id="a completion dated after as_of is ignored",
            ),
            pytest.param(
                [HALF_DONE[0], ms("Pilot", JUNE_1, "50")],
                "95",
                [
                    Reason(
                        ReasonCode.MILESTONE_DUE_SOON,
                        "yellow",
                        {
                            "milestone": "Pilot",
                            "due_on": JUNE_1,
                            "days_to_due": 0,
                            "spi": D("0.9500"),
                        },
                    )
                ],
                id="due today is included",
            ),
        ],
    )
    def test_due_soon(
        self, milestones: list[Milestone], actual: str, reasons: list[Reason]
    ) -> None:
        project = facts(milestones=milestones, reports=[rep(date(2024, 5, 25), actual)])
        result = evaluate(project, JUNE_1)
        assert result.reasons == reasons
        assert result.color == ("yellow" if reasons else "green")

    def test_not_silenced_by_the_ten_percent_gate(self) -> None:
        # The gate is for "the SPI rules"; here the SPI is only this rule's condition.
        project = facts(
            milestones=[ms("First", date(2024, 6, 20), "5"), ms("Rest", date(2024, 11, 1), "95")],
            reports=[rep(date(2024, 5, 25), "0")],
        )
        result = evaluate(project, date(2024, 6, 20))
        assert (result.expected_percent, result.spi) == (D("5.00"), D(0))
        assert codes(result.reasons) == ["milestone_due_soon"]


class TestReportStale:
    # yellow: "no progress report for over 90 days (counted from the start date when there
    # is none)". A three-year project without milestones, so that expected stays low.
    @pytest.mark.parametrize(
        ("reports", "as_of", "reasons"),
        [
            pytest.param(
                [rep(date(2024, 2, 1), "12")],
                date(2024, 5, 1),
                [],
                id="a report 90 days old is not stale",
            ),
            pytest.param(
                [rep(date(2024, 2, 1), "12")],
                date(2024, 5, 2),
                [
                    Reason(
                        ReasonCode.REPORT_STALE,
                        "yellow",
                        {
                            "last_report_on": date(2024, 2, 1),
                            "counted_from": "report",
                            "days_since_report": 91,
                            "threshold_days": 90,
                        },
                    )
                ],
                id="a report 91 days old is stale",
            ),
            pytest.param([], date(2024, 3, 31), [], id="no report, 90 days after the start"),
            pytest.param(
                [],
                date(2024, 4, 1),
                [
                    Reason(
                        ReasonCode.REPORT_STALE,
                        "yellow",
                        {
                            "last_report_on": None,
                            "counted_from": "start_date",
                            "days_since_report": 91,
                            "threshold_days": 90,
                        },
                    )
                ],
                id="no report, 91 days after the start: counted from the start date",
            ),
            pytest.param(
                [rep(date(2024, 4, 15), "5")],
                date(2024, 4, 1),
                [
                    Reason(
                        ReasonCode.REPORT_STALE,
                        "yellow",
                        {
                            "last_report_on": None,
                            "counted_from": "start_date",
                            "days_since_report": 91,
                            "threshold_days": 90,
                        },
                    )
                ],
                id="a report dated after as_of is ignored",
            ),
            pytest.param([], date(2023, 6, 1), [], id="before the start nothing is stale"),
        ],
    )
    def test_stale(self, reports: list[ProgressReport], as_of: date, reasons: list[Reason]) -> None:
        project = facts(end_on=date(2026, 12, 31), reports=reports)
        result = evaluate(project, as_of)
        assert result.reasons == reasons
        assert result.color == ("yellow" if reasons else "green")


class TestEndNearIncomplete:
    # yellow: "end date within the next 60 days with actual < 80 %". The window is 0..60
    # days inclusive; the report is dated as_of so it is never stale, and SPI stays ≥ 0.9.
    @pytest.mark.parametrize(
        ("as_of", "actual", "reasons"),
        [
            pytest.param(
                date(2024, 11, 1),
                "79.99",
                [
                    Reason(
                        ReasonCode.END_NEAR_INCOMPLETE,
                        "yellow",
                        {
                            "end_on": END,
                            "days_to_end": 60,
                            "actual": D("79.99"),
                            "threshold": D(80),
                        },
                    )
                ],
                id="end in 60 days with actual 79.99 % is yellow",
            ),
            pytest.param(date(2024, 11, 1), "80", [], id="end in 60 days with actual 80 %"),
            pytest.param(date(2024, 10, 31), "79.99", [], id="end in 61 days is outside"),
        ],
    )
    def test_end_near(self, as_of: date, actual: str, reasons: list[Reason]) -> None:
        project = facts(reports=[rep(as_of, actual)])
        result = evaluate(project, as_of)
        assert result.reasons == reasons
        assert result.color == ("yellow" if reasons else "green")


class TestColourAndOrder:
    # "Colour: red when a red rule fires, else yellow when a yellow rule fires, else green.
    # reasons lists every rule that fired, red ones first."
    @pytest.mark.parametrize(
        ("project", "as_of", "color", "reason_codes"),
        [
            pytest.param(
                facts(
                    end_on=date(2024, 6, 30),
                    milestones=[
                        ms("Prototype", date(2024, 3, 1), "50"),
                        ms("Pilot", date(2024, 7, 15), "50"),
                    ],
                ),
                date(2024, 7, 1),
                "red",
                [
                    "milestone_overdue",
                    "past_end_date",
                    "spi_below_red",
                    "milestone_due_soon",
                    "report_stale",
                ],
                id="every red reason before every yellow one",
            ),
            pytest.param(
                facts(reports=[rep(END, "79.99")]),
                END,
                "red",
                ["spi_below_red", "end_near_incomplete"],
                id="on the end date: red SPI first, then the yellow end rule",
            ),
            pytest.param(
                facts(end_on=date(2026, 12, 31)),
                date(2024, 4, 1),
                "yellow",
                ["report_stale"],
                id="yellow when only yellow rules fire",
            ),
            pytest.param(
                facts(milestones=HALF_DONE, reports=[rep(date(2024, 5, 25), "50")]),
                JUNE_1,
                "green",
                [],
                id="green when nothing fires",
            ),
        ],
    )
    def test_precedence(
        self, project: ProjectFacts, as_of: date, color: Color, reason_codes: list[str]
    ) -> None:
        result = evaluate(project, as_of)
        assert result.color == color
        assert codes(result.reasons) == reason_codes
        severities = [reason.severity for reason in result.reasons]
        assert severities == sorted(severities, key=lambda s: s != "red")


class TestMonitoredStatuses:
    # "Only approved and in_progress projects are monitored; others have no colour."
    # The project is long past its end date with nothing done: red whenever monitored.
    @pytest.mark.parametrize(
        ("status", "color"),
        [
            pytest.param(ProjectStatus.APPROVED, "red", id="approved is monitored"),
            pytest.param(ProjectStatus.IN_PROGRESS, "red", id="in_progress is monitored"),
            pytest.param(ProjectStatus.APPLYING, None, id="applying has no colour"),
            pytest.param(ProjectStatus.COMPLETED, None, id="completed has no colour"),
            pytest.param(ProjectStatus.ACCEPTED, None, id="accepted has no colour"),
            pytest.param(ProjectStatus.TERMINATED, None, id="terminated has no colour"),
            pytest.param("completed", None, id="a plain string status works too"),
        ],
    )
    def test_status(self, status: str, color: Color | None) -> None:
        result = evaluate(facts(status=status), date(2025, 6, 1))
        assert result.color == color
        if color is None:
            assert (result.reasons, result.spi) == ([], None)
            assert result.expected_percent == D("100.00")
        else:
            assert result.reasons
            assert result.spi == D(0)


class TestPolicy:
    # "The thresholds form a versioned alert policy that an administrator edits."
    def test_default_policy_is_domain_md(self) -> None:
        domain_md = AlertPolicy(
            version=1,
            spi_red_below=D("0.8"),
            spi_yellow_below=D("0.9"),
            spi_min_expected_percent=D(10),
            overdue_after_days=1,
            due_soon_days=30,
            due_soon_spi_below=D(1),
            report_stale_after_days=90,
            end_near_days=60,
            end_near_actual_below=D(80),
        )
        assert domain_md == DEFAULT_POLICY

    @pytest.mark.parametrize(
        ("policy", "color", "reason_codes"),
        [
            pytest.param(DEFAULT_POLICY, "red", ["spi_below_red"], id="default: SPI 0.75 is red"),
            pytest.param(
                AlertPolicy(version=2, spi_red_below=D("0.7")),
                "yellow",
                ["spi_below_yellow"],
                id="a lower red threshold makes it yellow",
            ),
            pytest.param(
                AlertPolicy(version=3, spi_red_below=D("0.7"), spi_yellow_below=D("0.7")),
                "green",
                [],
                id="no yellow band",
            ),
        ],
    )
    def test_policy_changes_the_outcome_and_is_named(
        self, policy: AlertPolicy, color: Color, reason_codes: list[str]
    ) -> None:
        project = facts(milestones=HALF_DONE, reports=[rep(date(2024, 5, 25), "37.5")])
        result = evaluate(project, JUNE_1, policy)
        assert (result.color, codes(result.reasons)) == (color, reason_codes)
        assert result.policy_version == policy.version

    @pytest.mark.parametrize(
        ("policy", "problems"),
        [
            pytest.param(DEFAULT_POLICY, [], id="the default is valid"),
            pytest.param(
                AlertPolicy(spi_red_below=D("0.95")),
                ["spi_red_below (0.95) must not exceed spi_yellow_below (0.9)"],
                id="red threshold above yellow",
            ),
            pytest.param(
                AlertPolicy(version=0, overdue_after_days=0, due_soon_days=-1),
                [
                    "version must be at least 1, not 0",
                    "overdue_after_days must be at least 1",
                    "due_soon_days must not be negative, not -1",
                ],
                id="bad version and day counts",
            ),
            pytest.param(
                AlertPolicy(end_near_actual_below=D(-1)),
                ["end_near_actual_below must not be negative, not -1"],
                id="negative threshold",
            ),
        ],
    )
    def test_validate_policy(self, policy: AlertPolicy, problems: list[str]) -> None:
        assert [str(p) for p in validate_policy(policy)] == problems


class TestEffectiveColor:
    # "Staff may override a project's colour with a reason and an expiry date; ... the
    # override lapses on its expiry." The expiry day itself is still covered.
    @pytest.mark.parametrize(
        ("computed", "override", "expires_on", "as_of", "shown"),
        [
            pytest.param("red", None, None, JUNE_1, "red", id="no override"),
            pytest.param("red", "yellow", date(2024, 6, 30), JUNE_1, "yellow", id="before"),
            pytest.param(
                "red", "green", JUNE_1, JUNE_1, "green", id="on the expiry day it still applies"
            ),
            pytest.param(
                "red", "green", JUNE_1, date(2024, 6, 2), "red", id="the day after it lapsed"
            ),
            pytest.param("green", "red", None, JUNE_1, "red", id="without expiry it holds"),
            pytest.param(None, "green", date(2024, 6, 30), JUNE_1, None, id="not monitored"),
        ],
    )
    def test_override(
        self,
        computed: Color | None,
        override: Color | None,
        expires_on: date | None,
        as_of: date,
        shown: Color | None,
    ) -> None:
        assert effective_color(computed, override, expires_on, as_of) == shown


class TestInvalidFacts:
    @pytest.mark.parametrize(
        "make",
        [
            pytest.param(
                lambda: facts(start_on=END, end_on=START), id="end date before start date"
            ),
            pytest.param(lambda: facts(status="paused"), id="unknown status"),
            pytest.param(
                lambda: facts(milestones=[ms("A", JUNE_1, "-1")]), id="negative milestone weight"
            ),
            pytest.param(lambda: facts(reports=[rep(JUNE_1, "100.01")]), id="report above 100 %"),
            pytest.param(lambda: facts(reports=[rep(JUNE_1, "-0.01")]), id="report below 0 %"),
        ],
    )
    def test_rejected(self, make: Callable[[], object]) -> None:
        with pytest.raises(ValueError, match=r"."):
            make()
