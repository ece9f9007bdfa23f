from __future__ import annotations

from enum import StrEnum


class PolicyLevel(StrEnum):
    """Who issued the policy: the state, the autonomous region, the city or the district."""

    NATIONAL = "national"
    REGIONAL = "regional"
    CITY = "city"
    DISTRICT = "district"


class PolicyCriterion(StrEnum):
    """What a policy's `criteria` can ask of an enterprise; each match names the ones met."""

    POOL = "pool"  # an active member of one of the pools
    TECH_FIELD = "tech_field"  # in one of the high-tech fields
    MAX_EMPLOYEES = "max_employees"  # at most this many employees (latest annual report)
    MAX_REVENUE = "max_revenue"  # at most this revenue (latest annual report)
    QUALIFICATION = "qualification"  # holds this qualification, valid on the day
