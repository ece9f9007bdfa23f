"""Specialists, visits and demands (DOMAIN.md, "Specialists, visits and demands").

Pure rules: the demand lifecycle, the 24-hour one-to-one rule, the coverage rounds, coverage,
satisfaction and the specialist assessment with its composite and team ranking. The services
load the facts and call these functions, so an API answer, a report and a test compute the
same figures from the same facts.

Figures: every percentage is 100 × numerator / denominator quantized to 0.01 with
ROUND_HALF_UP (the way a person rounds by hand, so hand-built scenarios agree); a rate with
nothing to count (denominator 0) has no percent (None), never 0 % or 100 %.

Times: every instant must be timezone-aware (a naive one is a ValueError): the 24-hour rule
compares instants, and the rounds read the calendar date in the bureau's time zone.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from typing import Final, Generic, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from app.round_windows import validate_windows

_HUNDRED = Decimal(100)
_PERCENT_PLACES = Decimal("0.01")
# Every division below runs in this context, whatever the caller's thread has set.
_CONTEXT = Context(prec=28)


def _percent(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if denominator == 0:
        return None
    with localcontext(_CONTEXT):
        return (Decimal(numerator) * _HUNDRED / Decimal(denominator)).quantize(
            _PERCENT_PLACES, rounding=ROUND_HALF_UP
        )


# --- Demand lifecycle -------------------------------------------------------------------------


class DemandStatus(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


class VisitKind(StrEnum):
    COVERAGE = "coverage"  # the three full-coverage rounds
    ON_DEMAND = "on_demand"  # one-to-one, answering a demand
    FOLLOW_UP = "follow_up"


class VisitChannel(StrEnum):
    ONSITE = "onsite"
    PHONE = "phone"
    ONLINE = "online"


class DemandCategory(StrEnum):
    """The ten categories of 企业诉求, in DOMAIN.md's order."""

    POLICY_CONSULTATION = "policy_consultation"
    PROJECT_APPLICATION = "project_application"
    QUALIFICATION_RECOGNITION = "qualification_recognition"
    FINANCING = "financing"
    TALENT = "talent"
    INTELLECTUAL_PROPERTY = "intellectual_property"
    PLATFORMS_MAKER_SPACES = "platforms_maker_spaces"
    PILOT_BASE = "pilot_base"
    PUBLICITY = "publicity"
    OTHER = "other"


# "open → responded → in_progress → resolved → closed (or rejected with reason)".
# Where DOMAIN.md is silent:
# - responded → resolved skips in_progress: a question answered in the first response
#   (a policy consultation) is resolved without work in between.
# - rejected is reachable from every state before resolved: once resolved the enterprise got
#   what it asked for, and refusing it afterwards would rewrite history.
# - closed and rejected are final; resolved can only be closed (a reopened need is a new
#   demand, so the 24-hour rule starts again for it).
# - Staying in the same state is not a move.
NEXT_DEMAND_STATUSES: Final[Mapping[DemandStatus, frozenset[DemandStatus]]] = {
    DemandStatus.OPEN: frozenset({DemandStatus.RESPONDED, DemandStatus.REJECTED}),
    DemandStatus.RESPONDED: frozenset(
        {DemandStatus.IN_PROGRESS, DemandStatus.RESOLVED, DemandStatus.REJECTED}
    ),
    DemandStatus.IN_PROGRESS: frozenset({DemandStatus.RESOLVED, DemandStatus.REJECTED}),
    DemandStatus.RESOLVED: frozenset({DemandStatus.CLOSED}),
    DemandStatus.CLOSED: frozenset(),
    DemandStatus.REJECTED: frozenset(),
}


def can_move(from_status: DemandStatus | str, to_status: DemandStatus | str) -> bool:
    """Whether a demand may go from `from_status` to `to_status`; an unknown status (a
    string that is not a DemandStatus) cannot move nor be moved to."""
    try:
        source, target = DemandStatus(from_status), DemandStatus(to_status)
    except ValueError:
        return False
    return target in NEXT_DEMAND_STATUSES[source]


# --- The 24-hour one-to-one rule --------------------------------------------------------------

# "the first response is due 24 hours after the demand is raised"
RESPONSE_WINDOW: Final = timedelta(hours=24)
_SECOND = timedelta(seconds=1)


