"""The read path beside its floor, in one run, at 100k enterprises.

Two real uvicorn processes on loopback against one database: the service
(`python -m app.cli serve`, WEB_CONCURRENCY workers) and the floor (bench/floor.py: a bare
ASGI app on an asyncpg pool, one SELECT per request, the same JSON: the run checks that both
answer the same body before it measures). The same load generator, with the same connections
and duration, drives both, one after the other, route by route; it prints the requests per
second of each and the ratio service / floor. `/health/live` of each comes first: it shows
what the generator and the HTTP stack alone can carry on this machine (the ceiling the other
figures are read against).

    python -m bench.reads                      # 16 connections, 10 s a route, 1 worker
    python -m bench.reads --workers 2          # WEB_CONCURRENCY=2 (and 2 floor workers)
    python -m bench.reads --duration 3         # a quick check
    python -m bench.reads --client builtin     # without wrk (apt-get install wrk)

Runs on DATABASE_URL's server or the embedded one, in its own database (`tas_bench_reads`),
dropped at the end. Load goes to 127.0.0.1 only, and every run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from app.db import create_database, drop_database, with_database
from app.migrations import upgrade
from bench import search
from bench.load import (
    HOST,
    Generator,
    Plan,
    Result,
    floor_command,
    server,
    service_command,
    serving_processes,
)
from tests.live import free_port

SECRET = "bench-only-secret-" + "x" * 24  # HS256 wants 32 bytes or more
ADMIN = ("bench-admin@example.com", "bench-admin-password")
IDS_PER_RUN = 1000


@dataclass(frozen=True)
class Route:
    label: str
    plan: Plan


def options(description: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per route and server")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each measure")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=1, help="WEB_CONCURRENCY of the service (and the floor)"
    )
    parser.add_argument("--client", choices=["auto", "wrk", "builtin"], default="auto")
    parser.add_argument(
        "--launcher",
        choices=["cli", "uvicorn"],
        default="cli",
        help="the service as `python -m app.cli serve` (production's command) or as uvicorn's "
        "command line with --workers on app.main:create_app",
    )
    parser.add_argument(
        "--pool-size", type=int, default=None, help="DB_POOL_SIZE of the service (its default)"
    )
    return parser


@dataclass
class Servers:
    """The service and the floor, both up on one database, and a token for both."""

    service_port: int
    floor_port: int
    token: str

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def service_env(url: str, port: int, workers: int, pool: int | None) -> dict[str, str]:
    # The service's own pool size unless asked: how it is configured is part of what is measured.
    sized = {} if pool is None else {"DB_POOL_SIZE": str(pool)}
    return {
        **sized,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "BOOTSTRAP_ADMIN_EMAIL": ADMIN[0],
        "BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1],
        "SEED_DEMO": "false",
        # The daily sweep would run at start-up on an empty zone: not what is measured.
        "ALERT_SWEEP_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }


def floor_env(url: str, connections: int) -> dict[str, str]:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    return {"FLOOR_DSN": dsn, "FLOOR_SECRET": SECRET, "FLOOR_POOL_SIZE": str(connections)}


def login(port: int) -> str:
    answer = httpx.post(
        f"http://{HOST}:{port}/api/v1/auth/token",
        data={"username": ADMIN[0], "password": ADMIN[1]},
        timeout=30,
    )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


def measure(generator: Generator, port: int, plan: Plan, duration: float, warmup: float) -> Result:
    if warmup > 0:
        generator.drive(port, plan, warmup)
    return generator.drive(port, plan, duration)


def report_line(label: str, service: Result, floor: Result) -> str:
    ratio = service.rate / floor.rate if floor.rate else float("nan")
    flags = []
    for name, result in (("service", service), ("floor", floor)):
        if not result.clean:
            flags.append(f"{name}: {result.bad_status} non-2xx, {result.errors} socket errors")
    note = f"  ({'; '.join(flags)})" if flags else ""
    return f"{label:<44}{service.rate:>10,.0f}{floor.rate:>10,.0f}{ratio:>8.2f}{note}"


def header(args: argparse.Namespace, generator: Generator, servers: tuple[int, int]) -> str:
    service_procs, floor_procs = servers
    lines = [
        f"load: {generator.describe()}, {args.duration:g} s per route after {args.warmup:g} s "
        f"of warm-up; WEB_CONCURRENCY={args.workers}: the service serves with {service_procs} "
        f"process{'es' if service_procs > 1 else ''}, the floor with {floor_procs}",
    ]
    if service_procs != args.workers:
        lines.append(
            f"WARNING: the service ignored WEB_CONCURRENCY={args.workers}: the figures below "
            f"are {service_procs} process(es) against a floor of {floor_procs}"
        )
    lines.append(f"{'route':<44}{'service':>10}{'floor':>10}{'ratio':>8}   (requests per second)")
    return "\n".join(lines)


@dataclass(frozen=True)
class Check:
    """How the service's and the floor's first answers must agree before anything is timed:
    reads the same request and the same JSON; writes a request each (a USCC is taken once)
    and the same fields."""

    numbers: tuple[int, int]
    normalise: Callable[[Any], Any]


READ_CHECK = Check((0, 0), lambda body: body)
WRITE_CHECK = Check((0, 1), lambda body: sorted(body))


def check_same(ports: tuple[int, int], plan: Plan, check: Check) -> None:
    answers = []
    for port, number in zip(ports, check.numbers, strict=True):
        path, body = plan.request(number)
        response = httpx.request(
            plan.method,
            f"http://{HOST}:{port}{path}",
            headers=plan.headers,
            content=body,
            timeout=30,
        )
        answers.append(
            (response.status_code, response.headers.get("etag"), check.normalise(response.json()))
        )
    if answers[0] != answers[1]:
        raise SystemExit(
            f"the floor does not answer {plan.method} {plan.path} as the service does:\n"
            f"service {json.dumps(answers[0], ensure_ascii=False)[:2000]}\n"
            f"floor   {json.dumps(answers[1], ensure_ascii=False)[:2000]}"
        )


async def seed(url: str) -> list[str]:
    await create_database(url, drop_first=True)
    await asyncio.to_thread(upgrade, url)
    conn = await asyncpg.connect(**search.asyncpg_args(url))
    try:
        await search.load(conn)
        ids = [str(row[0]) for row in await conn.fetch("SELECT id FROM enterprise")]
    finally:
        await conn.close()
    random.Random(14).shuffle(ids)
    return ids


def routes(servers: Servers, ids: list[str]) -> list[Route]:
    auth = servers.auth()
    return [
        Route("GET /api/v1/enterprises/{id}", Plan("GET", "/api/v1/enterprises/{id}", None,
              ids[:IDS_PER_RUN], auth)),
        Route("GET /api/v1/enterprises?limit=20", Plan("GET", "/api/v1/enterprises?limit=20",
              headers=auth)),
        Route("GET /api/v1/enterprises?limit=20&q=科技", Plan(
            "GET", "/api/v1/enterprises?limit=20&q=%E7%A7%91%E6%8A%80", headers=auth)),
        Route("GET /api/v1/me", Plan("GET", "/api/v1/me", headers=auth)),
    ]  # fmt: skip


def run_routes(
    args: argparse.Namespace,
    servers: Servers,
    service_pid: int,
    floor_pid: int,
    chosen: list[Route],
    check: Check,
) -> None:
    generator = Generator.choose(args.client, args.connections)
    for route in chosen:
        check_same((servers.service_port, servers.floor_port), route.plan, check)
    # The load numbers its requests after those the check sent.
    generator.used = max(check.numbers) + 1
    print("the floor answers each route with the service's status, ETag and JSON")
    print(header(args, generator, (serving_processes(service_pid), serving_processes(floor_pid))))
    for route in [Route("GET /health/live (no database)", Plan("GET", "/health/live")), *chosen]:
        service = measure(generator, servers.service_port, route.plan, args.duration, args.warmup)
        floor = measure(generator, servers.floor_port, route.plan, args.duration, args.warmup)
        print(report_line(route.label, service, floor), flush=True)


def run(args: argparse.Namespace, database: str, writes: bool) -> None:
    base, embedded = search.server_url()
    url = with_database(base, database)
    try:
        ids = asyncio.run(seed(url))
        service_port, floor_port = free_port(), free_port()
        service_env_ = service_env(url, service_port, args.workers, args.pool_size)
        floor_env_ = floor_env(url, args.connections)
        with (
            server(
                service_command(args.launcher, service_port, args.workers),
                service_env_,
                service_port,
                "the service",
            ) as service,
            server(
                floor_command(floor_port, args.workers), floor_env_, floor_port, "the floor"
            ) as floor,
        ):
            servers = Servers(service_port, floor_port, login(service_port))
            if writes:
                from bench.writes import write_routes

                chosen, check = write_routes(servers, ids), WRITE_CHECK
            else:
                chosen, check = routes(servers, ids), READ_CHECK
            run_routes(args, servers, service.pid, floor.pid, chosen, check)
    finally:
        asyncio.run(drop_database(url))
        if embedded is not None:
            embedded.stop()


def main(argv: list[str] | None = None) -> None:
    args = options(__doc__.split("\n\n")[0] if __doc__ else None).parse_args(argv)
    run(args, "tas_bench_reads", writes=False)


if __name__ == "__main__":
    main()
