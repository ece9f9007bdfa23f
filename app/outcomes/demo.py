"""The demo zone's outcomes ledger, shaped like the article's figures: 2023-2025 against
2020-2022 gives 41 high-tech enterprises against 21 (+95 %), 119 tech-based SMEs against 41
(nearly 3×), 40.05 M yuan of funding against 19.44 M (+106 %), and 16 awards (4 first,
5 second, 7 third) with 5.15 M yuan of prizes against 2.146 M (+140 %) (the 20 projects
approved at city level or above come from the projects' own approvals); five regional SRDI
little giants and the zone's first national one (2024); three first-of-kind products, the
first in 2024; the city's first little giants and first IP-pledge loans (one of 6 M yuan);
and the current year so far has a few entries of its own, for the dashboard."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Principal
from app.config import Settings
from app.enterprises.enums import QualificationKind
from app.outcomes import repository, service
from app.outcomes.enums import AchievementKind, AchievementLevel
from app.outcomes.models import Achievement
from app.outcomes.schemas import AchievementCreate, AchievementFilter
from app.pools import service as pool_service
from app.pools.enums import Pool

PREVIOUS = (2020, 2022)
ARTICLE = (2023, 2025)

# (period, count) of the qualifying kinds.
HTE = {PREVIOUS: 21, ARTICLE: 41}
SME = {PREVIOUS: 41, ARTICLE: 119}
FUNDING = {PREVIOUS: Decimal("19440000"), ARTICLE: Decimal("40050000")}
# grade → prizes, yuan: 4 + 5 + 7 awards making 5,150,000; 2 + 3 + 5 making 2,146,000.
AWARDS = {
    ARTICLE: {
        1: ["500000"] * 4,
        2: ["300000"] * 5,
        3: ["250000"] * 5 + ["200000"] * 2,
    },
    PREVIOUS: {
        1: ["400000"] * 2,
        2: ["200000"] * 3,
        3: ["150000"] * 4 + ["146000"],
    },
}


def _day(rng: random.Random, years: tuple[int, int]) -> date:
    first, last = date(years[0], 1, 1), date(years[1], 12, 31)
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _parts(rng: random.Random, total: Decimal, count: int) -> list[Decimal]:
    """`count` round amounts (tens of thousands of yuan) adding up to `total` exactly."""
    cuts = sorted(rng.sample(range(1, int(total / 10000)), count - 1))
    bounds = [0, *cuts, int(total / 10000)]
    return [Decimal((b - a) * 10000) for a, b in itertools.pairwise(bounds)]


async def seed(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    enterprise_ids: list[uuid.UUID],
) -> None:
    # The pools' certified exits write ledger entries of their own: the awards, which only
    # this seeder writes, say whether it ran.
    awards = AchievementFilter(kind=AchievementKind.COMPETITION_AWARD)
    if (
        not enterprise_ids
        or (await session.scalars(repository.achievements(awards).limit(1))).first()
    ):
        return

    rng = random.Random(2023)
    rows: list[Achievement] = []
    # A certificate goes to an enterprise outside the pool that cultivates it (its entry
    # rule refuses a holder), one per enterprise: no two overlapping high-tech certificates,
    # no two SME registrations in a year.
    in_pool = {
        granted: await pool_service.enterprises_in_pool_on(
            session, pool, clock.today(settings.zone)
        )
        for granted, pool in ((QualificationKind.HTE, Pool.HTE), (QualificationKind.SME, Pool.SME))
    }
    holders: dict[tuple[QualificationKind, int], set[uuid.UUID]] = {}
    # The certificates the pools granted already stand in the ledger: their holders too.
    for granted, kind in (
        (QualificationKind.HTE, "hte_certified"),
        (QualificationKind.SME, "sme_registered"),
    ):
        for held in await session.scalars(repository.achievements(AchievementFilter(kind=kind))):
            year = 0 if granted is QualificationKind.HTE else held.achieved_on.year
            holders.setdefault((granted, year), set()).add(held.enterprise_id)

    async def qualifying(kind: str, granted: QualificationKind, day: date, n: int) -> None:
        # High-tech certificates are three years long: one per enterprise over the ledger.
        key = (granted, 0 if granted is QualificationKind.HTE else day.year)
        taken = holders.setdefault(key, set())
        free = [e for e in enterprise_ids if e not in in_pool[granted] and e not in taken]
        enterprise_id = rng.choice(free)
        taken.add(enterprise_id)
        prefix = "GR" if granted is QualificationKind.HTE else "KJ"
        await service.record(
            session,
            settings,
            actor,
            AchievementCreate(
                kind=AchievementKind(kind),
                enterprise_id=enterprise_id,
                achieved_on=day,
                level=AchievementLevel.NATIONAL
                if granted is QualificationKind.HTE
                else AchievementLevel.REGIONAL,
                reference=f"{prefix}{day.year}65{n:06d}",
            ),
        )

    def entry(kind: str, day: date, **values: object) -> None:
        rows.append(
            Achievement(
                kind=kind, enterprise_id=rng.choice(enterprise_ids), achieved_on=day, **values
            )
        )

    async def still_to_grant(kind: str, period: tuple[int, int], total: int) -> int:
        # Certificates the pools granted already stand in the ledger, and count.
        since, until = date(period[0], 1, 1), date(period[1], 12, 31)
        return total - await repository.count_of(session, kind, since, until)

    serial = 0
    for period in (PREVIOUS, ARTICLE):
        for _ in range(await still_to_grant("hte_certified", period, HTE[period])):
            serial += 1
            await qualifying("hte_certified", QualificationKind.HTE, _day(rng, period), serial)
        for _ in range(await still_to_grant("sme_registered", period, SME[period])):
            serial += 1
            await qualifying("sme_registered", QualificationKind.SME, _day(rng, period), serial)
        for amount in _parts(rng, FUNDING[period], 12 if period == ARTICLE else 8):
            entry("funding_awarded", _day(rng, period), level="regional", amount=amount)
        for grade, prizes in AWARDS[period].items():
            for prize in prizes:
                entry(
                    "competition_award",
                    _day(rng, period),
                    level="regional",
                    grade=grade,
                    amount=Decimal(prize),
                    note="克拉玛依市创新创业大赛",
                )
        # The city's first little giants and first IP-pledge loans fall in the article's
        # years: none before.
        for _ in range(6 if period == ARTICLE else 0):
            entry("little_giant", _day(rng, period), level="city")
        for n in range(4 if period == ARTICLE else 0):
            entry(
                "ip_pledge_loan",
                _day(rng, period),
                # The article's 6 M yuan loan, and smaller ones.
                amount=Decimal(6_000_000) if n == 0 else Decimal(rng.randint(50, 500) * 10000),
                note="中国银行知贷通",
            )
    # The zone's firsts: a regional SRDI little giant in 2021, five more in 2023-2025 and
    # the first national one in 2024; the first first-of-kind products (three) from 2024.
    entry("srdi_little_giant", date(2021, 9, 15), level="regional")
    for day in (date(2023, 10, 20), date(2024, 3, 12), date(2024, 9, 30), date(2025, 5, 8)):
        entry("srdi_little_giant", day, level="regional")
    entry("srdi_little_giant", date(2025, 10, 16), level="regional")
    entry("srdi_little_giant", date(2024, 8, 1), level="national")
    for day in (date(2024, 11, 5), date(2025, 4, 18), date(2025, 11, 26)):
        entry("first_of_kind_product", day, level="regional", note="首台套")
    today = clock.today(settings.zone)
    if today.year > ARTICLE[1]:
        # This year so far, for the dashboard.
        so_far = (date(today.year, 1, 1), today - timedelta(days=1))
        if so_far[1] >= so_far[0]:
            span = (so_far[1] - so_far[0]).days
            for n in range(8):
                serial += 1
                await qualifying(
                    "sme_registered",
                    QualificationKind.SME,
                    so_far[0] + timedelta(days=rng.randint(0, span)),
                    serial,
                )
                entry(
                    "funding_awarded" if n % 2 else "competition_award",
                    so_far[0] + timedelta(days=rng.randint(0, span)),
                    level="regional",
                    amount=Decimal(rng.randint(20, 200) * 10000),
                    **({"grade": 1 + n % 3} if n % 2 == 0 else {}),
                )
    session.add_all(rows)
    await session.flush()