def _require_aware(name: str, instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, not naive: {instant.isoformat()}")


@dataclass(frozen=True)
class Sla:
    """A demand's standing against the 24-hour rule.

    `breached`: the response came, or is still missing, after `due_at`. A response at
    exactly `due_at` is on time. `remaining_seconds`: whole seconds until `due_at`, rounded
    down (negative once overdue, so it is < 0 exactly when `breached`) while unanswered;
    None once responded, since nothing is then pending.
    """

    due_at: datetime
    responded_at: datetime | None
    breached: bool
    remaining_seconds: int | None


def sla(
    raised_at: datetime,
    responded_at: datetime | None,
    now: datetime,
    window: timedelta = RESPONSE_WINDOW,
) -> Sla:
    """The demand's SLA at `now`: due = raised + window; breached = (responded or now) > due.

    A response before the demand was raised is a ValueError: it points at bad data, and
    counting it as on time would hide it.
    """
    _require_aware("raised_at", raised_at)
    _require_aware("now", now)
    if responded_at is not None:
        _require_aware("responded_at", responded_at)
        if responded_at < raised_at:
            raise ValueError(
                f"responded_at {responded_at.isoformat()} is before raised_at "
                f"{raised_at.isoformat()}"
            )
    due_at = raised_at + window
    settled_at = now if responded_at is None else responded_at
    remaining = None if responded_at is not None else (due_at - now) // _SECOND
    return Sla(due_at, responded_at, settled_at > due_at, remaining)


def is_overdue(
    raised_at: datetime,
    responded_at: datetime | None,
    now: datetime,
    window: timedelta = RESPONSE_WINDOW,
) -> bool:
    """Still unanswered and past due at `now` (a breached demand that was answered late is
    breached, no longer overdue)."""
    return responded_at is None and sla(raised_at, responded_at, now, window).breached


# --- Coverage rounds --------------------------------------------------------------------------

# "three full-coverage visit rounds a year ... Default windows: Jan-Apr, May-Aug, Sep-Dec",
# as (first month, last month), both inclusive.
DEFAULT_WINDOWS: Final[tuple[tuple[int, int], ...]] = ((1, 4), (5, 8), (9, 12))


class Round(NamedTuple):
    """Round `number` (1-based) of `year`, from `starts_on` to `ends_on`, both inclusive."""

    year: int
    number: int
    starts_on: date
    ends_on: date

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def _last_day(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def rounds_of(year: int, windows: Sequence[tuple[int, int]] = DEFAULT_WINDOWS) -> list[Round]:
    """The year's rounds, numbered from 1 in the windows' order."""
    validate_windows(windows)
    return [
        Round(year, number, date(year, start, 1), _last_day(year, end))
        for number, (start, end) in enumerate(windows, start=1)
    ]


def round_of(
    instant: datetime, zone: ZoneInfo, windows: Sequence[tuple[int, int]] = DEFAULT_WINDOWS
) -> Round:
    """The round whose window holds the instant's calendar date in `zone`: a visit at
    2026-04-30T16:30Z is on 1 May in Asia/Shanghai, so in round 2."""
    _require_aware("instant", instant)
    day = instant.astimezone(zone).date()
    # The windows cover the whole year (validated by rounds_of), so one always matches.
    return next(r for r in rounds_of(day.year, windows) if r.contains(day))


# --- Rates and coverage -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """numerator / denominator with its percent; `percent` is None when there is nothing to
    count. Build it with `Rate.of`, which computes the percent."""

    numerator: int
    denominator: int
    percent: Decimal | None

    def __post_init__(self) -> None:
        if not 0 <= self.numerator <= self.denominator:
            raise ValueError(
                f"a rate needs 0 <= numerator <= denominator, got "
                f"{self.numerator}/{self.denominator}"
            )

    @classmethod
    def of(cls, numerator: int, denominator: int) -> Rate:
        return cls(numerator, denominator, _percent(numerator, denominator))


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Coverage(Generic[K]):
    """ "Coverage = enterprises with ≥ 1 visit in the window / population", with the list of
    those not yet visited, sorted by their text so the list reads the same on every call."""

    population: int
    covered: int
    percent: Decimal | None
    not_visited: list[K] = field(hash=False)

    @property
    def rate(self) -> Rate:
        return Rate(self.covered, self.population, self.percent)


def coverage(population: Iterable[K], visited: Iterable[K]) -> Coverage[K]:
    """Coverage of `population` by the enterprises in `visited` (one entry per visit).

    An enterprise counts once however many visits it had, and so does one listed twice in
    the population; visits to enterprises outside the population do not count.
    """
    # dict.fromkeys keeps the first-seen order, so ids whose texts tie keep the caller's order.
    members = dict.fromkeys(population)
    seen = set(visited)
    covered = sum(1 for member in members if member in seen)
    not_visited = sorted((m for m in members if m not in seen), key=str)
    return Coverage(len(members), covered, _percent(covered, len(members)), not_visited)


# --- Satisfaction -----------------------------------------------------------------------------

# "the enterprise rates a visit or a demand 1-5 (≥ 4 counts as satisfied)"
SATISFIED_FROM: Final = 4
SCORES: Final = range(1, 6)


def satisfaction(scores: Iterable[int]) -> Rate:
    """ "satisfaction rate = satisfied / ratings"; a score outside 1-5 is a ValueError."""
    ratings = satisfied = 0
    for score in scores:
        # bool is an int, but True is not a rating.
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
            raise ValueError(f"a satisfaction score must be an integer 1-5, not {score!r}")
        ratings += 1
        satisfied += score >= SATISFIED_FROM
    return Rate.of(satisfied, ratings)


# --- Specialist assessment --------------------------------------------------------------------


class DemandTimes(NamedTuple):
    raised_at: datetime
    responded_at: datetime | None


def on_time_rate(
    demands: Iterable[DemandTimes], period_end: datetime, window: timedelta = RESPONSE_WINDOW
) -> Rate:
    """Responded within the window / demands whose response was due by `period_end`.

    A demand still unanswered past due counts against the specialist (in the denominator,
    not the numerator). A demand due after `period_end` is left out even when already
    answered: its year is judged when its due date falls, so every demand is counted in
    exactly one assessment period.
    """
    _require_aware("period_end", period_end)
    due = on_time = 0
    for demand in demands:
        state = sla(demand.raised_at, demand.responded_at, period_end, window)
        if state.due_at > period_end:
            continue
        due += 1
        # A response after period_end is after due_at too, so it is late whatever `now` is.
        on_time += demand.responded_at is not None and not state.breached
    return Rate.of(on_time, due)


RESOLVED_STATUSES: Final = frozenset({DemandStatus.RESOLVED, DemandStatus.CLOSED})
# Demands still in the specialists' hands: not resolved, closed or rejected.
UNSETTLED_STATUSES: Final = frozenset(
    {DemandStatus.OPEN, DemandStatus.RESPONDED, DemandStatus.IN_PROGRESS}
)


def resolution_rate(statuses: Iterable[DemandStatus | str]) -> Rate:
    """Resolved or closed / demands raised: a rejected demand stays in the denominator, as
    the enterprise's need was not met."""
    raised = resolved = 0
    for status in statuses:
        raised += 1
        resolved += DemandStatus(status) in RESOLVED_STATUSES
    return Rate.of(resolved, raised)


# "composite = 0.3 coverage + 0.3 on-time + 0.2 resolution + 0.2 satisfaction"
COMPOSITE_WEIGHTS: Final[Mapping[str, Decimal]] = {
    "coverage": Decimal("0.3"),
    "on_time": Decimal("0.3"),
    "resolution": Decimal("0.2"),
    "satisfaction": Decimal("0.2"),
}


def year_coverage(rounds: Iterable[Rate]) -> Decimal | None:
    """The year's coverage: the mean of the rounds' coverage percents, over the rounds that
    had a population (a round with no assigned enterprise says nothing about the
    specialist); None when none had one. Quantized to 0.01, ROUND_HALF_UP."""
    percents = [r.percent for r in rounds if r.percent is not None]
    if not percents:
        return None
    return _percent(sum(percents, Decimal(0)), len(percents) * 100)


def composite(
    coverage: Decimal | None,
    on_time: Decimal | None,
    resolution: Decimal | None,
    satisfaction: Decimal | None,
) -> Decimal:
    """The weighted sum of the four percents, quantized to 0.01 (ROUND_HALF_UP).

    A missing percent (None: nothing to count) counts as 0, without re-weighting the
    others: a specialist with nothing to do earns nothing for it, and the composite keeps one
    scale for the whole team. The assessment shows every rate with its numerator and
    denominator, so a 0 that comes from "nothing to count" is visible as such.
    """
    parts = {
        "coverage": coverage,
        "on_time": on_time,
        "resolution": resolution,
        "satisfaction": satisfaction,
    }
    with localcontext(_CONTEXT):
        total = sum(
            (COMPOSITE_WEIGHTS[name] * (value or Decimal(0)) for name, value in parts.items()),
            Decimal(0),
        )
        return total.quantize(_PERCENT_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SpecialistScores:
    """A specialist's year: coverage per round, on-time response, resolution, satisfaction.

    `specialist_id` is the id as text (a UUID's text sorts as the UUID does).
    """

    specialist_id: str
    rounds: tuple[Rate, ...]
    on_time: Rate
    resolution: Rate
    satisfaction: Rate

    @property
    def coverage(self) -> Decimal | None:
        return year_coverage(self.rounds)

    @property
    def composite(self) -> Decimal:
        return composite(
            self.coverage,
            self.on_time.percent,
            self.resolution.percent,
            self.satisfaction.percent,
        )


@dataclass(frozen=True)
class RankedSpecialist:
    position: int
    specialist_id: str
    composite: Decimal
    scores: SpecialistScores


def _rank_key(entry: SpecialistScores) -> tuple[Decimal, Decimal, str]:
    # Negated for descending order; a missing on-time rate sorts below every real one.
    on_time = entry.on_time.percent if entry.on_time.percent is not None else Decimal(-1)
    return (-entry.composite, -on_time, entry.specialist_id)


def rank_specialists(entries: Sequence[SpecialistScores]) -> list[RankedSpecialist]:
    """The team ranking: composite (as shown, to 0.01) descending, then on-time percent
    descending (responding within 24 hours is the service's promise), then specialist id
    ascending. Positions run 1..n with no shared place, so the order is total and
    reproducible."""
    ids = [entry.specialist_id for entry in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("each specialist may appear only once in a ranking")
    ordered = sorted(entries, key=_rank_key)
    return [
        RankedSpecialist(position, entry.specialist_id, entry.composite, entry)
        for position, entry in enumerate(ordered, start=1)
    ]
