"""Issue 14: three replicas, each a real `python -m app.cli serve` process, on one PostgreSQL,
the client spreading its requests over them. What must hold once per cluster, not once per
replica: the API-key rate limit, the daily sweep, an import's claim, an Idempotency-Key, the
change feed's order, and a revocation (within a second everywhere).

The replicas start side by side, once for the module, with the daily sweep on: each sweeps
the day as it starts (the scheduler's catch-up), so the sweep test reads what their race left.
Every test counts what it exercised and fails when a replica answered too little."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app import clock
from app.config import Settings
from app.db import asyncpg_params, drop_database
from app.main import create_app
from app.migrations import upgrade
from tests.auth.conftest import USER_PASSWORD
from tests.conftest import fresh_database, live_admin_headers, quiet_live_settings
from tests.enterprises.test_enterprises import body as enterprise_body
from tests.factories import random_uscc
from tests.imports.processes import ServerProcess
from tests.live import LiveServer
from tests.problems import assert_problem

RATE_LIMIT = 12
# Long enough that a test never straddles two windows (see `clear_of_a_window_boundary`).
RATE_WINDOW_SECONDS = 3600
# What "within a second on every other replica" allows.
PROPAGATION_SECONDS = 1.0
# Every wait ends by itself.
WAIT_SECONDS = 60.0
# A committed change is in the feed once older transactions have ended: moments, not this.
DRAIN_SECONDS = 15.0
# How long the first start-up sweep is held for the other two replicas to try theirs.
HELD_SWEEP_SECONDS = 20.0
LISTENER = "tech-accompaniment-listener"

REPLICA_SETTINGS = {
    "ALERT_SWEEP_ENABLED": "true",
    "API_KEY_RATE_LIMIT": str(RATE_LIMIT),
    "API_KEY_RATE_WINDOW_SECONDS": str(RATE_WINDOW_SECONDS),
    # The reapers of all three look for free import jobs twice a second.
    "IMPORT_HEARTBEAT_SECONDS": "0.5",
    # Three replicas beside the rest of the machine's tests under max_connections.
    "DB_POOL_SIZE": "4",
    "DB_MAX_OVERFLOW": "8",
}


@dataclass
class Replica:
    name: str
    process: ServerProcess
    client: httpx.Client

    def me(self, headers: dict[str, str]) -> httpx.Response:
        return self.client.get("/api/v1/me", headers=headers)

    def log_entries(self, logger: str) -> list[dict[str, Any]]:
        entries = []
        for line in self.process.output().splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("logger") == logger:
                    entries.append(entry)
        return entries


@dataclass
class Cluster:
    replicas: list[Replica]
    database_url: str
    admin: dict[str, str]
    swept_project: str  # red when the replicas started; the day's sweep turns it green
    # What the replicas' start-up sweeps said while the first of them was held in its run.
    said_while_held: list[str]

    def at(self, n: int) -> Replica:
        """Round-robin: the n-th request's replica."""
        return self.replicas[n % len(self.replicas)]

    def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(**asyncpg_params(self.database_url))
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def api_key(self) -> tuple[str, dict[str, str]]:
        created = self.replicas[0].client.post(
            "/api/v1/api-keys",
            headers=self.admin,
            json={"name": f"key-{uuid.uuid4().hex[:6]}", "scopes": []},
        )
        assert created.status_code == 201, created.text
        return created.json()["id"], {"Authorization": f"Bearer {created.json()['key']}"}

    def user(self) -> tuple[str, dict[str, str]]:
        """A new specialist's id and token (both from the first replica)."""
        first = self.replicas[0].client
        email = f"specialist-{uuid.uuid4().hex[:8]}@example.com"
        created = first.post(
            "/api/v1/users",
            headers=self.admin,
            json={"email": email, "password": USER_PASSWORD, "role": "specialist"},
        )
        assert created.status_code == 201, created.text
        token = first.post(
            "/api/v1/auth/token", data={"username": email, "password": USER_PASSWORD}
        )
        assert token.status_code == 200, token.text
        return created.json()["id"], {"Authorization": f"Bearer {token.json()['access_token']}"}


