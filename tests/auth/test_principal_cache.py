"""Issue 14: the principal is resolved from each worker's cache, without a database round
trip, and a revocation made on one replica is honoured at once there and within a second on
another (PostgreSQL LISTEN/NOTIFY); a cache that cannot listen is bypassed. Two live servers
(each its own cache) on one committed database."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cli import cmd_admin
from app.db import asyncpg_params, drop_database
from app.main import create_app
from app.migrations import upgrade
from tests.auth.conftest import USER_PASSWORD
from tests.conftest import fresh_database, live_admin_headers, quiet_live_settings
from tests.live import LiveServer
from tests.problems import assert_problem

# What "within a second on another replica" allows.
PROPAGATION_SECONDS = 1.0


@dataclass
class Replica:
    url: str
    app: FastAPI

    @property
    def engine(self) -> AsyncEngine:
        engine: AsyncEngine = self.app.state.session_factory.kw["bind"]
        return engine

    def me(self, headers: dict[str, str]) -> httpx.Response:
        return httpx.get(f"{self.url}/api/v1/me", headers=headers)

    @contextmanager
    def statements(self) -> Iterator[list[str]]:
        """The SQL this replica's pool runs meanwhile."""
        seen: list[str] = []

        def record(*args: Any) -> None:
            seen.append(str(args[2]))

        event.listen(self.engine.sync_engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(self.engine.sync_engine, "before_cursor_execute", record)


@dataclass
class Cluster:
    a: Replica
    b: Replica
    database_url: str
    admin: dict[str, str]
    _ids: dict[str, str] = field(default_factory=dict)

    def user(self, role: str = "specialist") -> tuple[str, dict[str, str]]:
        """A new user's id and token."""
        email, headers = self.user_with_email(role)
        return self._ids[email], headers

    def user_with_email(self, role: str) -> tuple[str, dict[str, str]]:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        created = httpx.post(
            f"{self.a.url}/api/v1/users",
            headers=self.admin,
            json={"email": email, "password": USER_PASSWORD, "role": role},
        )
        assert created.status_code == 201, created.text
        token = httpx.post(
            f"{self.a.url}/api/v1/auth/token", data={"username": email, "password": USER_PASSWORD}
        )
        assert token.status_code == 200, token.text
        self._ids[email] = created.json()["id"]
        return email, {"Authorization": f"Bearer {token.json()['access_token']}"}

    def api_key(self) -> tuple[str, dict[str, str]]:
        created = httpx.post(
            f"{self.a.url}/api/v1/api-keys",
            headers=self.admin,
            json={"name": f"key-{uuid.uuid4().hex[:6]}", "scopes": []},
        )
        assert created.status_code == 201, created.text
        return created.json()["id"], {"Authorization": f"Bearer {created.json()['key']}"}

    def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(**asyncpg_params(self.database_url))
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())


def listening(replica: Replica) -> bool:
    return bool(replica.app.state.principals.active)


def refused(replica: Replica, headers: dict[str, str]) -> bool:
    return replica.me(headers).status_code == 401


