"""The visit, demand and assessment rules, each at its boundary (DOMAIN.md, "Specialists,
visits and demands"). Pure: no database, no app. Each table quotes the rule it checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.visits.rules import (
    COMPOSITE_WEIGHTS,
    DEFAULT_WINDOWS,
    NEXT_DEMAND_STATUSES,
    RESPONSE_WINDOW,
    SATISFIED_FROM,
    Coverage,
    DemandCategory,
    DemandStatus,
    DemandTimes,
    RankedSpecialist,
    Rate,
    Round,
    Sla,
    SpecialistScores,
    can_move,
    composite,
    coverage,
    is_overdue,
    on_time_rate,
    rank_specialists,
    resolution_rate,
    round_of,
    rounds_of,
    satisfaction,
    sla,
    year_coverage,
)

D = Decimal
S = DemandStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))
RAISED = datetime(2026, 3, 2, 9, 0, tzinfo=CST)
DUE = RAISED + timedelta(hours=24)


def after(**delta: float) -> datetime:
    return RAISED + timedelta(**delta)


class TestDemandMoves:
    # "lifecycle open → responded → in_progress → resolved → closed (or rejected with
    # reason)"; responded → resolved and rejection before resolution are our reading.
    ALLOWED = frozenset(
        {
            (S.OPEN, S.RESPONDED),
            (S.OPEN, S.REJECTED),
            (S.RESPONDED, S.IN_PROGRESS),
            (S.RESPONDED, S.RESOLVED),
            (S.RESPONDED, S.REJECTED),
            (S.IN_PROGRESS, S.RESOLVED),
            (S.IN_PROGRESS, S.REJECTED),
            (S.RESOLVED, S.CLOSED),
        }
    )

    @pytest.mark.parametrize(
        ("source", "target"),
        [pytest.param(s, t, id=f"{s} → {t} is allowed") for s, t in sorted(ALLOWED)],
    )
    def test_allowed(self, source: DemandStatus, target: DemandStatus) -> None:
        assert can_move(source, target)

    @pytest.mark.parametrize(
        ("source", "target"),
        [
            pytest.param(S.OPEN, S.IN_PROGRESS, id="open → in_progress: respond first"),
            pytest.param(S.OPEN, S.RESOLVED, id="open → resolved: respond first"),
            pytest.param(S.OPEN, S.CLOSED, id="open → closed: respond first"),
            pytest.param(S.RESPONDED, S.OPEN, id="responded → open: no way back"),
            pytest.param(S.IN_PROGRESS, S.RESPONDED, id="in_progress → responded: no way back"),
            pytest.param(S.RESOLVED, S.REJECTED, id="resolved → rejected: too late to refuse"),
            pytest.param(S.RESOLVED, S.IN_PROGRESS, id="resolved → in_progress: a new demand"),
            pytest.param(S.CLOSED, S.OPEN, id="closed is final"),
            pytest.param(S.REJECTED, S.OPEN, id="rejected is final"),
            pytest.param(S.OPEN, S.OPEN, id="staying put is not a move"),
            pytest.param("open", "reopened", id="an unknown target status is refused"),
            pytest.param("pending", "open", id="an unknown source status is refused"),
        ],
    )
    def test_refused(self, source: str, target: str) -> None:
        assert not can_move(source, target)

    def test_the_table_allows_exactly_the_listed_moves(self) -> None:
        allowed = {(s, t) for s in S for t in S if can_move(s, t)}
        assert allowed == self.ALLOWED
        assert set(NEXT_DEMAND_STATUSES) == set(S)

    def test_plain_strings_are_accepted(self) -> None:
        assert can_move("open", "responded")

    def test_the_ten_categories(self) -> None:
        assert [c.value for c in DemandCategory] == [
            "policy_consultation",
            "project_application",
            "qualification_recognition",
            "financing",
            "talent",
            "intellectual_property",
            "platforms_maker_spaces",
            "pilot_base",
            "publicity",
            "other",
        ]


class TestSla:
    # "the first response is due 24 hours after the demand is raised";
    # breached = (responded_at or now) > due_at.
    @pytest.mark.parametrize(
        ("responded_at", "now", "expected"),
        [
            pytest.param(
                after(hours=24),
                after(days=3),
                Sla(DUE, after(hours=24), False, None),
                id="a response at exactly 24 h is on time",
            ),
            pytest.param(
                after(hours=24, seconds=1),
                after(days=3),
                Sla(DUE, after(hours=24, seconds=1), True, None),
                id="a response at 24 h + 1 s is breached",
            ),
            pytest.param(
                after(hours=1),
                after(days=3),
                Sla(DUE, after(hours=1), False, None),
                id="an early response stays on time however late now is",
            ),
            pytest.param(
                DUE.astimezone(UTC),
                after(days=3),
                Sla(DUE, DUE.astimezone(UTC), False, None),
                id="a response at 24 h given in another zone is on time",
            ),
            pytest.param(
                None,
                after(hours=23, minutes=59, seconds=59),
                Sla(DUE, None, False, 1),
                id="unanswered at 23:59:59 is not breached, 1 s left",
            ),
            pytest.param(
                None,
                after(hours=24),
                Sla(DUE, None, False, 0),
                id="unanswered at exactly 24 h is not yet breached",
            ),
            pytest.param(
                None,
                after(hours=24, seconds=1),
                Sla(DUE, None, True, -1),
                id="unanswered at 24 h + 1 s is breached",
            ),
            pytest.param(
                None,
                after(hours=24, milliseconds=500),
                Sla(DUE, None, True, -1),
                id="half a second late is breached and the seconds round down to -1",
            ),
            pytest.param(
                None,
                after(minutes=30),
                Sla(DUE, None, False, 23 * 3600 + 30 * 60),
                id="remaining seconds count down to the due time",
            ),
        ],
    )
    def test_sla(self, responded_at: datetime | None, now: datetime, expected: Sla) -> None:
        assert sla(RAISED, responded_at, now) == expected

    def test_the_window_is_configurable(self) -> None:
        assert timedelta(hours=24) == RESPONSE_WINDOW
        result = sla(RAISED, after(hours=3), after(hours=3), window=timedelta(hours=2))
        assert result.due_at == after(hours=2)
        assert result.breached

    @pytest.mark.parametrize(
        ("raised_at", "responded_at", "now"),
        [
            pytest.param(RAISED.replace(tzinfo=None), None, after(hours=1), id="naive raised_at"),
            pytest.param(RAISED, after(hours=1).replace(tzinfo=None), DUE, id="naive responded"),
            pytest.param(RAISED, None, after(hours=1).replace(tzinfo=None), id="naive now"),
            pytest.param(RAISED, after(hours=-1), DUE, id="a response before the demand"),
        ],
    )
    def test_rejected(
        self, raised_at: datetime, responded_at: datetime | None, now: datetime
    ) -> None:
        with pytest.raises(ValueError, match=r"timezone-aware|before raised_at"):
            sla(raised_at, responded_at, now)


class TestIsOverdue:
    # "overdue and breached demands are listed and counted": overdue = unanswered past due.
    @pytest.mark.parametrize(
        ("responded_at", "now", "expected"),
        [
            pytest.param(None, after(hours=23, minutes=59, seconds=59), False, id="not yet due"),
            pytest.param(None, after(hours=24), False, id="due right now is not overdue"),
            pytest.param(None, after(hours=24, seconds=1), True, id="unanswered past due"),
            pytest.param(
                after(hours=30), after(days=2), False, id="answered late is breached, not overdue"
            ),
        ],
    )
    def test_is_overdue(self, responded_at: datetime | None, now: datetime, expected: bool) -> None:
        assert is_overdue(RAISED, responded_at, now) is expected


class TestRounds:
    # "three full-coverage visit rounds a year ... Default windows: Jan-Apr, May-Aug, Sep-Dec"
    def test_default_rounds(self) -> None:
        assert DEFAULT_WINDOWS == ((1, 4), (5, 8), (9, 12))
        assert rounds_of(2026) == [
            Round(2026, 1, date(2026, 1, 1), date(2026, 4, 30)),
            Round(2026, 2, date(2026, 5, 1), date(2026, 8, 31)),
            Round(2026, 3, date(2026, 9, 1), date(2026, 12, 31)),
        ]

    def test_configured_windows(self) -> None:
        quarters = ((1, 3), (4, 6), (7, 9), (10, 12))
        assert rounds_of(2024, quarters)[0] == Round(2024, 1, date(2024, 1, 1), date(2024, 3, 31))
        assert round_of(datetime(2024, 11, 5, tzinfo=UTC), SHANGHAI, quarters).number == 4

    @pytest.mark.parametrize(
        ("instant", "expected"),
        [
            pytest.param(
                datetime(2026, 4, 30, 23, 30, tzinfo=CST),
                (2026, 1),
                id="2026-04-30T23:30+08:00 is still 30 April in Shanghai: round 1",
            ),
            pytest.param(
                datetime(2026, 4, 30, 15, 30, tzinfo=UTC),
                (2026, 1),
                id="the same instant as 15:30Z: round 1",
            ),
            pytest.param(
                datetime(2026, 4, 30, 15, 59, 59, tzinfo=UTC),
                (2026, 1),
                id="15:59:59Z is 23:59:59 on 30 April in Shanghai: round 1",
            ),
            pytest.param(
                datetime(2026, 4, 30, 16, 0, tzinfo=UTC),
                (2026, 2),
                id="16:00Z is midnight 1 May in Shanghai: round 2",
            ),
            pytest.param(
                datetime(2026, 4, 30, 16, 30, tzinfo=UTC),
                (2026, 2),
                id="2026-04-30T16:30Z is 1 May in Shanghai: round 2",
            ),
            pytest.param(
                datetime(2026, 8, 31, 16, 0, tzinfo=UTC),
                (2026, 3),
                id="2026-08-31T16:00Z is 1 September in Shanghai: round 3",
            ),
            pytest.param(
                datetime(2026, 12, 31, 16, 0, tzinfo=UTC),
                (2027, 1),
                id="2026-12-31T16:00Z is 1 January 2027 in Shanghai: 2027 round 1",
            ),
        ],
    )
    def test_round_of_reads_the_date_in_the_zone(
        self, instant: datetime, expected: tuple[int, int]
    ) -> None:
        found = round_of(instant, SHANGHAI)
        assert (found.year, found.number) == expected

    def test_a_naive_instant_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            round_of(datetime(2026, 4, 30, 23, 30), SHANGHAI)

    @pytest.mark.parametrize(
        ("windows", "message"),
        [
            pytest.param(((1, 6), (7, 12)), "at least three", id="fewer than three rounds"),
            pytest.param(((1, 4), (6, 8), (9, 12)), "gap", id="a month left out is a gap"),
            pytest.param(((1, 4), (4, 8), (9, 12)), "overlaps", id="a month in two rounds"),
            pytest.param(((2, 4), (5, 8), (9, 12)), "gap", id="January left out"),
            pytest.param(((1, 4), (5, 8), (9, 11)), "up to December", id="December left out"),
            pytest.param(((1, 4), (5, 8), (9, 13)), "months 1-12", id="no month 13"),
            pytest.param(((1, 4), (8, 5), (9, 12)), "months 1-12", id="a window backwards"),
        ],
    )
    def test_invalid_windows(self, windows: tuple[tuple[int, int], ...], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            rounds_of(2026, windows)


class TestCoverage:
    # "Coverage = enterprises with ≥ 1 visit in the window / population ... with the list of
    # those not yet visited"
    @pytest.mark.parametrize(
        ("population", "visited", "expected"),
        [
            pytest.param(
                ["a", "b", "c", "d"],
                ["a", "a", "a", "b"],
                Coverage(4, 2, D("50.00"), ["c", "d"]),
                id="an enterprise counts once however many visits it had",
            ),
            pytest.param(
                ["a", "b"],
                ["a", "x", "y"],
                Coverage(2, 1, D("50.00"), ["b"]),
                id="visits outside the population do not count",
            ),
            pytest.param(
                [],
                ["a"],
                Coverage(0, 0, None, []),
                id="an empty population has no percent",
            ),
            pytest.param(
                ["a", "b", "c"],
                ["c", "b", "a"],
                Coverage(3, 3, D("100.00"), []),
                id="everyone visited is 100 %",
            ),
            pytest.param(
                ["a", "b", "c"],
                ["a"],
                Coverage(3, 1, D("33.33"), ["b", "c"]),
                id="1 of 3 is 33.33 %",
            ),
            pytest.param(
                ["a", "a", "b"],
                ["a"],
                Coverage(2, 1, D("50.00"), ["b"]),
                id="an enterprise listed twice in the population counts once",
            ),
            pytest.param(
                [9, 100, 10],
                [],
                Coverage(3, 0, D("0.00"), [10, 100, 9]),
                id="not visited are sorted by their text",
            ),
        ],
    )
    def test_coverage(
        self, population: list[Any], visited: list[Any], expected: Coverage[Any]
    ) -> None:
        assert coverage(population, visited) == expected

    def test_rate(self) -> None:
        assert coverage(["a", "b"], ["a"]).rate == Rate(1, 2, D("50.00"))


class TestRate:
    # Percent = 100 × numerator / denominator, quantized to 0.01 ROUND_HALF_UP.
    @pytest.mark.parametrize(
        ("numerator", "denominator", "percent"),
        [
            pytest.param(1, 800, D("0.13"), id="0.125 % rounds half up to 0.13 %"),
            pytest.param(2, 3, D("66.67"), id="2 of 3 is 66.67 %"),
            pytest.param(0, 5, D("0.00"), id="none of 5 is 0 %"),
            pytest.param(0, 0, None, id="nothing to count has no percent"),
        ],
    )
    def test_of(self, numerator: int, denominator: int, percent: Decimal | None) -> None:
        assert Rate.of(numerator, denominator) == Rate(numerator, denominator, percent)

    @pytest.mark.parametrize(
        ("numerator", "denominator"),
        [
            pytest.param(3, 2, id="more counted than there are"),
            pytest.param(-1, 2, id="a negative count"),
        ],
    )
    def test_invalid(self, numerator: int, denominator: int) -> None:
        with pytest.raises(ValueError, match="numerator"):
            Rate.of(numerator, denominator)


class TestSatisfaction:
    # "rates ... 1-5 (≥ 4 counts as satisfied); satisfaction rate = satisfied / ratings"
    @pytest.mark.parametrize(
        ("scores", "expected"),
        [
            pytest.param([4], Rate(1, 1, D("100.00")), id="4 counts as satisfied"),
            pytest.param([3], Rate(0, 1, D("0.00")), id="3 does not count as satisfied"),
            pytest.param([5, 4, 3, 2, 1], Rate(2, 5, D("40.00")), id="every score once"),
            pytest.param([5, 5, 1], Rate(2, 3, D("66.67")), id="2 of 3 satisfied"),
            pytest.param([], Rate(0, 0, None), id="no ratings has no percent"),
        ],
    )
    def test_satisfaction(self, scores: list[int], expected: Rate) -> None:
        assert SATISFIED_FROM == 4
        assert satisfaction(scores) == expected

    @pytest.mark.parametrize(
        "score",
        [
            pytest.param(0, id="0 is below the scale"),
            pytest.param(6, id="6 is above the scale"),
            pytest.param(-1, id="negative"),
            pytest.param(4.5, id="not an integer"),
            pytest.param(True, id="a bool is not a score"),
        ],
    )
    def test_out_of_range_is_rejected(self, score: Any) -> None:
        with pytest.raises(ValueError, match="1-5"):
            satisfaction([5, score])


END_2026 = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # midnight 1 January 2027 in Shanghai
DEC_1 = datetime(2026, 12, 1, 9, 0, tzinfo=CST)
DEC_31 = datetime(2026, 12, 31, 9, 0, tzinfo=CST)


class TestOnTimeRate:
    # "on-time response rate": responded within 24 h / demands whose response was due by the
    # assessment's end; unanswered past due is not on time.
    @pytest.mark.parametrize(
        ("demands", "expected"),
        [
            pytest.param(
                [DemandTimes(DEC_1, DEC_1 + timedelta(hours=2))],
                Rate(1, 1, D("100.00")),
                id="answered in 2 h is on time",
            ),
            pytest.param(
                [DemandTimes(DEC_1, DEC_1 + timedelta(hours=24))],
                Rate(1, 1, D("100.00")),
                id="answered at exactly 24 h is on time",
            ),
            pytest.param(
                [DemandTimes(DEC_1, DEC_1 + timedelta(hours=24, seconds=1))],
                Rate(0, 1, D("0.00")),
                id="answered at 24 h + 1 s is late",
            ),
            pytest.param(
                [DemandTimes(DEC_1, None)],
                Rate(0, 1, D("0.00")),
                id="unanswered past due counts as not on time",
            ),
            pytest.param(
                [DemandTimes(DEC_31, None), DemandTimes(DEC_31, DEC_31 + timedelta(hours=1))],
                Rate(0, 0, None),
                id="demands due after the end are left out, answered or not",
            ),
            pytest.param(
                [
                    DemandTimes(DEC_1, DEC_1 + timedelta(hours=2)),
                    DemandTimes(DEC_1, DEC_1 + timedelta(hours=25)),
                    DemandTimes(DEC_1, None),
                    DemandTimes(DEC_31, None),
                ],
                Rate(1, 3, D("33.33")),
                id="a mix: 1 on time of 3 due",
            ),
        ],
    )
    def test_on_time_rate(self, demands: list[DemandTimes], expected: Rate) -> None:
        assert on_time_rate(demands, END_2026) == expected


class TestResolutionRate:
    # "resolution rate": resolved or closed / demands raised.
    @pytest.mark.parametrize(
        ("statuses", "expected"),
        [
            pytest.param(
                [S.RESOLVED, S.CLOSED, S.REJECTED, S.OPEN],
                Rate(2, 4, D("50.00")),
                id="resolved and closed count, rejected and open do not",
            ),
            pytest.param(["in_progress"], Rate(0, 1, D("0.00")), id="in progress is not resolved"),
            pytest.param([], Rate(0, 0, None), id="no demands has no percent"),
        ],
    )
    def test_resolution_rate(self, statuses: list[str], expected: Rate) -> None:
        assert resolution_rate(statuses) == expected


class TestComposite:
    # "composite = 0.3 coverage + 0.3 on-time + 0.2 resolution + 0.2 satisfaction"; a missing
    # rate counts as 0 (nothing to do earns nothing).
    @pytest.mark.parametrize(
        ("percents", "expected"),
        [
            pytest.param(
                (D(90), D(80), D(70), D(100)),
                D("85.00"),
                id="0.3×90 + 0.3×80 + 0.2×70 + 0.2×100 = 27 + 24 + 14 + 20 = 85",
            ),
            pytest.param(
                (D(100), D(100), D(100), D(100)), D("100.00"), id="everything perfect is 100"
            ),
            pytest.param(
                (None, D(80), D(70), D(100)),
                D("58.00"),
                id="missing coverage counts as 0: 24 + 14 + 20 = 58",
            ),
            pytest.param((None, None, None, None), D("0.00"), id="nothing at all is 0"),
            pytest.param(
                (D("33.33"), D("66.67"), D("12.35"), D("0.01")),
                D("32.47"),
                id="9.999 + 20.001 + 2.47 + 0.002 = 32.472 → 32.47",
            ),
            pytest.param(
                (D("0.15"), None, None, None),
                D("0.05"),
                id="0.3×0.15 = 0.045 rounds half up to 0.05",
            ),
        ],
    )
    def test_composite(
        self,
        percents: tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None],
        expected: Decimal,
    ) -> None:
        assert composite(*percents) == expected

    def test_weights(self) -> None:
        assert dict(COMPOSITE_WEIGHTS) == {
            "coverage": D("0.3"),
            "on_time": D("0.3"),
            "resolution": D("0.2"),
            "satisfaction": D("0.2"),
        }
        assert sum(COMPOSITE_WEIGHTS.values()) == 1

    @pytest.mark.parametrize(
        ("rounds", "expected"),
        [
            pytest.param(
                [Rate.of(10, 10), Rate.of(5, 10), Rate.of(0, 0)],
                D("75.00"),
                id="mean of the rounds with a population: (100 + 50) / 2",
            ),
            pytest.param(
                [Rate.of(1, 3), Rate.of(2, 3), Rate.of(1, 1)],
                D("66.67"),
                id="(33.33 + 66.67 + 100) / 3 = 66.666… → 66.67",
            ),
            pytest.param([Rate.of(0, 0)], None, id="no round with a population has no coverage"),
        ],
    )
    def test_year_coverage(self, rounds: list[Rate], expected: Decimal | None) -> None:
        assert year_coverage(rounds) == expected


def scores(
    specialist_id: str,
    coverage_percent: int,
    on_time: Rate,
    resolution_percent: int,
    satisfaction_percent: int,
) -> SpecialistScores:
    return SpecialistScores(
        specialist_id,
        (Rate.of(coverage_percent, 100),),
        on_time,
        Rate.of(resolution_percent, 100),
        Rate.of(satisfaction_percent, 100),
    )


class TestRanking:
    # "the team ranking": composite desc, then on-time desc, then specialist id asc; strict
    # positions 1..n.
    @pytest.mark.parametrize(
        ("entries", "expected"),
        [
            pytest.param(
                [
                    scores("s-b", 100, Rate.of(70, 100), 70, 100),  # 30 + 21 + 14 + 20 = 85
                    scores("s-a", 90, Rate.of(80, 100), 70, 100),  # 27 + 24 + 14 + 20 = 85
                    scores("s-z", 100, Rate.of(100, 100), 50, 100),  # 30 + 30 + 10 + 20 = 90
                    scores("s-0", 90, Rate.of(80, 100), 70, 100),  # 85, same as s-a
                ],
                [
                    ("s-z", D("90.00")),
                    ("s-0", D("85.00")),
                    ("s-a", D("85.00")),
                    ("s-b", D("85.00")),
                ],
                id="composite first, then on-time, then id",
            ),
            pytest.param(
                [
                    scores("x", 100, Rate.of(0, 0), 100, 100),  # 30 + 0 + 20 + 20 = 70
                    scores("y", 100, Rate.of(0, 5), 100, 100),  # 30 + 0 + 20 + 20 = 70
                ],
                [("y", D("70.00")), ("x", D("70.00"))],
                id="a missing on-time rate ranks below 0 %",
            ),
            pytest.param([], [], id="no specialists, no ranking"),
        ],
    )
    def test_rank(
        self, entries: list[SpecialistScores], expected: list[tuple[str, Decimal]]
    ) -> None:
        ranked = rank_specialists(entries)
        assert [(r.specialist_id, r.composite) for r in ranked] == expected
        assert [r.position for r in ranked] == list(range(1, len(entries) + 1))

    def test_ranked_entry_carries_its_scores(self) -> None:
        entry = scores("s-a", 90, Rate.of(80, 100), 70, 100)
        assert rank_specialists([entry]) == [RankedSpecialist(1, "s-a", D("85.00"), entry)]

    def test_a_specialist_listed_twice_is_rejected(self) -> None:
        entry = scores("s-a", 90, Rate.of(80, 100), 70, 100)
        with pytest.raises(ValueError, match="only once"):
            rank_specialists([entry, entry])
