"""The applications' statistics (申报统计), pure: each campaign's funnel, pass rates by a key,
coaching minutes per approval, and the calibration of the readiness rules against the
decisions (did the applications the assessment passed on its minimum score get approved?)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from app.visits.rules import Rate

__all__ = ["Rate"]

K = TypeVar("K", bound=Hashable)

APPROVED, REJECTED = "approved", "rejected"


@dataclass(frozen=True)
class ApplicationFact:
    """What the statistics read of one application."""

    campaign_id: uuid.UUID
    kind: str
    status: str
    submitted: bool  # it reached `submitted` (whatever became of it)
    tier_at_submission: str | None
    specialist_id: uuid.UUID | None
    predicted_pass: bool | None  # the stored assessment's verdict; None without one
    coaching_minutes: int

    @property
    def decided(self) -> bool:
        return self.status in (APPROVED, REJECTED)

    @property
    def approved(self) -> bool:
        return self.status == APPROVED


@dataclass(frozen=True)
class Funnel:
    eligible: int | None  # by the rules; None where no rules say (projects, little giants)
    preparing: int  # every application opened
    submitted: int
    approved: int
    rejected: int
    withdrawn: int


@dataclass(frozen=True)
class Calibration:
    """Decided applications by the assessment's verdict at submission and the decision."""

    predicted_pass_approved: int
    predicted_pass_rejected: int
    predicted_fail_approved: int
    predicted_fail_rejected: int
    unpredicted_approved: int
    unpredicted_rejected: int

    @property
    def pass_held(self) -> Rate:
        """Of those predicted to pass, the share approved."""
        n = self.predicted_pass_approved
        return Rate.of(n, n + self.predicted_pass_rejected)

    @property
    def fail_held(self) -> Rate:
        """Of those predicted to fail, the share rejected."""
        n = self.predicted_fail_rejected
        return Rate.of(n, n + self.predicted_fail_approved)

    @property
    def agreement(self) -> Rate:
        held = self.predicted_pass_approved + self.predicted_fail_rejected
        predicted = held + self.predicted_pass_rejected + self.predicted_fail_approved
        return Rate.of(held, predicted)


def funnel(eligible: int | None, facts: Iterable[ApplicationFact]) -> Funnel:
    facts = list(facts)
    return Funnel(
        eligible=eligible,
        preparing=len(facts),
        submitted=sum(f.submitted for f in facts),
        approved=sum(f.approved for f in facts),
        rejected=sum(f.status == REJECTED for f in facts),
        withdrawn=sum(f.status == "withdrawn" for f in facts),
    )


def pass_rates(
    facts: Sequence[ApplicationFact], key: Callable[[ApplicationFact], K]
) -> dict[K, Rate]:
    """Approved / decided (approved or rejected) per key, for the keys with any decision."""
    decided: dict[K, list[ApplicationFact]] = defaultdict(list)
    for fact in facts:
        if fact.decided:
            decided[key(fact)].append(fact)
    return {k: Rate.of(sum(f.approved for f in group), len(group)) for k, group in decided.items()}


def minutes_per_approval(facts: Sequence[ApplicationFact]) -> Decimal | None:
    """Coaching minutes spent on all the applications, per approval (None without one)."""
    approvals = sum(f.approved for f in facts)
    if approvals == 0:
        return None
    minutes = sum(f.coaching_minutes for f in facts)
    return (Decimal(minutes) / approvals).quantize(Decimal("0.1"), ROUND_HALF_UP)


def calibration(facts: Iterable[ApplicationFact]) -> Calibration:
    counts: dict[tuple[bool | None, bool], int] = defaultdict(int)
    for fact in facts:
        if fact.decided:
            counts[(fact.predicted_pass, fact.approved)] += 1
    return Calibration(
        predicted_pass_approved=counts[(True, True)],
        predicted_pass_rejected=counts[(True, False)],
        predicted_fail_approved=counts[(False, True)],
        predicted_fail_rejected=counts[(False, False)],
        unpredicted_approved=counts[(None, True)],
        unpredicted_rejected=counts[(None, False)],
    )
