"""The sweep across replicas: concurrent sweeps record one set of events; the daily job runs
once a day; its clock is the zone's."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock
from app.config import Settings
from app.projects.jobs import ALERT_SWEEP
from app.scheduling import daily as scheduler
from tests.factories import random_uscc


class TestConcurrentSweeps:
    async def test_two_sweeps_at_once_record_one_set_of_events(
        self, live_api: tuple[str, dict[str, str]], settings: Settings
    ) -> None:
        base, admin = live_api
        today = clock.today(settings.zone)
        async with httpx.AsyncClient(base_url=base, headers=admin, timeout=60) as client:
            enterprise = await client.post(
                "/api/v1/enterprises", json={"uscc": random_uscc(), "name": "并发扫描测试有限公司"}
            )
            assert enterprise.status_code == 201, enterprise.text
            project = (
                await client.post(
                    "/api/v1/projects",
                    json={
                        "enterprise_id": enterprise.json()["id"],
                        "title": "并发扫描",
                        "level": "district",
                        "status": "in_progress",
                        "start_on": (today - timedelta(days=20)).isoformat(),
                        "end_on": (today + timedelta(days=300)).isoformat(),
                    },
                )
            ).json()
            # One of 100 weight units overdue by 10 days: red, and too little expected for SPI.
            for title, due, weight in [
                ("一", today - timedelta(days=10), "1"),
                ("二", today + timedelta(days=290), "99"),
            ]:
                created = await client.post(
                    f"/api/v1/projects/{project['id']}/milestones",
                    json={"title": title, "due_on": due.isoformat(), "weight": weight},
                )
                assert created.status_code == 201, created.text
            assert (await client.get(f"/api/v1/projects/{project['id']}")).json()["alert"][
                "color"
            ] == "red"

            policy = (await client.get("/api/v1/alert-policy")).json()
            thresholds: dict[str, Any] = {
                k: v for k, v in policy.items() if k not in {"version", "created_at", "created_by"}
            }
            # Red only after 30 days overdue: the project turns green at the next sweep.
            relaxed = await client.put(
                "/api/v1/alert-policy", json={**thresholds, "overdue_after_days": 30}
            )
            assert relaxed.status_code == 200, relaxed.text
            try:
                first, second = await asyncio.gather(
                    client.post("/api/v1/alerts/sweep"), client.post("/api/v1/alerts/sweep")
                )
                assert first.status_code == second.status_code == 200
                assert sorted([first.json()["changed"] > 0, second.json()["changed"] > 0]) == [
                    False,
                    True,
                ]
                events = (
                    await client.get(f"/api/v1/projects/{project['id']}/alert-events")
                ).json()["items"]
                assert [
                    (e["from_color"], e["to_color"], e["cause"])
                    for e in events
                    if e["cause"] == "sweep"
                ] == [("red", "green", "sweep")]
            finally:
                await client.put("/api/v1/alert-policy", json=thresholds)


class TestDailyJob:
    def test_it_waits_for_01_00_in_the_zone(self, settings: Settings) -> None:
        # 16:30 UTC is 00:30 in Shanghai: half an hour to go.
        assert (
            scheduler.seconds_until(
                ALERT_SWEEP.at, datetime(2026, 3, 1, 16, 30, tzinfo=UTC), settings
            )
            == 1800
        )
        # 17:00 UTC is 01:00 there: the next run is tomorrow's.
        assert (
            scheduler.seconds_until(
                ALERT_SWEEP.at, datetime(2026, 3, 1, 17, 0, tzinfo=UTC), settings
            )
            == 86400
        )

    async def test_a_day_is_swept_once(self, session: AsyncSession, settings: Settings) -> None:
        first = await scheduler.run_today(ALERT_SWEEP, session, settings)
        assert first is not None
        assert await scheduler.run_today(ALERT_SWEEP, session, settings) is None

    async def test_a_worker_sweeps_the_day_as_it_starts_and_then_waits_for_01_00(
        self, session_factory: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        # A day whose 01:00 passed with no replica up (a night-time deploy) is still swept.
        said: list[str] = []
        spoke = asyncio.Event()

        class Heard(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                said.append(record.getMessage())
                spoke.set()

        heard = Heard()
        scheduler.logger.addHandler(heard)
        level = scheduler.logger.level
        scheduler.logger.setLevel(logging.INFO)
        loop = asyncio.create_task(scheduler.run_daily(ALERT_SWEEP, session_factory, settings))
        try:
            await asyncio.wait_for(spoke.wait(), 30)
            await asyncio.sleep(0.05)  # a second run would have begun by now
            assert not loop.done()  # asleep until 01:00
        finally:
            loop.cancel()
            scheduler.logger.removeHandler(heard)
            scheduler.logger.setLevel(level)
        assert said == ["daily alert sweep"]
        async with session_factory() as session:
            # The day is taken: the 01:00 run, or another replica starting, sweeps nothing.
            assert await scheduler.run_today(ALERT_SWEEP, session, settings) is None
