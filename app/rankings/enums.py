from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """A run is computed as a draft; publishing makes it the pool's ranking of record for the
    year; publishing another run of the same pool and year supersedes it (both are kept)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class Dimension(StrEnum):
    """The ranking's three dimensions, in DOMAIN.md's order (the short board's tie-break)."""

    INNOVATION = "innovation"
    GROWTH = "growth"
    PARTICIPATION = "participation"


class Indicator(StrEnum):
    """The nine indicators, in DOMAIN.md's order (the short board's tie-break)."""

    RD_INTENSITY = "rd_intensity"
    ST_STAFF_RATIO = "st_staff_ratio"
    NEW_IP = "new_ip"
    ACHIEVEMENTS = "achievements"
    REVENUE_GROWTH = "revenue_growth"
    NET_ASSET_GROWTH = "net_asset_growth"
    ATTENDANCE = "attendance"
    VISITS = "visits"
    TIMELY_REPORT = "timely_report"
