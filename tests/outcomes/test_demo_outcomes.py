"""The demo zone's ledger reproduces the article's figures, and its catalogue explains."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import demo
from app.auth.roles import Role
from app.config import Settings
from app.enterprises.models import Qualification
from app.policies.models import Policy
from app.visits.models import Visit
from tests.factories import headers_for


class TestDemoOutcomes:
    async def test_the_article_comes_out_of_the_demo(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        client: httpx.AsyncClient,
    ) -> None:
        await demo.seed(session_factory, settings)
        await demo.seed(session_factory, settings)  # idempotent
        async with session_factory() as session:
            staff = await headers_for(session, Role.MANAGER)
            await session.commit()
            body = (
                await client.get(
                    "/api/v1/statistics/outcomes",
                    headers=staff,
                    params={"from": "2023-01-01", "to": "2025-12-31"},
                )
            ).json()
            kinds = {k["kind"]: k for k in body["kinds"]}
            assert (kinds["hte_certified"]["count"], kinds["hte_certified"]["previous_count"]) == (
                41,
                21,
            )
            assert round(Decimal(kinds["hte_certified"]["count_growth_percent"])) == 95
            assert (
                kinds["sme_registered"]["count"],
                kinds["sme_registered"]["previous_count"],
            ) == (
                119,
                41,
            )
            funding = kinds["funding_awarded"]
            assert (funding["amount"], funding["previous_amount"]) == (
                "40050000.00",
                "19440000.00",
            )
            awards = kinds["competition_award"]
            assert (awards["count"], awards["amount"]) == (16, "5150000.00")
            assert round(Decimal(awards["amount_growth_percent"])) == 140
            assert [g["count"] for g in body["award_grades"]] == [4, 5, 7]
            firsts = {(f["kind"], f["level"]) for f in body["firsts"]}
            assert {("srdi_little_giant", "national"), ("first_of_kind_product", None)} <= firsts

            # Every qualifying entry recorded its qualification.
            recorded = await session.scalar(
                select(func.count())
                .select_from(Qualification)
                .where(Qualification.source == "achievement")
            )
            assert recorded is not None and recorded >= 41 + 21 + 119 + 41
            policies = list(await session.scalars(select(Policy)))
            assert len(policies) >= 6 and all(p.interpretation for p in policies)
            presented = {
                policy_id
                for ids in await session.scalars(select(Visit.policies_presented))
                for policy_id in ids
            }
            assert presented and presented <= {p.id for p in policies}
