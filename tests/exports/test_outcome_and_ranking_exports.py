"""Exports of the outcomes ledger and of the rankings of record."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.exports.registry import ACHIEVEMENTS, RANKINGS
from app.outcomes.models import Achievement
from app.rankings.models import RankingEntry, RankingRun
from tests.factories import make_api_key, make_enterprise
from tests.problems import assert_problem


def lines(response: httpx.Response) -> list[dict[str, object]]:
    return [json.loads(line) for line in response.text.splitlines()]


async def run(
    session: AsyncSession, status: str, enterprise_id: uuid.UUID, uscc: str
) -> RankingRun:
    now = datetime.now(UTC)
    ranking = RankingRun(
        pool="hte",
        year=2025,
        status=status,
        weights={},
        top_share=Decimal("0.1"),
        report_deadline=date(2026, 6, 30),
        cohort_on=date(2025, 12, 31),
        cohort_size=1,
        incentive_count=1,
        incomplete_count=0,
        computed_at=now,
        published_at=None if status == "draft" else now,
        superseded_at=now if status == "superseded" else None,
    )
    session.add(ranking)
    await session.flush()
    session.add(
        RankingEntry(
            run_id=ranking.id,
            position=1,
            enterprise_id=enterprise_id,
            uscc=uscc,
            name="克拉玛依市导出有限公司",
            composite=Decimal("100.000000"),
            innovation=Decimal("100.000000"),
            growth=Decimal("100.000000"),
            participation=Decimal("100.000000"),
            indicators={},
            short_board={"dimension": "innovation", "indicator": "rd_intensity"},
            short_board_dimension="innovation",
            incentive=True,
            data_incomplete=False,
        )
    )
    await session.flush()
    return ranking


class TestAchievementExport:
    async def test_the_ledger_with_exact_amounts_under_read_outcomes(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        award = Achievement(
            kind="competition_award",
            enterprise_id=enterprise.id,
            achieved_on=date(2025, 9, 20),
            level="regional",
            amount=Decimal("500000.00"),
            grade=1,
        )
        session.add(award)
        await session.flush()
        _, secret = await make_api_key(session, scopes=["read:outcomes"])
        response = await client.get(
            "/api/v1/exports/achievements", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 200, response.text
        [row] = lines(response)
        assert list(row) == [c.name for c in ACHIEVEMENTS.columns]
        assert (row["id"], row["uscc"], row["amount"], row["grade"]) == (
            str(award.id),
            enterprise.uscc,
            "500000.00",
            1,
        )
        _, narrow = await make_api_key(session, scopes=["read:enterprises"])
        refused = await client.get(
            "/api/v1/exports/achievements", headers={"Authorization": f"Bearer {narrow}"}
        )
        assert_problem(refused, 403, "scope_missing")


class TestRankingExport:
    async def test_runs_of_record_only_never_drafts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        published = await run(session, "published", enterprise.id, enterprise.uscc)
        superseded = await run(session, "superseded", enterprise.id, enterprise.uscc)
        await run(session, "draft", enterprise.id, enterprise.uscc)
        _, secret = await make_api_key(session, scopes=["read:rankings"])
        response = await client.get(
            "/api/v1/exports/rankings",
            headers={"Authorization": f"Bearer {secret}"},
            params={"format": "csv"},
        )
        assert response.status_code == 200, response.text
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert list(rows[0]) == [c.name for c in RANKINGS.columns]
        assert sorted((r["run_id"], r["status"]) for r in rows) == sorted(
            [(str(published.id), "published"), (str(superseded.id), "superseded")]
        )
        assert {(r["short_board_indicator"], r["composite"]) for r in rows} == {
            ("rd_intensity", "100.000000")
        }