def eventually(check: Callable[[], bool], within: float, what: str) -> float:
    """Seconds until `check()` held; fails after `within` seconds."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > within:
            pytest.fail(f"{what}: not within {within} s")
        time.sleep(0.05)
    return time.monotonic() - start


def seed_a_project_the_sweep_turns_green(database_url: str) -> str:
    """Before the replicas start (they sweep as they start): a project red under today's
    policy, then a policy under which it is green. A new policy is used from the next write
    or sweep, so the stored colour stays red until a sweep."""
    settings: Settings = quiet_live_settings(database_url)
    today = clock.today(settings.zone)
    with (
        LiveServer(create_app(settings)) as server,
        httpx.Client(
            base_url=server.url, headers=live_admin_headers(server.url), timeout=30
        ) as client,
    ):
        enterprise = client.post(
            "/api/v1/enterprises", json={"uscc": random_uscc(), "name": "多副本扫描有限公司"}
        )
        assert enterprise.status_code == 201, enterprise.text
        project = client.post(
            "/api/v1/projects",
            json={
                "enterprise_id": enterprise.json()["id"],
                "title": "多副本扫描",
                "level": "district",
                "status": "in_progress",
                "start_on": (today - timedelta(days=20)).isoformat(),
                "end_on": (today + timedelta(days=300)).isoformat(),
            },
        )
        assert project.status_code == 201, project.text
        project_id: str = project.json()["id"]
        # One of 100 weight units overdue by 10 days: red.
        for title, due, weight in [
            ("一", today - timedelta(days=10), "1"),
            ("二", today + timedelta(days=290), "99"),
        ]:
            milestone = client.post(
                f"/api/v1/projects/{project_id}/milestones",
                json={"title": title, "due_on": due.isoformat(), "weight": weight},
            )
            assert milestone.status_code == 201, milestone.text
        assert client.get(f"/api/v1/projects/{project_id}").json()["alert"]["color"] == "red"
        policy = client.get("/api/v1/alert-policy").json()
        thresholds = {
            k: v for k, v in policy.items() if k not in {"version", "created_at", "created_by"}
        }
        # Red only after 30 days overdue: green from the next sweep.
        relaxed = client.put("/api/v1/alert-policy", json={**thresholds, "overdue_after_days": 30})
        assert relaxed.status_code == 200, relaxed.text
    return project_id


@contextmanager
def table_locked(database_url: str, table: str) -> Iterator[None]:
    """`table` locked against writes (SHARE mode) by a transaction of the test's own, held
    in a thread until the block ends: a writer meanwhile waits, as behind a long sweep."""
    held, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    async def hold() -> None:
        conn = await asyncpg.connect(**asyncpg_params(database_url))
        try:
            async with conn.transaction():
                await conn.execute(f"LOCK TABLE {table} IN SHARE MODE")
                held.set()
                await asyncio.to_thread(release.wait, WAIT_SECONDS)
        finally:
            await conn.close()

    def run() -> None:
        try:
            asyncio.run(hold())
        except BaseException as exc:
            failure.append(exc)
            held.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert held.wait(WAIT_SECONDS) and not failure, failure
    try:
        yield
    finally:
        release.set()
        thread.join(WAIT_SECONDS)


def sweep_outcomes(replica: Replica) -> list[str]:
    """What the replica's daily jobs said of the sweep (the other daily jobs log there too)."""
    said = [entry["message"] for entry in replica.log_entries("app.scheduling.daily")]
    return [message for message in said if message.startswith(SWEPT)]


def swept_or_not(replicas: list[Replica]) -> list[str]:
    return [said for replica in replicas for said in sweep_outcomes(replica)]


SWEPT = "daily alert sweep"
NOT_MINE = "daily alert sweep done or under way elsewhere"


