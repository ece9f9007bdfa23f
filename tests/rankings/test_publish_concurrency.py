"""Publishing on a live server, where transactions really commit: staff publishing several
drafts of one pool and year at once all succeed, one after the other, and exactly one run of
record remains."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.enterprises.test_annual_reports import report
from tests.enterprises.test_enterprises import body as enterprise_body

PUBLISHERS = 6


class TestConcurrentPublish:
    async def test_two_publishers_leave_one_run_of_record(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        base, admin = live_api
        async with httpx.AsyncClient(base_url=base, headers=admin, timeout=120) as client:
            for n in range(3):
                created = await client.post(
                    "/api/v1/enterprises",
                    json=enterprise_body(name=f"克拉玛依市并发发布{uuid.uuid4().hex[:6]}{n}公司"),
                )
                assert created.status_code == 201, created.text
                enterprise_id = created.json()["id"]
                filed = await client.put(
                    f"/api/v1/enterprises/{enterprise_id}/annual-reports/2024",
                    json=report(employees=80 + n),
                )
                assert filed.status_code in (200, 201), filed.text
                entered = await client.post(
                    "/api/v1/pools/sme/members",
                    json={
                        "enterprise_id": enterprise_id,
                        "tier": "selected",
                        "reason": "并发发布测试",
                        "effective_on": "2025-02-01",
                    },
                )
                assert entered.status_code == 201, entered.text
            drafts = []
            for _ in range(PUBLISHERS):
                response = await client.post("/api/v1/rankings", json={"pool": "sme", "year": 2025})
                assert response.status_code == 201, response.text
                drafts.append(response.json()["id"])

            answers = await asyncio.gather(
                *(client.post(f"/api/v1/rankings/{run}/publish") for run in drafts)
            )

            assert [a.status_code for a in answers] == [200] * PUBLISHERS, [a.text for a in answers]
            runs = (
                await client.get("/api/v1/rankings", params={"pool": "sme", "year": 2025})
            ).json()["items"]
            statuses = sorted(r["status"] for r in runs if r["id"] in drafts)
            assert statuses == ["published"] + ["superseded"] * (PUBLISHERS - 1)
            assert [r["status"] for r in runs].count("published") == 1
