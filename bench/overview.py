"""The dashboard overview on the demo zone: one call, through HTTP, authorised.

Target (issue 8): GET /api/v1/statistics/overview answers in under 100 ms on the demo data.
Runs on DATABASE_URL's server or the embedded one, in a database of its own
(`tas_bench_overview`) seeded with the demo zone, dropped at the end. Timed in process
(ASGI transport: no network), after warm-up, so the figure is the service's own work.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from app import demo
from app.auth.models import User
from app.auth.security import issue_token
from app.config import Settings
from app.db import (
    create_database,
    create_engine,
    create_session_factory,
    drop_database,
    with_database,
)
from app.main import create_app
from app.migrations import upgrade
from app.outcomes.models import Achievement
from app.overview import service
from app.visits.models import Visit
from bench.search import server_url

RUNS = 50
WARM_UP = 5
TARGET_MS = 100.0
SECRET = "bench-" + "x" * 26


def _summary(label: str, times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1]
    verdict = "ok" if p95 < TARGET_MS else "OVER TARGET"
    return f"{label:<34}median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms   {verdict}"


async def run(url: str) -> None:
    await create_database(url, drop_first=True)
    await asyncio.to_thread(upgrade, url)
    settings = Settings.model_validate(
        {"database_url": url, "secret_key": SECRET, "alert_sweep_enabled": False}
    )
    engine = create_engine(url, settings)
    factory = create_session_factory(engine)
    try:
        started = time.perf_counter()
        await demo.seed(factory, settings)
        async with factory() as session:
            manager = await session.scalar(
                select(User).where(User.email == "manager@demo.example.com")
            )
            assert manager is not None
            visits = await session.scalar(select(func.count()).select_from(Visit))
            outcomes = await session.scalar(select(func.count()).select_from(Achievement))
        print(
            f"demo zone seeded in {time.perf_counter() - started:.1f} s "
            f"({visits} visits, {outcomes} ledger entries)"
        )
        token, _ = issue_token(manager.id, manager.credential_version, SECRET, timedelta(hours=1))
        headers = {"Authorization": f"Bearer {token}"}

        service_times = []
        for index in range(WARM_UP + RUNS):
            began = time.perf_counter()
            async with factory() as session:
                await service.overview(session, settings)
            if index >= WARM_UP:
                service_times.append((time.perf_counter() - began) * 1000)

        app = create_app(settings, session_factory=factory)
        http_times = []
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            for index in range(WARM_UP + RUNS):
                began = time.perf_counter()
                response = await client.get("/api/v1/statistics/overview", headers=headers)
                elapsed = (time.perf_counter() - began) * 1000
                response.raise_for_status()
                if index >= WARM_UP:
                    http_times.append(elapsed)
        print(f"\n{RUNS} calls each, after {WARM_UP} warm-up calls; target < {TARGET_MS:.0f} ms")
        print(_summary("service.overview()", service_times))
        print(_summary("GET /api/v1/statistics/overview", http_times))
    finally:
        await engine.dispose()
        await drop_database(url)


def main() -> None:
    base, server = server_url()
    try:
        asyncio.run(run(with_database(base, "tas_bench_overview")))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