@pytest.fixture(scope="module")
def cluster(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    url = fresh_database(server_url, "replicas")
    logs: Path = tmp_path_factory.mktemp("replicas")
    try:
        upgrade(url)
        project_id = seed_a_project_the_sweep_turns_green(url)
        processes = [ServerProcess(url, logs / f"{name}.log", **REPLICA_SETTINGS) for name in "abc"]
        with ExitStack() as stack:
            for process in processes:
                stack.callback(process.kill)  # a fixture that failed half-way leaves none
            replicas = [
                Replica(
                    name,
                    process,
                    stack.enter_context(httpx.Client(base_url=process.url, timeout=30)),
                )
                for name, process in zip("abc", processes, strict=True)
            ]
            # Side by side, so that their start-up sweeps race; and the first to claim the
            # day is held inside its run (the day's record cannot be written yet) until the
            # other two have tried: they must not sweep while it does. What they said by
            # then is the sweep test's to judge (a sweep gone wrong fails that test alone).
            with table_locked(url, "scheduled_run"):
                for process in processes:
                    process.start()
                for process in processes:
                    process.wait_ready()
                deadline = time.monotonic() + HELD_SWEEP_SECONDS
                while len(said_while_held := swept_or_not(replicas)) < 2:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
            found = Cluster(
                replicas, url, live_admin_headers(processes[0].url), project_id, said_while_held
            )
            database = url.rsplit("/", 1)[1]
            eventually(
                lambda: (
                    found.sql(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = $1 AND application_name = $2",
                        database,
                        LISTENER,
                    )[0][0]
                    == len(processes)
                ),
                WAIT_SECONDS,
                "every replica listens for revocations",
            )
            yield found
            for process in processes:
                process.ask_to_stop()
            assert [process.wait_stopped() for process in processes] == [0, 0, 0], [
                process.output()[-2000:] for process in processes
            ]
    finally:
        asyncio.run(drop_database(url))


def clear_of_a_window_boundary() -> None:
    """Rate windows are fixed (aligned on the epoch): start well inside one, so that every
    request of the test is counted in the same window."""
    left = RATE_WINDOW_SECONDS - time.time() % RATE_WINDOW_SECONDS
    if left < 15:
        time.sleep(left + 0.5)


def test_the_api_key_rate_limit_is_one_count_across_the_replicas(cluster: Cluster) -> None:
    _, key = cluster.api_key()
    clear_of_a_window_boundary()
    sent = 3 * RATE_LIMIT
    answers: list[tuple[str, httpx.Response]] = []
    # First one after another, round-robin: each replica admits some.
    for n in range(6):
        answers.append((cluster.at(n).name, cluster.at(n).me(key)))
    assert all(answer.status_code == 200 for _, answer in answers), answers

    # Then at once from threads, still round-robin: three replicas, one counter.
    def send(n: int) -> tuple[str, httpx.Response]:
        return cluster.at(n).name, cluster.at(n).me(key)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers += pool.map(send, range(6, sent))

    admitted = Counter(name for name, answer in answers if answer.status_code == 200)
    limited = [(name, answer) for name, answer in answers if answer.status_code == 429]
    assert sum(admitted.values()) == RATE_LIMIT, admitted
    assert len(limited) == sent - RATE_LIMIT, [a.status_code for _, a in answers]
    assert sorted(admitted) == ["a", "b", "c"], admitted  # every replica admitted some
    assert sorted(Counter(name for name, _ in limited)) == ["a", "b", "c"]  # and refused some
    for _, answer in limited:
        assert_problem(answer, 429, "rate_limited")
        assert 0 < int(answer.headers["Retry-After"]) <= RATE_WINDOW_SECONDS


def test_the_daily_sweep_runs_once_for_three_replicas_started_together(cluster: Cluster) -> None:
    # Two replicas found the day under way while the first was held inside its run...
    assert cluster.said_while_held == [NOT_MINE, NOT_MINE], cluster.said_while_held
    # ...which swept once released.
    eventually(
        lambda: len(swept_or_not(cluster.replicas)) >= 3, WAIT_SECONDS, "the held replica swept"
    )
    outcomes = [sweep_outcomes(replica) for replica in cluster.replicas]
    assert all(len(said) == 1 for said in outcomes), outcomes
    assert Counter(said[0] for said in outcomes) == {SWEPT: 1, NOT_MINE: 2}, outcomes
    [swept] = [
        entry
        for replica in cluster.replicas
        for entry in replica.log_entries("app.scheduling.daily")
        if entry["message"] == SWEPT
    ]
    assert (swept["evaluated"], swept["changed"]) == (1, 1), swept

    # One run record per once-a-day job and day, the outbox's prune's included.
    runs = cluster.sql("SELECT job, run_on FROM scheduled_run ORDER BY job")
    assert [(run["job"], run["run_on"].isoformat()) for run in runs] == [
        ("alert_sweep", swept["as_of"]),
        ("outbox_prune", swept["as_of"]),
    ]
    events = cluster.sql(
        "SELECT from_color, to_color, cause FROM alert_event WHERE project_id = $1 "
        "ORDER BY occurred_at, id",
        uuid.UUID(cluster.swept_project),
    )
    sweeps = [tuple(event) for event in events if event["cause"] == "sweep"]
    assert sweeps == [("red", "green", "sweep")], events
    colour = cluster.sql(
        "SELECT alert_color FROM project WHERE id = $1", uuid.UUID(cluster.swept_project)
    )
    assert colour[0]["alert_color"] == "green"
    audited = cluster.sql("SELECT count(*) FROM audit_event WHERE action = 'alert.sweep'")
    assert audited[0][0] == 1


IMPORT_ROWS = 300


def test_an_import_is_claimed_once_while_every_replica_runs_import_workers(
    cluster: Cluster,
) -> None:
    usccs: set[str] = set()
    while len(usccs) < IMPORT_ROWS:
        usccs.add(random_uscc())
    codes = sorted(usccs)
    csv = "uscc,name\n" + "".join(f"{code},副本导入{n}有限公司\n" for n, code in enumerate(codes))
    first, *others = cluster.replicas
    posted = first.client.post(
        "/api/v1/imports/enterprises",
        content=csv.encode(),
        headers={**cluster.admin, "Content-Type": "text/csv"},
    )
    assert posted.status_code == 202, posted.text
    location = posted.headers["Location"]
    job_id = uuid.UUID(posted.json()["id"])

    # Followed through the replicas that did not take the upload.
    polls: Counter[str] = Counter()
    job: dict[str, Any] = {}
    deadline = time.monotonic() + WAIT_SECONDS
    while job.get("status") not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, job
        replica = others[sum(polls.values()) % len(others)]
        answer = replica.client.get(location, headers=cluster.admin)
        assert answer.status_code == 200, answer.text
        polls[replica.name] += 1
        job = answer.json()
        time.sleep(0.05)
    assert sorted(polls) == ["b", "c"], polls
    assert job["status"] == "succeeded", job
    assert (job["total"], job["stored"], job["error_count"]) == (IMPORT_ROWS, IMPORT_ROWS, 0)

    [row] = cluster.sql(
        "SELECT status, attempts, stored, claim_id FROM import_job WHERE id = $1", job_id
    )
    assert (row["status"], row["attempts"], row["stored"]) == ("succeeded", 1, IMPORT_ROWS)
    assert row["claim_id"] is not None
    [stored] = cluster.sql(
        "SELECT count(*) AS n, count(DISTINCT uscc) AS codes FROM enterprise "
        "WHERE uscc = ANY($1::text[])",
        codes,
    )
    assert (stored["n"], stored["codes"]) == (IMPORT_ROWS, IMPORT_ROWS)
    audited = cluster.sql(
        "SELECT action, resource_id, count(*) AS n FROM audit_event WHERE request_id = $1 "
        "GROUP BY action, resource_id",
        f"import:{job_id}",
    )
    by_action = Counter(entry["action"] for entry in audited)
    assert by_action == {"enterprise.create": IMPORT_ROWS}, by_action
    assert all(entry["n"] == 1 for entry in audited)
    finished = cluster.sql(
        "SELECT count(*) FROM audit_event WHERE action = 'import.finish' AND resource_id = $1",
        str(job_id),
    )
    assert finished[0][0] == 1
    for replica in cluster.replicas:
        assert "taken over" not in replica.process.output()


def test_an_idempotency_key_holds_across_the_replicas(cluster: Cluster) -> None:
    each = 4
    sent = each * len(cluster.replicas)
    payload = enterprise_body(name="幂等多副本有限公司")
    headers = {**cluster.admin, "Idempotency-Key": f"replicas-{uuid.uuid4()}"}
    together = threading.Barrier(sent, timeout=WAIT_SECONDS)

    def post(n: int) -> tuple[str, httpx.Response]:
        together.wait()
        return cluster.at(n).name, cluster.at(n).client.post(
            "/api/v1/enterprises", json=payload, headers=headers
        )

    with ThreadPoolExecutor(max_workers=sent) as pool:
        answers = list(pool.map(post, range(sent)))

    created = Counter(name for name, answer in answers if answer.status_code == 201)
    assert created == dict.fromkeys("abc", each), [(n, a.status_code, a.text) for n, a in answers]
    originals = [(name, a) for name, a in answers if "idempotent-replayed" not in a.headers]
    assert len(originals) == 1, [a.headers for _, a in answers]
    origin, first = originals[0]
    for _, answer in answers:
        assert answer.content == first.content
        assert answer.headers["Location"] == first.headers["Location"]
        assert answer.headers["ETag"] == first.headers["ETag"]
    stored = cluster.sql("SELECT count(*) FROM enterprise WHERE uscc = $1", payload["uscc"])
    assert stored[0][0] == 1

    elsewhere = next(replica for replica in cluster.replicas if replica.name != origin)
    reused = elsewhere.client.post(
        "/api/v1/enterprises", json={**payload, "name": "另一个有限公司"}, headers=headers
    )
    assert_problem(reused, 422, "idempotency_key_reused")


WRITERS = 3
WRITES_EACH = 40
CREATES_EACH = 8


def test_the_change_feed_misses_no_write_made_on_any_replica(cluster: Cluster) -> None:
    written: list[tuple[str, int]] = []  # (id, version) of every write answered 2xx
    failed: list[str] = []
    lock = threading.Lock()

    def write(writer: int) -> None:
        replica = cluster.replicas[writer]
        mine: list[str] = []
        for n in range(WRITES_EACH):
            if n < CREATES_EACH:
                answer = replica.client.post(
                    "/api/v1/enterprises",
                    json=enterprise_body(name=f"变更流{writer}-{n}有限公司"),
                    headers=cluster.admin,
                )
            else:
                answer = replica.client.patch(
                    f"/api/v1/enterprises/{mine[n % CREATES_EACH]}",
                    json={"short_name": f"流{writer}-{n}"},
                    headers=cluster.admin,
                )
            with lock:
                if answer.is_success:
                    written.append((answer.json()["id"], int(answer.headers["ETag"].strip('"'))))
                else:
                    failed.append(answer.text)
            if n < CREATES_EACH and answer.is_success:
                mine.append(answer.json()["id"])

    seen: list[tuple[str, int]] = []
    pages: Counter[str] = Counter()
    cursor: str | None = None

    def read_page(n: int) -> bool:
        """One page from the n-th replica; whether more are ready now."""
        nonlocal cursor
        replica = cluster.at(n)
        params: dict[str, Any] = {"resource": "enterprise", "limit": 50}
        if cursor is not None:
            params["after"] = cursor
        answer = replica.client.get("/api/v1/changes", params=params, headers=cluster.admin)
        assert answer.status_code == 200, answer.text
        pages[replica.name] += 1
        page = answer.json()
        seen.extend((item["id"], item["version"]) for item in page["items"])
        cursor = page["next_cursor"]
        return bool(page["has_more"])

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        writers = [pool.submit(write, w) for w in range(WRITERS)]
        n = 0
        while not all(w.done() for w in writers):
            if not read_page(n):
                time.sleep(0.02)
            n += 1
        for w in writers:
            w.result()
    read_while_writing = len(seen)
    assert failed == []
    assert len(written) == WRITERS * WRITES_EACH
    assert sorted(pages) == ["a", "b", "c"], pages  # the reader's cursor went round them all

    expected = set(written)
    ids = {entity for entity, _ in written}
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:  # drain: until everything written is read and no more is ready
        more = read_page(n)
        n += 1
        if not more and expected <= set(seen):
            break
        assert time.monotonic() < deadline, sorted(expected - set(seen))[:10]
        if not more:
            time.sleep(0.05)

    ours = Counter(change for change in seen if change[0] in ids)
    assert set(ours) == expected
    assert [change for change, times in ours.items() if times > 1] == []
    # The feed was read while the replicas wrote, not only afterwards.
    assert any(entity in ids for entity, _ in seen[:read_while_writing])


def test_a_revocation_on_one_replica_is_honoured_by_the_others_within_a_second(
    cluster: Cluster,
) -> None:
    a, *others = cluster.replicas
    password_user, password_token = cluster.user()
    inactive_user, inactive_token = cluster.user()
    key_id, key = cluster.api_key()
    for headers in (password_token, inactive_token, key):
        for replica in cluster.replicas:  # every replica holds it in its cache
            answer = replica.me(headers)
            assert answer.status_code == 200, (replica.name, answer.text)

    changes: list[tuple[Callable[[], httpx.Response], dict[str, str], str]] = [
        (
            lambda: a.client.patch(
                f"/api/v1/users/{password_user}",
                headers=cluster.admin,
                json={"password": "another-password-2026"},
            ),
            password_token,
            "token_revoked",
        ),
        (
            lambda: a.client.delete(f"/api/v1/users/{inactive_user}", headers=cluster.admin),
            inactive_token,
            "account_inactive",
        ),
        (
            lambda: a.client.delete(f"/api/v1/api-keys/{key_id}", headers=cluster.admin),
            key,
            "api_key_revoked",
        ),
    ]
    delays: dict[str, dict[str, float]] = {}
    for change, headers, code in changes:
        made = change()
        assert made.is_success, made.text
        since = time.monotonic()
        assert_problem(a.me(headers), 401, code)  # at once where it was made
        pending = {replica.name: replica for replica in others}
        taken: dict[str, float] = {}
        while pending and time.monotonic() - since <= PROPAGATION_SECONDS:
            for name, replica in list(pending.items()):
                if replica.me(headers).status_code == 401:
                    taken[name] = time.monotonic() - since
                    del pending[name]
            time.sleep(0.01)
        delays[code] = taken
        assert not pending, f"{code}: still accepted by {sorted(pending)} after {delays}"
        for replica in others:
            assert_problem(replica.me(headers), 401, code)
    assert all(
        seconds <= PROPAGATION_SECONDS for taken in delays.values() for seconds in taken.values()
    ), delays
