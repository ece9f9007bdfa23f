"""The demo zone's outcomes ledger, shaped like the article's figures: 2023-2025 against
2020-2022 gives 41 high-tech enterprises against 21 (+95 %), 119 tech-based SMEs against 41
(nearly 3×), 40.05 M yuan of funding against 19.44 M (+106 %), and 16 awards (4 first,
5 second, 7 third) with 5.15 M yuan of prizes against 2.146 M (+140 %); the zone's first
national SRDI little giant and first first-of-kind product fall in 2024; and the current
year so far has a few entries of its own, for the dashboard."""

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
from app.outcomes import repository
from app.outcomes.models import Achievement
from app.outcomes.schemas import AchievementFilter
from app.pools import service as pool_service

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
    cultivated: list[uuid.UUID],
) -> None:
    if (
        not enterprise_ids
        or (await session.scalars(repository.achievements(AchievementFilter()).limit(1))).first()
    ):
        return

    rng = random.Random(2023)
    # The certified come from the pools the bureau cultivates (so the zone's tech
    # enterprises, and the visits' population, stay those it already serves).
    candidates = cultivated or enterprise_ids
    rows: list[Achievement] = []

    async def qualifying(kind: str, granted: QualificationKind, day: date, n: int) -> None:
        enterprise_id = rng.choice(candidates)
        prefix = "GR" if granted is QualificationKind.HTE else "KJ"
        reference = f"{prefix}{day.year}65{n:06d}"
        qualification_id = await pool_service.record_qualification(
            session,
            actor,
            enterprise_id,
            granted,
            reference=reference,
            issued_on=day,
            source="achievement",
        )
        level = "national" if granted is QualificationKind.HTE else "regional"
        rows.append(
            Achievement(
                kind=kind,
                enterprise_id=enterprise_id,
                achieved_on=day,
                level=level,
                reference=reference,
                qualification_id=qualification_id,
            )
        )

    def entry(kind: str, day: date, **values: object) -> None:
        rows.append(
            Achievement(
                kind=kind, enterprise_id=rng.choice(enterprise_ids), achieved_on=day, **values
            )
        )

    serial = 0
    for period in (PREVIOUS, ARTICLE):
        for _ in range(HTE[period]):
            serial += 1
            await qualifying("hte_certified", QualificationKind.HTE, _day(rng, period), serial)
        for _ in range(SME[period]):
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
        for _ in range(6 if period == ARTICLE else 3):
            entry("little_giant", _day(rng, period), level="city")
        for _ in range(5 if period == ARTICLE else 2):
            entry(
                "project_approved",
                _day(rng, period),
                level=rng.choice(["regional", "city"]),
                amount=Decimal(rng.randint(10, 80) * 10000),
            )
        for _ in range(4 if period == ARTICLE else 1):
            entry(
                "ip_pledge_loan",
                _day(rng, period),
                amount=Decimal(rng.randint(50, 500) * 10000),
                note="中国银行知贷通",
            )
    # The zone's firsts: regional SRDI little giants since 2021, the first national one and
    # the first first-of-kind product in 2024.
    entry("srdi_little_giant", date(2021, 9, 15), level="regional")
    entry("srdi_little_giant", date(2023, 10, 20), level="regional")
    entry("srdi_little_giant", date(2024, 8, 1), level="national")
    entry("first_of_kind_product", date(2024, 11, 5), level="regional", note="首台套")
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
