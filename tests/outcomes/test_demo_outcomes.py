"""The demo zone's ledger reproduces the article's figures, and its catalogue explains."""

from __future__ import annotations

import itertools
from decimal import Decimal

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import demo
from app.auth.roles import Role
from app.config import Settings
from app.enterprises.models import Qualification
from app.outcomes.models import Achievement
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
            # The article's other figures: the city's first little giant and first IP-pledge
            # loan in these years, 20 projects at city level or above (one national), five
            # regional SRDI little giants, three first-of-kind products, a 6 M yuan loan.
            assert {("little_giant", None), ("ip_pledge_loan", None)} <= firsts
            assert (kinds["little_giant"]["count"], kinds["little_giant"]["previous_count"]) == (
                6,
                0,
            )
            assert kinds["first_of_kind_product"]["count"] == 3
            assert kinds["srdi_little_giant"]["count"] == 6  # five regional, one national
            since = {"achieved_from": "2023-01-01", "achieved_to": "2025-12-31"}
            listed = {}
            for kind in ("project_approved", "ip_pledge_loan", "srdi_little_giant"):
                listed[kind] = (
                    await client.get(
                        "/api/v1/achievements",
                        headers=staff,
                        params={**since, "kind": kind, "limit": 100},
                    )
                ).json()["items"]
            projects = [
                p
                for p in listed["project_approved"]
                if p["level"] in {"national", "regional", "city"}
            ]
            assert len(projects) == 20
            assert [p["level"] for p in projects].count("national") >= 1
            # Each approval in the ledger is a project the zone ran, approved that day.
            for entry in projects:
                project = (
                    await client.get(f"/api/v1/projects/{entry['reference']}", headers=staff)
                ).json()
                assert project["approved_on"] == entry["achieved_on"], entry
                assert project["level"] == entry["level"]
            assert max(Decimal(loan["amount"]) for loan in listed["ip_pledge_loan"]) == 6_000_000
            regional = [a for a in listed["srdi_little_giant"] if a["level"] == "regional"]
            assert len(regional) == 5

            # One history: every high-tech and SME qualification has its ledger entry and every
            # such entry its qualification, whichever path granted it (a pool's certified
            # exit or the ledger); no enterprise holds two overlapping certificates.
            granted = list(
                await session.scalars(
                    select(Qualification).where(Qualification.kind.in_(["hte", "sme"]))
                )
            )
            entries = list(
                await session.scalars(
                    select(Achievement).where(
                        Achievement.kind.in_(["hte_certified", "sme_registered"])
                    )
                )
            )
            assert len(granted) >= 41 + 21 + 119 + 41
            assert {q.id for q in granted} == {e.qualification_id for e in entries}
            assert len(entries) == len(granted)
            by_pool_exit = [q for q in granted if q.source == "pool_exit"]
            assert by_pool_exit, "the pools' certified exits reach the ledger"
            for kind in ("hte", "sme"):
                held: dict[object, list[Qualification]] = {}
                for q in granted:
                    if q.kind == kind:
                        held.setdefault(q.enterprise_id, []).append(q)
                for certificates in held.values():
                    ordered = sorted(certificates, key=lambda q: q.issued_on)
                    for first, second in itertools.pairwise(ordered):
                        assert second.issued_on > first.valid_until, (kind, first, second)
            policies = list(await session.scalars(select(Policy)))
            assert len(policies) >= 6 and all(p.interpretation for p in policies)
            presented = {
                policy_id
                for ids in await session.scalars(select(Visit.policies_presented))
                for policy_id in ids
            }
            assert presented and presented <= {p.id for p in policies}
