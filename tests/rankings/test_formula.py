"""The annual dynamic monitoring ranking formula (DOMAIN.md, "Annual dynamic monitoring
ranking"). Pure: no database, no app."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from app.rankings.formula import (
    DEFAULT_WEIGHTS,
    DIMENSION_OF,
    INDICATORS,
    CohortMember,
    IndicatorScore,
    RankedEntry,
    ReportFigures,
    ShortBoard,
    Weights,
    cohort_median,
    default_report_deadline,
    indicator_values,
    movement,
    percentiles,
    rank,
    validate_weights,
)

D = Decimal
FOUR_PLACES = D("0.0001")

# Valid USCCs (GB 32100-2015 check characters), in ascending order.
USCC = (
    "91350100M000100Y43",
    "914403001922038216",
    "9144030071526726XG",
)
COHORT_USCCS = tuple(
    f"91650203MA{code}"
    for code in (
        "00000009",
        "0000001C",
        "0000002F",
        "0000003J",
        "0000004M",
        "0000005Q",
        "0000006U",
        "0000007Y",
        "00000082",
        "00000095",
        "0000010A",
        "0000011D",
    )
)


def member(uscc: str, values: Mapping[str, Decimal | None] | None = None) -> CohortMember:
    """A member whose indicators all equal 1 unless given, so only the given ones differ."""
    indicators: dict[str, Decimal | None] = dict.fromkeys(INDICATORS, D(1))
    indicators.update(values or {})
    return CohortMember(enterprise_id=f"ent-{uscc}", uscc=uscc, indicators=indicators)


def pair(
    x_higher: Iterable[str], x_uscc: str = USCC[0], y_uscc: str = USCC[1]
) -> list[CohortMember]:
    """X above Y on the given indicators and below on all others, so X scores 100 on those
    and 0 on the rest, and Y the other way round."""
    higher = set(x_higher)
    x = member(x_uscc, {c: D(2) if c in higher else D(1) for c in INDICATORS})
    y = member(y_uscc, {c: D(1) if c in higher else D(2) for c in INDICATORS})
    return [x, y]


def by_uscc(entries: Sequence[RankedEntry]) -> dict[str, RankedEntry]:
    return {entry.uscc: entry for entry in entries}


INNOVATION_CODES = ("rd_intensity", "st_staff_ratio", "new_ip", "achievements")
GROWTH_CODES = ("revenue_growth", "net_asset_growth")
PARTICIPATION_CODES = ("attendance", "visits", "timely_report")


class TestPercentiles:
    # "100 × percent_rank (PostgreSQL's percent_rank() over the values ascending with missing
    # ones first: (rank − 1)/(n − 1), ties share the lowest rank; 100 for a cohort of one)."
    # "A missing value counts as the lowest in the cohort (below every present value)."
    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            pytest.param(
                [D(3), D(1), D(2)], ["100", "0", "50"], id="ascending: lowest 0, highest 100"
            ),
            pytest.param(
                [D(1), D(2), D(2), D(3)],
                ["0", "33.3333", "33.3333", "100"],
                id="ties share the lowest rank",
            ),
            pytest.param([D(5), D(5), D(5)], ["0", "0", "0"], id="all tied: all at rank 1"),
            pytest.param(
                [D("0.10"), D("0.1"), D("0.2")], ["0", "0", "100"], id="equal decimals tie"
            ),
            pytest.param([None, D(1), D(2)], ["0", "50", "100"], id="missing is the lowest"),
            pytest.param([D(-5), None], ["100", "0"], id="missing is below even a negative value"),
            pytest.param(
                [None, D(5), None], ["0", "100", "0"], id="missing values tie with each other"
            ),
            pytest.param([D(7)], ["100"], id="a cohort of one scores 100"),
            pytest.param([None], ["100"], id="a cohort of one scores 100 even when missing"),
            pytest.param([], [], id="an empty cohort"),
        ],
    )
    def test_percentiles(self, values: list[Decimal | None], expected: list[str]) -> None:
        got = [p.quantize(FOUR_PLACES) for p in percentiles(values)]
        assert got == [D(e).quantize(FOUR_PLACES) for e in expected]


class TestScores:
    # "Dimension score = weighted mean of its indicators' percentiles; composite = weighted
    # sum of the dimensions." Figures are rounded to 6 places only at output.
    def test_worked_example(self) -> None:
        # n = 3, percentiles 0 / 50 / 100. The top member (USCC[2]):
        # innovation 0.35·100 + 0.15·50 + 0.30·0 + 0.20·100 = 62.5;
        # growth 0.5·100 + 0.5·0 = 50; participation 0.4·0 + 0.3·100 + 0.3·50 = 45;
        # composite 0.5·62.5 + 0.3·50 + 0.2·45 = 55.25.
        order = {  # which USCC holds the lowest, middle and highest value of each indicator
            "rd_intensity": (0, 1, 2),
            "st_staff_ratio": (0, 2, 1),
            "new_ip": (2, 0, 1),
            "achievements": (0, 1, 2),
            "revenue_growth": (1, 0, 2),
            "net_asset_growth": (2, 1, 0),
            "attendance": (2, 0, 1),
            "visits": (0, 1, 2),
            "timely_report": (1, 2, 0),
        }
        values: dict[int, dict[str, Decimal | None]] = {0: {}, 1: {}, 2: {}}
        for code, holders in order.items():
            for level, holder in enumerate(holders):
                values[holder][code] = D(level)
        entries = by_uscc(rank([member(USCC[i], values[i]) for i in range(3)]))
        top = entries[USCC[2]]
        assert top.dimensions == {
            "innovation": D("62.5000"),
            "growth": D("50.0000"),
            "participation": D("45.0000"),
        }
        assert top.composite == D("55.2500")
        assert top.indicators["st_staff_ratio"] == IndicatorScore(D(1), D("50.0000"))
        assert top.position == 1

    def test_rounded_only_at_output(self) -> None:
        # rd_intensity 2 ranks 2nd of 4 (tied): percentile 33.333…; innovation 0.35 × 33.333…
        # = 11.6666…; composite 0.5 × 11.6666… = 5.83333… → 5.833333. Rounding innovation
        # first would give 0.5 × 11.666667 = 5.8333335 → 5.833334.
        cohort = [
            member(USCC[0], {"rd_intensity": D(1)}),
            member(USCC[1], {"rd_intensity": D(2)}),
            member(USCC[2], {"rd_intensity": D(2)}),
            member(COHORT_USCCS[0], {"rd_intensity": D(3)}),
        ]
        entry = by_uscc(rank(cohort))[USCC[1]]
        assert entry.indicators["rd_intensity"].percentile == D("33.333333")
        assert entry.dimensions["innovation"] == D("11.666667")
        assert entry.composite == D("5.833333")
        assert entry.composite.as_tuple().exponent == -6

    def test_cohort_of_one_scores_100_everywhere(self) -> None:
        [entry] = rank([member(USCC[0])])
        assert entry.composite == D(100)
        assert set(entry.dimensions.values()) == {D(100)}
        assert {s.percentile for s in entry.indicators.values()} == {D(100)}
        assert (entry.position, entry.incentive) == (1, True)

    def test_empty_cohort(self) -> None:
        assert rank([]) == []

    def test_entry_carries_ids_and_values(self) -> None:
        enterprise_id = uuid.uuid4()
        given = CohortMember(enterprise_id, USCC[0], dict.fromkeys(INDICATORS, D("0.5")))
        [entry] = rank([given])
        assert (entry.enterprise_id, entry.uscc) == (enterprise_id, USCC[0])
        assert {c: s.value for c, s in entry.indicators.items()} == dict.fromkeys(
            INDICATORS, D("0.5")
        )


class TestMissingData:
    # "A ratio whose denominator is zero or negative, or that needs a report that is missing,
    # is a missing value: it counts as the lowest in the cohort (below every present value)
    # and marks the entry data_incomplete."
    @pytest.mark.parametrize(
        ("values", "incomplete"),
        [
            pytest.param({}, False, id="all present"),
            pytest.param({"revenue_growth": None}, True, id="one value None"),
            pytest.param({"rd_intensity": D(-1)}, False, id="a negative value is present"),
        ],
    )
    def test_data_incomplete(self, values: dict[str, Decimal | None], incomplete: bool) -> None:
        entries = by_uscc(rank([member(USCC[0], values), member(USCC[1])]))
        assert entries[USCC[0]].data_incomplete is incomplete
        assert entries[USCC[1]].data_incomplete is False

    def test_absent_indicator_is_missing(self) -> None:
        partial = CohortMember("partial", USCC[0], {"rd_intensity": D(1)})
        entries = by_uscc(rank([partial, member(USCC[1])]))
        assert entries[USCC[0]].data_incomplete is True
        assert entries[USCC[0]].indicators["visits"] == IndicatorScore(None, D(0))

    def test_missing_ranks_below_a_worse_present_value(self) -> None:
        # revenue fell 90 % for one member; another filed no previous report (missing).
        ranked = rank(
            [
                member(USCC[0], {"revenue_growth": None}),
                member(USCC[1], {"revenue_growth": D("-0.9")}),
                member(USCC[2], {"revenue_growth": D("0.1")}),
            ]
        )
        entries = by_uscc(ranked)
        assert entries[USCC[0]].indicators["revenue_growth"] == IndicatorScore(None, D(0))
        assert entries[USCC[1]].indicators["revenue_growth"].percentile == D(50)
        assert entries[USCC[2]].indicators["revenue_growth"].percentile == D(100)
        assert [e.uscc for e in ranked] == [USCC[2], USCC[1], USCC[0]]


class TestOrder:
    # "Order: composite, then innovation, then growth, all descending, then USCC ascending;
    # position 1..n." Where a dimension decides, the winner has the larger USCC, so the USCC
    # cannot be what put it first.
    @pytest.mark.parametrize(
        ("cohort", "weights", "expected"),
        [
            pytest.param(
                [member(USCC[0]), member(USCC[1], {"rd_intensity": D(2)})],
                DEFAULT_WEIGHTS,
                [USCC[1], USCC[0]],
                id="composite descending",
            ),
            pytest.param(
                # X: innovation 100, growth 0, participation 0 → 50;
                # Y: innovation 0, growth 100, participation 100 → 0.3·100 + 0.2·100 = 50.
                pair(INNOVATION_CODES, x_uscc=USCC[1], y_uscc=USCC[0]),
                DEFAULT_WEIGHTS,
                [USCC[1], USCC[0]],
                id="equal composite: higher innovation first",
            ),
            pytest.param(
                # Innovation tied at 0; growth and participation weigh 0.3 each, so
                # X (growth 100) and Y (participation 100) both score 30.
                [
                    member(USCC[0], {c: D(2) for c in PARTICIPATION_CODES}),
                    member(USCC[1], {c: D(2) for c in GROWTH_CODES}),
                ],
                Weights(
                    dimensions={
                        "innovation": D("0.4"),
                        "growth": D("0.3"),
                        "participation": D("0.3"),
                    }
                ),
                [USCC[1], USCC[0]],
                id="equal composite and innovation: higher growth first",
            ),
            pytest.param(
                [member(USCC[2]), member(USCC[0]), member(USCC[1])],
                DEFAULT_WEIGHTS,
                [USCC[0], USCC[1], USCC[2]],
                id="all equal: USCC ascending",
            ),
        ],
    )
    def test_tie_break(
        self, cohort: list[CohortMember], weights: Weights, expected: list[str]
    ) -> None:
        entries = rank(cohort, weights)
        assert [e.uscc for e in entries] == expected
        assert [e.position for e in entries] == list(range(1, len(cohort) + 1))

    def test_the_innovation_case_really_has_equal_composites(self) -> None:
        x, y = rank(pair(INNOVATION_CODES, x_uscc=USCC[1], y_uscc=USCC[0]))
        assert x.composite == y.composite == D(50)
        assert (x.dimensions["innovation"], y.dimensions["innovation"]) == (D(100), D(0))

    def test_the_growth_case_really_has_equal_composites_and_innovation(self) -> None:
        weights = Weights(
            dimensions={"innovation": D("0.4"), "growth": D("0.3"), "participation": D("0.3")}
        )
        cohort = [
            member(USCC[0], {c: D(2) for c in PARTICIPATION_CODES}),
            member(USCC[1], {c: D(2) for c in GROWTH_CODES}),
        ]
        x, y = rank(cohort, weights)
        assert x.composite == y.composite == D(30)
        assert x.dimensions["innovation"] == y.dimensions["innovation"] == D(0)
        assert (x.dimensions["growth"], y.dimensions["growth"]) == (D(100), D(0))


class TestIncentive:
    # "The first ⌈top_share × n⌉ positions (top_share 0.10 by default) are marked for
    # policy incentives."
    @pytest.mark.parametrize(
        ("n", "top_share", "marked"),
        [
            pytest.param(11, D("0.10"), 2, id="n=11: ceil(1.1) = 2"),
            pytest.param(10, D("0.10"), 1, id="n=10: exactly 1"),
            pytest.param(1, D("0.10"), 1, id="n=1: ceil(0.1) = 1"),
            pytest.param(12, D("0.25"), 3, id="n=12 at 25 %: 3"),
            pytest.param(10, D("0.25"), 3, id="n=10 at 25 %: ceil(2.5) = 3"),
            pytest.param(5, D(0), 0, id="a share of 0 marks none"),
            pytest.param(5, D(1), 5, id="a share of 1 marks all"),
        ],
    )
    def test_top_share(self, n: int, top_share: Decimal, marked: int) -> None:
        cohort = [member(COHORT_USCCS[i], {"rd_intensity": D(i)}) for i in range(n)]
        entries = rank(cohort, top_share=top_share)
        assert [e.incentive for e in entries] == [True] * marked + [False] * (n - marked)

    @pytest.mark.parametrize(
        "top_share",
        [
            pytest.param(D("-0.01"), id="below 0"),
            pytest.param(D("1.01"), id="above 1"),
            pytest.param(D("NaN"), id="not a number"),
        ],
    )
    def test_top_share_out_of_range(self, top_share: Decimal) -> None:
        with pytest.raises(ValueError, match="top_share"):
            rank([member(USCC[0])], top_share=top_share)


class TestShortBoard:
    # "the lowest dimension (ties: innovation, growth, participation in that order) and,
    # within it, the indicator with the lowest percentile (ties: the order listed above), as
    # {dimension, indicator, score (its percentile), value, cohort_median}".
    # X is above Y on the listed indicators (percentile 100) and below on the rest (0);
    # X's lowered values are 1 and each cohort median is (1 + 2) / 2.
    @pytest.mark.parametrize(
        ("x_higher", "dimension", "indicator"),
        [
            pytest.param(
                INNOVATION_CODES,
                "growth",
                "revenue_growth",
                id="growth and participation tie lowest: growth; its tie: revenue_growth",
            ),
            pytest.param(
                (),
                "innovation",
                "rd_intensity",
                id="all dimensions tie: innovation; all indicators tie: rd_intensity",
            ),
            pytest.param(
                ("rd_intensity", "achievements", *GROWTH_CODES, *PARTICIPATION_CODES),
                "innovation",
                "st_staff_ratio",
                id="st_staff_ratio and new_ip tie lowest: st_staff_ratio",
            ),
            pytest.param(
                (*INNOVATION_CODES, *GROWTH_CODES, "attendance"),
                "participation",
                "visits",
                id="visits and timely_report tie lowest: visits",
            ),
            pytest.param(
                (*INNOVATION_CODES, "revenue_growth", *PARTICIPATION_CODES),
                "growth",
                "net_asset_growth",
                id="the lowest indicator of the lowest dimension",
            ),
        ],
    )
    def test_short_board(self, x_higher: tuple[str, ...], dimension: str, indicator: str) -> None:
        x = by_uscc(rank(pair(x_higher)))[USCC[0]]
        assert x.short_board == ShortBoard(dimension, indicator, D(0), D(1), D("1.5"))

    def test_lowest_dimension_beats_lower_single_indicator_elsewhere(self) -> None:
        # X: innovation 0.35·100 + 0.15·100 + 0.30·100 = 80 with achievements at 0;
        # growth 50 (net_asset_growth at 0); participation 100. Growth is the lowest
        # dimension even though innovation holds a 0 as well.
        x_higher = (*INNOVATION_CODES[:3], "revenue_growth", *PARTICIPATION_CODES)
        x = by_uscc(rank(pair(x_higher)))[USCC[0]]
        assert (x.dimensions["innovation"], x.dimensions["growth"]) == (D(80), D(50))
        assert (x.short_board.dimension, x.short_board.indicator) == ("growth", "net_asset_growth")

    def test_median_leaves_missing_values_out(self) -> None:
        cohort = [
            member(USCC[0], {"rd_intensity": None}),
            member(USCC[1], {"rd_intensity": D("0.01")}),
            member(USCC[2], {"rd_intensity": D("0.05")}),
            member(COHORT_USCCS[0], {"rd_intensity": D("0.09")}),
        ]
        board = by_uscc(rank(cohort))[USCC[0]].short_board
        assert board == ShortBoard("innovation", "rd_intensity", D(0), None, D("0.05"))

    @pytest.mark.parametrize(
        ("values", "median"),
        [
            pytest.param([D(3), D(1), D(2)], D(2), id="odd count: the middle value"),
            pytest.param([D(4), D(1), D(2), D(3)], D("2.5"), id="even count: mean of the middle"),
            pytest.param([None, D(1), D(2), D(4)], D(2), id="missing values are left out"),
            pytest.param([None, None], None, id="all missing: no median"),
            pytest.param([D("0.25")], D("0.25"), id="one value"),
        ],
    )
    def test_cohort_median(self, values: list[Decimal | None], median: Decimal | None) -> None:
        assert cohort_median(values) == median


def _weights(
    dimensions: Mapping[str, Decimal] | None = None, **indicators: Decimal | None
) -> Weights:
    """The default weights with some replaced; an indicator given None is removed."""
    merged = dict(DEFAULT_WEIGHTS.indicators)
    for code, weight in indicators.items():
        if weight is None:
            del merged[code]
        else:
            merged[code] = weight
    return replace(
        DEFAULT_WEIGHTS,
        dimensions=dict(dimensions or DEFAULT_WEIGHTS.dimensions),
        indicators=merged,
    )


class TestWeights:
    # Weights: "innovation (weight 0.5): rd_intensity (0.35), st_staff_ratio (0.15), new_ip
    # (0.30), achievements (0.20); growth (0.3): revenue_growth (0.5), net_asset_growth (0.5);
    # participation (0.2): attendance (0.4), visits (0.3), timely_report (0.3)".
    def test_defaults_are_domain_md(self) -> None:
        assert Weights() == DEFAULT_WEIGHTS
        assert DEFAULT_WEIGHTS.dimensions == {
            "innovation": D("0.5"),
            "growth": D("0.3"),
            "participation": D("0.2"),
        }
        assert DEFAULT_WEIGHTS.indicators == {
            "rd_intensity": D("0.35"),
            "st_staff_ratio": D("0.15"),
            "new_ip": D("0.30"),
            "achievements": D("0.20"),
            "revenue_growth": D("0.5"),
            "net_asset_growth": D("0.5"),
            "attendance": D("0.4"),
            "visits": D("0.3"),
            "timely_report": D("0.3"),
        }

    @pytest.mark.parametrize(
        ("weights", "problems"),
        [
            pytest.param(DEFAULT_WEIGHTS, [], id="the defaults are valid"),
            pytest.param(
                _weights(rd_intensity=D("0.60"), st_staff_ratio=D("-0.10")),
                ["innovation indicator weight for st_staff_ratio is negative: -0.10"],
                id="a negative weight",
            ),
            pytest.param(
                _weights(net_asset_growth=D("0.4")),
                ["growth indicator weights sum to 0.9, not 1"],
                id="a group not summing to 1",
            ),
            pytest.param(
                _weights({"innovation": D("0.5"), "growth": D("0.3"), "participation": D("0.3")}),
                ["dimension weights sum to 1.1, not 1"],
                id="dimensions not summing to 1",
            ),
            pytest.param(
                _weights(rd_intensity=D("0.3500005")), [], id="within the tolerance of 1e-6"
            ),
            pytest.param(
                _weights(rd_intensity=D("0.350002")),
                ["innovation indicator weights sum to 1.000002, not 1"],
                id="outside the tolerance",
            ),
            pytest.param(
                _weights(patents=D(0)), ["unknown indicator 'patents'"], id="unknown indicator"
            ),
            pytest.param(
                _weights(
                    {
                        "innovation": D("0.5"),
                        "growth": D("0.3"),
                        "participation": D("0.2"),
                        "ethics": D(0),
                    }
                ),
                ["unknown dimension 'ethics'"],
                id="unknown dimension",
            ),
            pytest.param(
                _weights(visits=None),
                [
                    "participation indicator weight for visits is missing",
                    "participation indicator weights sum to 0.7, not 1",
                ],
                id="a missing indicator weight",
            ),
            pytest.param(
                _weights(visits=D("NaN")),
                ["participation indicator weight for visits is not a finite number: NaN"],
                id="not a number",
            ),
        ],
    )
    def test_validate_weights(self, weights: Weights, problems: list[str]) -> None:
        assert [str(p) for p in validate_weights(weights)] == problems

    def test_rank_refuses_invalid_weights(self) -> None:
        with pytest.raises(ValueError, match=r"growth indicator weights sum to 0\.9"):
            rank([member(USCC[0])], _weights(net_asset_growth=D("0.4")))


class TestCohortChecks:
    @pytest.mark.parametrize(
        ("cohort", "message"),
        [
            pytest.param(
                [member(USCC[0]), member(USCC[0])], "USCC appears twice", id="duplicate USCC"
            ),
            pytest.param(
                [
                    CohortMember("same", USCC[0], {}),
                    CohortMember("same", USCC[1], {}),
                ],
                "enterprise appears twice",
                id="duplicate enterprise",
            ),
            pytest.param(
                [CohortMember("e", USCC[0], {"rd_ratio": D(1)})],
                "unknown indicators rd_ratio",
                id="unknown indicator code",
            ),
        ],
    )
    def test_rejected(self, cohort: list[CohortMember], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            rank(cohort)


def figures(
    *,
    revenue: Decimal | None = D(10_000_000),
    rd_expense: Decimal | None = D(600_000),
    employees: int | None = 50,
    st_staff: int | None = 12,
    net_assets: Decimal | None = D(5_000_000),
    class_i_ip_new: int | None = 2,
    class_ii_ip_new: int | None = 3,
    achievements_transformed: int | None = 4,
) -> ReportFigures:
    return ReportFigures(
        revenue=revenue,
        rd_expense=rd_expense,
        employees=employees,
        st_staff=st_staff,
        net_assets=net_assets,
        class_i_ip_new=class_i_ip_new,
        class_ii_ip_new=class_ii_ip_new,
        achievements_transformed=achievements_transformed,
    )


CURRENT = figures()
PREVIOUS = figures(revenue=D(8_000_000), net_assets=D(4_000_000))
DEADLINE = date(2025, 6, 30)


def values_for(
    report_y: ReportFigures | None = CURRENT,
    report_prev: ReportFigures | None = PREVIOUS,
    invited: int = 3,
    attended: int = 2,
    visits: int = 2,
    filed_on: date | None = DEADLINE,
) -> dict[str, Decimal | None]:
    return indicator_values(report_y, report_prev, invited, attended, visits, filed_on, DEADLINE)


class TestIndicatorValues:
    def test_full_figures(self) -> None:
        # rd 0.6 M / 10 M; 12 / 50 staff; 2 + 0.25 × 3 IP; growth 10 M / 8 M − 1 and
        # 5 M / 4 M − 1; attended 2 of 3; 2 of 3 visits; filed on the deadline.
        assert values_for() == {
            "rd_intensity": D("0.06"),
            "st_staff_ratio": D("0.24"),
            "new_ip": D("2.75"),
            "achievements": D(4),
            "revenue_growth": D("0.25"),
            "net_asset_growth": D("0.25"),
            "attendance": D("0.666667"),
            "visits": D("0.666667"),
            "timely_report": D(1),
        }

    @pytest.mark.parametrize(
        ("compute", "code", "expected"),
        [
            # "A ratio whose denominator is zero or negative ... is a missing value"
            pytest.param(
                lambda: values_for(figures(revenue=D(0))),
                "rd_intensity",
                None,
                id="zero revenue: rd_intensity missing",
            ),
            pytest.param(
                lambda: values_for(figures(revenue=D(-1))),
                "rd_intensity",
                None,
                id="negative revenue: rd_intensity missing",
            ),
            pytest.param(
                lambda: values_for(figures(employees=0)),
                "st_staff_ratio",
                None,
                id="zero employees: st_staff_ratio missing",
            ),
            pytest.param(
                lambda: values_for(figures(rd_expense=None)),
                "rd_intensity",
                None,
                id="a figure not filed: missing",
            ),
            pytest.param(
                lambda: values_for(report_prev=figures(revenue=D(0))),
                "revenue_growth",
                None,
                id="zero revenue in Y-1: revenue_growth missing",
            ),
            pytest.param(
                lambda: values_for(report_prev=figures(net_assets=D(-100))),
                "net_asset_growth",
                None,
                id="negative net assets in Y-1: net_asset_growth missing",
            ),
            pytest.param(
                lambda: values_for(figures(net_assets=D(3_000_000))),
                "net_asset_growth",
                D("-0.25"),
                id="negative growth is a value",
            ),
            pytest.param(
                lambda: values_for(figures(revenue=D(-2_000_000))),
                "revenue_growth",
                D("-1.25"),
                id="a negative numerator is a value",
            ),
            # "... or that needs a report that is missing"
            pytest.param(
                lambda: values_for(report_prev=None),
                "revenue_growth",
                None,
                id="no Y-1 report: revenue_growth missing",
            ),
            pytest.param(
                lambda: values_for(report_prev=None),
                "net_asset_growth",
                None,
                id="no Y-1 report: net_asset_growth missing",
            ),
            pytest.param(
                lambda: values_for(report_prev=None),
                "rd_intensity",
                D("0.06"),
                id="no Y-1 report: year-Y ratios still present",
            ),
            # "new_ip = class I new + 0.25 × class II new"
            pytest.param(
                lambda: values_for(figures(class_i_ip_new=0, class_ii_ip_new=5)),
                "new_ip",
                D("1.25"),
                id="new_ip from class II only",
            ),
            pytest.param(
                lambda: values_for(figures(class_ii_ip_new=None)),
                "new_ip",
                None,
                id="new_ip with a class not filed: missing",
            ),
            # "attendance = activities attended / activities invited to in Y, 0 when not
            # invited"
            pytest.param(
                lambda: values_for(invited=0, attended=0),
                "attendance",
                D(0),
                id="not invited: attendance 0, a value",
            ),
            pytest.param(
                lambda: values_for(invited=4, attended=4),
                "attendance",
                D(1),
                id="attended all",
            ),
            pytest.param(
                lambda: values_for(invited=2, attended=3),
                "attendance",
                D(1),
                id="attending more than invited is capped at 1",
            ),
            # "visits = min(visits in Y, 3) / 3"
            pytest.param(lambda: values_for(visits=0), "visits", D(0), id="no visits: 0"),
            pytest.param(
                lambda: values_for(visits=1), "visits", D("0.333333"), id="one visit: 1/3"
            ),
            pytest.param(lambda: values_for(visits=3), "visits", D(1), id="three visits: 1"),
            pytest.param(lambda: values_for(visits=5), "visits", D(1), id="five visits: capped"),
            # "timely_report = 1 when the year-Y report was filed by its deadline, else 0"
            pytest.param(
                lambda: values_for(filed_on=DEADLINE),
                "timely_report",
                D(1),
                id="filed on the deadline counts",
            ),
            pytest.param(
                lambda: values_for(filed_on=date(2025, 7, 1)),
                "timely_report",
                D(0),
                id="filed the day after does not",
            ),
            pytest.param(
                lambda: values_for(filed_on=None),
                "timely_report",
                D(0),
                id="not filed: 0, a value",
            ),
        ],
    )
    def test_edge_case(
        self,
        compute: Callable[[], dict[str, Decimal | None]],
        code: str,
        expected: Decimal | None,
    ) -> None:
        assert compute()[code] == expected

    def test_no_year_y_report(self) -> None:
        values = values_for(None, filed_on=None)
        assert values == {
            "rd_intensity": None,
            "st_staff_ratio": None,
            "new_ip": None,
            "achievements": None,
            "revenue_growth": None,
            "net_asset_growth": None,
            "attendance": D("0.666667"),
            "visits": D("0.666667"),
            "timely_report": D(0),
        }

    def test_values_are_stored_to_six_places(self) -> None:
        values = values_for(figures(rd_expense=D(1), revenue=D(3)))
        assert values["rd_intensity"] == D("0.333333")
        assert all(v is None or v.as_tuple().exponent == -6 for v in values.values())

    def test_negative_counts_are_refused(self) -> None:
        with pytest.raises(ValueError, match="must not be negative"):
            values_for(visits=-1)

    def test_default_deadline_is_30_june_of_the_next_year(self) -> None:
        assert default_report_deadline(2024) == date(2025, 5, 31)


class TestMovement:
    # "compared year over year (rank movement)": previous position − current position.
    @pytest.mark.parametrize(
        ("previous", "expected"),
        [
            pytest.param({"ent-A": 5}, 3, id="up from 5 to 2"),
            pytest.param({"ent-A": 1}, -1, id="down from 1 to 2"),
            pytest.param({"ent-A": 2}, 0, id="unchanged"),
            pytest.param({"ent-B": 2}, None, id="absent from the previous run"),
            pytest.param({}, None, id="no previous run"),
        ],
    )
    def test_movement(self, previous: dict[str, int], expected: int | None) -> None:
        cohort = [
            CohortMember("ent-A", USCC[0], dict.fromkeys(INDICATORS, D(1))),
            CohortMember("ent-C", USCC[1], dict.fromkeys(INDICATORS, D(2))),
        ]
        current = by_uscc(rank(cohort))[USCC[0]]
        assert current.position == 2
        assert movement(previous, current) == expected


class TestExactArithmetic:
    # "Dimension score = weighted mean of its indicators' percentiles; composite = weighted
    # sum of the dimensions": checked against a reference in fractions, for random cohorts
    # with ties, missing values and uneven weights.
    @staticmethod
    def reference(
        members: Sequence[CohortMember], weights: Weights
    ) -> dict[str, tuple[Decimal, dict[str, Decimal]]]:
        n = len(members)
        percentile: dict[str, list[Fraction]] = {}
        for code in INDICATORS:
            column = [m.indicators.get(code) for m in members]
            percentile[code] = []
            for value in column:
                below = sum(
                    1
                    for other in column
                    if (value is not None and (other is None or other < value))
                )
                percentile[code].append(Fraction(100) if n == 1 else Fraction(100 * below, n - 1))

        def half_up(x: Fraction) -> Decimal:
            scaled = x * 10**6
            whole = scaled.numerator // scaled.denominator
            if scaled - whole >= Fraction(1, 2):
                whole += 1
            return Decimal(whole).scaleb(-6)

        result = {}
        for i, m in enumerate(members):
            dims: dict[str, Fraction] = {}
            for dimension in ("innovation", "growth", "participation"):
                codes = [c for c in INDICATORS if DIMENSION_OF[c] == dimension]
                total = sum((Fraction(weights.indicators[c]) for c in codes), Fraction(0))
                weighted = sum(
                    (Fraction(weights.indicators[c]) * percentile[c][i] for c in codes),
                    Fraction(0),
                )
                dims[dimension] = weighted / total
            composite = sum(
                (Fraction(weights.dimensions[d]) * v for d, v in dims.items()), Fraction(0)
            )
            result[m.uscc] = (half_up(composite), {d: half_up(v) for d, v in dims.items()})
        return result

    @pytest.mark.parametrize("seed", range(12))
    def test_agrees_with_fractions(self, seed: int) -> None:
        rng = random.Random(seed)
        size = rng.choice([1, 2, 3, 7, 11, 40])
        members = [
            member(
                COHORT_USCCS[i % len(COHORT_USCCS)] + str(i),
                {
                    c: rng.choice([None, D(rng.randint(-3, 5)), D(rng.randint(0, 3))])
                    for c in INDICATORS
                },
            )
            for i in range(size)
        ]
        cuts = sorted(rng.randint(0, 10**6) for _ in range(2))
        dimensions = {
            "innovation": D(cuts[0]).scaleb(-6),
            "growth": D(cuts[1] - cuts[0]).scaleb(-6),
            "participation": D(10**6 - cuts[1]).scaleb(-6),
        }
        weights = Weights(dimensions=dimensions)
        expected = self.reference(members, weights)
        for entry in rank(members, weights):
            composite, dims = expected[entry.uscc]
            assert entry.composite == composite
            assert entry.dimensions == dims