def eventually(check: Callable[[], bool], within: float) -> float:
    """Seconds until `check()` held; fails after `within` seconds."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > within:
            pytest.fail(f"not within {within} s")
        time.sleep(0.02)
    return time.monotonic() - start


@pytest.fixture(scope="module")
def cluster(server_url: str) -> Iterator[Cluster]:
    url = fresh_database(server_url, "cache")
    upgrade(url)
    settings = quiet_live_settings(url)
    try:
        with ExitStack() as stack:
            apps = [create_app(settings), create_app(settings)]
            servers = [stack.enter_context(LiveServer(app)) for app in apps]
            a, b = (Replica(server.url, app) for server, app in zip(servers, apps, strict=True))
            found = Cluster(a, b, url, live_admin_headers(a.url))
            for replica in (a, b):
                eventually(partial(listening, replica), 10)
            yield found
    finally:
        asyncio.run(drop_database(url))


def test_a_token_works_on_both_replicas(cluster: Cluster) -> None:
    user_id, token = cluster.user()
    for replica in (cluster.a, cluster.b):
        answer = replica.me(token)
        assert answer.status_code == 200, answer.text
        assert answer.json()["id"] == user_id


def test_a_warm_cache_resolves_the_user_without_sql(cluster: Cluster) -> None:
    _, token = cluster.user()
    assert cluster.b.me(token).status_code == 200  # warms B's cache
    with cluster.b.statements() as seen:
        for _ in range(5):
            assert cluster.b.me(token).status_code == 200
    assert seen == []


def test_a_warm_cache_resolves_an_api_key_without_reading_it(cluster: Cluster) -> None:
    _, key = cluster.api_key()
    assert cluster.b.me(key).status_code == 200
    with cluster.b.statements() as seen:
        for _ in range(3):
            assert cluster.b.me(key).status_code == 200
    # The rate limit still counts every request; the key itself is not read again.
    assert len(seen) == 3
    assert all("api_key_window" in statement for statement in seen), seen


def warm(cluster: Cluster, headers: dict[str, str]) -> None:
    for replica in (cluster.a, cluster.b):
        assert replica.me(headers).status_code == 200


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"password": "another-password-2026"}, "token_revoked"),
        ({"role": "manager"}, "token_revoked"),
        ({"is_active": False}, "account_inactive"),
    ],
)
def test_a_user_change_on_one_replica_is_honoured_by_the_other_within_a_second(
    cluster: Cluster, change: dict[str, object], code: str
) -> None:
    user_id, token = cluster.user()
    warm(cluster, token)

    changed = httpx.patch(
        f"{cluster.a.url}/api/v1/users/{user_id}", headers=cluster.admin, json=change
    )
    assert changed.status_code == 200, changed.text

    assert_problem(cluster.a.me(token), 401, code)  # at once where it was made
    eventually(lambda: cluster.b.me(token).status_code == 401, PROPAGATION_SECONDS)
    assert_problem(cluster.b.me(token), 401, code)


@pytest.mark.parametrize(
    ("credential", "path", "code"),
    [
        ("user", "/api/v1/users/{}", "account_inactive"),
        ("api_key", "/api/v1/api-keys/{}", "api_key_revoked"),
    ],
)
def test_a_deactivation_or_key_revocation_is_honoured_at_once_and_on_the_other_replica(
    cluster: Cluster, credential: str, path: str, code: str
) -> None:
    made, headers = cluster.user() if credential == "user" else cluster.api_key()
    warm(cluster, headers)

    deleted = httpx.delete(cluster.a.url + path.format(made), headers=cluster.admin)
    assert deleted.status_code == 204

    assert_problem(cluster.a.me(headers), 401, code)
    eventually(lambda: cluster.b.me(headers).status_code == 401, PROPAGATION_SECONDS)
    assert_problem(cluster.b.me(headers), 401, code)


def test_the_admin_command_is_honoured_by_every_replica_within_a_second(
    cluster: Cluster,
) -> None:
    email, token = cluster.user_with_email("manager")
    warm(cluster, token)

    settings = quiet_live_settings(cluster.database_url)
    assert cmd_admin(settings, email, "restored-password-2026") == 0  # promotes, revokes

    for replica in (cluster.a, cluster.b):
        eventually(partial(refused, replica, token), PROPAGATION_SECONDS)


def test_the_replica_that_revokes_needs_no_notification_to_refuse(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, token = cluster.user()
    key_id, key = cluster.api_key()
    for headers in (token, key):
        warm(cluster, headers)
    # A hears no notification from now on: what it refuses, it refuses by itself.
    monkeypatch.setattr(cluster.a.app.state.principals, "_notified", lambda *_: None)

    changed = httpx.patch(
        f"{cluster.a.url}/api/v1/users/{user_id}",
        headers=cluster.admin,
        json={"password": "another-password-2026"},
    )
    assert changed.status_code == 200
    revoked = httpx.delete(f"{cluster.a.url}/api/v1/api-keys/{key_id}", headers=cluster.admin)
    assert revoked.status_code == 204

    assert_problem(cluster.a.me(token), 401, "token_revoked")
    assert_problem(cluster.a.me(key), 401, "api_key_revoked")
    eventually(lambda: cluster.b.me(token).status_code == 401, PROPAGATION_SECONDS)


def test_a_replica_whose_listener_is_lost_bypasses_its_cache_until_it_listens_again(
    cluster: Cluster,
) -> None:
    user_id, token = cluster.user()
    warm(cluster, token)
    killed = cluster.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = $1 AND application_name = 'tech-accompaniment-listener'",
        cluster.database_url.rsplit("/", 1)[1],
    )
    assert len(killed) == 2  # one listener per replica
    eventually(lambda: not listening(cluster.b), PROPAGATION_SECONDS)
    # A change nobody announces, as if its notification had been missed: without the
    # listener, B reads the user afresh and refuses the token at once.
    cluster.sql(
        "UPDATE app_user SET credential_version = credential_version + 1 WHERE id = $1",
        uuid.UUID(user_id),
    )
    assert_problem(cluster.b.me(token), 401, "token_revoked")

    # The listener comes back by itself, and with it the cache.
    eventually(lambda: listening(cluster.b), 10)
    _, fresh = cluster.user()
    assert cluster.b.me(fresh).status_code == 200
    with cluster.b.statements() as seen:
        assert cluster.b.me(fresh).status_code == 200
    assert seen == []
