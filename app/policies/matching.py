"""Which policies apply to an enterprise, and why (DOMAIN.md, "Policies and activities").

Pure: an enterprise's profile and a policy's criteria in, every criterion the policy sets
checked with the actual and required values out. A policy applies on a day when that day
lies in its validity (both ends inclusive; the repository selects those) and every criterion
it sets is met; a criterion it does not set (an
empty list, a null limit) asks nothing. Size limits read the latest annual report on file;
without one they are not met, since nothing shows the enterprise is small enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.i18n import Sentence, Yuan
from app.policies.enums import PolicyCriterion
from app.visits.rules import Rate


@dataclass(frozen=True)
class Profile:
    """What the criteria read about an enterprise on the day."""

    pools: frozenset[str]  # pools it is an active member of
    tech_field: str | None
    report_year: int | None  # the latest annual report's year
    employees: int | None
    revenue: Decimal | None
    qualifications: frozenset[str]  # qualifications valid on the day


@dataclass(frozen=True)
class Criteria:
    pools: frozenset[str] = frozenset()
    tech_fields: frozenset[str] = frozenset()
    max_employees: int | None = None
    max_revenue: Decimal | None = None
    qualification_required: str | None = None


@dataclass(frozen=True)
class Check:
    criterion: PolicyCriterion
    met: bool
    actual: str | None
    required: str
    message: Sentence


def check(criteria: Criteria, profile: Profile) -> list[Check]:
    """Every criterion the policy sets, met or not, in PolicyCriterion's order."""
    checks = []
    if criteria.pools:
        shared = sorted(criteria.pools & profile.pools)
        wanted = ", ".join(sorted(criteria.pools))
        checks.append(
            Check(
                PolicyCriterion.POOL,
                bool(shared),
                ", ".join(sorted(profile.pools)) or None,
                wanted,
                Sentence("active member of the {pools} pool", pools=", ".join(shared))
                if shared
                else Sentence("not an active member of the {pools} pool", pools=wanted),
            )
        )
    if criteria.tech_fields:
        met = profile.tech_field in criteria.tech_fields
        checks.append(
            Check(
                PolicyCriterion.TECH_FIELD,
                met,
                profile.tech_field,
                ", ".join(sorted(criteria.tech_fields)),
                Sentence("high-tech field {field}", field=profile.tech_field)
                if met
                else Sentence("high-tech field {field} is not one named", field=profile.tech_field)
                if profile.tech_field
                else Sentence("high-tech field not recorded"),
            )
        )
    if criteria.max_employees is not None:
        checks.append(
            _limit(
                PolicyCriterion.MAX_EMPLOYEES,
                profile.employees,
                criteria.max_employees,
                profile.report_year,
            )
        )
    if criteria.max_revenue is not None:
        checks.append(
            _limit(
                PolicyCriterion.MAX_REVENUE,
                profile.revenue,
                criteria.max_revenue,
                profile.report_year,
            )
        )
    if criteria.qualification_required is not None:
        held = criteria.qualification_required in profile.qualifications
        checks.append(
            Check(
                PolicyCriterion.QUALIFICATION,
                held,
                ", ".join(sorted(profile.qualifications)) or None,
                criteria.qualification_required,
                Sentence(
                    "holds a valid {qualification} qualification",
                    qualification=criteria.qualification_required,
                )
                if held
                else Sentence(
                    "holds no valid {qualification} qualification",
                    qualification=criteria.qualification_required,
                ),
            )
        )
    return checks


def _limit(
    criterion: PolicyCriterion,
    actual: int | Decimal | None,
    most: int | Decimal,
    year: int | None,
) -> Check:
    if actual is None:
        return Check(criterion, False, None, str(most), Sentence("no annual report on file"))
    met = actual <= most
    return Check(criterion, met, str(actual), str(most), _limit_sentence(actual, most, year, met))


def _limit_sentence(
    actual: int | Decimal, most: int | Decimal, year: int | None, met: bool
) -> Sentence:
    if isinstance(actual, int) and isinstance(most, int):
        return (
            Sentence(
                "{actual} employees in the {year} report, within the limit {most}",
                actual=actual,
                year=year,
                most=most,
            )
            if met
            else Sentence(
                "{actual} employees in the {year} report, above the limit {most}",
                actual=actual,
                year=year,
                most=most,
            )
        )
    values = {"actual": Yuan(actual), "year": year, "most": Yuan(most)}
    return (
        Sentence("{actual} yuan of revenue in the {year} report, within the limit {most}", **values)
        if met
        else Sentence(
            "{actual} yuan of revenue in the {year} report, above the limit {most}", **values
        )
    )


def applies(criteria: Criteria, profile: Profile) -> tuple[bool, list[Check]]:
    checks = check(criteria, profile)
    return all(c.met for c in checks), checks


def awareness_percent(told: int, eligible: int) -> Decimal | None:
    """100 × told / eligible to two places, as every rate of the service; None for none."""
    return Rate.of(told, eligible).percent
